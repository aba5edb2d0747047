import Foundation
import Testing
import Engine
import LLM
import Simulator
import Store
import WorkbenchCore
@testable import Experiments

/// Style transfer measured by the existing A/B machinery: the same experiment (an author's
/// sample as its `style:`), prompts with the `{{style}}` block against the same prompts without
/// it, every chapter scored against the author's profile.
@Suite("style transfer through an A/B test of styled and unstyled prompts")
struct StyleABTestTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus").standardized.path

    @Test("the style block's effect on the match to the author is detected")
    func styledAgainstUnstyled() async throws {
        guard FileManager.default.fileExists(atPath: Self.corpus + "/bronte-jane-eyre.txt") else {
            Issue.record("the shared corpus is missing at \(Self.corpus)")
            return
        }
        let fixture = try ABFixture(words: 2_500)
        defer { fixture.delete() }
        let manager = FileManager.default
        try manager.copyItem(atPath: fixture.prompts("v1"), toPath: fixture.prompts("unstyled"))
        for template in ["chapter", "continue", "enhance"] {
            try ABFixture.edit(URL(fileURLWithPath: fixture.prompts("unstyled") + "/\(template).mustache")) {
                $0.replacingOccurrences(of: "{{#style}}\n\n{{style}}\n{{/style}}\n", with: "")
            }
        }
        try ABFixture.edit(URL(fileURLWithPath: fixture.experiment)) {
            $0 + "\nstyle: {sample: \(Self.corpus)/bronte-jane-eyre.txt}\n"
        }
        let database = try WorkbenchDatabase.open(path: fixture.root.appendingPathComponent("w.sqlite").path, create: true)
        let server = try await SimulatorServer.start()
        let config = try ExperimentConfig.load(file: fixture.experiment)
        let outline = StandardOutline.outline(wordsPerChapter: config.wordsPerChapter)
        let arms = try ["v1", "unstyled"].map { ABTestDesign.Arm(name: $0, prompts: fixture.prompts($0), promptsHash: try PromptSet.fingerprint(folder: fixture.prompts($0))) }
        let design = ABTestDesign(name: "style", experimentFile: fixture.experiment, arms: arms, samples: 12, metrics: ["style", "style_delta"], seed: 5)
        let provider = ResilientProvider(OpenAICompatibleProvider(
            config: ProviderConfig(name: "sim", kind: .sim, baseURL: server.baseURL, model: "sim-1", inputPricePerMillion: 0, outputPricePerMillion: 0), environment: [:]))
        let result = try await EngineABTest.start(design: design, config: config, outline: outline, database: database,
                                                  route: { _, context in RecordingProvider(provider, store: database, context: context) }).run()
        await server.stop()

        let samples = try database.abTestSamples(runID: RunID(result.id)!)
        func matchRate(_ arm: String) -> Double {
            let scores = samples.filter { $0.arm == arm }.compactMap { $0.metrics["style"] }
            return Double(scores.filter { $0 >= 8 }.count) / Double(max(scores.count, 1))
        }
        print("style A/B: styled match \(matchRate("v1")), unstyled \(matchRate("unstyled")); " + result.comparisons.map(\.verdict).joined(separator: "; "))
        let style = try #require(result.comparisons.first { $0.metric == "style" })
        #expect(style.significant && style.difference < 0, "\(style.verdict)")
        #expect(matchRate("v1") >= 0.7 && matchRate("unstyled") <= 0.1)
    }
}
