import Foundation
import Testing
@testable import Engine
import LLM
import WorkbenchCore

@Suite struct RoutingTests {
    /// An experiment beside the shipped ones (so it finds their prompts and providers.yaml).
    func experiment(_ yaml: String) throws -> (ExperimentConfig, cleanup: () -> Void) {
        let file = experiments + "/routing-\(UUID().uuidString.prefix(6)).yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: file))
        return (try ExperimentConfig.load(file: file), { try? FileManager.default.removeItem(atPath: file) })
    }

    @Test func experimentRoutesGoOverTheTablesAndOptimizeFallsBackToGenerate() throws {
        let (config, cleanup) = try experiment("routes:\n  generate: [sim]\n  enhance: [sim-priced, sim]\n")
        defer { cleanup() }
        let routes = try ProviderRoutes(config: config, needs: config.tasks(planning: true, optimizing: true))
        #expect(routes.chains[.generate] == ["sim"])
        #expect(routes.chains[.enhance] == ["sim-priced", "sim"])
        #expect(routes.chains[.plan] == ["deepseek", "groq"], "from Experiments/providers.yaml")
        #expect(routes.chains[.optimize] == ["sim"])
        var local = config
        local.providerOverride = "local"
        let overridden = try ProviderRoutes(config: local, needs: [.generate])
        #expect(LLMTask.routable.allSatisfy { overridden.chains[$0] == ["local"] })
    }

    @Test func aTaskTheRunNeedsWithoutARouteIsAConfigErrorBeforeTheRun() throws {
        var (config, cleanup) = try experiment("routes:\n  generate: [sim]\n")
        defer { cleanup() }
        config.providersFile = nil
        // A provider table without routes: judging is needed and routed nowhere.
        let table = FileManager.default.temporaryDirectory.appendingPathComponent("providers-\(UUID().uuidString).yaml")
        try Data("providers:\n  sim:\n    kind: sim\n    model: sim-1\n".utf8).write(to: table)
        defer { try? FileManager.default.removeItem(at: table) }
        config.providersFile = table.path
        config.enhancementIterations = 0
        config.judge = .init(dimensions: ["overall"], samples: 1, rubrics: experiments + "/prompts/judge/v1")
        #expect(throws: RoutingError.noRoute(task: .judge, experiment: config.file)) {
            try ProviderRoutes(config: config, needs: config.tasks(planning: false))
        }
        let error = RoutingError.noRoute(task: .judge, experiment: config.file)
        #expect(error.exitStatus == .dataError)
        #expect(error.fix?.contains("judge: [NAME]") == true)
        // Without judges, the same routes are enough.
        config.judge = nil
        #expect(throws: Never.self) { try ProviderRoutes(config: config, needs: config.tasks(planning: false)) }
    }

    @Test func anUnknownOverrideIsRefused() throws {
        var (config, cleanup) = try experiment("routes:\n  generate: [sim]\n")
        defer { cleanup() }
        config.providerOverride = "nosuch"
        #expect(throws: RoutingError.self) { try ProviderRoutes(config: config, needs: [.generate]) }
    }
}
