import WorkbenchCore

/// Requests-per-minute and tokens-per-minute buckets for one provider, with an adaptive
/// send rate: a 429 halves it, each success wins back 5% (additive-increase /
/// multiplicative-decrease, as TCP does), never below 10% of the configured limits.
public struct RateLimiter: Sendable {
    struct Bucket: Sendable {
        var capacity: Double
        var perSecond: Double
        var level: Double
        var updated: ContinuousClock.Instant

        mutating func refill(now: ContinuousClock.Instant, rate: Double) {
            level = min(capacity, level + (now - updated).seconds * perSecond * rate)
            updated = now
        }

        /// Seconds until `amount` is available at `rate`, or 0 if it is now.
        func wait(for amount: Double, rate: Double) -> Double {
            let needed = min(amount, capacity) - level
            return needed <= 0 ? 0 : needed / (perSecond * rate)
        }
    }

    private var requests: Bucket?
    private var tokens: Bucket?
    public private(set) var rate = 1.0

    public init(requestsPerMinute: Double?, tokensPerMinute: Double?, now: ContinuousClock.Instant = .now) {
        // A bucket holds one minute's allowance, so a burst up to the limit goes at once.
        requests = requestsPerMinute.map { Bucket(capacity: $0, perSecond: $0 / 60, level: $0, updated: now) }
        tokens = tokensPerMinute.map { Bucket(capacity: $0, perSecond: $0 / 60, level: $0, updated: now) }
    }

    /// Takes one request and `estimatedTokens` if both are available, else returns how long to wait.
    public mutating func acquire(estimatedTokens: Int, now: ContinuousClock.Instant) -> Duration? {
        requests?.refill(now: now, rate: rate)
        tokens?.refill(now: now, rate: rate)
        let wait = max(requests?.wait(for: 1, rate: rate) ?? 0, tokens?.wait(for: Double(estimatedTokens), rate: rate) ?? 0)
        if wait > 0 { return .seconds(wait) }
        requests?.level -= 1
        if let capacity = tokens?.capacity { tokens?.level -= min(Double(estimatedTokens), capacity) }
        return nil
    }

    /// Corrects the token bucket once the real usage is known.
    public mutating func settle(estimatedTokens: Int, actualTokens: Int) {
        tokens?.level -= Double(actualTokens - estimatedTokens)
    }

    public mutating func throttled() { rate = max(0.1, rate * 0.5) }
    public mutating func succeeded() { rate = min(1, rate + 0.05) }
}
