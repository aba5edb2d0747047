import Foundation

/// One attempt at a model call, as the call log keeps it. Never holds a key.
public struct LLMCallRecord: Sendable, Equatable {
    public var runID: RunID?
    public var bookID: String?
    public var chapter: Int?
    public var task: LLMTask
    public var provider: String
    public var model: String
    public var requestHash: String
    public var attempt: Int
    /// `ok`, `cached`, or `error:<kind>` (e.g. `error:http-429`, `error:timeout`).
    public var outcome: String
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var tokensEstimated: Bool
    public var costUSD: Double
    public var latencyMilliseconds: Double?
    public var timeToFirstTokenMilliseconds: Double?
    public var error: String?
    public var createdAt: Date

    public init(
        runID: RunID?, bookID: String?, chapter: Int?, task: LLMTask, provider: String, model: String, requestHash: String,
        attempt: Int, outcome: String, finishReason: String?, promptTokens: Int?, completionTokens: Int?, tokensEstimated: Bool,
        costUSD: Double, latencyMilliseconds: Double?, timeToFirstTokenMilliseconds: Double?, error: String?, createdAt: Date
    ) {
        self.runID = runID
        self.bookID = bookID
        self.chapter = chapter
        self.task = task
        self.provider = provider
        self.model = model
        self.requestHash = requestHash
        self.attempt = attempt
        self.outcome = outcome
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.tokensEstimated = tokensEstimated
        self.costUSD = costUSD
        self.latencyMilliseconds = latencyMilliseconds
        self.timeToFirstTokenMilliseconds = timeToFirstTokenMilliseconds
        self.error = error
        self.createdAt = createdAt
    }
}

/// A completion kept in the response cache, addressed by the hash of its normalised request.
public struct CachedCompletionRecord: Sendable, Equatable {
    public var requestHash: String
    public var provider: String
    public var model: String
    public var text: String
    public var finishReason: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var tokensEstimated: Bool
    /// What the original call cost (a hit costs nothing).
    public var costUSD: Double

    public init(requestHash: String, provider: String, model: String, text: String, finishReason: String,
                promptTokens: Int, completionTokens: Int, tokensEstimated: Bool, costUSD: Double) {
        self.requestHash = requestHash
        self.provider = provider
        self.model = model
        self.text = text
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.tokensEstimated = tokensEstimated
        self.costUSD = costUSD
    }
}

/// Where model calls are cached and logged: the workspace database implements it, so the
/// LLM layer needs no database of its own.
public protocol LLMCallStore: Sendable {
    func cachedCompletion(for requestHash: String) throws -> CachedCompletionRecord?
    func saveCompletion(_ completion: CachedCompletionRecord) throws
    func recordCalls(_ calls: [LLMCallRecord]) throws
}
