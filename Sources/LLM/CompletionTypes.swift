import Foundation
import WorkbenchCore

/// One message of a chat conversation.
public struct ChatMessage: Sendable, Codable, Equatable, Hashable {
    public enum Role: String, Sendable, Codable, Hashable { case system, user, assistant }
    public var role: Role
    public var content: String
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// What shape the answer must take.
public enum ResponseFormat: Sendable, Equatable, Hashable {
    case text
    /// Any JSON object.
    case jsonObject
    /// JSON matching `schema` (JSON Schema text); providers that support it constrain decoding.
    case jsonSchema(name: String, schema: String)
}

/// A provider-independent completion request: what every task (generation, enhancement,
/// planning, judging, extraction) asks of a model.
public struct CompletionRequest: Sendable, Equatable, Hashable {
    public var messages: [ChatMessage]
    /// Overrides the provider's configured model when set.
    public var model: String?
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    public var stop: [String]
    public var seed: UInt64?
    public var frequencyPenalty: Double?
    public var presencePenalty: Double?
    public var responseFormat: ResponseFormat
    /// What the call is for: routing, cost accounting and the call log use it. Not sent to
    /// the provider. Required, so no call is logged under another task's name.
    public var task: LLMTask

    public init(
        messages: [ChatMessage], model: String? = nil, temperature: Double? = nil, topP: Double? = nil,
        maxTokens: Int? = nil, stop: [String] = [], seed: UInt64? = nil, frequencyPenalty: Double? = nil,
        presencePenalty: Double? = nil, responseFormat: ResponseFormat = .text, task: LLMTask
    ) {
        self.messages = messages
        self.model = model
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.seed = seed
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.responseFormat = responseFormat
        self.task = task
    }
}

/// Token counts of one call. `estimated` is true when the provider sent no usage and the
/// numbers were estimated from the text (about 4 characters a token).
public struct TokenUsage: Sendable, Equatable, Codable, Hashable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var estimated: Bool
    public init(promptTokens: Int, completionTokens: Int, estimated: Bool = false) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.estimated = estimated
    }
    public var totalTokens: Int { promptTokens + completionTokens }

    /// The rough count the workbench uses when a provider reports none.
    public static func estimate(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }
}

/// Why the model stopped.
public enum FinishReason: String, Sendable, Codable, Equatable {
    case stop, length, contentFilter = "content_filter", toolCalls = "tool_calls", unknown

    public init(wire: String?) {
        switch wire {
        case "stop", "end_turn", "stop_sequence", "STOP": self = .stop
        case "length", "max_tokens", "MAX_TOKENS": self = .length
        case "content_filter", "SAFETY", "RECITATION", "refusal", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII": self = .contentFilter
        case "tool_calls", "tool_use": self = .toolCalls
        default: self = .unknown
        }
    }
}

/// A finished completion with everything the call log and cost accounting need.
public struct Completion: Sendable, Equatable {
    public var text: String
    public var usage: TokenUsage
    public var finishReason: FinishReason
    /// Which provider (by configured name) and model served it.
    public var provider: String
    public var model: String
    /// Wall time of the successful attempt, and time to its first byte of content.
    public var latency: Duration
    public var timeToFirstToken: Duration?
    public var costUSD: Double
    /// True when the answer came from the response cache (and so cost nothing).
    public var cached: Bool

    public init(
        text: String, usage: TokenUsage, finishReason: FinishReason, provider: String, model: String,
        latency: Duration, timeToFirstToken: Duration? = nil, costUSD: Double = 0, cached: Bool = false
    ) {
        self.text = text
        self.usage = usage
        self.finishReason = finishReason
        self.provider = provider
        self.model = model
        self.latency = latency
        self.timeToFirstToken = timeToFirstToken
        self.costUSD = costUSD
        self.cached = cached
    }
}

/// One piece of a streamed completion: text as it arrives, then one final `.done`.
public enum CompletionChunk: Sendable, Equatable {
    case text(String)
    case done(Completion)
}

/// Everything that talks to a model goes through this.
public protocol LLMProvider: Sendable {
    /// The configured name (`groq`, `sim`, `local`), recorded with every call.
    var name: String { get }
    /// The model used when a request names none.
    var model: String { get }
    func complete(_ request: CompletionRequest) async throws -> Completion
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error>
}
