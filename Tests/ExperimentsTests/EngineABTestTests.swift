import Foundation
import Testing
import Engine
import LLM
import Simulator
import Store
import WorkbenchCore
@testable import Experiments

/// A folder with an experiment against the simulator and three prompt versions: v1 as
/// shipped, v1 without "stay with the obsession" (a documented trigger), and v1 reworded.
struct ABFixture {
    let root: URL
    var experiment: String { root.appendingPathComponent("ab.yaml").path }
    func prompts(_ name: String) -> String { root.appendingPathComponent("prompts/\(name)").path }

    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/prompts/v1").standardized

    init(words: Int = 600) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-ab-\(UUID().uuidString.prefix(8))")
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("prompts"), withIntermediateDirectories: true)
        for name in ["v1", "no-obsession", "reworded"] { try manager.copyItem(at: Self.shipped, to: root.appendingPathComponent("prompts/\(name)")) }
        try Self.edit(root.appendingPathComponent("prompts/no-obsession/chapter.mustache")) { $0.replacingOccurrences(of: " and stay with the obsession", with: "") }
        try Self.edit(root.appendingPathComponent("prompts/reworded/chapter.mustache")) {
            $0.replacingOccurrences(of: "Write only\nthe chapter's prose, no headings.", with: "Write nothing\nbut the prose of the chapter, without headings.")
        }
        try Data("""
            name: ab-test
            routes: {plan: [sim], generate: [sim], enhance: [sim], judge: [sim]}
            prompts: v1
            book: {chapters: 3, words_per_chapter: \(words)}
            enhancement: {iterations: 0}
            concurrency: 4
            seed: 5
            """.utf8).write(to: URL(fileURLWithPath: experiment))
    }

    static func edit(_ file: URL, _ change: (String) -> String) throws {
        let before = try String(contentsOf: file, encoding: .utf8)
        let after = change(before)
        precondition(after != before, "the fixture edit changed nothing in \(file.path)")
        try Data(after.utf8).write(to: file)
    }

    func delete() { try? FileManager.default.removeItem(at: root) }
}

@Suite("A/B tests through the engine and the simulator over HTTP")
struct EngineABTestTests {
    func design(_ fixture: ABFixture, variant: String, samples: Int = 30, metrics: [String] = ["obsession_depth"]) throws -> ABTestDesign {
        let arms = try ["v1", variant].map { ABTestDesign.Arm(name: $0, prompts: fixture.prompts($0), promptsHash: try PromptSet.fingerprint(folder: fixture.prompts($0))) }
        return ABTestDesign(name: "ab", experimentFile: fixture.experiment, arms: arms, samples: samples, metrics: metrics, seed: 5)
    }

    func route(_ server: SimulatorServer, database: WorkbenchDatabase, price: Double = 0) -> BookGenerator.Router {
        let provider = ResilientProvider(OpenAICompatibleProvider(
            config: ProviderConfig(name: "sim", kind: .sim, baseURL: server.baseURL, model: "sim-1", inputPricePerMillion: price, outputPricePerMillion: price), environment: [:]))
        return { _, context in RecordingProvider(provider, store: database, context: context) }
    }

    @Test("a prompt instruction's documented effect is detected; a cosmetic rewording shows no difference")
    func instructionAndRewording() async throws {
        let fixture = try ABFixture()
        defer { fixture.delete() }
        let database = try WorkbenchDatabase.open(path: fixture.root.appendingPathComponent("w.sqlite").path, create: true)
        let server = try await SimulatorServer.start()
        let config = try ExperimentConfig.load(file: fixture.experiment)
        let outline = StandardOutline.outline(wordsPerChapter: config.wordsPerChapter)

        // v1 keeps "stay with the obsession": obsession sentences 0.02 → 0.08 by the surface.
        let instructed = try await EngineABTest.start(design: design(fixture, variant: "no-obsession"), config: config, outline: outline,
                                                      database: database, route: route(server, database: database)).run()
        let reworded = try await EngineABTest.start(design: design(fixture, variant: "reworded"), config: config, outline: outline,
                                                    database: database, route: route(server, database: database)).run()
        await server.stop()

        let dropped = try #require(instructed.comparisons.first)
        #expect(dropped.significant && dropped.difference < -1, "\(dropped.verdict)")
        #expect(dropped.verdict.hasPrefix("no-obsession -") && dropped.verdict.hasSuffix("✗"))
        let same = try #require(reworded.comparisons.first)
        #expect(!same.significant && same.verdict.hasPrefix("no detectable difference (n=30, MDE"), "\(same.verdict)")
        // Stored, and read back the same by `abtest show`.
        #expect(try EngineABTest.result(of: reworded.id, database: database) == reworded)
        #expect(try database.abTestSamples(runID: RunID(reworded.id)!).count == 60)
        #expect(try database.runs(kind: .abtest).count == 2)
    }

