import Foundation
import Testing
@testable import LLM

@Suite struct RateLimitSpecTests {
    @Test func readsAmountsAndPeriods() throws {
        #expect(try RateLimitSpec.parse("100/hour").get() == RateLimitSpec(amount: 100, period: .hour))
        #expect(try RateLimitSpec.parse("1,000/min").get() == RateLimitSpec(amount: 1000, period: .minute))
        #expect(try RateLimitSpec.parse("6_000/m").get() == RateLimitSpec(amount: 6000, period: .minute))
        #expect(try RateLimitSpec.parse(" 5/DAY ").get() == RateLimitSpec(amount: 5, period: .day))
        #expect(RateLimitSpec(amount: 100, period: .hour).description == "100/hour")
    }

    @Test func refusesWhatIsNotALimit() {
        for bad in ["100/fortnight", "0/hour", "-3/minute", "100", "/hour", "ten/hour", "100/hour/day", ""] {
            guard case .failure = RateLimitSpec.parse(bad) else { Issue.record("accepted \(bad)"); continue }
        }
        // A flag may take fewer periods: tokens per day is not offered.
        guard case .failure(let error) = RateLimitSpec.parse("9000/day", periods: [.minute, .hour]) else { Issue.record("accepted 9000/day"); return }
        #expect(error.description.contains("minute|hour"))
    }
}

@Suite struct GlobalRateLimiterTests {
    /// Drives the limiter on a clock of its own: `callers` always want to send, each asking
    /// again when told to wait. Returns when each request went out.
    func drive(_ limiter: GlobalRateLimiter, callers: Int, seconds: Double, tokens: Int = 0, actual: Int? = nil) -> [(at: Double, tokens: Int)] {
        let start = ContinuousClock.now
        var ready = Array(repeating: 0.0, count: callers)
        var sent: [(Double, Int)] = []
        while let index = ready.indices.min(by: { ready[$0] < ready[$1] }), ready[index] < seconds {
            let now = ready[index]
            switch limiter.tryAcquire(estimatedTokens: tokens, now: start + .seconds(now)) {
            case .admitted(let permit):
                if let actual { limiter.settle(permit, actualTokens: actual) }
                sent.append((now, actual ?? tokens))
                ready[index] = now + 0.05  // the call's latency
            case .wait(let wait):
                ready[index] = now + Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
            }
        }
        return sent
    }

    /// The most sent within any window of `span` seconds (every window that starts at a send).
    func busiestWindow(_ sent: [(at: Double, tokens: Int)], span: Double) -> Int {
        var most = 0, low = 0, total = 0
        for high in sent.indices {
            total += sent[high].tokens
            while sent[high].at - sent[low].at >= span {
                total -= sent[low].tokens
                low += 1
            }
            most = max(most, total)
        }
        return most
    }

    @Test func requestsAreNeverOverTheLimitInAnyWindowAndTheLimitIsUsed() {
        let limiter = GlobalRateLimiter(requests: RateLimitSpec(amount: 120, period: .minute), tokens: nil)
        let sent = drive(limiter, callers: 10, seconds: 300)
        #expect(busiestWindow(sent.map { ($0.at, 1) }, span: 60) <= 120)
        // Smooth: no burst at the start, calls half a second apart.
        #expect(sent.prefix(5).map(\.at) == [0, 0.5, 1, 1.5, 2])
        let use = Double(sent.count) / (300.0 * 2)
        #expect(use >= 0.99, "used \(use)")
    }

    /// A window holds what was sent plus the next call's estimate, so an estimate above the
    /// answer's real size costs use: the limit less one estimate's excess.
    @Test func tokensAreNeverOverTheLimitAndLargeCallsAreSpacedByTheirShare() {
        for (estimate, actual, least) in [(1000, 960, 0.95), (1500, 900, 0.89)] {
            let limiter = GlobalRateLimiter(requests: nil, tokens: RateLimitSpec(amount: 6000, period: .minute))
            let sent = drive(limiter, callers: 8, seconds: 600, tokens: estimate, actual: actual)
            #expect(busiestWindow(sent, span: 60) <= 6000)
            let used = Double(sent.map(\.tokens).reduce(0, +)) / (600.0 * 100)
            #expect(used >= least, "used \(used) of the token limit with \(estimate)-token estimates of \(actual)-token answers")
        }
    }

    @Test func a429HalvesTheRateAndSuccessesWinItBack() {
        let start = ContinuousClock.now
        let limiter = GlobalRateLimiter(requests: RateLimitSpec(amount: 60, period: .minute), tokens: nil, now: start)
        guard case .admitted = limiter.tryAcquire(estimatedTokens: 0, now: start) else { Issue.record("first call waited"); return }
        limiter.throttled(now: start)
        #expect(limiter.rate == 0.5)
        // The next call waits two seconds (one a second at full rate).
        guard case .wait(let wait) = limiter.tryAcquire(estimatedTokens: 0, now: start + .seconds(1)) else { Issue.record("no wait after a 429"); return }
        #expect(wait >= .milliseconds(900))
        for _ in 0..<20 { limiter.succeeded() }
        #expect(limiter.rate == 1)
        // The 429s of one overload halve once; later ones halve again, down to a tenth.
        limiter.throttled(now: start + .seconds(10))
        limiter.throttled(now: start + .seconds(11))
        #expect(limiter.rate == 0.5)
        for second in 0..<10 { limiter.throttled(now: start + .seconds(20 + 3 * second)) }
        #expect(limiter.rate == 0.1)
    }

    @Test func aCallLargerThanTheWholeLimitGoesAloneAtTheLimit() {
        let start = ContinuousClock.now
        let limiter = GlobalRateLimiter(requests: nil, tokens: RateLimitSpec(amount: 1000, period: .minute), now: start)
        guard case .admitted = limiter.tryAcquire(estimatedTokens: 5000, now: start) else { Issue.record("a huge call never goes"); return }
        guard case .wait(let wait) = limiter.tryAcquire(estimatedTokens: 10, now: start + .seconds(1)) else { Issue.record("no wait after it"); return }
        #expect(wait >= .seconds(58))
        #expect(limiter.usage(now: start + .seconds(1)).tokensInWindow == 1000)
    }
}
