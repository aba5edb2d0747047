import Foundation
import Synchronization
import WorkbenchCore

/// A limit such as `100/hour` or `6000/minute`: so many per period.
public struct RateLimitSpec: Sendable, Equatable, CustomStringConvertible {
    public enum Period: String, Sendable, CaseIterable {
        case minute, hour, day
        public var seconds: Double {
            switch self {
            case .minute: 60
            case .hour: 3600
            case .day: 86_400
            }
        }
    }

    public var amount: Int
    public var period: Period

    public init(amount: Int, period: Period) {
        self.amount = amount
        self.period = period
    }

    public var description: String { "\(amount)/\(period.rawValue)" }
    /// The limit per second.
    public var perSecond: Double { Double(amount) / period.seconds }

    /// Reads `N/minute` (also `N/min`, `N/m`, `N/h`, `N/d`); `periods` are the ones the flag takes.
    public static func parse(_ text: String, periods: [Period] = Period.allCases) -> Result<RateLimitSpec, RateLimitSpecError> {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        let allowed = periods.map(\.rawValue).joined(separator: "|")
        guard parts.count == 2, let amount = Int(parts[0].replacingOccurrences(of: "_", with: "").replacingOccurrences(of: ",", with: "")) else {
            return .failure(RateLimitSpecError(text: text, problem: "is not N/\(allowed)"))
        }
        guard amount > 0 else { return .failure(RateLimitSpecError(text: text, problem: "allows nothing: the amount must be at least 1")) }
        let aliases: [String: Period] = ["minute": .minute, "min": .minute, "m": .minute, "hour": .hour, "h": .hour, "hr": .hour, "day": .day, "d": .day]
        guard let period = aliases[parts[1].lowercased()], periods.contains(period) else {
            return .failure(RateLimitSpecError(text: text, problem: "has no period `\(parts[1])`: use \(allowed)"))
        }
        return .success(RateLimitSpec(amount: amount, period: period))
    }
}

public struct RateLimitSpecError: Error, Equatable, CustomStringConvertible {
    public var text: String
    public var problem: String
    public var description: String { "`\(text)` \(problem)" }
}

/// One limit on what all the calls of a process send, across every provider and book
/// (`queue process --rate-limit`, `--token-limit`), on top of each provider's own limits.
///
/// Smooth by construction: a request is admitted only at its turn (generic cell rate
/// algorithm with no tolerance: calls are spaced `period / amount` apart, a large one by its
/// share), so nothing is saved up while idle and no window's start sees a burst. A log of
/// what went out in the last period also caps the window exactly, so a token estimate that
/// was too low cannot push a window over. A 429 halves the rate, each success wins back
/// 5% (never below 10%), as the per-provider limiter does.
///
/// With a `ledger` (workers on several machines sharing one queue), each admitted request
/// also takes its turn in the ledger's shared schedule, so the limits hold for all of them together.
public final class GlobalRateLimiter: Sendable {
    public let requests: RateLimitSpec?
    public let tokens: RateLimitSpec?
    public let ledger: (any RateLedger)?
    private let state: Mutex<State>

    private struct Sent {
        var at: ContinuousClock.Instant
        var tokens: Double
        var serial: UInt64
    }

    private struct State {
        var sendRate = SendRate()
        var rate: Double { sendRate.value }
        var nextRequest: ContinuousClock.Instant
        var nextToken: ContinuousClock.Instant
        /// What went out within the longest period, oldest first.
        var log: [Sent] = []
        var logStart = 0
        var serial: UInt64 = 0
        var sentTotal = 0
        var tokensTotal = 0.0
        var throttles = 0
    }

    /// A request's place in the log, to correct its tokens once the answer says how many.
    public struct Permit: Sendable {
        let serial: UInt64
        let estimated: Double
    }

    /// What the limiter has let through: for the dashboard and the benchmark.
    public struct Usage: Sendable, Equatable {
        public var requestsInWindow: Int
        public var tokensInWindow: Int
        public var rate: Double
        public var sent: Int
        public var throttles: Int
    }