    @Test("a test stopped at its cost cap resumes to the result an uninterrupted test gets, paying nothing twice")
    func costCapThenResume() async throws {
        let fixture = try ABFixture(words: 200)
        defer { fixture.delete() }
        let database = try WorkbenchDatabase.open(path: fixture.root.appendingPathComponent("w.sqlite").path, create: true)
        let other = try WorkbenchDatabase.open(path: fixture.root.appendingPathComponent("other.sqlite").path, create: true)
        let server = try await SimulatorServer.start()
        let config = try ExperimentConfig.load(file: fixture.experiment)
        let outline = StandardOutline.outline(wordsPerChapter: config.wordsPerChapter)
        var capped = try design(fixture, variant: "no-obsession", samples: 8, metrics: ["obsession_depth", "quality"])
        capped.maxCostUSD = 0.001

        let stopped = try await EngineABTest.start(design: capped, config: config, outline: outline, database: database,
                                                   route: route(server, database: database, price: 1)).run()
        #expect(stopped.stop == .costCap)
        #expect(try database.run(matching: stopped.id).status == .interrupted)
        let pairsBefore = stopped.comparisons[0].pairs
        #expect(pairsBefore < 8)

        let resumed = try await EngineABTest.resume(RunID(stopped.id)!, database: database, route: route(server, database: database, price: 1), maxCostUSD: 10).run()
        var uncapped = capped
        uncapped.maxCostUSD = 10
        let straight = try await EngineABTest.start(design: uncapped, config: config, outline: outline, database: other,
                                                    route: route(server, database: other, price: 1)).run()
        await server.stop()
        #expect(resumed.stop == .completed)
        #expect(throws: ABTestError.alreadyFinished(runID: stopped.id)) {
            try EngineABTest.resume(RunID(stopped.id)!, database: database, route: { _, _ in throw CancellationError() })
        }
        #expect(resumed.comparisons.map(\.differences) == straight.comparisons.map(\.differences))
        // Every paid request of the resumed test was paid once (the cache answered repeats).
        let paid = try database.llmCalls(runID: RunID(stopped.id)!).filter { $0.costUSD > 0 }
        #expect(Set(paid.map(\.requestHash)).count == paid.count)
        #expect(abs(resumed.totalCostUSD - straight.totalCostUSD) < 1e-9)
    }

    @Test("a resumed test refuses prompts edited since it started")
    func editedPromptsAreRefused() async throws {
        let fixture = try ABFixture()
        defer { fixture.delete() }
        let database = try WorkbenchDatabase.open(path: fixture.root.appendingPathComponent("w.sqlite").path, create: true)
        let server = try await SimulatorServer.start()
        let config = try ExperimentConfig.load(file: fixture.experiment)
        var small = try design(fixture, variant: "reworded", samples: 2)
        small.maxCostUSD = 0.0000001
        let stopped = try await EngineABTest.start(design: small, config: config, outline: StandardOutline.outline(wordsPerChapter: 100), database: database,
                                                   route: route(server, database: database, price: 1)).run()
        await server.stop()
        try ABFixture.edit(URL(fileURLWithPath: fixture.prompts("reworded") + "/chapter.mustache")) { $0 + "\nEdited." }
        #expect(throws: ABTestError.promptsChanged(arm: "reworded", folder: fixture.prompts("reworded"))) {
            try EngineABTest.resume(RunID(stopped.id)!, database: database, route: { _, _ in throw CancellationError() })
        }
    }
}
