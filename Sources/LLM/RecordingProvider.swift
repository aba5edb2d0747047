import Foundation
import WorkbenchCore

/// Which run, book and chapter a call belongs to, for the call log and cost totals.
public struct CallContext: Sendable, Equatable {
    public var runID: RunID?
    public var bookID: String?
    public var chapter: Int?
    public init(runID: RunID? = nil, bookID: String? = nil, chapter: Int? = nil) {
        self.runID = runID
        self.bookID = bookID
        self.chapter = chapter
    }
}

/// How the response cache is used.
public enum CacheMode: String, Sendable, CaseIterable {
    /// Answer from the cache when possible, store every new answer (the default).
    case readWrite = "read-write"
    /// Neither read nor write (`--no-cache`).
    case off
    /// Answer only from the cache; a miss is an error (`--cache-only`, for replays).
    case replayOnly = "replay-only"
}

/// The outermost layer of a provider: answers from the content-addressed response cache
/// (a hit costs nothing and is recorded as such), and logs every attempt in the call log.
public struct RecordingProvider: LLMProvider {
    public let inner: ResilientProvider
    public let store: any LLMCallStore
    public let cache: CacheMode
    public let context: CallContext

    public init(_ inner: ResilientProvider, store: any LLMCallStore, cache: CacheMode = .readWrite, context: CallContext = CallContext()) {
        self.inner = inner
        self.store = store
        self.cache = cache
        self.context = context
    }

    public var name: String { inner.name }
    public var model: String { inner.model }

    /// The SHA-256 of the normalised request: provider, model, what else decides the answer
    /// (`identity`: the declared base URL, the extra body fields, the local model file), the
    /// messages and every sampling parameter including the seed. The task is left out: the
    /// same request is the same answer.
    public static func requestHash(provider: String, model: String, identity: String = "", _ request: CompletionRequest) -> String {
        struct Key: Encodable {
            var provider, model, identity: String
            var messages: [[String: String]]
            var temperature, topP, frequencyPenalty, presencePenalty: Double?
            var maxTokens: Int?
            var stop: [String]
            var seed: UInt64?
            var responseFormat: String
        }
        let format: String
        switch request.responseFormat {
        case .text: format = "text"
        case .jsonObject: format = "json_object"
        case .jsonSchema(let name, let schema): format = "json_schema:\(name):" + ((try? CanonicalJSON.normalize(schema)) ?? schema)
        }
        let key = Key(
            provider: provider, model: request.model ?? model, identity: identity,
            messages: request.messages.map { ["role": $0.role.rawValue, "content": $0.content] },
            temperature: request.temperature, topP: request.topP, frequencyPenalty: request.frequencyPenalty,
            presencePenalty: request.presencePenalty, maxTokens: request.maxTokens, stop: request.stop, seed: request.seed,
            responseFormat: format)
        return SHA256.hex(of: (try? CanonicalJSON.encode(key)) ?? "\(key)")
    }

    func hash(_ request: CompletionRequest) -> String {
        Self.requestHash(provider: name, model: inner.model, identity: inner.cacheIdentity, request)
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let hash = hash(request)
        if let hit = try cached(hash, request) { return hit }
        let attempts = AttemptCollector()
        do {
            let completion = try await inner.complete(request) { attempts.add($0) }
            try finish(hash, request, completion, attempts: attempts.all)
            return completion
        } catch {
            try? store.recordCalls(records(hash, request, attempts.all, completion: nil))
            throw error
        }
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                let hash = hash(request)
                let attempts = AttemptCollector()
                do {
                    if let hit = try cached(hash, request) {
                        continuation.yield(.text(hit.text))
                        continuation.yield(.done(hit))
                        continuation.finish()
                        return
                    }
                    for try await chunk in inner.stream(request, onAttempt: { attempts.add($0) }) {
                        if case .done(let completion) = chunk { try finish(hash, request, completion, attempts: attempts.all) }
                        continuation.yield(chunk)
                    }
                    continuation.finish()
                } catch {
                    try? store.recordCalls(records(hash, request, attempts.all, completion: nil))
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func cached(_ hash: String, _ request: CompletionRequest) throws -> Completion? {
        guard cache != .off else { return nil }
        guard let hit = try store.cachedCompletion(for: hash) else {
            if cache == .replayOnly { throw LLMError.cacheMiss(provider: name, requestHash: hash) }
            return nil
        }
        let completion = Completion(
            text: hit.text, usage: TokenUsage(promptTokens: hit.promptTokens, completionTokens: hit.completionTokens, estimated: hit.tokensEstimated),
            finishReason: FinishReason(rawValue: hit.finishReason) ?? .unknown, provider: hit.provider, model: hit.model,
            latency: .zero, costUSD: 0, cached: true)
        try store.recordCalls([LLMCallRecord(
            runID: context.runID, bookID: context.bookID, chapter: context.chapter, task: request.task, provider: hit.provider,
            model: hit.model, requestHash: hash, attempt: 1, outcome: "cached", finishReason: hit.finishReason,
            promptTokens: hit.promptTokens, completionTokens: hit.completionTokens, tokensEstimated: hit.tokensEstimated,
            costUSD: 0, latencyMilliseconds: 0, timeToFirstTokenMilliseconds: nil, error: nil, createdAt: Date())])
        return completion
    }

    private func finish(_ hash: String, _ request: CompletionRequest, _ completion: Completion, attempts: [ResilientProvider.Attempt]) throws {
        if cache == .readWrite {
            try store.saveCompletion(CachedCompletionRecord(
                requestHash: hash, provider: completion.provider, model: completion.model, text: completion.text,
                finishReason: completion.finishReason.rawValue, promptTokens: completion.usage.promptTokens,
                completionTokens: completion.usage.completionTokens, tokensEstimated: completion.usage.estimated, costUSD: completion.costUSD))
        }
        try store.recordCalls(records(hash, request, attempts, completion: completion))
    }

    private func records(_ hash: String, _ request: CompletionRequest, _ attempts: [ResilientProvider.Attempt], completion: Completion?) -> [LLMCallRecord] {
        attempts.map { attempt in
            let succeeded = attempt.error == nil
            // A failed attempt may still have been billed: its tokens and cost count too.
            let usage = succeeded ? completion?.usage : attempt.billed?.usage
            return LLMCallRecord(
                runID: context.runID, bookID: context.bookID, chapter: context.chapter, task: request.task, provider: attempt.provider,
                model: completion?.model ?? request.model ?? inner.model, requestHash: hash, attempt: attempt.number,
                outcome: attempt.error.map { "error:\($0.kind)" } ?? "ok",
                finishReason: succeeded ? completion?.finishReason.rawValue : nil,
                promptTokens: usage?.promptTokens,
                completionTokens: usage?.completionTokens,
                tokensEstimated: usage?.estimated ?? false,
                costUSD: (succeeded ? completion?.costUSD : attempt.billed?.costUSD) ?? 0,
                latencyMilliseconds: attempt.latency.milliseconds,
                timeToFirstTokenMilliseconds: succeeded ? completion?.timeToFirstToken?.milliseconds : nil,
                // Providers scrub what servers send; this catches what any other path lets through.
                error: attempt.error.map { Redaction.redact($0.message) }, createdAt: Date())
        }
    }
}

final class AttemptCollector: Sendable {
    private let attempts = SynchronizedArray<ResilientProvider.Attempt>()
    func add(_ attempt: ResilientProvider.Attempt) { attempts.append(attempt) }
    var all: [ResilientProvider.Attempt] { attempts.values }
}
