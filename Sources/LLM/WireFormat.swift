import Foundation

/// What one streamed event contributes.
public struct WireStreamDelta: Sendable, Equatable {
    public var text: String?
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var model: String?
    /// The event that says the stream is complete (`[DONE]`, `message_stop`, a final finish reason).
    public var isEnd = false
    /// An error reported inside the stream.
    public var error: String?
    /// The HTTP status the same error has outside a stream (Anthropic's `overloaded_error` is
    /// 529), so retrying treats both alike; 500 when the API names none.
    public var errorStatus: Int?

    public init(text: String? = nil, finishReason: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil,
                model: String? = nil, isEnd: Bool = false, error: String? = nil, errorStatus: Int? = nil) {
        self.text = text
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.model = model
        self.isEnd = isEnd
        self.error = error
        self.errorStatus = errorStatus
    }
}

/// A whole answer, decoded.
public struct WireCompletion: Sendable, Equatable {
    public var text: String
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var model: String?
}

/// One provider API's request and response shapes. `ChatProvider` does the HTTP, streaming,
/// error mapping and accounting once for all of them.
public protocol WireFormat: Sendable {
    init()
    /// URL, headers and body of a request. `apiKey` is nil for keyless servers.
    func request(for request: CompletionRequest, config: ProviderConfig, apiKey: String?, stream: Bool) throws -> (url: String, headers: [(name: String, value: String)], body: Data)
    func decodeCompletion(_ body: Data) throws -> WireCompletion
    func decodeStreamEvent(_ event: SSEParser.Event) throws -> WireStreamDelta
    /// The server's own error message in an error body, if it has the API's error shape.
    func errorMessage(in body: Data) -> String?
    /// Seconds to wait that an error body asks for, for APIs that put it there rather than
    /// in a `Retry-After` header (Gemini's `RetryInfo.retryDelay`).
    func retryAfter(in body: Data) -> Double?
}

/// What a wire format reports that is neither text nor malformed JSON; `ChatProvider` turns
/// it into the `LLMError` naming the provider.
public enum WireError: Error, Equatable {
    /// The provider refused the prompt (Gemini's `promptFeedback.blockReason`, OpenAI's
    /// `refusal`); `reason` says which and why.
    case blocked(reason: String)
}

extension WireFormat {
    public func retryAfter(in body: Data) -> Double? { nil }
}

extension WireFormat {
    /// System messages joined, and the rest, for APIs that take the system prompt apart.
    static func split(_ messages: [ChatMessage]) -> (system: String?, rest: [ChatMessage]) {
        let system = messages.filter { $0.role == .system }.map(\.content)
        return (system.isEmpty ? nil : system.joined(separator: "\n\n"), messages.filter { $0.role != .system })
    }

    /// For APIs without native JSON-schema output: the schema as an instruction, checked afterwards.
    static func jsonInstruction(_ format: ResponseFormat) -> String? {
        switch format {
        case .text: return nil
        case .jsonObject: return "Answer with a single JSON object and nothing else."
        case .jsonSchema(_, let schema): return "Answer with a single JSON value that matches this JSON Schema, and nothing else:\n\(schema)"
        }
    }
}
