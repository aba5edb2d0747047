import Foundation
import Synchronization
import Testing
@testable import Engine
import LLM
import Simulator
import Store
import WorkbenchCore

/// Every prompt the pipeline sent, beside the provider that answered it.
final class PromptLog: Sendable {
    private let prompts = Mutex<[String]>([])
    func add(_ prompt: String) { prompts.withLock { $0.append(prompt) } }
    var all: [String] { prompts.withLock { $0 } }
}

struct CapturingProvider: LLMProvider {
    let inner: any LLMProvider
    let log: PromptLog
    var name: String { inner.name }
    var model: String { inner.model }
    func complete(_ request: CompletionRequest) async throws -> Completion {
        log.add(request.messages.map(\.content).joined(separator: "\n"))
        return try await inner.complete(request)
    }
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> { inner.stream(request) }
}

/// The book pipeline with plugins (issue #17): each hook called where it belongs, its effect
/// landing, failures never failing the book.
@Suite struct PluginPipelineTests {
    static let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/plugins").standardized.path

    static func generator(_ config: ExperimentConfig, database: WorkbenchDatabase, server: SimulatorServer, prompts: PromptLog = PromptLog(),
                          events: EventLog = EventLog()) throws -> BookGenerator {
        let provider = ResilientProvider(OpenAICompatibleProvider(
            config: ProviderConfig(name: "sim", kind: .sim, baseURL: server.baseURL, model: "sim-1", inputPricePerMillion: 1, outputPricePerMillion: 2),
            environment: [:]))
        return BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: database, route: { _, context in
            CapturingProvider(inner: RecordingProvider(provider, store: database, context: context), log: prompts)
        }, onEvent: events.add)
    }

    static func smallBook(chapters: Int = 2, words: Int = 300) throws -> ExperimentConfig {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = chapters
        config.wordsPerChapter = words
        config.enhancementIterations = 1
        config.judge = nil
        return config
    }

    @Test(.enabled(if: hasPython)) func everyHookIsCalledWhereItBelongsAndItsEffectLands() async throws {
        var spec = try PluginHostTests.plugin("probe", hooks: PluginHook.allCases.map(\.rawValue), capabilities: PluginCapability.allCases.map(\.rawValue), body: """
            open("calls.log", "a").write(hook + "\\n")
            if hook == "afterPlan":
                o = data["outline"]; o["title"] = o["title"] + " (amended)"; say({"outline": o}, id)
            elif hook == "beforeChapter": say({"instructions": ["Mention the lighthouse bell."]}, id)
            elif hook == "afterDraft": say({"text": data["text"] + "\\n\\nThe probe was here."}, id)
            elif hook == "analyze": say({"metrics": {"words": len(data["text"].split())}}, id)
            else: say({}, id)
            """)
        spec.timeoutMS = 5_000
        var options = SimulatorOptions()
        options.continuity = ContinuitySurface(factRate: 0.06, contradictionRate: 0.3)
        let server = try await SimulatorServer.start(options)
        defer { Task { await server.stop() } }
        var config = try Self.smallBook(chapters: 3, words: 600)
        config.continuity = .init(check: true, verify: false, fix: false, rounds: 1)
        config.plugins = [spec]
        let database = try WorkbenchDatabase.inMemory()
        let prompts = PromptLog(), events = EventLog()
        let result = try await Self.generator(config, database: database, server: server, prompts: prompts, events: events)
            .generate(premise: "A keeper's daughter finds a sealed letter.", outline: nil)
        await server.stop()

        // afterPlan amended the stored outline; beforeChapter's instruction reached every chapter prompt.
        #expect(result.outline.title.hasSuffix(" (amended)"))
        #expect(try database.books().first?.title.hasSuffix(" (amended)") == true)
        #expect(prompts.all.filter { $0.contains("Mention the lighthouse bell.") }.count >= 3)
        // afterDraft changed each draft before it was stored.
        for chapter in 1...3 {
            #expect(try database.chapterVersions(bookID: result.bookID, chapter: chapter).first?.text.hasSuffix("The probe was here.") == true)
        }
        // analyze's metric is stored as a score of every version, under the plugin's name and version.
        let versions = try (1...3).flatMap { try database.chapterVersions(bookID: result.bookID, chapter: $0) }
        let scores = try database.scores(versionIDs: versions.compactMap(\.id))
        for version in versions {
            #expect(scores[version.id!]?["plugin:probe@1.2"]?["plugin.probe.words"] == Double(version.text.split(whereSeparator: \.isWhitespace).count))
        }
        let calls = try String(contentsOfFile: spec.folder + "/calls.log", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(Set(calls) == Set(PluginHook.allCases.map(\.rawValue)), "\(Set(calls))")
        // In pipeline order (events reach plugins from the bus, at their own pace).
        let hooks = calls.filter { $0 != "onEvent" }
        #expect(hooks.first == "afterPlan" && hooks.last == "afterBook", "\(hooks)")
        #expect(hooks.firstIndex(of: "onContinuityViolation")! > hooks.lastIndex(of: "afterChapter")!)
        // Every stored event went to the plugin too; its version is in the run's record.
        #expect(calls.filter { $0 == "onEvent" }.count == events.all.filter { if case .plugin = $0 { false } else { true } }.count)
        #expect(try database.run(matching: result.runID.rawValue).configJSON.contains(#""version":"1.2""#))
        #expect(try database.health(of: result.runID).plugins.isEmpty)
    }

    @Test(.enabled(if: hasPython)) func aResumedRunRefusesAPluginThatChangedItsVersion() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-version-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let script = { (version: String) in """
            import sys, json
            for line in sys.stdin:
                m = json.loads(line)
                if m["type"] == "hello": print(json.dumps({"type": "hello", "name": "v", "version": "\(version)", "hooks": ["afterChapter"], "capabilities": ["observe"]}), flush=True)
                elif m["type"] == "bye": break
                else: print(json.dumps({"type": "result", "id": m["id"], "result": {}}), flush=True)
            """ }
        try script("1.0").write(toFile: folder + "/v.py", atomically: true, encoding: .utf8)
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        var config = try Self.smallBook()
        config.plugins = [PluginSpec(name: "v", command: ["python3", "v.py"], folder: folder)]
        config.budgetUSD = 0.000_01
        let database = try WorkbenchDatabase.inMemory()
        var runID: RunID?
        do {
            _ = try await Self.generator(config, database: database, server: server).generate(premise: "A storm.", outline: nil)
        } catch EngineError.budgetReached(_, _, let run) { runID = RunID(run) }
        let run = try #require(runID)
        try script("2.0").write(toFile: folder + "/v.py", atomically: true, encoding: .utf8)
        config.budgetUSD = 1
        config.pluginVersions = ["v": "1.0"]
        let resuming = try Self.generator(config, database: database, server: server)
        await #expect(throws: EngineError.configurationChanged(runID: run.rawValue, changed: ["plugin v (version 1.0, now 2.0)"])) {
            _ = try await resuming.resume(run)
        }
        #expect(try database.run(matching: run.rawValue).status == .interrupted, "refused before the run was reopened")
        config.acceptsChangedConfiguration = true
        let accepted = try await Self.generator(config, database: database, server: server).resume(run)
        await server.stop()
        #expect(try database.run(matching: accepted.runID.rawValue).status == .succeeded)
    }

    /// Issue #17's chaos target: books with a plugin that throws, hangs past its timeout,
    /// crashes or answers garbage at random all complete, and every fault it injected is a
    /// `plugin.failed` event of the run, of the matching reason.
    @Test(.enabled(if: hasPython)) func booksWithAChaoticPluginAllCompleteAndEveryFaultIsReported() async throws {
        let books = Int(ProcessInfo.processInfo.environment["WORKBENCH_CHAOS_BOOKS"] ?? "") ?? 100
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let database = try WorkbenchDatabase.inMemory()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let reasons: [String: String] = ["error": "error", "hang": "timeout", "crash": "crash", "garbage": "invalid answer"]
        var injected: [String: Int] = [:], reported: [String: Int] = [:]
        var completed = 0
        try await withThrowingTaskGroup(of: (RunID, [String]).self) { group in
            var next = 0
            func add() throws {
                guard next < books else { return }
                let book = next
                next += 1
                var config = try Self.smallBook(chapters: 2, words: 200)
                config.seed = UInt64(1_000 + book)
                let log = folder + "/faults-\(book).log"
                // 6 s per call: a crashing plugin starved of CPU for 2 s by the parallel test run
                // was seen as a timeout (CI, one of 63 crashes); hangs sleep 30 s, still timeouts.
                config.plugins = [PluginSpec(name: "chaos", command: ["python3", Self.fixtures + "/chaos.py"], timeoutMS: 6_000, maxFailures: 1_000,
                                             configJSON: #"{"seed": \#(book), "p_error": 0.04, "p_hang": 0.01, "p_crash": 0.03, "p_garbage": 0.04, "hang_seconds": 30, "fault_log": "\#(log)"}"#,
                                             folder: folder)]
                let generator = try Self.generator(config, database: database, server: server)
                group.addTask {
                    let result = try await generator.generate(premise: "Book \(book): a keeper's daughter finds a sealed letter.", outline: nil)
                    let faults = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map { String($0.split(separator: " ")[1]) } ?? []
                    return (result.runID, faults)
                }
            }
            for _ in 0..<4 { try add() }
            while let (run, faults) = try await group.next() {
                #expect(try database.run(matching: run.rawValue).status == .succeeded)
                completed += 1
                for fault in faults { injected[reasons[fault]!, default: 0] += 1 }
                for plugin in try database.health(of: run).plugins { reported.merge(plugin.byReason, uniquingKeysWith: +) }
                try add()
            }
        }
        await server.stop()
        print("chaos: \(completed) of \(books) books complete; faults injected \(injected), reported \(reported)")
        #expect(completed == books)
        #expect(injected.values.reduce(0, +) > books / 2, "the plugin misbehaved: \(injected)")
        #expect(reported == injected)
    }

    /// Issue #17's determinism target: the same seed with plugins gives the same manuscript,
    /// byte for byte, run after run (chapters written concurrently, a fresh store each time).
    @Test(.enabled(if: hasPython)) func seededRunsWithPluginsGiveByteIdenticalManuscripts() async throws {
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        var config = try Self.smallBook(chapters: 3, words: 500)
        config.concurrency = 3
        config.enhancementIterations = 2
        config.plugins = [PluginSpec(name: "romance", command: ["python3", experiments + "/plugins/romance.py"], folder: experiments)]
        var manuscripts: [String] = []
        for _ in 0..<10 {
            let database = try WorkbenchDatabase.inMemory()
            let result = try await Self.generator(config, database: database, server: server).generate(premise: "A keeper's daughter finds a sealed letter.", outline: nil)
            manuscripts.append(Manuscript.markdown(outline: result.outline, chapters: try database.latestChapterVersions(bookID: result.bookID)))
            #expect(try database.health(of: result.runID).plugins.isEmpty)
        }
        await server.stop()
        #expect(Set(manuscripts).count == 1)
        #expect(manuscripts[0].contains("forbidden") || manuscripts[0].contains("apart") || manuscripts[0].contains("impossible"), "the plugin acted")
    }
}
