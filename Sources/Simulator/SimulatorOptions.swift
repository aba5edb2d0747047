import Foundation
import LLM
import WorkbenchCore

/// Faults the simulator can inject, each the way a real provider fails.
public enum FaultKind: String, Sendable, CaseIterable, Codable {
    /// 429 with `Retry-After` and `retry-after-ms`.
    case rateLimited = "429"
    case serverError = "500"
    case unavailable = "503"
    /// Accepts the request and never answers (until the client gives up).
    case timeout
    /// Starts the answer, then closes the connection half-way (body or stream).
    case truncate
    /// 200 with a body that is not valid JSON (or a stream chunk that is not).
    case malformed
    /// Closes the connection without any answer.
    case reset
}

/// How a simulator behaves: latency, throughput and faults.
public struct SimulatorOptions: Sendable, Equatable {
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 0
    /// Seeds the writer and the fault plan: equal seed, equal answers and equal faults.
    public var seed: UInt64 = 0
    /// Delay before the first token.
    public var timeToFirstToken: Duration = .zero
    /// Per stream; 0 means no pacing (the whole answer at once after the first-token delay).
    public var tokensPerSecond: Double = 0
    /// Probability that a request gets a fault, drawn from `faults` uniformly.
    public var faultRate: Double = 0
    public var faults: [FaultKind] = FaultKind.allCases
    /// The first this-many requests all get a fault (from `faults`, in order, cycling);
    /// `faultRate` applies after them. Makes "fails twice, then works" exact.
    public var failFirstRequests = 0
    /// What 429 answers ask the client to wait.
    public var retryAfter: Duration = .seconds(1)
    /// The model name reported in answers when a request names none.
    public var model = "sim-1"
    /// Event-loop threads.
    public var threads = 1
    /// Fact sentences in the prose and how often they are wrong (`ContinuitySurface`); nil,
    /// the default, writes none and draws nothing for them.
    public var continuity: ContinuitySurface?
    /// Keep each request's arrival time (`SimulatorServer.arrivals`): what a rate limit looks like from the server.
    public var recordArrivals = false

    public init() {}
}

extension SimulatorOptions {
    /// The provider table's `simulator:` settings of a `sim` provider started in-process.
    public mutating func apply(_ settings: ProviderConfig.SimulatorSettings) {
        faultRate = settings.faultRate
        faults = settings.faults.compactMap(FaultKind.init(rawValue:))
        timeToFirstToken = .milliseconds(settings.timeToFirstTokenMilliseconds)
        tokensPerSecond = settings.tokensPerSecond
        retryAfter = .milliseconds(settings.retryAfterMilliseconds)
        if settings.factRate != nil || settings.contradictionRate != nil {
            continuity = ContinuitySurface(factRate: settings.factRate ?? ContinuitySurface.defaultFactRate, contradictionRate: settings.contradictionRate ?? 0)
        }
    }
}
