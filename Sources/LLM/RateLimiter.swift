import WorkbenchCore

/// Requests-per-minute and tokens-per-minute buckets for one provider, with an adaptive
/// send rate: a 429 halves it, each success wins back 5% (additive-increase /
/// multiplicative-decrease, as TCP does), never below 10% of the limits.
///
/// A provider with no configured limits (the simulator, the local model, most Anthropic
/// and Gemini set-ups) still slows down on a 429: the first one starts a requests bucket
/// at the rate actually sent over the last ten seconds (at least one a second, so a lone
/// caller is left to `Retry-After` and backoff), which then adapts like a configured one.
/// A 429 also empties what a bucket had saved up, so no minute's allowance is sent in a
/// burst right after the server said "too many". A learnt limit keeps probing upward: at full
/// rate each success raises it by 2%, and once it is ten times what was learnt it is dropped
/// (the server has stopped saying no), so one burst of 429s cannot pin a busy sender, such as
/// a batch of books sharing the provider, to the rate it had at that moment.
public struct RateLimiter: Sendable {
    struct Bucket: Sendable {
        var capacity: Double
        var perSecond: Double
        var level: Double
        var updated: ContinuousClock.Instant

        /// What the bucket may hold at `rate`: a full minute's allowance only at full rate.
        func ceiling(rate: Double) -> Double { max(1, capacity * rate) }

        mutating func refill(now: ContinuousClock.Instant, rate: Double) {
            level = min(ceiling(rate: rate), level + (now - updated).seconds * perSecond * rate)
            updated = now
        }

        /// Seconds until `amount` is available at `rate`, or 0 if it is now.
        func wait(for amount: Double, rate: Double) -> Double {
            let needed = min(amount, ceiling(rate: rate)) - level
            return needed <= 0 ? 0 : needed / (perSecond * rate)
        }
    }

    private var requests: Bucket?
    private var tokens: Bucket?
    /// The requests per second first learnt from a 429, while the requests bucket is a learnt one.
    private var learntFrom: Double?
    private var sendRate = SendRate()
    public var rate: Double { sendRate.value }
    /// When the recent requests went out: the send rate a first 429 starts from.
    private var recentSends: [ContinuousClock.Instant] = []

    public init(requestsPerMinute: Double?, tokensPerMinute: Double?, now: ContinuousClock.Instant = .now) {
        // A bucket holds one minute's allowance, so a burst up to the limit goes at once.
        requests = requestsPerMinute.map { Bucket(capacity: $0, perSecond: $0 / 60, level: $0, updated: now) }
        tokens = tokensPerMinute.map { Bucket(capacity: $0, perSecond: $0 / 60, level: $0, updated: now) }
    }

    /// Whether any limit is in force (configured, or learnt from a 429).
    public var isLimited: Bool { requests != nil || tokens != nil }

    /// Takes one request and `estimatedTokens` if both are available, else returns how long to wait.
    public mutating func acquire(estimatedTokens: Int, now: ContinuousClock.Instant) -> Duration? {
        let rate = sendRate.value
        requests?.refill(now: now, rate: rate)
        tokens?.refill(now: now, rate: rate)
        let wait = max(requests?.wait(for: 1, rate: rate) ?? 0, tokens?.wait(for: Double(estimatedTokens), rate: rate) ?? 0)
        if wait > 0 { return .seconds(wait) }
        requests?.level -= 1
        if let tokens { self.tokens?.level -= min(Double(estimatedTokens), tokens.ceiling(rate: rate)) }
        recentSends.append(now)
        if recentSends.count > 4096 || recentSends.first.map({ now - $0 > Self.window }) == true {
            recentSends.removeAll { now - $0 > Self.window }
            if recentSends.count > 4096 { recentSends.removeFirst(recentSends.count - 4096) }
        }
        return nil
    }

    /// Corrects the token bucket once the real usage is known.
    public mutating func settle(estimatedTokens: Int, actualTokens: Int) {
        tokens?.level -= Double(actualTokens - estimatedTokens)
    }

    /// The server said 429: halve the rate (`SendRate`: the 429s of one overload count once)
    /// and drop what the buckets had saved up.
    public mutating func throttled(now: ContinuousClock.Instant = .now) {
        sendRate.throttled(now: now)
        if requests == nil {
            // No configured limit: start from what was really sent of late (over the time it
            // was sent in, when that is shorter than the window).
            let recent = recentSends.filter { now - $0 <= Self.window }
            let span = max(1, min(Self.window.seconds, recent.first.map { (now - $0).seconds } ?? Self.window.seconds))
            let perMinute = max(60, Double(recent.count) * 60 / span)
            requests = Bucket(capacity: perMinute, perSecond: perMinute / 60, level: 0, updated: now)
            learntFrom = perMinute / 60
        }
        if let level = requests?.level { requests?.level = min(level, 0) }
        if let level = tokens?.level { tokens?.level = min(level, 0) }
    }

    public mutating func succeeded() {
        guard sendRate.isFull, let learntFrom, var bucket = requests else {
            sendRate.succeeded()
            return
        }
        bucket.perSecond *= 1.02
        bucket.capacity = bucket.perSecond * 60
        if bucket.perSecond > 10 * learntFrom {
            requests = nil
            self.learntFrom = nil
        } else {
            requests = bucket
        }
    }

    static let window: Duration = .seconds(10)
}

/// The adaptive share of a limit a sender uses (additive-increase / multiplicative-decrease,
/// as TCP does): a 429 halves it, never below a tenth, and the 429s within `calm` of a halving
/// (one overload, or the calls already in flight) count once; each success wins back 5%.
/// Both the per-provider `RateLimiter` and the process-wide `GlobalRateLimiter` adapt with it.
public struct SendRate: Sendable, Equatable {
    public private(set) var value = 1.0
    private var lastHalved: ContinuousClock.Instant?

    public static let calm: Duration = .seconds(2)

    public init() {}

    public var isFull: Bool { value >= 1 }

    /// Returns whether this 429 halved the rate (false within `calm` of the last halving).
    @discardableResult
    public mutating func throttled(now: ContinuousClock.Instant) -> Bool {
        guard lastHalved.map({ now - $0 >= Self.calm }) ?? true else { return false }
        value = max(0.1, value * 0.5)
        lastHalved = now
        return true
    }

    public mutating func succeeded() { value = min(1, value + 0.05) }
}
