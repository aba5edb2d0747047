import Foundation
import Synchronization
import WorkbenchCore

/// Wraps one provider with everything that keeps calls alive: rate limits and a concurrency
/// cap before sending, retries with backoff (honouring `Retry-After`) under a retry budget,
/// and a circuit breaker. Failures that retrying cannot fix (400, 401, 403, 404, 422, a
/// missing key) fail at once.
public final class ResilientProvider: LLMProvider {
    public let inner: any LLMProvider
    public let policy: RetryPolicy
    /// What besides provider, model and request decides an answer (see `ProviderFactory`):
    /// part of the response cache's key.
    public let cacheIdentity: String
    private let guardState: Mutex<GuardState>
    private let slots: ConcurrencySlots
    /// The process-wide limit every provider's calls also wait for (`queue process --rate-limit`).
    public let shared: GlobalRateLimiter?

    private struct GuardState: ~Copyable {
        var budget: RetryBudget
        var breaker: CircuitBreaker
        var limiter: RateLimiter
        var random: SeededGenerator
    }

    /// Observations for the call log: one per attempt.
    public struct Attempt: Sendable {
        public var provider: String
        public var number: Int
        public var error: LLMError?
        public var latency: Duration
        /// What a failed attempt was billed for (tokens the provider produced before the
        /// answer broke or was cut), estimated when the provider sent no usage.
        public var billed: BilledUsage?

        public init(provider: String, number: Int, error: LLMError?, latency: Duration, billed: BilledUsage? = nil) {
            self.provider = provider
            self.number = number
            self.error = error
            self.latency = latency
            self.billed = billed
        }
    }

    public var name: String { inner.name }
    public var model: String { inner.model }

    public init(
        _ inner: any LLMProvider, config: ProviderConfig? = nil, policy: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker = CircuitBreaker(), budget: RetryBudget = RetryBudget(), jitterSeed: UInt64 = 0x5EED,
        cacheIdentity: String = "", shared: GlobalRateLimiter? = nil
    ) {
        self.inner = inner
        self.shared = shared
        self.policy = policy
        self.cacheIdentity = cacheIdentity
        guardState = Mutex(GuardState(
            budget: budget, breaker: breaker,
            limiter: RateLimiter(requestsPerMinute: config?.requestsPerMinute, tokensPerMinute: config?.tokensPerMinute),
            random: SeededGenerator(seed: jitterSeed)))
        slots = ConcurrencySlots(limit: max(1, config?.maxConcurrent ?? 1_000_000))
    }

