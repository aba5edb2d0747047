import Foundation
import GRDB
import Learning
import Quality
import Synchronization
import Testing
@testable import Engine
import LLM
import Simulator
import Store
import WorkbenchCore

/// A provider that answers `allowed` calls, then fails every call like a server that went down.
final class FailingAfter: LLMProvider, Sendable {
    let inner: any LLMProvider
    let allowed: Int
    private let calls = Mutex(0)
    init(_ inner: any LLMProvider, allowed: Int) {
        self.inner = inner
        self.allowed = allowed
    }
    var name: String { inner.name }
    var model: String { inner.model }
    func complete(_ request: CompletionRequest) async throws -> Completion {
        let call = calls.withLock { value -> Int in
            value += 1
            return value
        }
        guard call <= allowed else { throw LLMError.http(provider: name, status: 503, message: "the server went down", retryAfter: nil) }
        return try await inner.complete(request)
    }
    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> { inner.stream(request) }
}

/// Ensembles through the whole pipeline against the simulator's specialists over HTTP.
@Suite struct EnsembleEngineTests {
    /// Two chapters whose beats are talk, places and moods, and deeds.
    static let outline = Outline(
        title: "The Keeper's Daughter", logline: "A keeper's daughter finds a sealed letter.", obsession: "the sealed letter",
        setting: "A lighthouse on a granite island, 1911.",
        characters: [BookCharacter(name: "Mara", attributes: ["age": "19"], relationships: [:]), BookCharacter(name: "Tomas", attributes: [:], relationships: [:])],
        chapters: [
            ChapterSpec(number: 1, title: "The Crossing", beats: ["a squall catches the ferry", "Tomas fights the tiller", "an argument over who the letter belongs to", "dawn over a flat sea"], targetWords: 600),
            ChapterSpec(number: 2, title: "The Watch", beats: ["Mara alone in the lamp room", "Tomas asks her to leave", "she climbs to relight the lamp", "memories of her father's silences"], targetWords: 600),
        ])

    static func config(_ change: (inout EnsembleSettings) -> Void = { _ in }) throws -> ExperimentConfig {
        var config = try ExperimentConfig.load(file: experiments + "/ensemble-sim.yaml")
        config.chapters = 2
        config.wordsPerChapter = 600
        config.continuity = .init(check: true, verify: false, fix: false, rounds: 1)
        change(&config.ensemble!)
        return config
    }

