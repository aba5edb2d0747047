import Engine
import Foundation
import Quality
import Store
import Style
import WorkbenchCore

/// Writes every chapter of a suite, `samples` times each, through the real engine (the
/// experiment's routes, enhancement and judges), in one run of the workspace: each suite
/// chapter is a book of the run whose chapter k is sample k. The texts are then scored
/// with the contexts given, so a regression run scores exactly as its baseline did.
public struct SuiteWriter: Sendable {
    public var suite: RegressionSuite
    public var samples: Int
    public var config: ExperimentConfig
    public var prompts: PromptSet
    public var database: WorkbenchDatabase
    public var route: BookGenerator.Router

    public init(suite: RegressionSuite, samples: Int, config: ExperimentConfig, prompts: PromptSet, database: WorkbenchDatabase, route: @escaping BookGenerator.Router) {
        self.suite = suite
        self.samples = samples
        self.config = config
        self.prompts = prompts
        self.database = database
        self.route = route
    }

    public struct Output: Sendable {
        public var runID: RunID
        public var scores: SuiteScores
        /// Chapter id → sample → text.
        public var texts: [String: [Int: String]]
        public var seconds: Double
    }

    /// The run's first event: the suite's name, chapters and samples per chapter.
    public static let startedEvent = "suite.started"

    public enum Progress: Sendable {
        case started(RunID, chapters: Int, samples: Int)
        case sample(chapter: String, sample: Int, quality: Double, words: Int)
    }

