import Foundation
import GRDB
import Synchronization
import Testing
@testable import Engine
import LLM
import Quality
import Simulator
import Store
import WorkbenchCore

let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments").standardized.path

/// Collects the pipeline's events.
final class EventLog: Sendable {
    private let events = Mutex<[PipelineEvent]>([])
    func add(_ event: PipelineEvent, _ run: RunID) { events.withLock { $0.append(event) } }
    var all: [PipelineEvent] { events.withLock { $0 } }
}

/// A generator against a fresh simulator, every task routed to it, calls recorded in `database`.
func simGenerator(_ config: ExperimentConfig, database: WorkbenchDatabase, server: SimulatorServer, log: EventLog,
                  drafts: (any DraftCheckpoints)? = nil) throws -> BookGenerator {
    let provider = ResilientProvider(OpenAICompatibleProvider(
        config: ProviderConfig(name: "sim", kind: .sim, baseURL: server.baseURL, model: "sim-1", inputPricePerMillion: 1, outputPricePerMillion: 2),
        environment: [:]))
    return BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: database, route: { _, context in
        RecordingProvider(provider, store: database, context: context)
    }, drafts: drafts, onEvent: log.add)
}

@Suite struct EngineTests {
    @Test func theShippedExperimentsLoad() throws {
        let sim = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        #expect(sim.judge?.dimensions == ["overall"])
        #expect(sim.chapters == 5 && sim.wordsPerChapter == 1200 && sim.concurrency == 5 && sim.seed == 7)
        #expect(sim.routes[.generate] == ["sim"])
        #expect(sim.targets(forChapter: 1).quality == 8.5)
        #expect(sim.targets(forChapter: 2).quality == 8.0)
        #expect(sim.providersFile == experiments + "/providers.yaml")
        let demo = try ExperimentConfig.load(file: experiments + "/demo.yaml")
        #expect(demo.routes[.generate] == ["local"])
        _ = try PromptSet.load(folder: sim.promptsFolder)
    }

