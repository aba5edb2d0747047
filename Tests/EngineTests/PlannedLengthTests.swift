import Foundation
import Synchronization
import Testing
@testable import Engine
import LLM
import Quality
import Simulator
import Store
import WorkbenchCore

@Suite struct PlannedLengthTests {
    func outlineJSON(targets: [Any?]) -> String {
        let chapters = targets.enumerated().map { index, target -> [String: Any] in
            var chapter: [String: Any] = ["number": index + 1, "title": "C\(index + 1)", "beats": ["a", "b", "c"]]
            if let target { chapter["target_words"] = target }
            return chapter
        }
        let object: [String: Any] = ["title": "T", "logline": "L", "obsession": "the key", "setting": "S",
                                     "characters": [["name": "Ana"], ["name": "Bo"]], "chapters": chapters]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func thePlannersValidTargetsAreKeptAndTheRestRepaired() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 5
        config.wordsPerChapter = 900
        let planner = ScriptedProvider(answers: [outlineJSON(targets: [1500, 10, nil, 25_000, 2_000.5])])
        let generator = BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: try WorkbenchDatabase.inMemory(), route: { _, _ in planner })
        let run = try generator.database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        let outline = try await generator.plan(premise: "x", run: run.id)
        // A climax planned longer keeps its length; too short, missing, too long or not a whole number: words_per_chapter.
        #expect(outline.chapters.map(\.targetWords) == [1500, 900, 900, 900, 900])
        #expect(planner.calls == 1, "repaired, not asked again")
    }

    @Test func theSimulatedPlannerAsksForTheRequestedLength() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 3
        config.wordsPerChapter = 700
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let database = try WorkbenchDatabase.inMemory()
        let generator = try simGenerator(config, database: database, server: server, log: EventLog())
        let run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        let outline = try await generator.plan(premise: "A storm.", run: run.id)
        await server.stop()
        #expect(outline.chapters.map(\.targetWords) == [700, 700, 700])
    }

    @Test func aGivenOutlinesTargetsAreWrittenTo() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.wordsPerChapter = 1200  // the outline's own targets win
        config.enhancementIterations = 0
        config.judge = nil
        config.chapterRequirements = [:]
        let given = Outline(title: "T", logline: "L", obsession: "the key", setting: "S", characters: [BookCharacter(name: "Ana"), BookCharacter(name: "Bo")],
                            chapters: [ChapterSpec(number: 1, title: "Short", beats: ["a", "b", "c"], targetWords: 150),
                                       ChapterSpec(number: 2, title: "Long", beats: ["a", "b", "c"], targetWords: 400)])
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let log = EventLog()
        let database = try WorkbenchDatabase.inMemory()
        let result = try await simGenerator(config, database: database, server: server, log: log).generate(premise: nil, outline: given)
        await server.stop()
        var targets: [Int: Set<Int>] = [:]
        for case .sceneWritten(let chapter, _, _, let target) in log.all { targets[chapter, default: []].insert(target) }
        #expect(targets == [1: [150], 2: [400]])
        #expect(result.outline.chapters.map(\.targetWords) == [150, 400])
    }
}