    public init(requests: RateLimitSpec?, tokens: RateLimitSpec?, ledger: (any RateLedger)? = nil, now: ContinuousClock.Instant = .now) {
        self.requests = requests
        self.tokens = tokens
        self.ledger = ledger
        state = Mutex(State(nextRequest: now, nextToken: now))
    }

    /// Waits for this request's turn (here, then in the ledger's); throws `LLMError.cancelled`
    /// if the task is cancelled meanwhile.
    public func acquire(estimatedTokens: Int) async throws -> Permit {
        while true {
            switch tryAcquire(estimatedTokens: estimatedTokens, now: .now) {
            case .admitted(let permit):
                try await takeTurns(permit)
                return permit
            case .wait(let wait):
                do { try await Task.sleep(for: wait) } catch { throw LLMError.cancelled }
            }
        }
    }

    /// The request's turns in the shared schedule: one request, and its estimated tokens.
    private func takeTurns(_ permit: Permit) async throws {
        guard let ledger else { return }
        let rate = self.rate
        var turns: [(key: String, cost: Double, spacing: Double)] = []
        if let requests { turns.append((Self.requestsKey, 1, 1 / (requests.perSecond * rate))) }
        if let tokens, permit.estimated > 0 { turns.append((Self.tokensKey, permit.estimated, 1 / (tokens.perSecond * rate))) }
        for turn in turns {
            while let wait = try await ledger.take(turn.key, cost: turn.cost, spacing: turn.spacing, at: Date()) {
                do { try await Task.sleep(for: .seconds(max(0.001, wait))) } catch { throw LLMError.cancelled }
            }
        }
    }

    static let requestsKey = "requests", tokensKey = "tokens"

    public enum Admission: Sendable {
        case admitted(Permit)
        /// Not yet: ask again after this long.
        case wait(Duration)
    }

    /// Admits a request now if it is its turn (for `acquire`, and for tests on a clock of their own).
    public func tryAcquire(estimatedTokens: Int, now: ContinuousClock.Instant) -> Admission {
        state.withLock { admit(&$0, estimatedTokens: Double(max(0, estimatedTokens)), now: now) }
    }

    private func admit(_ state: inout State, estimatedTokens: Double, now: ContinuousClock.Instant) -> Admission {
        trim(&state, now: now)
        var wait: Duration = .zero
        if let requests {
            wait = max(wait, state.nextRequest - now)
            let inWindow = window(state, requests.period, now: now)
            if inWindow.count >= requests.amount, let oldest = inWindow.first {
                wait = max(wait, oldest.at + .seconds(requests.period.seconds) - now)
            }
        }
        // A request larger than the whole limit is let through alone, at the limit.
        let cost = tokens.map { min(estimatedTokens, Double($0.amount)) } ?? estimatedTokens
        if let tokens {
            wait = max(wait, state.nextToken - now)
            let recent = window(state, tokens.period, now: now)
            var used = recent.reduce(0) { $0 + $1.tokens }
            if used + cost > Double(tokens.amount) {
                // The window's oldest entries must age out until this one fits.
                for entry in recent {
                    used -= entry.tokens
                    if used + cost <= Double(tokens.amount) {
                        wait = max(wait, entry.at + .seconds(tokens.period.seconds) - now)
                        break
                    }
                }
            }
        }
        if wait > .zero { return .wait(max(wait, .milliseconds(1))) }
        if let requests { state.nextRequest = max(state.nextRequest, now) + .seconds(1 / (requests.perSecond * state.rate)) }
        if let tokens { state.nextToken = max(state.nextToken, now) + .seconds(cost / (tokens.perSecond * state.rate)) }
        state.serial += 1
        state.log.append(Sent(at: now, tokens: cost, serial: state.serial))
        state.sentTotal += 1
        state.tokensTotal += cost
        return .admitted(Permit(serial: state.serial, estimated: cost))
    }

    private var longest: Double { max(requests?.period.seconds ?? 0, tokens?.period.seconds ?? 0, 10) }

