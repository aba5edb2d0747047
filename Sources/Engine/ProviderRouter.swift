import LLM
import WorkbenchCore

/// Which provider chain serves each task of a run, resolved and checked before the run
/// exists: every task the run needs has a route and every provider a route names is
/// declared, so a typo is a configuration error, not a failure at the first call.
public struct ProviderRoutes: Sendable, Equatable {
    public let table: ProviderTable
    /// Task → provider names, tried in order.
    public let chains: [LLMTask: [String]]

    /// The experiment's routes over its provider table's (or every task to its
    /// `providerOverride`); `optimize` without a route of its own uses `generate`'s.
    public init(config: ExperimentConfig, needs: Set<LLMTask>) throws {
        let override = config.providerOverride
        let table = try config.providerTable()
        self.table = table
        let known = table.providers.map(\.name)
        if let override, !known.contains(override) {
            throw RoutingError.unknownProvider(name: override, source: "--provider", known: known)
        }
        var chains: [LLMTask: [String]] = [:]
        for task in LLMTask.routable {
            let chain = override.map { [$0] } ?? config.routes[task] ?? table.routes[task] ?? (task == .optimize ? config.routes[.generate] ?? table.routes[.generate] : nil)
            if let chain, !chain.isEmpty { chains[task] = chain }
        }
        for (task, chain) in chains {
            for name in chain where !known.contains(name) {
                throw RoutingError.unknownProvider(name: name, source: "routes.\(task.rawValue) of \(config.file)", known: known)
            }
        }
        for task in needs.sorted() where chains[task] == nil {
            throw RoutingError.noRoute(task: task, experiment: config.file)
        }
        self.chains = chains
    }

    public func chain(for task: LLMTask) throws -> [ProviderConfig] {
        guard let names = chains[task] else { throw RoutingError.noRoute(task: task, experiment: nil) }
        return try names.map { try table.provider(named: $0) }
    }
}

/// A route that is missing or names an undeclared provider.
public enum RoutingError: WorkbenchError, Equatable {
    case noRoute(task: LLMTask, experiment: String?)
    case unknownProvider(name: String, source: String, known: [String])

    public var message: String {
        switch self {
        case .noRoute(let task, let experiment):
            return "\(experiment.map { "\($0): " } ?? "")no provider is routed for the `\(task.rawValue)` task"
        case .unknownProvider(let name, let source, _):
            return "\(source): no provider named `\(name)`"
        }
    }

    public var fix: String? {
        switch self {
        case .noRoute(let task, _):
            return "add `routes: {\(task.rawValue): [NAME]}` to the experiment or its providers.yaml (e.g. [sim] for the offline simulator), or pass --provider NAME"
        case .unknownProvider(_, _, let known):
            return "use one of: \(known.joined(separator: ", ")) (or declare it in providers.yaml)"
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}

/// Hands the engine a provider chain per task and call: each provider built once by the
/// factory, every call cached and logged in `store` under its run, book and chapter.
public final class ProviderRouter: Sendable {
    public let routes: ProviderRoutes
    let factory: ProviderFactory
    let store: any LLMCallStore
    let seed: UInt64

    public init(routes: ProviderRoutes, factory: ProviderFactory, store: any LLMCallStore, seed: UInt64) {
        self.routes = routes
        self.factory = factory
        self.store = store
        self.seed = seed
    }

    public func provider(for task: LLMTask, context: CallContext) async throws -> any LLMProvider {
        var chain: [any LLMProvider] = []
        for config in try routes.chain(for: task) {
            chain.append(RecordingProvider(try await factory.provider(for: config, seed: seed), store: store, context: context))
        }
        return FallbackProvider(task: task, chain: chain)
    }

    /// One provider of the table by name, its calls logged like a chain's.
    public func provider(named name: String, context: CallContext) async throws -> any LLMProvider {
        RecordingProvider(try await factory.provider(for: try routes.table.provider(named: name), seed: seed), store: store, context: context)
    }

    /// The engine's view: a task and a call context in, a provider out.
    public var route: BookGenerator.Router { { task, context in try await self.provider(for: task, context: context) } }
    /// The engine's view of single providers by name (an ensemble's members and judges).
    public var named: BookGenerator.NamedRouter { { name, context in try await self.provider(named: name, context: context) } }

    /// Runs `body` with the router for `config`, then stops any server its providers started
    /// (the local model), whether `body` returned or threw.
    public static func run<T>(
        config: ExperimentConfig, needs: Set<LLMTask>, factory: ProviderFactory, store: any LLMCallStore,
        _ body: (ProviderRouter) async throws -> T
    ) async throws -> T {
        let router: ProviderRouter
        do {
            router = ProviderRouter(routes: try ProviderRoutes(config: config, needs: needs), factory: factory, store: store, seed: config.seed)
        } catch {
            await factory.shutdown()
            throw error
        }
        do {
            let result = try await body(router)
            await factory.shutdown()
            return result
        } catch {
            await factory.shutdown()
            throw error
        }
    }
}
