import Foundation
import Testing
@testable import Engine
import LLM
import Simulator
import Store
import WorkbenchCore

/// The typed prompt contexts render exactly the prompts the dictionary literals rendered
/// before them (the response cache and the simulator key on those bytes).
@Suite struct PromptContextTests {
    static let prompts = try! PromptSet.load(folder: experiments + "/prompts/v1")
    static let style = "Write like this author.\n\"\"\"\nAn exemplar's sentence; with 'quotes' & <brackets>.\n\"\"\""

    static func chapter(style: String? = nil) -> ChapterPromptContext {
        ChapterPromptContext(number: 2, chapters: 5, title: "The Keeper's Daughter", logline: "A keeper finds a letter.", setting: "A lighthouse",
                             characters: "Mara (34, black, keeper), Tomas", obsession: "the sealed letter", previous: "1. The Storm: it rains.",
                             chapterTitle: "The Hearing", beats: ["she reads it", "he lies", "the bell rings"], words: 900,
                             pointOfView: "the third person, past tense", style: style)
    }

    static func continuation(style: String? = nil) -> ContinuationPromptContext {
        ContinuationPromptContext(number: 2, title: "The Keeper's Daughter", characters: "Mara, Tomas", obsession: "the sealed letter",
                                  tail: "She put the letter down.\n\nThe wind rose.", beat: "he lies", words: 412,
                                  pointOfView: "the first person, present tense", style: style)
    }

    @Test(arguments: [nil, style])
    func theChapterPromptIsTheDictionarysPrompt(style: String?) {
        let context = Self.chapter(style: style)
        var styleVariables = ["point_of_view": "the third person, past tense"]
        if let style { styleVariables["style"] = style }
        let old = Self.prompts.chapter.render([
            "number": "2", "chapters": "5", "title": "The Keeper's Daughter", "logline": "A keeper finds a letter.",
            "setting": "A lighthouse", "characters": "Mara (34, black, keeper), Tomas", "obsession": "the sealed letter", "previous": "1. The Storm: it rains.",
            "chapter_title": "The Hearing", "beats": ["she reads it", "he lies", "the bell rings"], "words": "900",
        ].merging(styleVariables) { own, _ in own } as [String: Any])
        #expect(Self.prompts.render(context) == old)
        #expect(old.contains("- he lies\n") && old.contains("in the third person, past tense."))
        #expect(old.contains("The Keeper's Daughter"), "plain text: no HTML escaping")
        #expect(old.contains(style ?? "Write only") == true)
    }

    @Test(arguments: [nil, style])
    func theContinuationAndEnhancePromptsAreTheDictionarysPrompts(style: String?) {
        var styleVariables = ["point_of_view": "the first person, present tense"]
        if let style { styleVariables["style"] = style }
        let old = Self.prompts.continuation.render([
            "number": "2", "title": "The Keeper's Daughter", "characters": "Mara, Tomas", "obsession": "the sealed letter",
            "tail": "She put the letter down.\n\nThe wind rose.", "beat": "he lies", "words": "412",
        ].merging(styleVariables) { own, _ in own } as [String: String])
        #expect(Self.prompts.render(Self.continuation(style: style)) == old)

        let enhance = EnhancePromptContext(number: 3, title: "T", characters: "Ana, Bo", obsession: "the letter", operation: "ADD_DEPTH",
                                           instruction: "add concrete sensory detail", passage: "It rained.", words: 30,
                                           pointOfView: "the first person, present tense", style: style)
        let oldEnhance = Self.prompts.enhance.render([
            "number": "3", "title": "T", "characters": "Ana, Bo", "obsession": "the letter",
            "operation": "ADD_DEPTH", "instruction": "add concrete sensory detail", "passage": "It rained.", "words": "30",
        ].merging(styleVariables) { own, _ in own } as [String: String])
        #expect(Self.prompts.render(enhance) == oldEnhance)
    }

    @Test func thePlanPromptIsTheDictionarysPrompt() {
        let old = Self.prompts.plan.render(["premise": "A storm.", "chapters": "5", "words": "1200"] as [String: String])
        #expect(Self.prompts.render(PlanPromptContext(premise: "A storm.", chapters: 5, words: 1200)) == old)
        #expect(old.contains("Plan a novel of 5 chapters of about 1200 words each."))
    }

    @Test func extraInstructionsAreAppendedAsAlsoBullets() {
        var chapter = Self.chapter()
        let plain = Self.prompts.render(chapter)
        chapter.extraInstructions = ["keep the bell off stage", "end on a question"]
        #expect(Self.prompts.render(chapter) == plain + "\n\nAlso:\n- keep the bell off stage\n- end on a question")

        var continuation = Self.continuation(style: Self.style)
        let before = Self.prompts.render(continuation)
        continuation.extraInstructions = ["one"]
        #expect(Self.prompts.render(continuation) == before + "\n\nAlso:\n- one")
        #expect(PromptSet.appending([], to: "x") == "x")
    }