    /// The retry budget left, for `providers list` and tests.
    public var retryBudgetAvailable: Double { guardState.withLock { $0.budget.available } }
    public var breakerState: CircuitBreaker.State { guardState.withLock { $0.breaker.state } }
    /// The adaptive send rate (1 = the configured limits) and concurrency cap, for tests.
    public var sendRate: Double { guardState.withLock { $0.limiter.rate } }
    public var isRateLimited: Bool { guardState.withLock { $0.limiter.isLimited } }
    public var concurrencyLimit: Int { slots.limit }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        try await complete(request, onAttempt: { _ in })
    }

    /// `onAttempt` sees every attempt, failed or not, as it ends.
    public func complete(_ request: CompletionRequest, onAttempt: @escaping @Sendable (Attempt) -> Void) async throws -> Completion {
        try await withRetries(request, onAttempt: onAttempt) { try await self.inner.complete(request) }
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        stream(request, onAttempt: { _ in })
    }

    /// A stream is retried only until its first text arrives: text already shown cannot be
    /// unsaid. `onAttempt` sees every attempt, as `complete` does.
    public func stream(_ request: CompletionRequest, onAttempt: @escaping @Sendable (Attempt) -> Void) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let completion = try await withRetries(request, onAttempt: onAttempt) {
                        var sentText = false
                        do {
                            for try await chunk in self.inner.stream(request) {
                                if case .text = chunk { sentText = true }
                                if case .done(let completion) = chunk { return completion }
                                continuation.yield(chunk)
                            }
                            throw LLMError.truncatedStream(provider: self.name, receivedCharacters: 0)
                        } catch let error as LLMError where sentText {
                            throw StreamAlreadyStarted(error: error)
                        }
                    }
                    continuation.yield(.done(completion))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A stream failure after text was yielded: the attempt counts, but it is not retried.
    private struct StreamAlreadyStarted: Error { var error: LLMError }

    private func withRetries(
        _ request: CompletionRequest, onAttempt: @escaping @Sendable (Attempt) -> Void, _ attempt: @escaping () async throws -> Completion
    ) async throws -> Completion {
        let estimated = TokenUsage.estimate(request.messages.map(\.content).joined()) + (request.maxTokens ?? 512)
        var retried = false
        var lastTimeout = false
        var timedOut = false
        for number in 1...max(1, policy.maxAttempts) {
            let (trial, permit) = try await admit(estimatedTokens: estimated)
            let started = ContinuousClock.now
            let billing = BillingSink()
            let outcome: Result<Completion, any Error>
            do {
                outcome = .success(try await slots.run { try await BillingSink.$current.withValue(billing) { try await attempt() } })
            } catch {
                outcome = .failure(error)
            }
            let latency = ContinuousClock.now - started
            let thrown: any Error
            switch outcome {
            case .success(let completion):
                onAttempt(Attempt(provider: name, number: number, error: nil, latency: latency))
                guardState.withLock { state in
                    state.breaker.recordSuccess()
                    state.budget.refund(retried: retried, isTimeout: lastTimeout)
                    state.limiter.succeeded()
                    state.limiter.settle(estimatedTokens: estimated, actualTokens: completion.usage.totalTokens)
                }
                slots.succeeded()
                if let shared, let permit {
                    shared.succeeded()
                    shared.settle(permit, actualTokens: completion.usage.totalTokens)
                }
                return completion
            case .failure(let error):
                thrown = error
            }

            var streamStarted = false
            let llmError: LLMError
            switch thrown {
            case let started as StreamAlreadyStarted:
                llmError = started.error
                streamStarted = true
            case let error as LLMError: llmError = error
            case is CancellationError: llmError = .cancelled
            default:
                // Not the provider's failure (a bug or a caller's error): say nothing about it.
                if trial { guardState.withLock { $0.breaker.abandonTrial(now: .now) } }
                throw thrown
            }
            onAttempt(Attempt(provider: name, number: number, error: llmError, latency: latency, billed: billing.billed))
            if llmError == .cancelled || Task.isCancelled {
                if trial { guardState.withLock { $0.breaker.abandonTrial(now: .now) } }
                throw LLMError.cancelled
            }
            guard llmError.indicatesProviderTrouble else {
                // The provider answered, and said no: that is news about the request, not the provider.
                if trial { guardState.withLock { $0.breaker.recordSuccess() } }
                throw llmError
            }
            if case .http(_, 429, _, _) = llmError {
                guardState.withLock { $0.limiter.throttled(now: .now) }
                slots.throttled()
                shared?.throttled()
            }
            // A failed trial opens the circuit again at once; otherwise a call counts as
            // failed once it gives up: after `maxAttempts`, or fewer once one timed out.
            let isTimeout: Bool = { if case .timeout = llmError { return true } else { return false } }()
            timedOut = timedOut || isTimeout
            let attemptLimit = timedOut ? min(policy.maxAttempts, policy.maxAttemptsAfterTimeout) : policy.maxAttempts
            let givingUp = streamStarted || trial || !llmError.isRetryable || number >= attemptLimit
            if givingUp {
                guardState.withLock { $0.breaker.recordFailure(now: .now) }
                throw llmError
            }
            let delay: Duration
            if case .http(_, _, _, let retryAfter?) = llmError {
                let asked = Duration.seconds(retryAfter)
                guard asked <= policy.maxRetryAfter else {
                    guardState.withLock { $0.breaker.recordFailure(now: .now) }
                    throw llmError
                }
                delay = asked
            } else {
                delay = guardState.withLock { policy.backoff(retry: number - 1, unit: $0.random.nextUnit()) }
            }
            let paid = guardState.withLock { $0.budget.spend(isTimeout: isTimeout) }
            guard paid else {
                guardState.withLock { $0.breaker.recordFailure(now: .now) }
                throw LLMError.retryBudgetExhausted(provider: name, lastError: llmError.message)
            }
            retried = true
            lastTimeout = isTimeout
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw LLMError.cancelled
            }
        }
        preconditionFailure("the retry loop returns or throws")
    }

    /// Waits for the rate limits (the provider's, then the process-wide one); fails at once
    /// while the circuit is open. `trial` when this call is the half-open circuit's trial;
    /// `permit` the shared limiter's, to settle its tokens.
    private func admit(estimatedTokens: Int) async throws -> (trial: Bool, permit: GlobalRateLimiter.Permit?) {
        let permit = guardState.withLock { $0.breaker.permit(now: .now) }
        guard case .go(let trial) = permit else {
            if case .wait(let wait) = permit { throw LLMError.circuitOpen(provider: name, retryIn: wait.seconds) }
            return (false, nil)
        }
        do {
            while let wait = guardState.withLock({ $0.limiter.acquire(estimatedTokens: estimatedTokens, now: .now) }) {
                try await Task.sleep(for: wait)
            }
            return (trial, try await shared?.acquire(estimatedTokens: estimatedTokens))
        } catch {
            if trial { guardState.withLock { $0.breaker.abandonTrial(now: .now) } }
            throw LLMError.cancelled
        }
    }
}

