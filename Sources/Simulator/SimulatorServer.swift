import Foundation
import LLM
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import WorkbenchCore

/// The offline stand-in for a provider: OpenAI's chat-completions API on loopback, answered
/// by the deterministic `SimulatorWriter`, with latency and fault injection.
///
/// Endpoints: `POST /v1/chat/completions` (JSON or SSE with `stream: true`, `usage`, and
/// `stream_options.include_usage`), `GET /v1/models`, `GET /health`.
public final class SimulatorServer: Sendable {
    public let options: SimulatorOptions
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: SimulatorState

    public var baseURL: String { "http://\(options.host):\(port)/v1" }

    /// Counts of what was served, for tests and `sim serve`'s summary.
    public var statistics: SimulatorStatistics { state.statistics }
    /// When each request arrived, in order (with `recordArrivals`; empty otherwise).
    public var arrivals: [ContinuousClock.Instant] { state.arrivals }

    private init(options: SimulatorOptions, port: Int, group: MultiThreadedEventLoopGroup, channel: any Channel, state: SimulatorState) {
        self.options = options
        self.port = port
        self.group = group
        self.channel = channel
        self.state = state
    }

    /// Binds and starts serving; returns once the port is open.
    public static func start(_ options: SimulatorOptions = SimulatorOptions()) async throws -> SimulatorServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))
        let state = SimulatorState(options: options)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(SimulatorHandler(state: state))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: options.host, port: options.port).get()
            guard let port = channel.localAddress?.port else { throw SimulatorError.bindFailed(options.host, options.port, "no local port") }
            return SimulatorServer(options: options, port: port, group: group, channel: channel, state: state)
        } catch let error as SimulatorError {
            try? await group.shutdownGracefully()
            throw error
        } catch {
            try? await group.shutdownGracefully()
            throw SimulatorError.bindFailed(options.host, options.port, "\(error)")
        }
    }

    /// Closes the listening socket and every connection.
    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

public enum SimulatorError: WorkbenchError, Equatable {
    case bindFailed(String, Int, String)
    public var message: String {
        switch self {
        case .bindFailed(let host, let port, let detail): return "simulator cannot listen on \(host):\(port): \(detail)"
        }
    }
    public var fix: String? { "pick another --port, or 0 for any free one" }
    public var exitStatus: ExitStatus { .temporaryFailure }
}

public struct SimulatorStatistics: Sendable, Equatable {
    public var requests = 0
    public var completions = 0
    public var faults: [FaultKind: Int] = [:]
}

/// What all connections share: the fault plan's generator and the counters.
final class SimulatorState: Sendable {
    let options: SimulatorOptions
    let writer: SimulatorWriter
    private let shared: NIOLockedValueBox<(random: SeededGenerator, statistics: SimulatorStatistics)>
    private let arrivalLog = NIOLockedValueBox<[ContinuousClock.Instant]>([])

    init(options: SimulatorOptions) {
        self.options = options
        writer = SimulatorWriter(serverSeed: options.seed, continuity: options.continuity)
        shared = NIOLockedValueBox((SeededGenerator(seed: options.seed ^ 0xFA17_FA17), SimulatorStatistics()))
    }

    var statistics: SimulatorStatistics { shared.withLockedValue { $0.statistics } }
    var arrivals: [ContinuousClock.Instant] { arrivalLog.withLockedValue { $0 } }

    /// Counts the request and decides its fault, in arrival order.
    func admit() -> FaultKind? {
        if options.recordArrivals { arrivalLog.withLockedValue { $0.append(.now) } }
        return shared.withLockedValue { value in
            value.statistics.requests += 1
            if value.statistics.requests <= options.failFirstRequests, !options.faults.isEmpty {
                let fault = options.faults[(value.statistics.requests - 1) % options.faults.count]
                value.statistics.faults[fault, default: 0] += 1
                return fault
            }
            guard options.faultRate > 0, !options.faults.isEmpty, value.random.nextUnit() < options.faultRate else {
                value.statistics.completions += 1
                return nil
            }
            let fault = options.faults[Int(value.random.next() % UInt64(options.faults.count))]
            value.statistics.faults[fault, default: 0] += 1
            return fault
        }
    }
}