    /// `contexts` (chapter id → scoring context) come from the baseline being compared with;
    /// chapters without one are scored under the experiment's own targets.
    /// `style` is the profile the texts are scored against (a baseline's); by default the experiment's.
    public func run(kind: RunKind, gitRevision: String? = nil, contexts given: [String: SuiteScores.Context] = [:], style frozen: StyleTarget? = nil,
                    fileFor: @escaping @Sendable (String, Int) -> String = { _, _ in "" },
                    progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> Output {
        if config.ensemble != nil { throw EngineError.ensembleWithoutNamedProviders }
        let style = frozen ?? config.style?.target
        let started = Date()
        let runJSON = try CanonicalJSON.encode(["experiment": config.file, "suite": suite.name, "suite_sha256": suite.fingerprint, "samples": String(samples),
                                                "prompts": prompts.version])
        let run = try database.startRun(kind: kind, configJSON: runJSON, gitRevision: gitRevision)
        // Said in the run's events too, so a watcher of the run (the API's event stream) knows how many chapters are coming.
        try database.appendEvent(to: run.id, kind: Self.startedEvent,
                                 payloadJSON: String(decoding: try JSONSerialization.data(withJSONObject: ["suite": suite.name, "chapters": suite.chapters.count, "samples": samples],
                                                                                          options: [.sortedKeys]), as: UTF8.self))
        progress(.started(run.id, chapters: suite.chapters.count, samples: samples))
        do {
            var books: [String: String] = [:]
            for chapter in suite.chapters {
                let outline = suite.outline(for: chapter).outline
                books[chapter.id] = try database.createBook(runID: run.id, title: "\(kind.rawValue) \(suite.name): \(chapter.id)", outlineJSON: try CanonicalJSON.encode(outline),
                                                            chapterCount: samples).id
            }
            let jobs = suite.chapters.flatMap { chapter in (0..<samples).map { Job(chapter: chapter, sample: $0, book: books[chapter.id]!, slot: $0 + 1) } }
            var texts: [String: [Int: String]] = [:]
            var costs: [String: [Int: Double]] = [:]
            var pluginMetrics: [String: [Int: [String: Double]]] = [:]
            for written in try await write(jobs, run: run.id, progress: progress) {
                texts[written.chapter, default: [:]][written.sample] = written.text
                costs[written.chapter, default: [:]][written.sample] = written.costUSD
                pluginMetrics[written.chapter, default: [:]][written.sample] = written.metrics.filter { SuiteScores.isPluginMetric($0.key) }
            }
            var contexts = given
            for chapter in suite.chapters where contexts[chapter.id] == nil {
                contexts[chapter.id] = SuiteScores.context(suite: suite, chapter: chapter, base: config.targets)
                contexts[chapter.id]?.styleProfileSHA256 = style?.profile.fingerprint
            }
            var written: [String: [(sample: Int, seed: UInt64, file: String, text: String, costUSD: Double)]] = [:]
            for chapter in suite.chapters {
                for (sample, text) in texts[chapter.id] ?? [:] {
                    written[chapter.id, default: []].append((sample, chapter.seed(ofSample: sample), fileFor(chapter.id, sample), text, costs[chapter.id]?[sample] ?? 0))
                }
            }
            // Each suite chapter's book holds its samples, all written now.
            for book in books.values { try database.setBookStatus(book, "done") }
            var scores = SuiteScores.score(suite: suite, contexts: contexts, texts: written, style: style)
            scores.add(pluginMetrics: pluginMetrics)
            try database.finishRun(run.id, status: .succeeded)
            return Output(runID: run.id, scores: scores, texts: texts, seconds: Date().timeIntervalSince(started))
        } catch {
            let status: RunStatus = (error as? EngineError).map { if case .budgetReached = $0 { return .interrupted } else { return .failed } } ?? .failed
            try? database.finishRun(run.id, status: status, error: "\(error)")
            // A suite cut short by its budget is neither a pass nor a regression.
            if case .budgetReached(let spent, let budget, _)? = error as? EngineError {
                throw SuiteRunError.budgetReached(spent: spent, budget: budget, runID: run.id.rawValue)
            }
            throw error
        }
    }

    /// One chapter to write: sample `sample` of a suite chapter, stored as chapter `slot` of `book`.
    public struct Job: Sendable {
        public var chapter: RegressionSuite.Chapter
        public var sample: Int
        public var book: String
        public var slot: Int

        public init(chapter: RegressionSuite.Chapter, sample: Int, book: String, slot: Int) {
            self.chapter = chapter
            self.sample = sample
            self.book = book
            self.slot = slot
        }
    }

    public struct Written: Sendable {
        public var chapter: String
        public var sample: Int
        public var text: String
        public var costUSD: Double
        /// Every metric of the kept version, the composite as `quality`, judges as `judge.<dimension>`.
        public var metrics: [String: Double]
    }

    /// Writes the jobs through the engine, `concurrency` at a time, in `run`; returned in job order.
    public func write(_ jobs: [Job], run: RunID, progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> [Written] {
        var results = [Written?](repeating: nil, count: jobs.count)
        // One process per plugin for the whole suite, not one per chapter.
        let plugins = PluginHost.shared(config.plugins, database: database, run: run)
        do {
            try await withThrowingTaskGroup(of: (Int, Written).self) { group in
                var pending = jobs.indices[...]
                func add() {
                    guard let index = pending.popFirst() else { return }
                    let job = jobs[index]
                    group.addTask { (index, try await self.write(job, run: run, plugins: plugins, progress: progress)) }
                }
                for _ in 0..<max(1, config.concurrency) { add() }
                while let (index, written) = try await group.next() {
                    results[index] = written
                    add()
                }
            }
        } catch {
            await plugins?.shutdown()
            throw error
        }
        await plugins?.shutdown()
        return results.compactMap { $0 }
    }

    /// Sample k of a chapter: the outline chapter through the engine, with the sample's seed
    /// and the chapter's targets.
    func write(_ job: Job, run: RunID, plugins: PluginHost?, progress: @Sendable (Progress) -> Void) async throws -> Written {
        let chapter = job.chapter
        var config = self.config
        config.seed = chapter.seed(ofSample: job.sample)
        config.writeSuiteChapter(to: suite.targets(for: chapter, over: self.config.targets))
        let (outline, spec) = suite.outline(for: chapter)
        let generator = BookGenerator(config: config, prompts: prompts, database: database, route: route, plugins: plugins)
        let outcome = try await generator.writeChapter(spec, outline: outline, book: job.book, run: run, slot: job.slot)
        progress(.sample(chapter: chapter.id, sample: job.sample, quality: outcome.report.quality, words: outcome.words))
        return Written(chapter: chapter.id, sample: job.sample, text: outcome.text, costUSD: try database.cost(bookID: job.book, chapter: job.slot),
                       metrics: EngineABTest.metrics(outcome))
    }
}

public enum SuiteRunError: WorkbenchError, Equatable {
    case budgetReached(spent: Double, budget: Double, runID: String)

    public var message: String {
        switch self {
        case .budgetReached(let spent, let budget, let run):
            return String(format: "the suite run %@ stopped at its budget ($%.4f of $%.4f) before every chapter was written", run, spent, budget)
        }
    }

    public var fix: String? { "raise the experiment's budget_usd, or run fewer --samples" }
    /// Not a regression (exit 1) and not bad input: the run could not finish.
    public var exitStatus: ExitStatus { .temporaryFailure }
}