    @Test(arguments: [
        ("book:\n  chapters: 0\n", 2, "book.chapters", "outside"),
        ("book:\n  chapterz: 3\n", 2, "book.chapterz", "did you mean `chapters`"),
        ("routes:\n  write: [sim]\n", 2, "routes.write", "unknown task"),
        ("quality:\n  targets:\n    detail: 4\n", 3, "quality.targets.detail", "unknown field"),
        ("book:\n  chapters: 2\nquality:\n  chapter_requirements:\n    5: {quality: 9}\n", 4, "quality", "chapter 5"),
        ("prompts: v9\n", 1, "prompts", "no prompt templates"),
        ("routes:\n  generate: [sim, nosuch]\n", 2, "routes.generate", "unknown provider `nosuch`"),
        ("routes:\n  generate: []\n", 2, "routes.generate", "at least one provider"),
    ])
    func badExperimentsAreLocated(yaml: String, line: Int, field: String, problem: String) throws {
        let file = experiments + "/test-\(UUID().uuidString.prefix(6)).yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            _ = try ExperimentConfig.load(file: file)
            Issue.record("accepted \(yaml)")
        } catch let error as any WorkbenchError {
            #expect(error.message.hasPrefix("\(file):\(line): \(field)"), "\(error.message)")
            #expect(error.message.contains(problem) || (error.fix ?? "").contains(problem), "\(error.message) / \(error.fix ?? "")")
            #expect(error.exitStatus == .dataError)
        }
    }

    @Test func aFiveChapterBookCompletesAndIsStored() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.wordsPerChapter = 600
        let database = try WorkbenchDatabase.inMemory()
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let log = EventLog()
        let result = try await simGenerator(config, database: database, server: server, log: log).generate(
            premise: "A keeper's daughter finds a sealed letter.", outline: nil)
        await server.stop()

        #expect(result.outline.chapters.count == 5)
        let versions = try database.latestChapterVersions(bookID: result.bookID)
        #expect(versions.map(\.chapter) == [1, 2, 3, 4, 5])
        for version in versions {
            #expect(Double(version.wordCount) >= 600 * 0.9, "chapter \(version.chapter): \(version.wordCount) words")
        }
        #expect(try database.run(matching: result.runID.rawValue).status == .succeeded)
        let summary = try database.summary(of: result.runID)
        #expect(summary.llmCallCount > 5)
        #expect(summary.costUSD > 0 && abs(summary.costUSD - result.costUSD) < 1e-12)
        #expect(summary.eventCount == log.all.count)
        #expect(log.all.first == .planned(title: result.outline.title, chapters: 5))
        if case .bookDone? = log.all.last {} else { Issue.record("the last event is \(String(describing: log.all.last))") }
        // Scores are stored with every version, and the judge's beside them on the kept one.
        let scores = try database.scores(versionIDs: versions.compactMap(\.id))
        #expect(scores.values.allSatisfy { $0[QualityAnalyzer.scorer]?["quality"] != nil })
        #expect(scores.values.allSatisfy { $0["judge:sim@v1"]?["overall"] != nil }, "judge: {dimensions: [overall]} in sim.yaml")
        let manuscript = Manuscript.markdown(outline: result.outline, chapters: versions)
        #expect(manuscript.hasPrefix("# \(result.outline.title)\n"))
        #expect(manuscript.components(separatedBy: "\n## Chapter ").count == 6)
    }

    @Test func sequentialModeFeedsWhatWasWritten() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 3
        config.wordsPerChapter = 300
        config.sequential = true
        let database = try WorkbenchDatabase.inMemory()
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let log = EventLog()
        let result = try await simGenerator(config, database: database, server: server, log: log).generate(premise: "A storm.", outline: nil)
        await server.stop()
        #expect(try database.latestChapterVersions(bookID: result.bookID).count == 3)
        // One after another: each chapter is done before the next starts writing.
        let order = log.all.compactMap { event -> Int? in
            switch event {
            case .sceneWritten(let chapter, 1, _, _): return chapter
            case .chapterDone(let chapter, _, _): return -chapter
            default: return nil
            }
        }
        #expect(order == [1, -1, 2, -2, 3, -3])
    }

    @Test func theCharacterSheetCarriesAttributesAndRelationships() {
        let sheet = BookGenerator.characterSheet([
            BookCharacter(name: "Mara", attributes: ["age": "34", "hair": "black", "occupation": "keeper"], relationships: ["Tomas": "sister of"]),
            BookCharacter(name: "Tomas"),
        ])
        #expect(sheet == "Mara (34, black, keeper; sister of Tomas), Tomas")
    }

    @Test func summariesTakeFirstSentences() {
        let text = "It rained. The roof leaked.\n\nShe ran out! Nobody followed.\n\nThird one here. More.\n\nFourth.\n\nThe end came. Quietly."
        #expect(BookGenerator.summary(of: text, chapter: 2) == "Chapter 2 as written: It rained. She ran out! Third one here. The end came.")
    }

    @Test func enhancementNeverKeepsAWorseChapter() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 2
        config.wordsPerChapter = 400
        config.enhancementIterations = 3
        config.targets.quality = 10  // always below target: every iteration runs
        config.chapterRequirements = [:]
        let database = try WorkbenchDatabase.inMemory()
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let result = try await simGenerator(config, database: database, server: server, log: EventLog()).generate(premise: "A storm.", outline: nil)
        await server.stop()
        for chapter in 1...2 {
            let all = try database.read { db in
                try Row.fetchAll(db, sql: "SELECT cv.version, cv.kept, s.value FROM chapter_versions cv JOIN scores s ON s.chapter_version_id = cv.id AND s.metric = 'quality' WHERE cv.book_id = ? AND cv.chapter = ? ORDER BY cv.version", arguments: [result.bookID, chapter])
            }
            #expect(all.count == 4, "generation + 3 enhancements, every version stored")
            var best = -1.0
            for row in all {
                let quality: Double = row["value"], kept: Bool = row["kept"]
                #expect(kept == (quality > best) || row["version"] == 1)
                if kept { best = quality }
            }
            let keptVersion = try database.latestChapterVersions(bookID: result.bookID).first { $0.chapter == chapter }!
            let keptQuality: Double = try database.read { try Double.fetchOne($0, sql: "SELECT value FROM scores WHERE chapter_version_id = ? AND metric = 'quality'", arguments: [keptVersion.id]) }!
            #expect(keptQuality == best, "the report reads the best version")
        }
        // Rewrites are logged as what they are, so cost by task is right.
        let tasks = Set(try database.llmCalls().map(\.task))
        #expect(tasks == [.plan, .generate, .enhance, .judge])
    }

    @Test func aBudgetStopsTheRunCleanly() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.budgetUSD = 0.000_01
        let database = try WorkbenchDatabase.inMemory()
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        do {
            _ = try await simGenerator(config, database: database, server: server, log: EventLog()).generate(premise: "A storm.", outline: nil)
            Issue.record("the budget did not stop the run")
        } catch EngineError.budgetReached(let spent, let budget, let runID) {
            #expect(spent >= budget)
            #expect(try database.run(matching: runID).status == .interrupted)
        }
        await server.stop()
    }

    @Test func invalidOutlinesFromTheModelAreAskedAgain() async throws {
        // A planner that answers garbage, then a wrong chapter count, then a good outline.
        let good = Outline(title: "T", logline: "L", obsession: "the key", setting: "S",
                           characters: [BookCharacter(name: "Ana"), BookCharacter(name: "Bo")],
                           chapters: (1...2).map { ChapterSpec(number: $0, title: "C\($0)", beats: ["a", "b", "c"], targetWords: 100) })
        let oneChapter = Outline(title: "T", logline: "L", obsession: "the key", setting: "S", characters: good.characters, chapters: [good.chapters[0]])
        let answers = ["not json", String(decoding: try JSONEncoder().encode(oneChapter), as: UTF8.self), String(decoding: try JSONEncoder().encode(good), as: UTF8.self)]
        let planner = ScriptedProvider(answers: answers)
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 2
        let generator = BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: try WorkbenchDatabase.inMemory(), route: { _, _ in planner })
        let run = try generator.database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        let outline = try await generator.plan(premise: "x", run: run.id)
        #expect(outline.chapters.count == 2)
        #expect(outline.chapters.allSatisfy { $0.targetWords == 100 }, "the planner's valid targets are kept")
        #expect(planner.calls == 3)
        let hopeless = ScriptedProvider(answers: ["no"])
        let failing = BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: generator.database, route: { _, _ in hopeless })
        await #expect(throws: EngineError.self) { try await failing.plan(premise: "x", run: run.id) }
    }
}

