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
    /// A limit on every provider's calls together (`queue process --rate-limit`), or nil.
    public let sharedLimiter: GlobalRateLimiter?

    public init(environment: [String: String], engine: CurlEngine = .shared, sharedLimiter: GlobalRateLimiter? = nil, startSimulator: SimulatorStarter?) {
        self.environment = environment
        self.sharedLimiter = sharedLimiter
        self.engine = engine
        self.startSimulator = startSimulator
        local = LocalLLMServer(settings: .init(paths: CachePaths(environment: environment), environment: environment), engine: engine)
        built = ProvidersCache()
    }

    /// The provider for one configuration, built once per factory and name: callers that
    /// ask at the same time share one provider (one set of limits, one breaker).
    public func provider(for config: ProviderConfig, seed: UInt64 = 0) async throws -> ResilientProvider {
        try await built.provider(named: config.name) { try await self.build(config, seed: seed) }
    }

    private func build(_ config: ProviderConfig, seed: UInt64) async throws -> ResilientProvider {
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
        return ResilientProvider(inner, config: resolved, policy: policy, cacheIdentity: cacheIdentity(of: config), shared: sharedLimiter)
    }

    /// What decides a provider's answers besides the request: the declared base URL (not
    /// the port a started server got), the extra body fields, and for the local model its
    /// model file's identity. Changing any of them must not replay old answers.
    func cacheIdentity(of config: ProviderConfig) -> String {
        var parts = ["base_url=" + config.baseURL]
        if let extra = config.extraBodyJSON { parts.append("extra_body=" + ((try? CanonicalJSON.normalize(extra)) ?? extra)) }
        if config.kind == .local { parts.append("model_file=" + Self.fileIdentity(local.settings.modelPath)) }
        return parts.joined(separator: "\n")
    }

    /// A file's name, size and the SHA-256 of its first and last mebibyte: content-based,
    /// and cheap even for a model file of hundreds of megabytes.
    static func fileIdentity(_ path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "missing:" + path }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let window: UInt64 = 1 << 20
        try? handle.seek(toOffset: 0)
        var sample = (try? handle.read(upToCount: Int(min(size, window)))) ?? Data()
        if size > window {
            try? handle.seek(toOffset: size - window)
            sample.append((try? handle.read(upToCount: Int(window))) ?? Data())
        }
        return "\((path as NSString).lastPathComponent):\(size):\(SHA256.hex(of: sample))"
    }

    /// Stops what this factory started (the local server it owns).
    public func shutdown() async {
        await local.stopOwned()
    }
}

/// One provider per name: the first caller starts building it, later ones (even while it
/// builds) wait for the same one; a build that failed is forgotten so the next call retries.
actor ProvidersCache {
    private var providers: [String: Task<ResilientProvider, any Error>] = [:]

    func provider(named name: String, build: @escaping @Sendable () async throws -> ResilientProvider) async throws -> ResilientProvider {
        let task: Task<ResilientProvider, any Error>
        if let existing = providers[name] {
            task = existing
        } else {
            task = Task { try await build() }
            providers[name] = task
        }
        do {
            return try await task.value
        } catch {
            if providers[name] == task { providers[name] = nil }
            throw error
        }
    }
}
