import Foundation

/// When and how long to wait before sending a failed request again. Defaults follow the
/// roadmap (backoff factor 2) and the AWS SDKs' standard retry mode, with more attempts for
/// failures that end quickly (the roadmap's 3 retries remain the limit after a timeout).
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included, while the failures are quick ones: a 429, a 5xx,
    /// a refused, reset or cut connection, a malformed or empty answer. With a fifth of all
    /// requests failing (`workbench-bench --only faults`: 24-chapter books, ~39 calls each),
    /// four attempts completed 966 books of 1,000 (Wilson 95%: 95.3–97.6%), the rest lost to
    /// a call that failed four times; six completed 999 (99.4–99.98%). The extra attempts
    /// cost a provider that is down ~6 s more backoff per call (a mean of 7.75 s against
    /// 1.75 s) before the next in the chain serves, until its circuit opens.
    public var maxAttempts = 6
    /// Attempts in all once one has timed out: each may have waited the whole timeout, so a
    /// hung provider is given up on as soon as before. Never more than `maxAttempts`.
    public var maxAttemptsAfterTimeout = 4
    public var baseDelay: Duration = .milliseconds(500)
    public var backoffFactor = 2.0
    /// No computed backoff waits longer than this.
    public var maxDelay: Duration = .seconds(20)
    /// A server's `Retry-After` is honoured up to this; asking for longer ends the retries
    /// (the next provider in the chain serves instead).
    public var maxRetryAfter: Duration = .seconds(60)

    public init() {}

    /// "Full jitter": uniform in [0, min(maxDelay, base × factor^retry)], so many clients
    /// that failed together do not retry together. `unit` is a uniform draw in [0, 1).
    public func backoff(retry: Int, unit: Double) -> Duration {
        let exponential = baseDelay * pow(backoffFactor, Double(retry))
        return min(maxDelay, exponential) * unit
    }
}

/// A retry budget per provider, as the AWS SDKs' standard mode keeps one: every retry
/// spends tokens, every success refunds one, and an empty bucket stops retries, so a
/// provider that is down is not hammered by every caller's full retry schedule.
public struct RetryBudget: Sendable, Equatable {
    public var capacity = 500.0
    public var retryCost = 5.0
    public var timeoutRetryCost = 10.0
    public var successRefund = 1.0
    public private(set) var available: Double

    public init(capacity: Double = 500) {
        self.capacity = capacity
        available = capacity
    }

    /// Takes the cost of one retry; false when the budget cannot pay for it.
    public mutating func spend(isTimeout: Bool) -> Bool {
        let cost = isTimeout ? timeoutRetryCost : retryCost
        guard available >= cost else { return false }
        available -= cost
        return true
    }

    public mutating func refund(retried: Bool, isTimeout: Bool) {
        let amount = retried ? (isTimeout ? timeoutRetryCost : retryCost) : successRefund
        available = min(capacity, available + amount)
    }
}

/// Opens after `failureThreshold` consecutive failed calls: calls then fail at once for
/// `openDuration`; after that one trial call is let through (half-open), and its outcome
/// closes the circuit or opens it again.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable { case closed, open(until: ContinuousClock.Instant), halfOpen }

    public var failureThreshold = 5
    public var openDuration: Duration = .seconds(30)
    public private(set) var state: State = .closed
    public private(set) var consecutiveFailures = 0

    public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(30)) {
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
    }

    /// What `permit` decides for one call.
    public enum Permit: Sendable, Equatable {
        /// Go; `trial` when this call is the half-open circuit's one trial, whose outcome
        /// must be reported (`recordSuccess`, `recordFailure` or `abandonTrial`).
        case go(trial: Bool)
        /// Not now: try again after this long.
        case wait(Duration)
    }

    /// Whether a call may go out now; when not, how long until it may.
    public mutating func permit(now: ContinuousClock.Instant) -> Permit {
        switch state {
        case .closed: return .go(trial: false)
        case .halfOpen: return .wait(openDuration)  // the trial call is out; others wait
        case .open(let until):
            if now >= until {
                state = .halfOpen
                return .go(trial: true)
            }
            return .wait(until - now)
        }
    }

    public mutating func recordSuccess() {
        consecutiveFailures = 0
        state = .closed
    }

    /// The trial call ended without saying anything about the provider (it was cancelled,
    /// or failed for a reason of its own): the next call becomes the trial instead, so a
    /// cancelled trial cannot leave the circuit half-open for good.
    public mutating func abandonTrial(now: ContinuousClock.Instant) {
        if state == .halfOpen { state = .open(until: now) }
    }

    public mutating func recordFailure(now: ContinuousClock.Instant) {
        consecutiveFailures += 1
        if state == .halfOpen || consecutiveFailures >= failureThreshold {
            state = .open(until: now + openDuration)
        }
    }
}
