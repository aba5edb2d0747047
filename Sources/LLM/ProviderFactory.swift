import Foundation
import WorkbenchCore

/// Turns provider configurations into ready providers: each wrapped in retries, limits and a
/// circuit breaker, `sim` and `local` started on demand. Starting a simulator lives above
/// this module (the Simulator depends on it), so it is handed in as a closure.
public final class ProviderFactory: Sendable {
    public typealias SimulatorStarter = @Sendable (_ seed: UInt64, _ settings: ProviderConfig.SimulatorSettings?) async throws -> String

    private let environment: [String: String]
    private let engine: CurlEngine
    private let startSimulator: SimulatorStarter?
    public let local: LocalLLMServer
    private let built: ProvidersCache

    public init(environment: [String: String], engine: CurlEngine = .shared, startSimulator: SimulatorStarter?) {
        self.environment = environment
        self.engine = engine
        self.startSimulator = startSimulator
        local = LocalLLMServer(settings: .init(paths: CachePaths(environment: environment)), engine: engine)
        built = ProvidersCache()
    }

    /// The provider for one configuration, built once per factory.
    public func provider(for config: ProviderConfig, seed: UInt64 = 0) async throws -> ResilientProvider {
        if let existing = await built.get(config.name) { return existing }
        var resolved = config
        switch config.kind {
        case .sim where config.baseURL.isEmpty:
            guard let startSimulator else { throw LLMError.connection(provider: config.name, detail: "no simulator available here") }
            resolved.baseURL = try await startSimulator(seed, config.simulator)
        case .local where config.baseURL.isEmpty:
            resolved.baseURL = try await local.baseURL()
        default:
            break
        }
        var timeouts = ProviderTimeouts()
        if config.kind == .local { timeouts.total = .seconds(1800) }  // a slow CPU model, long chapters
        let inner: any LLMProvider
        switch config.kind {
        case .anthropic: inner = AnthropicProvider(config: resolved, environment: environment, engine: engine, timeouts: timeouts)
        case .gemini: inner = GeminiProvider(config: resolved, environment: environment, engine: engine, timeouts: timeouts)
        case .openai, .sim, .local: inner = OpenAICompatibleProvider(config: resolved, environment: environment, engine: engine, timeouts: timeouts)
        }
        var policy = RetryPolicy()
        if let attempts = config.maxAttempts { policy.maxAttempts = attempts }
        let provider = ResilientProvider(inner, config: resolved, policy: policy)
        await built.set(config.name, provider)
        return provider
    }

    /// The fallback chain for a task: the table's route, else the given default provider.
    public func chain(for task: String, table: ProviderTable, default name: String? = nil) async throws -> FallbackProvider {
        let names = table.routes[task] ?? name.map { [$0] } ?? []
        guard !names.isEmpty else { throw ProviderTableError.unknownProvider("(route for \(task))", known: table.providers.map(\.name)) }
        var chain: [any LLMProvider] = []
        for providerName in names { chain.append(try await provider(for: table.provider(named: providerName))) }
        return FallbackProvider(task: task, chain: chain)
    }

    /// Stops what this factory started (the local server it owns).
    public func shutdown() async {
        await local.stopOwned()
    }
}

actor ProvidersCache {
    private var providers: [String: ResilientProvider] = [:]
    func get(_ name: String) -> ResilientProvider? { providers[name] }
    func set(_ name: String, _ provider: ResilientProvider) { providers[name] = provider }
}
