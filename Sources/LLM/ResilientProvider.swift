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
    private let guardState: Mutex<GuardState>
    private let slots: ConcurrencySlots

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
    }

    public var name: String { inner.name }
    public var model: String { inner.model }

    public init(
        _ inner: any LLMProvider, config: ProviderConfig? = nil, policy: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker = CircuitBreaker(), budget: RetryBudget = RetryBudget(), jitterSeed: UInt64 = 0x5EED
    ) {
        self.inner = inner
        self.policy = policy
        guardState = Mutex(GuardState(
            budget: budget, breaker: breaker,
            limiter: RateLimiter(requestsPerMinute: config?.requestsPerMinute, tokensPerMinute: config?.tokensPerMinute),
            random: SeededGenerator(seed: jitterSeed)))
        slots = ConcurrencySlots(limit: max(1, config?.maxConcurrent ?? 1_000_000))
    }

    /// The retry budget left, for `providers list` and tests.
    public var retryBudgetAvailable: Double { guardState.withLock { $0.budget.available } }
    public var breakerState: CircuitBreaker.State { guardState.withLock { $0.breaker.state } }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        try await complete(request, onAttempt: { _ in })
    }

    /// `onAttempt` sees every attempt, failed or not, as it ends.
    public func complete(_ request: CompletionRequest, onAttempt: @Sendable (Attempt) -> Void) async throws -> Completion {
        try await withRetries(request, onAttempt: onAttempt) { try await self.inner.complete(request) }
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        // A stream is retried only until its first text arrives: text already shown cannot be unsaid.
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let completion = try await withRetries(request, onAttempt: { _ in }) {
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
                } catch let started as StreamAlreadyStarted {
                    continuation.finish(throwing: started.error)
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private struct StreamAlreadyStarted: Error { var error: LLMError }

    private func withRetries(
        _ request: CompletionRequest, onAttempt: @Sendable (Attempt) -> Void, _ attempt: () async throws -> Completion
    ) async throws -> Completion {
        let estimated = TokenUsage.estimate(request.messages.map(\.content).joined()) + (request.maxTokens ?? 512)
        var retried = false
        var lastTimeout = false
        for number in 1...max(1, policy.maxAttempts) {
            try await admit(estimatedTokens: estimated)
            let started = ContinuousClock.now
            do {
                let completion = try await slots.run { try await attempt() }
                onAttempt(Attempt(provider: name, number: number, error: nil, latency: ContinuousClock.now - started))
                guardState.withLock { state in
                    state.breaker.recordSuccess()
                    state.budget.refund(retried: retried, isTimeout: lastTimeout)
                    state.limiter.succeeded()
                    state.limiter.settle(estimatedTokens: estimated, actualTokens: completion.usage.totalTokens)
                }
                return completion
            } catch is CancellationError {
                throw LLMError.cancelled
            } catch let error as LLMError {
                onAttempt(Attempt(provider: name, number: number, error: error, latency: ContinuousClock.now - started))
                if error == .cancelled || Task.isCancelled { throw LLMError.cancelled }
                let isTimeout: Bool = { if case .timeout = error { return true } else { return false } }()
                guard error.isRetryable else {
                    guardState.withLock { $0.breaker.recordFailure(now: .now) }
                    throw error
                }
                if case .http(_, 429, _, _) = error { guardState.withLock { $0.limiter.throttled() } }
                guard number < policy.maxAttempts else {
                    guardState.withLock { $0.breaker.recordFailure(now: .now) }
                    throw error
                }
                let delay: Duration
                if case .http(_, _, _, let retryAfter?) = error {
                    let asked = Duration.seconds(retryAfter)
                    guard asked <= policy.maxRetryAfter else {
                        guardState.withLock { $0.breaker.recordFailure(now: .now) }
                        throw error
                    }
                    delay = asked
                } else {
                    delay = guardState.withLock { policy.backoff(retry: number - 1, unit: $0.random.nextUnit()) }
                }
                let paid = guardState.withLock { $0.budget.spend(isTimeout: isTimeout) }
                guard paid else {
                    guardState.withLock { $0.breaker.recordFailure(now: .now) }
                    throw LLMError.retryBudgetExhausted(provider: name, lastError: error.message)
                }
                retried = true
                lastTimeout = isTimeout
                try await Task.sleep(for: delay)
            }
        }
        preconditionFailure("the retry loop returns or throws")
    }

    /// Waits for the rate limits; fails at once while the circuit is open.
    private func admit(estimatedTokens: Int) async throws {
        if let wait = guardState.withLock({ $0.breaker.permit(now: .now) }) {
            throw LLMError.circuitOpen(provider: name, retryIn: wait.seconds)
        }
        while let wait = guardState.withLock({ $0.limiter.acquire(estimatedTokens: estimatedTokens, now: .now) }) {
            try await Task.sleep(for: wait)
        }
    }
}

/// A counting semaphore for async code: at most `limit` bodies run at once; the rest wait in order.
final class ConcurrencySlots: Sendable {
    private let state: Mutex<(free: Int, waiters: [CheckedContinuation<Void, Never>])>

    init(limit: Int) { state = Mutex((limit, [])) }

    func run<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