    private func trim(_ state: inout State, now: ContinuousClock.Instant) {
        let horizon = Duration.seconds(longest)
        while state.logStart < state.log.count, now - state.log[state.logStart].at >= horizon { state.logStart += 1 }
        if state.logStart > 4096, state.logStart * 2 > state.log.count {
            state.log.removeFirst(state.logStart)
            state.logStart = 0
        }
    }

    private func window(_ state: State, _ period: RateLimitSpec.Period, now: ContinuousClock.Instant) -> ArraySlice<Sent> {
        let span = Duration.seconds(period.seconds)
        // The log is in time order: binary-search past what is older than this period.
        var low = state.logStart, high = state.log.count
        while low < high {
            let middle = (low + high) / 2
            if now - state.log[middle].at >= span { low = middle + 1 } else { high = middle }
        }
        return state.log[low...]
    }

    /// The answer's real token count replaces the estimate: in the log, and in the spacing
    /// of the calls that follow.
    public func settle(_ permit: Permit, actualTokens: Int) {
        // An answer larger than its estimate is counted in full (the window stays exact), an
        // answer smaller gives its unused share back.
        guard let tokens else { return }
        if let ledger {
            let actual = min(Double(max(0, actualTokens)), Double(tokens.amount))
            let shift = (actual - permit.estimated) / (tokens.perSecond * rate)
            // Best effort: the next turns taken correct the schedule anyway.
            if shift != 0 { Task { try? await ledger.shift(Self.tokensKey, by: shift) } }
        }
        state.withLock { state in
            let actual = min(Double(max(0, actualTokens)), Double(tokens.amount))
            if let index = state.log[state.logStart...].lastIndex(where: { $0.serial == permit.serial }) { state.log[index].tokens = actual }
            state.tokensTotal += actual - permit.estimated
            state.nextToken = state.nextToken + .seconds((actual - permit.estimated) / (tokens.perSecond * state.rate))
        }
    }

    /// The server said 429: halve the rate (`SendRate`: the 429s of one overload count once),
    /// and start spacing from now.
    public func throttled(now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.throttles += 1
            guard state.sendRate.throttled(now: now) else { return }
            if let requests { state.nextRequest = max(state.nextRequest, now + .seconds(1 / (requests.perSecond * state.rate))) }
        }
    }

    public func succeeded() {
        state.withLock { $0.sendRate.succeeded() }
    }

    public var rate: Double { state.withLock { $0.rate } }

    public func usage(now: ContinuousClock.Instant = .now) -> Usage {
        state.withLock { state in
            trim(&state, now: now)
            let requestWindow = requests.map { window(state, $0.period, now: now).count } ?? 0
            let tokenWindow = tokens.map { window(state, $0.period, now: now).reduce(0) { $0 + $1.tokens } } ?? 0
            return Usage(requestsInWindow: requestWindow, tokensInWindow: Int(tokenWindow.rounded()), rate: state.rate,
                         sent: state.sentTotal, throttles: state.throttles)
        }
    }

    /// The share of the tightest limit used over its last period (0…1), for the dashboard.
    public func use(now: ContinuousClock.Instant = .now) -> Double {
        let usage = usage(now: now)
        var shares: [Double] = []
        if let requests { shares.append(Double(usage.requestsInWindow) / Double(requests.amount)) }
        if let tokens { shares.append(Double(usage.tokensInWindow) / Double(tokens.amount)) }
        return shares.max() ?? 0
    }
}

/// A schedule several processes share (the AWS backend keeps it in its table): each limit's
/// next free moment. `take` is the generic cell rate algorithm with no tolerance, decided by
/// one conditional write, so two processes never take the same turn.
public protocol RateLedger: Sendable {
    /// Takes a turn of `cost` units spaced `spacing` seconds each if the limit `key` is free at
    /// `time`; else how many seconds until it is (nil: taken).
    func take(_ key: String, cost: Double, spacing: Double, at time: Date) async throws -> Double?
    /// Moves the limit's next free moment by `seconds` (a token estimate corrected).
    func shift(_ key: String, by seconds: Double) async throws
}