/// Tokens a failed attempt was billed for, and their cost.
public struct BilledUsage: Sendable, Equatable {
    public var usage: TokenUsage
    public var costUSD: Double
    public init(usage: TokenUsage, costUSD: Double) {
        self.usage = usage
        self.costUSD = costUSD
    }
}

/// Where a provider reports what a failing attempt cost (a stream cut after text, an answer
/// cut at `max_tokens`, a malformed body after generation) without changing the error it
/// throws: `ResilientProvider` sets one per attempt as a task-local and logs what it holds.
public final class BillingSink: Sendable {
    @TaskLocal public static var current: BillingSink?
    private let value = Mutex<BilledUsage?>(nil)
    public init() {}
    public func report(_ billed: BilledUsage) { value.withLock { $0 = billed } }
    public var billed: BilledUsage? { value.withLock { $0 } }
}

/// A counting semaphore for async code: at most `limit` bodies run at once; the rest wait in
/// order. The limit adapts: a 429 halves it (down to one), each success raises it by one,
/// back up to the configured maximum.
final class ConcurrencySlots: Sendable {
    private struct State {
        var maximum: Int
        var limit: Int
        var inUse = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(maximum: limit, limit: limit)) }

    var limit: Int { state.withLock { $0.limit } }

    func run<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    /// The server said 429: allow half of what is in flight now.
    func throttled() {
        state.withLock { $0.limit = max(1, min($0.limit, $0.inUse) / 2) }
    }

    func succeeded() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.limit < state.maximum else { return [] }
            state.limit += 1
            return Self.admitWaiters(&state)
        }
        woken.forEach { $0.resume() }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.inUse < state.limit && state.waiters.isEmpty {
                    state.inUse += 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inUse -= 1
            return Self.admitWaiters(&state)
        }
        woken.forEach { $0.resume() }
    }

    private static func admitWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        var woken: [CheckedContinuation<Void, Never>] = []
        while state.inUse < state.limit, !state.waiters.isEmpty {
            state.inUse += 1
            woken.append(state.waiters.removeFirst())
        }
        return woken
    }
}
