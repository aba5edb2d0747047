import Engine
import Foundation
import Quality
import Store
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

    public enum Progress: Sendable {
        case started(RunID, chapters: Int, samples: Int)
        case sample(chapter: String, sample: Int, quality: Double, words: Int)
    }

    /// `contexts` (chapter id → scoring context) come from the baseline being compared with;
    /// chapters without one are scored under the experiment's own targets.
    public func run(kind: RunKind, gitRevision: String? = nil, contexts given: [String: SuiteScores.Context] = [:], fileFor: @escaping @Sendable (String, Int) -> String = { _, _ in "" },
                    progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> Output {
        let started = Date()
        let runJSON = try CanonicalJSON.encode(["experiment": config.file, "suite": suite.name, "suite_sha256": suite.fingerprint, "samples": String(samples),
                                                "prompts": prompts.version])
        let run = try database.startRun(kind: kind, configJSON: runJSON, gitRevision: gitRevision)
        progress(.started(run.id, chapters: suite.chapters.count, samples: samples))
        do {
            var books: [String: String] = [:]
            for chapter in suite.chapters {
                let outline = suite.outline(for: chapter).outline
                books[chapter.id] = try database.createBook(runID: run.id, title: "\(kind.rawValue) \(suite.name): \(chapter.id)", outlineJSON: try CanonicalJSON.encode(outline),
                                                            chapterCount: samples).id
            }
            let jobs = suite.chapters.flatMap { chapter in (0..<samples).map { (chapter, $0) } }
            var texts: [String: [Int: String]] = [:]
            var costs: [String: [Int: Double]] = [:]
            try await withThrowingTaskGroup(of: (String, Int, String, Double).self) { group in
                var pending = jobs[...]
                let books = books, runID = run.id
                func add() {
                    guard let (chapter, sample) = pending.popFirst(), let book = books[chapter.id] else { return }
                    group.addTask { try await self.write(chapter, sample: sample, book: book, run: runID, progress: progress) }
                }
                for _ in 0..<max(1, config.concurrency) { add() }
                while let (id, sample, text, cost) = try await group.next() {
                    texts[id, default: [:]][sample] = text
                    costs[id, default: [:]][sample] = cost
                    add()
                }
            }
            var contexts = given
            for chapter in suite.chapters where contexts[chapter.id] == nil {
                contexts[chapter.id] = SuiteScores.context(suite: suite, chapter: chapter, base: config.targets)
            }
            var written: [String: [(sample: Int, seed: UInt64, file: String, text: String, costUSD: Double)]] = [:]
            for chapter in suite.chapters {
                for (sample, text) in texts[chapter.id] ?? [:] {
                    written[chapter.id, default: []].append((sample, chapter.seed(ofSample: sample), fileFor(chapter.id, sample), text, costs[chapter.id]?[sample] ?? 0))
                }
            }
            let scores = SuiteScores.score(suite: suite, contexts: contexts, texts: written)
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

    /// Sample k of a chapter: the outline chapter through the engine, with the sample's seed
    /// and the chapter's targets, stored as chapter k + 1 of the chapter's book.
    func write(_ chapter: RegressionSuite.Chapter, sample: Int, book: String, run: RunID,
               progress: @Sendable (Progress) -> Void) async throws -> (String, Int, String, Double) {
        var config = self.config
        config.seed = chapter.seed(ofSample: sample)
        config.targets = suite.targets(for: chapter, over: self.config.targets)
        config.chapterRequirements = [:]
        let (outline, spec) = suite.outline(for: chapter)
        let generator = BookGenerator(config: config, prompts: prompts, database: database, route: route)
        let outcome = try await generator.writeChapter(spec, outline: outline, book: book, run: run, slot: sample + 1)
        progress(.sample(chapter: chapter.id, sample: sample, quality: outcome.report.quality, words: outcome.words))
        return (chapter.id, sample, outcome.text, try database.cost(bookID: book, chapter: sample + 1))
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