    /// A generator whose `sim`, `sim-a`, `sim-b` and `sim-c` are the simulator's models; `wrap` may replace any by name.
    static func generator(_ config: ExperimentConfig, database: WorkbenchDatabase, server: SimulatorServer, events: EventLog = EventLog(),
                          wrap: @escaping @Sendable (String, any LLMProvider) -> any LLMProvider = { $1 }) throws -> BookGenerator {
        let providers = Dictionary(uniqueKeysWithValues: ["sim", "sim-a", "sim-b", "sim-c"].map { name in
            (name, ResilientProvider(OpenAICompatibleProvider(config: ProviderConfig(name: name, kind: .sim, baseURL: server.baseURL, model: name == "sim" ? "sim-1" : name,
                                                                                      inputPricePerMillion: 1, outputPricePerMillion: 2), environment: [:])))
        })
        let wrapped = Dictionary(uniqueKeysWithValues: providers.map { name, provider in
            (name, wrap(name, RecordingProvider(provider, store: database, cache: .off, context: CallContext())))
        })
        return BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: database,
                             route: { _, context in RecordingProvider(providers["sim"]!, store: database, context: context) },
                             onEvent: events.add, named: { name, _ in wrapped[name]! })
    }

    @Test func aChapterIsMergedFromSeveralProvidersWithItsProvenanceStored() async throws {
        let server = try await SimulatorServer.start(SimulatorOptions())
        defer { Task { await server.stop() } }
        let database = try WorkbenchDatabase.inMemory()
        let events = EventLog()
        let config = try Self.config { $0.tokenBudget = 8 }
        let result = try await Self.generator(config, database: database, server: server, events: events).generate(premise: nil, outline: Self.outline)

        let records = try database.ensembleChapters(runID: result.runID.rawValue)
        #expect(records.map(\.chapter).sorted() == [1, 2])
        var winners: Set<String> = []
        for record in records {
            let version = try #require(try database.chapterVersions(bookID: result.bookID, chapter: record.chapter).first { $0.version == record.version })
            #expect(version.origin == "ensemble")
            #expect(record.candidates.map(\.provider) == ["sim-a", "sim-b", "sim-c"] && record.candidates.allSatisfy { $0.failure == nil && $0.tokens > 0 })
            let units = try database.ensembleUnits(bookID: result.bookID, chapter: record.chapter, version: record.version)
            let chosen = units.filter(\.chosen).sorted { $0.position < $1.position }
            #expect(chosen.count == 4 && Set(units.map(\.position)).count == 4, "one unit chosen per beat")
            #expect(units.count == 12, "three candidates at four beats")
            // The chosen units' bytes tile the merged text, joined by blank lines.
            let bytes = Array(version.text.utf8)
            let pieces = chosen.map { String(decoding: bytes[$0.bytes!], as: UTF8.self) }
            #expect(pieces.joined(separator: "\n\n") == version.text)
            winners.formUnion(chosen.map(\.provider))
            #expect(Double(record.tokens) <= 8 * record.singleTokens + 1)
            #expect(record.seamsFused <= record.seams)
            #expect(units.contains { $0.judgeShare != nil }, "with room in the budget the judges settle the close contests")
            // Continuity at the seams: never worse than the best whole candidate.
            let best = record.candidates.map { Double($0.violations) * 10_000 / Double(max($0.words, 1)) }.min()!
            #expect(Double(record.violations) * 10_000 / Double(max(record.words, 1)) <= best + 1e-9)
        }
        #expect(winners.count >= 2, "the specialists each win the beats of their kind: \(winners)")
        let duels = try database.ensembleDuels(runID: result.runID.rawValue)
        #expect(!duels.isEmpty && duels.allSatisfy { $0.winsA + $0.winsB + $0.ties == 1 && $0.orderFlips <= $0.ties && $0.providerA != $0.providerB })
        let merged = events.all.compactMap { event -> [String: Int]? in if case .ensembleMerged(_, _, let won, _, _, _, _, _, _) = event { return won } else { return nil } }
        #expect(merged.count == 2 && merged.allSatisfy { $0.values.reduce(0, +) == 4 })
    }

    @Test func theDefaultBudgetHoldsAndTheSameSeedMergesTheSame() async throws {
        let server = try await SimulatorServer.start(SimulatorOptions())
        defer { Task { await server.stop() } }
        var texts: [[String]] = []
        for _ in 0..<2 {
            let database = try WorkbenchDatabase.inMemory()
            let result = try await Self.generator(try Self.config(), database: database, server: server).generate(premise: nil, outline: Self.outline)
            for record in try database.ensembleChapters(runID: result.runID.rawValue) {
                #expect(Double(record.tokens) <= 3.5 * record.singleTokens, "tokens \(record.tokens), one generation \(record.singleTokens)")
            }
            texts.append(try database.latestChapterVersions(bookID: result.bookID).map(\.text))
        }
        #expect(texts[0] == texts[1])
    }

    @Test func aProviderFailingMidChapterIsLeftOutAndTheMergeSaysSo() async throws {
        let server = try await SimulatorServer.start(SimulatorOptions())
        defer { Task { await server.stop() } }
        let database = try WorkbenchDatabase.inMemory()
        let events = EventLog()
        var config = try Self.config()
        config.concurrency = 1
        // sim-b answers its first two passages (chapter 1's opening beats), then is down for good.
        let failing = FailingAfter(RecordingProvider(ResilientProvider(OpenAICompatibleProvider(
            config: ProviderConfig(name: "sim-b", kind: .sim, baseURL: server.baseURL, model: "sim-b"), environment: [:])),
            store: database, cache: .off), allowed: 2)
        let result = try await Self.generator(config, database: database, server: server, events: events) { name, provider in
            name == "sim-b" ? failing : provider
        }.generate(premise: nil, outline: Self.outline)
        #expect(result.words > 0)
        let records = try database.ensembleChapters(runID: result.runID.rawValue)
        #expect(records.count == 2)
        for record in records {
            let candidate = try #require(record.candidates.first { $0.provider == "sim-b" })
            #expect(candidate.failure?.contains("HTTP 503") == true)
        }
        let failed = events.all.compactMap { event -> [String]? in if case .ensembleMerged(_, _, _, let failed, _, _, _, _, _) = event { return failed } else { return nil } }
        #expect(failed.count == 2 && failed.allSatisfy { $0 == ["sim-b"] })
        #expect(events.all.contains { $0.line.contains("went on without sim-b, which failed") })
        // Chapter 1 had sim-b's first passages to weigh; its later beats were between the other two.
        let units = try database.ensembleUnits(bookID: result.bookID, chapter: 1, version: 1)
        #expect(units.filter { $0.provider == "sim-b" }.count == 2)
    }

    @Test func everyCandidateFailingFailsTheChapterNamingEach() async throws {
        let server = try await SimulatorServer.start(SimulatorOptions())
        defer { Task { await server.stop() } }
        let database = try WorkbenchDatabase.inMemory()
        var config = try Self.config()
        config.chapters = 1
        let outline = Outline(title: Self.outline.title, logline: Self.outline.logline, obsession: Self.outline.obsession, setting: Self.outline.setting,
                              characters: Self.outline.characters, chapters: [Self.outline.chapters[0]])
        let generator = try Self.generator(config, database: database, server: server) { name, provider in
            name == "sim" ? provider : FailingAfter(provider, allowed: 0)
        }
        await #expect {
            try await generator.generate(premise: nil, outline: outline)
        } throws: { error in
            guard case .ensembleFailed(let chapter, let failures)? = error as? EngineError else { return false }
            return chapter == 1 && failures.count == 3 && failures.allSatisfy { $0.contains("HTTP 503") }
        }
        #expect(try database.runs().first?.status == .failed)
    }

    @Test func aCallerWithoutNamedProvidersIsToldSo() async throws {
        let database = try WorkbenchDatabase.inMemory()
        let planner = ScriptedProvider(answers: ["unused"])
        let generator = BookGenerator(config: try Self.config(), prompts: try PromptSet.load(folder: try Self.config().promptsFolder), database: database,
                                      route: { _, _ in planner })
        await #expect(throws: EngineError.ensembleWithoutNamedProviders) {
            try await generator.generate(premise: nil, outline: Self.outline)
        }
        #expect(try database.runs().isEmpty, "refused before a run exists")
    }
}

