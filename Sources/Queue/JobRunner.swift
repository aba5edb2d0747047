import Engine
import Experiments
import Foundation
import LLM
import Store
import WorkbenchCore

/// A finished book of the queue.
public struct QueuedBook: Sendable, Equatable {
    public var runID: RunID
    public var bookID: String
    public var quality: Double
    public var words: Int
    public var costUSD: Double
    /// Where its Markdown manuscript was written, when a folder was given.
    public var manuscript: String?
}

/// A finished regress of the queue: its verdict against the baseline.
public struct QueuedRegress: Sendable, Equatable {
    public var runID: RunID
    public var baseline: String
    public var passed: Bool
    /// The verdict's one line, as the report opens.
    public var summary: String
    public var costUSD: Double
    /// Where its Markdown and JSON reports were written, when a folder was given.
    public var reports: [String]
}

/// What a finished job made.
public enum JobOutput: Sendable, Equatable {
    case book(QueuedBook)
    case regress(QueuedRegress)

    public var runID: RunID {
        switch self {
        case .book(let book): book.runID
        case .regress(let regress): regress.runID
        }
    }

    public var costUSD: Double {
        switch self {
        case .book(let book): book.costUSD
        case .regress(let regress): regress.costUSD
        }
    }
}

/// Runs one job. `attach` learns the run as soon as it exists; `onEvent` sees a book run's events.
/// Thrown by a runner whose job cannot go on yet (a book whose chapter tasks are not all
/// written): the job waits until `until`, its attempt not counted.
public struct JobNotReady: Error, Sendable {
    public var reason: String
    public var until: Date

    public init(reason: String, until: Date) {
        self.reason = reason
        self.until = until
    }
}

public protocol QueueJobRunner: Sendable {
    func run(_ job: Job, attach: @escaping @Sendable (RunID) throws -> Void,
             onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> JobOutput
}

/// Each book job through the book engine: a new run from its source under its experiment (its
/// genre, chapters, words, seed and title on top), or, when the job already has a run (an
/// earlier attempt, a killed processor), that run resumed: chapters done are kept and every
/// call already paid is answered by the response cache. A regress job writes its baseline's
/// suite again (`RegressionRun`); an attempt after a killed one starts a new run, its calls
/// answered by the cache. Providers come from one factory, so the jobs share each provider's
/// limits and the process-wide limiter.
public struct EngineJobRunner: QueueJobRunner {
    public let database: WorkbenchDatabase
    public let factory: ProviderFactory
    /// Where `BOOK.md` goes when a book is done (nil: the workspace only).
    public let reportsFolder: String?

    public init(database: WorkbenchDatabase, factory: ProviderFactory, reportsFolder: String?) {
        self.database = database
        self.factory = factory
        self.reportsFolder = reportsFolder
    }

    /// The configuration a new job's run starts with.
    public static func config(for job: Job) throws -> ExperimentConfig {
        var config = try ExperimentConfig.load(file: job.spec.experiment, genre: job.spec.genre)
        if let chapters = job.spec.chapters { config.chapters = chapters }
        if let words = job.spec.words { config.wordsPerChapter = words }
        if let seed = job.spec.seed { config.seed = seed }
        config.titleOverride = job.spec.title
        applyRequest(job, to: &config)
        return config
    }

    /// What the job asks beyond the experiment and that a resumed run keeps: one chapter, a quality target.
    static func applyRequest(_ job: Job, to config: inout ExperimentConfig) {
        if let chapter = job.spec.chapter { config.onlyChapter = chapter }
        if let target = job.spec.qualityTarget { config.targets.quality = target }
    }

