import Engine
import Foundation
import LLM
import Quality
import Stats
import Store
import WorkbenchCore

/// An A/B test through the real book engine: every arm writes sample i from the same
/// outline chapter with the same seed, through the experiment's routes, into one book per
/// arm of the test's run; each sample's metrics and cost are stored as it finishes.
public final class EngineABTest: Sendable {
    public let runID: RunID
    public let design: ABTestDesign
    let config: ExperimentConfig
    let outline: Outline
    /// The suite whose chapters the samples write in turn, instead of the outline's (`--suite`).
    let suite: RegressionSuite?
    let database: WorkbenchDatabase
    let route: BookGenerator.Router
    /// Arm name → its prompt set and book.
    let arms: [String: (prompts: PromptSet, book: String)]
    /// Arm name → the host of the experiment's plugins it runs (none without).
    let plugins: [String: PluginHost]

    static let lookEvent = "abtest.look"
    static let doneEvent = "abtest.done"

    /// What the run record holds: the design, and the outline (or suite) the samples are written from.
    struct Stored: Codable {
        var design: ABTestDesign
        var outline: Outline
        var suite: RegressionSuite?
    }

    private init(runID: RunID, design: ABTestDesign, config: ExperimentConfig, outline: Outline, suite: RegressionSuite?, database: WorkbenchDatabase,
                 route: @escaping BookGenerator.Router, arms: [String: (PromptSet, String)]) {
        self.runID = runID
        self.design = design
        self.config = config
        self.outline = outline
        self.suite = suite
        self.database = database
        self.route = route
        self.arms = arms.mapValues { (prompts: $0.0, book: $0.1) }
        var plugins: [String: PluginHost] = [:]
        for arm in design.arms { plugins[arm.name] = PluginHost.shared(Self.plugins(of: arm, in: config), database: database, run: runID) }
        self.plugins = plugins
    }

    /// Starts a new test: its run, and one book per arm to hold the arm's chapters. With a
    /// suite, sample i writes the suite's chapters in turn (each from its own book's outline,
    /// to its own targets); else the outline's.
    public static func start(design: ABTestDesign, config: ExperimentConfig, outline: Outline, suite: RegressionSuite? = nil, database: WorkbenchDatabase,
                             route: @escaping BookGenerator.Router, gitRevision: String? = nil) throws -> EngineABTest {
        try design.validate(judgeDimensions: config.judge?.dimensions ?? [], plugins: config.plugins.map(\.name))
        if config.ensemble != nil { throw EngineError.ensembleWithoutNamedProviders }
        let problems = outline.problems(expectedChapters: nil)
        guard problems.isEmpty else { throw EngineError.invalidOutline(source: design.outlineFile ?? "the standard outline", problems: problems) }
        let prompts = try design.arms.map { try PromptSet.load(folder: $0.prompts) }
        if let problem = suite?.problems().first { throw EngineError.invalidOutline(source: design.outlineFile ?? "the suite", problems: [problem]) }
        let json = try CanonicalJSON.encode(Stored(design: design, outline: outline, suite: suite))
        let run = try database.startRun(kind: .abtest, configJSON: json, gitRevision: gitRevision)
        var arms: [String: (PromptSet, String)] = [:]
        for (arm, set) in zip(design.arms, prompts) {
            let book = try database.createBook(runID: run.id, title: "A/B \(design.name): \(arm.name)", outlineJSON: try CanonicalJSON.encode(outline),
                                               chapterCount: design.samples)
            arms[arm.name] = (set, book.id)
        }
        return EngineABTest(runID: run.id, design: design, config: testConfig(config, design: design), outline: outline, suite: suite, database: database,
                            route: route, arms: arms)
    }

    /// Reopens a stored test to continue it; the prompts must be the ones it started with.
    public static func resume(_ runID: RunID, database: WorkbenchDatabase, route: @escaping BookGenerator.Router,
                              maxCostUSD: Double? = nil) throws -> EngineABTest {
        var stored = try read(runID, database: database)
        // A finished test stays as it ended: a decided sequential test must not sample on.
        guard try database.run(matching: runID.rawValue).status != .succeeded else { throw ABTestError.alreadyFinished(runID: runID.rawValue) }
        if let maxCostUSD { stored.design.maxCostUSD = maxCostUSD }
        for arm in stored.design.arms where try PromptSet.fingerprint(folder: arm.prompts) != arm.promptsHash {
            throw ABTestError.promptsChanged(arm: arm.name, folder: arm.prompts)
        }
        let config = try ExperimentConfig.load(file: stored.design.experimentFile)
        let books = try database.books().filter { $0.runID == runID }.sorted { $0.createdAt < $1.createdAt || ($0.createdAt == $1.createdAt && $0.id < $1.id) }
        guard books.count == stored.design.arms.count else {
            throw ABTestError.corruptRecord(runID: runID.rawValue, detail: "\(books.count) arm books for \(stored.design.arms.count) arms")
        }
        var arms: [String: (PromptSet, String)] = [:]
        for (arm, book) in zip(stored.design.arms, books) { arms[arm.name] = (try PromptSet.load(folder: arm.prompts), book.id) }
        try database.reopenRun(runID)
        return EngineABTest(runID: runID, design: stored.design, config: testConfig(config, design: stored.design), outline: stored.outline, suite: stored.suite,
                            database: database, route: route, arms: arms)
    }

    /// The experiment as the samples run it: the cost cap is the whole test's budget.
    static func testConfig(_ config: ExperimentConfig, design: ABTestDesign) -> ExperimentConfig {
        var result = config
        result.budgetUSD = design.maxCostUSD
        return result
    }

