import Config
import Foundation
import Testing
@testable import Engine
import Store

/// The `ensemble:` block: what it reads, and every bad value refused with its field named before anything runs.
@Suite struct EnsembleSettingsTests {
    /// An experiment beside the shipped ones (their prompts and providers.yaml, which declares sim-a, sim-b and sim-c).
    func load(_ ensemble: String) throws -> ExperimentConfig {
        let file = experiments + "/ensemble-\(UUID().uuidString.prefix(6)).yaml"
        try Data("routes:\n  generate: [sim]\n  enhance: [sim]\nensemble:\n\(ensemble)".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try ExperimentConfig.load(file: file)
    }

    func refusal(_ ensemble: String) -> ConfigError? {
        do {
            _ = try load(ensemble)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test func readsEveryFieldAndRecordsThemInTheRun() throws {
        let config = try load("""
              providers: [sim-a, sim-b, sim-c]
              weights: [0.4, 0.4, 0.2]
              unit: scene
              samples_per_provider: 2
              fuse: false
              judge: [sim]
              token_budget: 5
            """)
        let ensemble = try #require(config.ensemble)
        #expect(ensemble.providers == ["sim-a", "sim-b", "sim-c"])
        #expect(ensemble.weights == .fixed([0.4, 0.4, 0.2]))
        #expect(ensemble.unit == .scene)
        #expect(ensemble.candidates.map(\.description) == ["sim-a", "sim-a#2", "sim-b", "sim-b#2", "sim-c", "sim-c#2"])
        #expect(!ensemble.fuse && ensemble.judges == ["sim"] && ensemble.tokenBudget == 5)
        #expect(abs(ensemble.fixedShares["sim-c"]! - 0.2) < 1e-12)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(config.runJSON(premise: nil).utf8)) as? [String: Any])
        let fields = try #require(record["ensemble"] as? [String: Any])
        #expect(fields["weights"] as? [Double] == [0.4, 0.4, 0.2] && fields["unit"] as? String == "scene")
    }

    @Test func defaultsAndTheSelfMixtureArm() throws {
        let config = try load("  providers: [sim-c]\n  samples_per_provider: 3\n  weights: learned\n")
        let ensemble = try #require(config.ensemble)
        #expect(ensemble.isSelfMixture && ensemble.candidates.count == 3)
        #expect(ensemble.weights == .learned && ensemble.unit == .beat && ensemble.fuse && ensemble.tokenBudget == 3.5)
        #expect(config.tasks(planning: false).contains(.enhance), "the seam pass goes through the enhance route")
    }

    @Test func badValuesNameTheirField() throws {
        let unknown = try #require(refusal("  providers: [sim-a, claude]\n"))
        #expect(unknown.field == "ensemble.providers[1]" && unknown.problem.contains("claude"))
        #expect(unknown.fix?.contains("sim-a") == true)
        let count = try #require(refusal("  providers: [sim-a, sim-b]\n  weights: [0.4, 0.4, 0.2]\n"))
        #expect(count.field == "ensemble.weights" && count.problem.contains("3 weights for 2 providers"))
        let negative = try #require(refusal("  providers: [sim-a, sim-b]\n  weights: [0.5, -0.1]\n"))
        #expect(negative.field == "ensemble.weights[1]" && negative.problem.contains("negative"))
        #expect(refusal("  providers: [sim-a, sim-b]\n  weights: [0, 0]\n")?.problem.contains("every weight is 0") == true)
        #expect(refusal("  providers: [sim-a, sim-b]\n  weights: best\n")?.field == "ensemble.weights")
        #expect(refusal("  providers: [sim-a]\n")?.problem.contains("nothing to merge") == true)
        #expect(refusal("  providers: [sim-a, sim-a]\n")?.problem.contains("listed twice") == true)
        #expect(refusal("  providers: [sim-a, sim-b]\n  unit: sentence\n")?.field == "ensemble.unit")
        #expect(refusal("  providers: [sim-a, sim-b]\n  judge: [gpt-judge]\n")?.field == "ensemble.judge[0]")
        #expect(refusal("  providers: [sim-a, sim-b]\n  token_budget: 0.5\n")?.field == "ensemble.token_budget")
        #expect(refusal("  providers: [sim-a, sim-b]\n  weight: [1, 1]\n")?.fix?.contains("weights") == true)
        #expect(refusal("  weights: [1]\n")?.field == "ensemble.providers")
        let predictor = try #require(refusal("  providers: [sim-a, sim-b]\n  predictor: no-such-model.json\n"))
        #expect(predictor.field == "ensemble.predictor" && predictor.problem.contains("no-such-model.json"), "\(predictor.problem)")
    }
}