final class ScriptedProvider: LLMProvider, Sendable {
    var name: String { "scripted" }
    var model: String { "scripted" }
    private let answers: Mutex<[String]>
    private let count = Mutex(0)
    init(answers: [String]) { self.answers = Mutex(answers) }
    var calls: Int { count.withLock { $0 } }
    func complete(_ request: CompletionRequest) async throws -> Completion {
        count.withLock { $0 += 1 }
        let text = answers.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }
        return Completion(text: text, usage: TokenUsage(promptTokens: 1, completionTokens: 1), finishReason: .stop, provider: name, model: model, latency: .zero)
    }
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> { AsyncThrowingStream { $0.finish() } }
}

/// One short book with the real local model (installed by `make local-llm`, which `make test` runs first).
@Suite(.serialized) struct LocalModelBookTests {
    @Test func aShortBookWithTheLocalModel() async throws {
        let paths = CachePaths(environment: ProcessInfo.processInfo.environment)
        guard paths.localModelInstalled else {
            Issue.record("the local model is not installed: run `make local-llm`")
            return
        }
        var config = try ExperimentConfig.load(file: experiments + "/demo.yaml")
        config.chapters = 2
        config.wordsPerChapter = 150
        config.enhancementIterations = 0
        let server = LocalLLMServer(settings: .init(paths: paths))
        let local = ResilientProvider(OpenAICompatibleProvider(
            config: ProviderConfig(name: "local", kind: .local, baseURL: try await server.baseURL(), model: "SmolLM2-135M-Instruct", extraBodyJSON: ProviderConfig.localPenalties),
            environment: [:]))
        let simulator = try await SimulatorServer.start()
        let planner = ResilientProvider(OpenAICompatibleProvider(config: ProviderConfig(name: "sim", kind: .sim, baseURL: simulator.baseURL, model: "sim-1"), environment: [:]))
        let database = try WorkbenchDatabase.inMemory()
        let generator = BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: database, route: { task, context in
            RecordingProvider(task == .plan ? planner : local, store: database, context: context)
        })
        let result = try await generator.generate(premise: "A keeper's daughter and a sealed letter.", outline: nil)
        await server.stopOwned()
        await simulator.stop()
        let versions = try database.latestChapterVersions(bookID: result.bookID)
        #expect(versions.count == 2)
        #expect(versions.allSatisfy { $0.wordCount >= 100 }, "small model, continued scene by scene to the target: \(versions.map(\.wordCount))")
        #expect(try database.llmCalls().contains { $0.provider == "local" && $0.outcome == "ok" && !$0.tokensEstimated })
    }
}
