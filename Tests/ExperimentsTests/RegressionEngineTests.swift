import Foundation
import Testing
import Engine
import LLM
import Simulator
import Store
import Style
import WorkbenchCore
@testable import Experiments

@Suite("regression suites through the engine and the simulator over HTTP")
struct RegressionEngineTests {
    func route(_ server: SimulatorServer, database: WorkbenchDatabase) -> BookGenerator.Router {
        let provider = ResilientProvider(OpenAICompatibleProvider(
            config: ProviderConfig(name: "sim", kind: .sim, baseURL: server.baseURL, model: "sim-1"), environment: [:]))
        return { _, context in RecordingProvider(provider, store: database, context: context) }
    }

    @Test("a baseline written and read back; identical prompts pass, prompts stripped of their instructions fail naming what dropped")
    func createThenRegress() async throws {
        let fixture = try ABFixture(words: 250)
        defer { fixture.delete() }
        // "degraded": the chapter template without the instructions the metrics reward.
        let degraded = fixture.root.appendingPathComponent("prompts/degraded")
        try FileManager.default.copyItem(atPath: fixture.prompts("v1"), toPath: degraded.path)
        try ABFixture.edit(degraded.appendingPathComponent("chapter.mustache")) {
            $0.replacingOccurrences(of: "Use vivid detail,\ndeepen emotion, include dialogue and stay with the obsession. Avoid repetition. ", with: "")
        }
        let server = try await SimulatorServer.start()
        let config = try ExperimentConfig.load(file: fixture.experiment)
        let suite = StandardSuite.suite
        func write(_ prompts: String, database: String, contexts: [String: SuiteScores.Context] = [:]) async throws -> SuiteWriter.Output {
            let store = try WorkbenchDatabase.open(path: fixture.root.appendingPathComponent(database).path, create: true)
            return try await SuiteWriter(suite: suite, samples: 3, config: config, prompts: try PromptSet.load(folder: prompts), database: store,
                                         route: route(server, database: store))
                .run(kind: .baseline, contexts: contexts, fileFor: { Baseline.textFile(chapter: $0, sample: $1) })
        }
        let made = try await write(fixture.prompts("v1"), database: "made.sqlite")
        let root = fixture.root.appendingPathComponent("Baselines").path
        let provenance = BaselineProvenance(version: "t1", createdAt: "now", workbenchVersion: WorkbenchVersion.current, gitRevision: nil, experiment: fixture.experiment,
                                            experimentSHA256: "", promptsSHA256: "", routes: ["generate": ["sim"]], providers: [], samples: 3,
                                            runID: made.runID.rawValue, seconds: made.seconds, costUSD: 0)
        let folder = try Baseline.write(version: "t1", root: root, suite: suite, scores: made.scores, texts: made.texts, provenance: provenance,
                                        sources: .init(experimentFile: fixture.experiment, providersFile: nil, promptsFolder: fixture.prompts("v1"), rubricsFolder: nil))
        #expect(throws: BaselineError.exists(version: "t1", folder: folder)) {
            try Baseline.write(version: "t1", root: root, suite: suite, scores: made.scores, texts: made.texts, provenance: provenance,
                               sources: .init(experimentFile: fixture.experiment, providersFile: nil, promptsFolder: fixture.prompts("v1"), rubricsFolder: nil))
        }
        let baseline = try Baseline.load(version: "t1", root: root)
        #expect(baseline.scores == made.scores)
        #expect(FileManager.default.fileExists(atPath: folder + "/prompts/v1/chapter.mustache"))
        // Nothing half-written is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["t1"])

        let contexts = Dictionary(uniqueKeysWithValues: baseline.scores.chapters.map { ($0.id, $0.context) })
        // Another workspace: nothing comes from the response cache.
        let same = try await write(fixture.prompts("v1"), database: "same.sqlite", contexts: contexts)
        let worse = try await write(degraded.path, database: "worse.sqlite", contexts: contexts)
        await server.stop()

        let options = RegressionResult.Options()
        let pass = RegressionAnalysis.compare(baseline: baseline.scores, current: same.scores, options: options, baselineLabel: "t1", currentLabel: "now")
        #expect(pass.passed, "\(pass.summaryLine)")
        #expect(pass.rows.allSatisfy { $0.delta == 0 }, "the simulator is deterministic: the same prompts write the same chapters")