/// An ensemble scoring units with a trained quality predictor as well as the composite.
@Suite struct EnsemblePredictorTests {
    @Test func everyUnitIsScoredByThePredictorAndItCountsInTheEvidence() async throws {
        // A predictor of the composite, trained on simulator passages of every specialist.
        let server = try await SimulatorServer.start(SimulatorOptions())
        defer { Task { await server.stop() } }
        var examples: [TrainingExample] = []
        for (index, model) in ["sim-a", "sim-b", "sim-c", "sim-1"].enumerated() {
            let provider = OpenAICompatibleProvider(config: ProviderConfig(name: model, kind: .sim, baseURL: server.baseURL, model: model), environment: [:])
            for sample in 0..<4 {
                let text = try await provider.complete(CompletionRequest(
                    messages: [ChatMessage(.user, "Continue the chapter with about 200 more words, moving on to this beat: Tomas fights the tiller. Obsession: the sealed letter.")],
                    seed: UInt64(index * 10 + sample), task: .generate)).text
                examples.append(TrainingExample(text: text, target: QualityAnalyzer.analyze(text).quality, source: "\(model):\(sample)"))
            }
        }
        let model = try QualityPredictor.train(examples, target: "quality", spec: .standard(dimensions: 256, excluding: "quality"), mlp: nil)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ensemble-predictor-\(UUID().uuidString.prefix(6)).json").path
        try model.save(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }

        let file = experiments + "/ensemble-predictor-\(UUID().uuidString.prefix(6)).yaml"
        try Data("""
            routes: {plan: [sim], generate: [sim], enhance: [sim]}
            book: {chapters: 1, words_per_chapter: 600}
            enhancement: {iterations: 0}
            ensemble:
              providers: [sim-a, sim-b, sim-c]
              predictor: \(path)

            """.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let config = try ExperimentConfig.load(file: file)
        #expect(config.ensemble?.predictor?.model.target == "quality")
        let database = try WorkbenchDatabase.inMemory()
        let outline = Outline(title: EnsembleEngineTests.outline.title, logline: EnsembleEngineTests.outline.logline, obsession: EnsembleEngineTests.outline.obsession,
                              setting: EnsembleEngineTests.outline.setting, characters: EnsembleEngineTests.outline.characters,
                              chapters: [EnsembleEngineTests.outline.chapters[0]])
        let result = try await EnsembleEngineTests.generator(config, database: database, server: server).generate(premise: nil, outline: outline)
        let units = try database.ensembleUnits(bookID: result.bookID, chapter: 1, version: 1)
        #expect(units.count == 12 && units.allSatisfy { $0.predicted != nil })
        for unit in units {
            #expect(abs(unit.evidence - (unit.composite + min(max(unit.predicted!, 0), 10)) / 2) < 1e-9 || unit.judgeShare != nil)
        }
    }
}