    @Test func extraVariablesNeverOverrideBuiltInOnes() {
        var chapter = Self.chapter(style: Self.style)
        let plain = Self.prompts.render(chapter)
        chapter.extraVariables = ["title": "Another Book", "style": "no style", "point_of_view": "second person", "mood": "grey"]
        #expect(chapter.variables["title"] as? String == "The Keeper's Daughter")
        #expect(chapter.variables["style"] as? String == Self.style)
        #expect(chapter.variables["point_of_view"] as? String == "the third person, past tense")
        #expect(chapter.variables["mood"] as? String == "grey")
        #expect(Self.prompts.render(chapter) == plain, "the template does not use `mood`")

        // Without a style, `style` is not built in: a plugin's value shows.
        var continuation = Self.continuation()
        continuation.extraVariables = ["style": "Plugin style.", "words": "1"]
        #expect(continuation.variables["words"] == "412" && continuation.variables["style"] == "Plugin style.")
        #expect(Self.prompts.render(continuation).hasSuffix("\n\nPlugin style.\n"))
    }
}

/// The events `generate` stores for a chapter, in order, and those that end a run.
@Suite struct PipelineEventOrderTests {
    static func storedKinds(_ database: WorkbenchDatabase, _ run: RunID) throws -> [String] {
        try database.read { try String.fetchAll($0, sql: "SELECT kind FROM events WHERE run_id = ? ORDER BY seq", arguments: [run.rawValue]) }
    }

    @Test func aChaptersEventsAreStoredInOrder() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 1
        config.wordsPerChapter = 300
        let database = try WorkbenchDatabase.inMemory()
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let log = EventLog()
        let result = try await simGenerator(config, database: database, server: server, log: log).generate(premise: "A storm.", outline: nil)
        await server.stop()

        let kinds = try Self.storedKinds(database, result.runID)
        #expect(kinds == log.all.map(\.kind), "every event reaches the store and the subscriber, in one order")
        let scenes = kinds.filter { $0 == "scene.written" }.count
        let enhancements = kinds.filter { $0 == "chapter.enhanced" }.count
        #expect(scenes >= 1)
        // plan, start, the draft's scenes, the stored draft and its scores, the enhancement
        // loop, the judge's verdict, the chapter, the book's continuity, the book.
        var expected = ["plan.done", "chapter.started"] + Array(repeating: "scene.written", count: scenes) + ["chapter.drafted", "chapter.scored"]
        expected += kinds.drop(while: { $0 != "chapter.scored" }).dropFirst().prefix(while: { $0.hasPrefix("chapter.enhanc") || $0 == "chapter.scored" })
        expected += ["judge.scored", "chapter.done", "continuity.checked", "book.done"]
        #expect(kinds == expected)
        #expect(enhancements == kinds.filter { $0 == "chapter.enhancing" }.count)

        let spec = result.outline.chapters[0]
        #expect(log.all.contains(.chapterStarted(chapter: 1, title: spec.title, targetWords: spec.targetWords)))
        let draft = try #require(log.all.compactMap { event -> (Int, Int, Int)? in
            if case .draftWritten(1, let version, let words, let scenes) = event { return (version, words, scenes) } else { return nil }
        }.first)
        let stored = try database.chapterVersions(bookID: result.bookID, chapter: 1)
        #expect(draft.0 == 1 && draft.1 == stored[0].wordCount && draft.2 == scenes)
        let verdicts = log.all.compactMap { event -> (String, String, Double)? in
            if case .judged(1, let dimension, let judge, let score) = event { return (dimension, judge, score) } else { return nil }
        }
        #expect(verdicts.count == 1 && verdicts[0].0 == "overall")
        let kept = try #require(try database.latestChapterVersions(bookID: result.bookID).first)
        let judgeScores = try database.scores(versionIDs: [kept.id!])[kept.id!]?[verdicts[0].1]
        #expect(judgeScores?["overall"] == verdicts[0].2, "the verdict published is the one stored")
        #expect(PipelineEvent.draftWritten(chapter: 1, version: 1, words: 310, scenes: 3).payloadJSON == #"{"chapter":1,"scenes":3,"version":1,"words":310}"#)
    }

    @Test func aRunStoppedByItsBudgetSaysSo() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 1
        config.wordsPerChapter = 300
        config.budgetUSD = 0.000_001
        let database = try WorkbenchDatabase.inMemory()
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let log = EventLog()
        await #expect(throws: EngineError.self) {
            _ = try await simGenerator(config, database: database, server: server, log: log).generate(premise: "A storm.", outline: nil)
        }
        await server.stop()
        let run = try #require(try database.runs().first)
        #expect(run.status == .interrupted)
        #expect(try Self.storedKinds(database, run.id).last == "run.budget_stop")
        guard case .budgetStopped(let spent, let budget)? = log.all.last else { Issue.record("last event: \(String(describing: log.all.last))"); return }
        #expect(spent >= budget && budget == 0.000_001)
    }

    @Test func aFailedRunSaysWhyRedacted() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 1
        let planner = ClosureProvider { _ in "no outline here, key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789" }
        let database = try WorkbenchDatabase.inMemory()
        let log = EventLog()
        let generator = BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: database,
                                      route: { _, _ in planner }, onEvent: log.add)
        await #expect(throws: EngineError.self) { _ = try await generator.generate(premise: "A storm.", outline: nil) }
        let run = try #require(try database.runs().first)
        #expect(run.status == .failed)
        #expect(try Self.storedKinds(database, run.id) == ["run.failed"])
        guard case .failed(let error)? = log.all.last else { Issue.record("last event: \(String(describing: log.all.last))"); return }
        #expect(error.hasPrefix("the outline from the planner is unusable"), "\(error)")
        #expect(!error.contains("abcdefghijklmnopqrstuvwxyz0123456789"), "redacted: \(error)")
    }
}