        let fail = RegressionAnalysis.compare(baseline: baseline.scores, current: worse.scores, options: options, baselineLabel: "t1", currentLabel: "now")
        #expect(!fail.passed)
        #expect(fail.suite.failed, "\(fail.suite.note)")
        // The drop is everywhere and small in each chapter: the suite mean catches it; any chapter
        // flagged besides is a quality drop, named in the verdict.
        #expect(fail.summaryLine.contains("suite mean quality -"))
        #expect(fail.regressions.allSatisfy { $0.metric == "quality" && $0.delta < 0 })
        for row in fail.regressions { #expect(fail.summaryLine.contains("\(row.chapter) quality")) }
    }

    @Test("a baseline written to an author's style freezes its profile; prompts without the style block fail `--metrics style` and drift")
    func styleDriftFailsTheGate() async throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus").standardized.path
        guard FileManager.default.fileExists(atPath: corpus + "/collins-woman-in-white.txt") else {
            Issue.record("the shared corpus is missing at \(corpus)")
            return
        }
        let fixture = try ABFixture(words: 1_500)
        defer { fixture.delete() }
        try ABFixture.edit(URL(fileURLWithPath: fixture.experiment)) { $0 + "\nstyle: {sample: \(corpus)/collins-woman-in-white.txt}\n" }
        let unstyled = fixture.root.appendingPathComponent("prompts/unstyled").path
        try FileManager.default.copyItem(atPath: fixture.prompts("v1"), toPath: unstyled)
        for template in ["chapter", "continue", "enhance"] {
            try ABFixture.edit(URL(fileURLWithPath: unstyled + "/\(template).mustache")) { $0.replacingOccurrences(of: "{{#style}}\n\n{{style}}\n{{/style}}\n", with: "") }
        }
        let server = try await SimulatorServer.start()
        let config = try ExperimentConfig.load(file: fixture.experiment)
        // Chapters of 1,200 words: at the standard suite's 250, Delta hardly tells an author's
        // prose from another's (the simulator's unstyled 250-word chapters match 19 of 42 times).
        var suite = StandardSuite.suite
        for index in suite.chapters.indices { suite.chapters[index].targetWords = 1_200 }
        func write(_ prompts: String, database: String, contexts: [String: SuiteScores.Context] = [:], style: StyleTarget? = nil) async throws -> SuiteWriter.Output {
            let store = try WorkbenchDatabase.open(path: fixture.root.appendingPathComponent(database).path, create: true)
            return try await SuiteWriter(suite: suite, samples: 2, config: config, prompts: try PromptSet.load(folder: prompts), database: store,
                                         route: route(server, database: store))
                .run(kind: .baseline, contexts: contexts, style: style, fileFor: { Baseline.textFile(chapter: $0, sample: $1) })
        }
        let made = try await write(fixture.prompts("v1"), database: "made.sqlite")
        let root = fixture.root.appendingPathComponent("Baselines").path
        let provenance = BaselineProvenance(version: "s1", createdAt: "now", workbenchVersion: WorkbenchVersion.current, gitRevision: nil, experiment: fixture.experiment,
                                            experimentSHA256: "", promptsSHA256: "", routes: ["generate": ["sim"]], providers: [], samples: 2,
                                            runID: made.runID.rawValue, seconds: made.seconds, costUSD: 0)
        let folder = try Baseline.write(version: "s1", root: root, suite: suite, scores: made.scores, texts: made.texts, provenance: provenance,
                                        sources: .init(experimentFile: fixture.experiment, providersFile: nil, promptsFolder: fixture.prompts("v1"), rubricsFolder: nil,
                                                       styleProfile: config.style?.profile))
        let baseline = try Baseline.load(version: "s1", root: root)
        #expect(baseline.scores == made.scores, "re-read against the frozen profile, the scores are the ones written")
        #expect(baseline.style?.profile == config.style?.profile)
        let contexts = Dictionary(uniqueKeysWithValues: baseline.scores.chapters.map { ($0.id, $0.context) })
        let worse = try await write(unstyled, database: "worse.sqlite", contexts: contexts, style: baseline.style)
        await server.stop()

