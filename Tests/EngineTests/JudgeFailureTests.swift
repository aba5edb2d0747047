import Foundation
import Synchronization
import Testing
@testable import Engine
import LLM
import Quality
import Simulator
import Store
import WorkbenchCore

@Suite struct JudgeFailureTests {
    /// A judge whose every answer is cut at `max_tokens`, however much room it is given.
    @Test func aJudgeCutByLengthIsRetriedWithMoreRoomAndTheBookCompletes() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 2
        config.wordsPerChapter = 300
        config.enhancementIterations = 0
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let sim = ResilientProvider(OpenAICompatibleProvider(config: ProviderConfig(name: "sim", kind: .sim, baseURL: server.baseURL, model: "sim-1"), environment: [:]))
        let judge = ClosureProvider(name: "verbose") { request in throw LLMError.cutByLength(provider: "verbose", tokens: request.maxTokens ?? 0) }
        let database = try WorkbenchDatabase.inMemory()
        let log = EventLog()
        let generator = BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: database, route: { task, context in
            // Through a fallback chain, as the router hands it out.
            task == .judge ? FallbackProvider(task: .judge, chain: [judge]) as any LLMProvider : RecordingProvider(sim, store: database, context: context)
        }, onEvent: log.add)
        let result = try await generator.generate(premise: "A storm.", outline: nil)
        await server.stop()

        #expect(try database.run(matching: result.runID.rawValue).status == .succeeded)
        #expect(try database.latestChapterVersions(bookID: result.bookID).count == 2)
        // Each chapter's judge asked with twice the room each time, up to the bound.
        let caps = judge.requests.map { $0.maxTokens ?? 0 }
        #expect(caps.sorted() == [200, 200, 400, 400, 800, 800, 1600, 1600])
        let failures = log.all.compactMap { event -> (Int, String, String)? in
            if case .judgeFailed(let chapter, let dimension, _, let error) = event { return (chapter, dimension, error) } else { return nil }
        }
        #expect(failures.map(\.0).sorted() == [1, 2])
        #expect(failures.allSatisfy { $0.1 == "overall" && $0.2.contains("cut at max_tokens (1600)") })
        #expect(try database.events(of: result.runID, kind: "judge.failed").count == 2, "stored with the run")
        // The chapters keep their heuristic scores, and no judge score.
        let scores = try database.scores(versionIDs: try database.latestChapterVersions(bookID: result.bookID).compactMap(\.id))
        #expect(scores.values.allSatisfy { $0[QualityAnalyzer.scorer]?["quality"] != nil && !$0.keys.contains { $0.hasPrefix("judge:") } })
    }
}