    public func run(_ job: Job, attach: @escaping @Sendable (RunID) throws -> Void,
                    onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> JobOutput {
        try await run(job, drafts: nil, attach: attach, onEvent: onEvent)
    }

    /// The job, its first drafts kept scene by scene in `drafts` (a task that may stop part-way).
    public func run(_ job: Job, drafts: (any DraftCheckpoints)?, attach: @escaping @Sendable (RunID) throws -> Void,
                    onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> JobOutput {
        switch job.spec.source {
        case .regress(let request): return .regress(try await regress(request, job: job, attach: attach))
        case .premise(let premise): return .book(try await write(job, from: (premise, nil, nil), drafts: drafts, attach: attach, onEvent: onEvent))
        case .outline(let outline): return .book(try await write(job, from: (nil, outline, nil), drafts: drafts, attach: attach, onEvent: onEvent))
        case .text(let text): return .book(try await write(job, from: (nil, nil, text), drafts: drafts, attach: attach, onEvent: onEvent))
        }
    }

    private func write(_ job: Job, from source: (premise: String?, outline: Outline?, text: String?), drafts: (any DraftCheckpoints)?,
                       attach: @escaping @Sendable (RunID) throws -> Void,
                       onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> QueuedBook {
        let result: BookGenerator.Result
        if let runID = job.runID, let record = try? database.run(matching: runID.rawValue) {
            if record.status == .succeeded {
                // The book was done before the processor could say so.
                return try finished(database.book(matchingBookOrRun: runID.rawValue), run: runID)
            }
            let config = try ExperimentConfig.resumed(run: runID.rawValue, fromRunJSON: record.configJSON, allowChanged: false) {
                Self.applyRequest(job, to: &$0)
            }
            result = try await withGenerator(config, needs: config.tasks(planning: BookGenerator.plans(inConfig: record.configJSON)), drafts: drafts, onEvent: onEvent) {
                try await $0.resume(runID)
            }
        } else {
            let config = try Self.config(for: job)
            result = try await withGenerator(config, needs: config.tasks(planning: source.outline == nil), drafts: drafts, onEvent: onEvent) {
                try await $0.generate(premise: source.premise, outline: source.outline, sourceText: source.text, started: attach)
            }
        }
        return try finished(database.book(matchingBookOrRun: result.runID.rawValue), run: result.runID)
    }

    /// A book job's plan task: its outline planned (from its premise or source text) and
    /// stored in a run of its own, nothing written; the outline and the premise it came from.
    public func plan(_ job: Job, attach: @escaping @Sendable (RunID) throws -> Void,
                     onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> (outline: Outline, premise: String?) {
        var config = try Self.config(for: job)
        config.planOnly = true
        let source: (premise: String?, outline: Outline?, text: String?)
        switch job.spec.source {
        case .premise(let premise): source = (premise, nil, nil)
        case .outline(let outline): source = (nil, outline, nil)
        case .text(let text): source = (nil, nil, text)
        case .regress: throw EngineError.invalidOutline(source: "job \(job.id)", problems: ["a regress is not written in chapter tasks"])
        }
        let result = try await withGenerator(config, needs: config.tasks(planning: source.outline == nil), onEvent: onEvent) {
            try await $0.generate(premise: source.premise, outline: source.outline, sourceText: source.text, started: attach)
        }
        let book = try database.book(matchingBookOrRun: result.runID.rawValue)
        return (result.outline, book.premise)
    }

    /// A book job's assembly: its chapters, written by its chapter tasks, stored in a run of
    /// its own and finished as the book's own run would finish them (continuity), the manuscript written.
    public func assemble(_ job: Job, outline: Outline, premise: String?, chapters: [BookGenerator.WrittenChapter],
                         attach: @escaping @Sendable (RunID) throws -> Void, onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> QueuedBook {
        let config = try Self.config(for: job)
        let result = try await withGenerator(config, needs: config.tasks(planning: false), onEvent: onEvent) {
            try await $0.assemble(outline: outline, premise: premise, chapters: chapters, started: attach)
        }
        return try finished(database.book(matchingBookOrRun: result.runID.rawValue), run: result.runID)
    }

    private func withGenerator(_ config: ExperimentConfig, needs: Set<LLMTask>, drafts: (any DraftCheckpoints)? = nil,
                               onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void,
                               _ body: (BookGenerator) async throws -> BookGenerator.Result) async throws -> BookGenerator.Result {
        let prompts = try PromptSet.load(folder: config.promptsFolder)
        let router = ProviderRouter(routes: try ProviderRoutes(config: config, needs: needs), factory: factory, store: database, seed: config.seed)
        return try await body(BookGenerator(config: config, prompts: prompts, database: database, route: router.route, drafts: drafts, onEvent: onEvent,
                                          named: router.named))
    }

    private func regress(_ request: RegressionRequest, job: Job, attach: @escaping @Sendable (RunID) throws -> Void) async throws -> QueuedRegress {
        if let earlier = job.runID, let record = try? database.run(matching: earlier.rawValue) {
            // The verdict was stored before the processor could say so.
            if let verdict = try RegressionVerdict.verdict(of: earlier, in: database) {
                return QueuedRegress(runID: earlier, baseline: verdict.baseline, passed: verdict.passed, summary: verdict.summary, costUSD: verdict.costUSD, reports: [])
            }
            // Left running by a killed processor: closed, and this attempt is a new run.
            if record.status == .running {
                try database.finishRun(earlier, status: .interrupted, error: "its processor stopped; job \(job.id) was tried again")
            }
        }
        let regression = try RegressionRun(request)
        let router = ProviderRouter(routes: try ProviderRoutes(config: regression.config, needs: regression.config.tasks(planning: false)), factory: factory,
                                    store: database, seed: regression.config.seed)
        let outcome = try await regression.run(database: database, route: router.route, gitRevision: nil) { progress in
            if case .started(let run, _, _) = progress { try? attach(run) }
        }
        var reports: [String] = []
        if let reportsFolder {
            try FileManager.default.createDirectory(atPath: reportsFolder, withIntermediateDirectories: true)
            for (suffix, format) in [("md", RegressionReport.Format.markdown), ("json", .json)] {
                let path = reportsFolder + "/regress-\(outcome.runID).\(suffix)"
                try Data(RegressionReport.render(outcome.result, as: format, seconds: outcome.seconds).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                reports.append(path)
            }
        }
        return QueuedRegress(runID: outcome.runID, baseline: regression.baseline.version, passed: outcome.result.passed, summary: outcome.result.summaryLine,
                             costUSD: outcome.costUSD, reports: reports)
    }

    /// The book's figures, and its manuscript written out.
    private func finished(_ book: BookRecord, run: RunID) throws -> QueuedBook {
        let versions = try database.latestChapterVersions(bookID: book.id)
        var path: String?
        if let reportsFolder {
            try FileManager.default.createDirectory(atPath: reportsFolder, withIntermediateDirectories: true)
            path = reportsFolder + "/\(book.id).md"
            try Data(Manuscript.markdown(of: book, chapters: versions).utf8).write(to: URL(fileURLWithPath: path!), options: .atomic)
        }
        let quality = try Self.quality(database, run: run)
        return QueuedBook(runID: run, bookID: book.id, quality: quality, words: versions.map(\.wordCount).reduce(0, +),
                          costUSD: try database.summary(of: run).costUSD, manuscript: path)
    }

    /// The book's quality as its `book.done` event says (the mean of its chapters').
    public static func quality(_ database: WorkbenchDatabase, run: RunID) throws -> Double {
        try database.events(of: run, kind: "book.done").last?["quality"] as? Double ?? 0
    }
}