        let options = RegressionResult.Options(metrics: ["quality", "style"])
        let result = RegressionAnalysis.compare(baseline: baseline.scores, current: worse.scores, options: options, baselineLabel: "s1", currentLabel: "now")
        let drift = try #require(result.styleDrift)
        print("style gate: \(result.summaryLine); drifting now \(drift.now.count) of \(drift.chapters), baseline \(drift.baseline.count)")
        #expect(!result.passed)
        #expect(result.regressions.contains { $0.metric == "style" })
        #expect(drift.baseline.count <= 1 && drift.now.count == drift.chapters, "baseline \(drift.baseline), now \(drift.now)")

        // A profile file that no longer matches the scores is refused naming it.
        try "{}".write(toFile: folder + "/" + Baseline.styleProfileFile, atomically: true, encoding: .utf8)
        #expect(throws: BaselineError.self) { try Baseline.load(version: "s1", root: root) }
    }

    @Test("a suite written with a plugin carries its metric into the baseline, which reads back and gates on it",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func pluginMetricsReachTheBaselineAndTheGate() async throws {
        let fixture = try ABFixture(words: 250)
        defer { fixture.delete() }
        let romance = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/plugins/romance.py").standardized.path
        try Data("""
            name: regress-plugins
            routes: {plan: [sim], generate: [sim], enhance: [sim], judge: [sim]}
            prompts: v1
            book: {chapters: 3, words_per_chapter: 250}
            enhancement: {iterations: 0}
            concurrency: 4
            seed: 5
            plugins:
              - {name: romance, command: [python3, \(romance)], hooks: [analyze, afterDraft]}
            """.utf8).write(to: URL(fileURLWithPath: fixture.experiment))
        let server = try await SimulatorServer.start()
        let config = try ExperimentConfig.load(file: fixture.experiment)
        let suite = StandardSuite.suite
        let store = try WorkbenchDatabase.open(path: fixture.root.appendingPathComponent("w.sqlite").path, create: true)
        let made = try await SuiteWriter(suite: suite, samples: 2, config: config, prompts: try PromptSet.load(folder: fixture.prompts("v1")), database: store,
                                         route: route(server, database: store))
            .run(kind: .baseline, fileFor: { Baseline.textFile(chapter: $0, sample: $1) })
        await server.stop()
        // Every chapter has the plugin's metric, one value per sample, on its own 0–10 scale.
        for chapter in made.scores.chapters {
            let tension = try #require(chapter.metrics["plugin.romance.tension"], "\(chapter.id)")
            #expect(tension.samples.count == 2 && tension.samples.allSatisfy { (0...10).contains($0) })
        }
        #expect(made.scores.chapters.contains { ($0.metrics["plugin.romance.tension"]?.mean ?? 0) > 0 }, "the afterDraft rewrite raised some chapter's tension")
        let root = fixture.root.appendingPathComponent("Baselines").path
        let provenance = BaselineProvenance(version: "p1", createdAt: "now", workbenchVersion: WorkbenchVersion.current, gitRevision: nil, experiment: fixture.experiment,
                                            experimentSHA256: "", promptsSHA256: "", routes: ["generate": ["sim"]], providers: [], samples: 2,
                                            runID: made.runID.rawValue, seconds: made.seconds, costUSD: 0)
        try Baseline.write(version: "p1", root: root, suite: suite, scores: made.scores, texts: made.texts, provenance: provenance,
                           sources: .init(experimentFile: fixture.experiment, providersFile: nil, promptsFolder: fixture.prompts("v1"), rubricsFolder: nil))
        // Read back: the scorer re-checks its own metrics and leaves the plugin's as measured.
        let baseline = try Baseline.load(version: "p1", root: root)
        #expect(baseline.scores == made.scores)
        var options = RegressionResult.Options()
        options.metrics = ["quality", "plugin.romance.tension"]
        let same = RegressionAnalysis.compare(baseline: baseline.scores, current: made.scores, options: options, baselineLabel: "p1", currentLabel: "same")
        #expect(same.passed, "\(same.summaryLine)")
        #expect(same.rows.contains { $0.metric == "plugin.romance.tension" })
    }
}