    /// Runs (or continues) the test and returns its analysis; the run ends succeeded,
    /// interrupted (the cost cap) or failed (the error is rethrown, the samples are kept).
    public func run(progress: @escaping @Sendable (ABTestRunner.Progress) -> Void = { _ in }) async throws -> ABTestResult {
        let database = self.database, runID = self.runID
        let runner = ABTestRunner(
            design: design, runID: runID,
            chapterOf: { [self] index in self.sampleSpec(index).spec.number },
            write: { [self] arm, index, seed in try await self.write(arm: arm, sample: index, seed: seed) },
            save: { try database.saveABTestSample($0) },
            saveLook: { pairs in try database.appendEvent(to: runID, kind: Self.lookEvent, payloadJSON: "{\"pairs\":\(pairs)}") },
            progress: progress)
        do {
            let existing = try database.abTestSamples(runID: runID)
            let outcome = try await runner.run(existing: existing, looks: try Self.looks(runID, database: database))
            await shutdownPlugins()
            try database.appendEvent(to: runID, kind: Self.doneEvent, payloadJSON: "{\"stop\":\"\(outcome.stop.rawValue)\"}")
            try database.finishRun(runID, status: outcome.stop == .costCap ? .interrupted : .succeeded)
            return ABTestAnalysis.analyze(id: runID.rawValue, design: design, samples: outcome.samples, looks: outcome.looks, stop: outcome.stop)
        } catch {
            await shutdownPlugins()
            try? database.finishRun(runID, status: .failed, error: "\(error)")
            throw error
        }
    }

    func shutdownPlugins() async {
        for host in plugins.values { await host.shutdown() }
    }

    /// One arm's sample: the outline chapter written through the engine with the arm's prompts.
    func write(arm: ABTestDesign.Arm, sample index: Int, seed: UInt64) async throws -> ABTestRunner.Written {
        guard let (prompts, book) = arms[arm.name] else { throw ABTestError.corruptRecord(runID: runID.rawValue, detail: "no book for arm \(arm.name)") }
        var config = self.config
        config.seed = seed
        let (outline, spec, targets) = sampleSpec(index)
        if let targets { config.writeSuiteChapter(to: targets) }
        config.plugins = Self.plugins(of: arm, in: config)
        let generator = BookGenerator(config: config, prompts: prompts, database: database, route: route, plugins: plugins[arm.name])
        do {
            let outcome = try await generator.writeChapter(spec, outline: outline, book: book, run: runID, slot: index)
            return ABTestRunner.Written(chapter: spec.number, metrics: Self.metrics(outcome), costUSD: try database.cost(bookID: book, chapter: index))
        } catch let error as EngineError {
            if case .budgetReached = error { throw ABTestRunner.CostCapReached() }
            throw error
        }
    }

    /// The experiment's plugins as an arm runs them: those it names act; the others only
    /// measure (their `analyze`), so every arm has every plugin's metrics to compare.
    static func plugins(of arm: ABTestDesign.Arm, in config: ExperimentConfig) -> [PluginSpec] {
        let acting = Set(arm.plugins(of: config.plugins, name: \.name).map(\.name))
        return config.plugins.map { spec in
            var spec = spec
            spec.measureOnly = !acting.contains(spec.name)
            return spec
        }
    }

    /// The outline and chapter sample i writes, and the chapter's targets when a suite sets them.
    func sampleSpec(_ index: Int) -> (outline: Outline, spec: ChapterSpec, targets: QualityTargets?) {
        if let suite, !suite.chapters.isEmpty {
            let chapter = suite.chapters[design.chapterIndex(ofSample: index, chapters: suite.chapters.count)]
            let (outline, spec) = suite.outline(for: chapter)
            return (outline, spec, suite.targets(for: chapter, over: config.targets))
        }
        return (outline, outline.chapters[design.chapterIndex(ofSample: index, chapters: outline.chapters.count)], nil)
    }

    /// Every metric value of the chapter, the composite as `quality`, the judges' as `judge.<dimension>`.
    static func metrics(_ outcome: BookGenerator.ChapterOutcome) -> [String: Double] {
        var result: [String: Double] = ["quality": outcome.report.quality]
        for metric in outcome.report.metrics { result[metric.name] = metric.value }
        for (dimension, score) in outcome.judgeScores { result["judge." + dimension] = score }
        result.merge(outcome.pluginMetrics) { own, _ in own }
        return result
    }

    // MARK: Reading stored tests

    static func read(_ runID: RunID, database: WorkbenchDatabase) throws -> Stored {
        let run = try database.run(matching: runID.rawValue)
        guard run.kind == .abtest else { throw ABTestError.notAnABTest(runID: run.id.rawValue, kind: run.kind.rawValue) }
        do {
            return try JSONDecoder().decode(Stored.self, from: Data(run.configJSON.utf8))
        } catch {
            throw ABTestError.corruptRecord(runID: runID.rawValue, detail: "its design does not decode: \(error)")
        }
    }

    static func looks(_ runID: RunID, database: WorkbenchDatabase) throws -> [Int] {
        try database.events(of: runID, kind: lookEvent).compactMap { $0["pairs"] as? Int }
    }

    /// The analysis of a stored test, as far as it got.
    public static func result(of idOrPrefix: String, database: WorkbenchDatabase) throws -> ABTestResult {
        let run = try database.run(matching: idOrPrefix)
        let stored = try read(run.id, database: database)
        let stopEvent = try database.events(of: run.id, kind: doneEvent).last?["stop"] as? String
        let stop = run.status == .running ? .unfinished : (stopEvent.flatMap(ABTestStop.init(rawValue:)) ?? .unfinished)
        return ABTestAnalysis.analyze(id: run.id.rawValue, design: stored.design, samples: try database.abTestSamples(runID: run.id),
                                      looks: try looks(run.id, database: database), stop: stop)
    }
}
