import Foundation
import Continuity
import Judge
import LLM
import Quality
import Store
import Style
import WorkbenchCore

/// The book pipeline: plan (or take an outline), write the chapters concurrently scene by
/// scene to their word targets, analyse every version, enhance the weak ones, and store
/// each step as it happens (every version is kept; a worse enhancement is stored unkept).
///
/// This file holds the run (generate, resume, the chapters' scheduling, the end); the steps
/// are extensions beside it: `Planner` (the outline), `ChapterWriter` (one chapter: draft,
/// then `ChapterEnhancer`'s loop, then `JudgeStep`), `ContinuityStep` (the finished book).
/// Prompts are rendered from the typed contexts of `PromptContexts`.
public final class BookGenerator: Sendable {
    public typealias Router = @Sendable (_ task: LLMTask, _ context: CallContext) async throws -> any LLMProvider
    /// One provider of the table by its name (no fallback chain): an ensemble's members and judges.
    public typealias NamedRouter = @Sendable (_ name: String, _ context: CallContext) async throws -> any LLMProvider

    public let config: ExperimentConfig
    let prompts: PromptSet
    let database: WorkbenchDatabase
    let route: Router
    /// Nil when the caller has no table of named providers: an ensemble then cannot run.
    let named: NamedRouter?
    /// The run's event stream: the workspace's `events` table first, then `onEvent` and the plugins.
    let events: EventBus
    /// The run's plugins (nil without `plugins:`); stopped at the end when this generator made them.
    let plugins: PluginHost?
    let ownsPlugins: Bool
    /// Where first drafts are kept scene by scene (nil: nowhere; an interrupted draft starts over).
    let drafts: (any DraftCheckpoints)?

    public struct Result: Sendable {
        public var runID: RunID
        public var bookID: String
        public var outline: Outline
        public var quality: Double
        public var words: Int
        public var costUSD: Double
    }

    /// `plugins`: a host shared across generators (an A/B arm's); by default the experiment's
    /// plugins are started for this generator's run and stopped at its end. `named`: the
    /// providers an `ensemble:` names (last, so a trailing closure stays `onEvent`). `drafts`:
    /// where first drafts are kept scene by scene, for a task that may stop part-way.
    public init(config: ExperimentConfig, prompts: PromptSet, database: WorkbenchDatabase, route: @escaping Router, plugins: PluginHost? = nil,
                drafts: (any DraftCheckpoints)? = nil, onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void = { _, _ in }, named: NamedRouter? = nil) {
        self.config = config
        self.drafts = drafts
        self.prompts = prompts
        self.database = database
        self.route = route
        self.named = named
        if let plugins { self.plugins = plugins; ownsPlugins = false } else if !config.plugins.isEmpty {
            self.plugins = PluginHost(specs: config.plugins)
            ownsPlugins = true
        } else {
            self.plugins = nil
            ownsPlugins = false
        }
        events = EventBus { event, run in try database.appendEvent(to: run, kind: event.kind, payloadJSON: event.payloadJSON) }
        events.subscribe("onEvent") { event, run in onEvent(event, run) }
        if let host = self.plugins {
            // Plugin notices are not sent back to plugins: a failing observer would feed itself.
            events.subscribe("plugins") { event, _ in
                if case .plugin = event { return }
                _ = await host.call(.onEvent(event))
            }
        }
    }

    /// Starts the plugins and has their failures published as the run's events (a shared
    /// host reports where its owner says).
    func startPlugins(reportingTo run: RunID?) async {
        guard let plugins else { return }
        await plugins.start()
        if let run, ownsPlugins { plugins.report { [events] notice in try? events.publish(.plugin(notice), run: run) } }
    }

    /// `sourceText`: a longer text the `plan` route first draws a premise from (when there is
    /// neither premise nor outline). `started` learns the run's id as soon as it exists (the
    /// queue records it, so a killed processor resumes this run).
    public func generate(premise: String?, outline given: Outline?, sourceText: String? = nil, gitRevision: String? = nil,
                         started: (RunID) throws -> Void = { _ in }) async throws -> Result {
        // Refused before a run exists: nothing to resume.
        if config.ensemble != nil, named == nil { throw EngineError.ensembleWithoutNamedProviders }
        let source = premise == nil && given == nil ? sourceText.map(Self.sourceExcerpt) : nil
        let run = try await startRun(premise: premise, sourceText: source, gitRevision: gitRevision, started: started)
        return try await finishing(run) {
            if let given {
                let problems = given.problems(expectedChapters: nil)
                guard problems.isEmpty else { throw EngineError.invalidOutline(source: "the outline file", problems: problems) }
            }
            return try await complete(run: run, premise: premise, outline: given, book: nil, sourceText: source)
        }
    }

    /// A chapter written elsewhere (a shared queue's chapter task): its kept text and the
    /// quality and words its writer measured.
    public struct WrittenChapter: Sendable, Equatable {
        public var number: Int
        public var text: String
        public var quality: Double
        public var words: Int

        public init(number: Int, text: String, quality: Double, words: Int) {
            self.number = number
            self.text = text
            self.quality = quality
            self.words = words
        }
    }

    /// Finishes a book whose chapters were written by separate tasks from `outline`: a run of
    /// its own in which the chapters are stored as written (and reported done), then what
    /// `generate` does after the chapters — the continuity check and fixes — and the book's
    /// figures. The same outline, chapters and seed give the manuscript `generate` gives.
    public func assemble(outline: Outline, premise: String?, chapters: [WrittenChapter], gitRevision: String? = nil,
                         started: (RunID) throws -> Void = { _ in }) async throws -> Result {
        let missing = outline.chapters.map(\.number).filter { number in !chapters.contains { $0.number == number } }
        guard missing.isEmpty else {
            throw EngineError.invalidOutline(source: "the chapters to assemble", problems: ["chapter \(missing.map(String.init).joined(separator: ", ")) not written"])
        }
        let run = try await startRun(premise: premise, sourceText: nil, gitRevision: gitRevision, started: started)
        return try await finishing(run) {
            try await complete(run: run, premise: premise, outline: outline, book: nil, written: chapters)
        }
    }

    /// A new run of this book, its plugins started first (their versions are part of the run
    /// record) and `started` told; a run `started` refuses is closed as failed.
    private func startRun(premise: String?, sourceText: String?, gitRevision: String?, started: (RunID) throws -> Void) async throws -> RunID {
        await startPlugins(reportingTo: nil)
        let run = try database.startRun(kind: .generate, configJSON: try config.runJSON(premise: premise, sourceText: sourceText, pluginVersions: plugins?.versions ?? [:]),
                                        gitRevision: gitRevision)
        do { try started(run.id) } catch {
            try? database.finishRun(run.id, status: .failed, error: "\(error)")
            throw error
        }
        await startPlugins(reportingTo: run.id)
        return run.id
    }

    /// Continues a run from where it stopped: chapters already done are not redone, a
    /// chapter in progress continues from its last stored version, and every call it had
    /// paid for is answered again by the response cache (same prompts, same seeds).
    public func resume(_ runID: RunID) async throws -> Result {
        let run = try database.run(matching: runID.rawValue)
        guard run.status != .succeeded else { throw EngineError.alreadyFinished(runID: runID.rawValue) }
        // A plugin that answers with another version would finish the book with other rules.
        await startPlugins(reportingTo: nil)
        if let plugins, !config.acceptsChangedConfiguration {
            let now = plugins.versions
            let changed = config.pluginVersions.sorted { $0.key < $1.key }.compactMap { name, recorded in
                now[name].flatMap { $0 == recorded ? nil : "plugin \(name) (version \(recorded), now \($0))" }
            }
            if !changed.isEmpty {
                if ownsPlugins { await plugins.shutdown() }
                throw EngineError.configurationChanged(runID: runID.rawValue, changed: changed)
            }
        }
        try database.reopenRun(runID)
        try database.appendEvent(to: runID, kind: "run.resumed")
        await startPlugins(reportingTo: runID)
        return try await finishing(runID) {
            let book = try database.books().filter { $0.runID == runID }.sorted { $0.id < $1.id }.first
            let outline = try book?.outlineJSON.map { try JSONDecoder().decode(Outline.self, from: Data($0.utf8)) }
            return try await complete(run: runID, premise: book?.premise ?? Self.premise(inConfig: run.configJSON), outline: outline, book: book,
                                      sourceText: Self.field("source_text", inConfig: run.configJSON))
        }
    }

    /// Runs `body`, then marks the run succeeded, or interrupted (budget) or failed (the error).
    /// A stop is published first (`run.budget_stop` or `run.failed`) so the subscribers see it;
    /// a store that cannot take that event does not hide the error that stopped the run.
    private func finishing(_ run: RunID, _ body: () async throws -> Result) async throws -> Result {
        do {
            let result = try await body()
            await events.flush()
            await closePlugins(run)
            try database.finishRun(run, status: .succeeded)
            return result
        } catch {
            if case .budgetReached(let spent, let budget, _)? = error as? EngineError {
                try? emit(.budgetStopped(spentUSD: spent, budgetUSD: budget), run: run)
            } else {
                try? emit(.failed(error: Self.failureMessage(error)), run: run)
            }
            await events.flush()
            await closePlugins(run)
            let status: RunStatus = (error as? EngineError).map { if case .budgetReached = $0 { return .interrupted } else { return .failed } } ?? .failed
            try? database.finishRun(run, status: status, error: "\(error)")
            throw error
        }
    }

    /// Plans if there is no book yet, then writes every chapter not yet done.
    private func complete(run: RunID, premise givenPremise: String?, outline given: Outline?, book existing: BookRecord?, sourceText: String? = nil,
                          written: [WrittenChapter] = []) async throws -> Result {
        var premise = givenPremise
        if premise == nil, given == nil, existing == nil, let sourceText { premise = try await draftPremise(fromSource: sourceText, run: run) }
        var planned: Outline
        if let given { planned = given } else { planned = try await plan(premise: premise ?? "", run: run) }
        // The plugins may amend a new book's outline; a stored book keeps the one it has, and
        // chapters written elsewhere came from an outline already amended.
        if existing == nil, written.isEmpty {
            if let title = config.titleOverride { planned.title = title }
            planned = await amendedOutline(planned, premise: premise, run: run)
        }
        let outline = planned
        let bookID: String
        if let existing {
            bookID = existing.id
        } else {
            let outlineJSON = try CanonicalJSON.encode(outline)
            bookID = try database.createBook(runID: run, title: outline.title, premise: premise, outlineJSON: outlineJSON, chapterCount: outline.chapters.count).id
            try emit(.planned(title: outline.title, chapters: outline.chapters.count), run: run)
        }
        if config.planOnly { return Result(runID: run, bookID: bookID, outline: outline, quality: 0, words: 0, costUSD: try spent(run)) }
        for chapter in written.sorted(by: { $0.number < $1.number }) {
            let spec = outline.chapters.first { $0.number == chapter.number }
            let report = QualityAnalyzer.analyze(chapter.text, context: spec.map { analysisContext($0, outline: outline) } ?? AnalysisContext(obsession: outline.obsession))
            try database.addChapterVersion(bookID: bookID, chapter: chapter.number, text: chapter.text, wordCount: chapter.words, origin: "chapter-task",
                                           scores: report.scoreRows)
            try emit(.chapterDone(chapter: chapter.number, quality: chapter.quality, words: chapter.words), run: run)
        }
        let done = try finishedChapters(run)
        let chapters = outline.chapters.filter { config.onlyChapter == nil || $0.number == config.onlyChapter }

        var qualities: [Int: (Double, Int)] = [:]
        if config.sequential {
            // One after another, each prompt carrying what the earlier chapters actually say.
            for spec in chapters {
                let (number, quality, words) = try await chapter(spec, outline: outline, book: bookID, run: run, done: done[spec.number])
                qualities[number] = (quality, words)
            }
            if config.onlyChapter == nil { try await continuityStep(run: run, bookID: bookID, outline: outline) }
            return try await finish(run: run, bookID: bookID, outline: outline, qualities: qualities)
        }
        // Chapters run concurrently, at most `concurrency` at a time.
        try await withThrowingTaskGroup(of: (Int, Double, Int).self) { group in
            var pending = chapters[...]
            func next() -> ChapterSpec? { pending.popFirst() }
            for _ in 0..<min(config.concurrency, pending.count) {
                guard let spec = next() else { break }
                group.addTask { try await self.chapter(spec, outline: outline, book: bookID, run: run, done: done[spec.number]) }
            }
            while let (number, quality, words) = try await group.next() {
                qualities[number] = (quality, words)
                if let spec = next() {
                    group.addTask { try await self.chapter(spec, outline: outline, book: bookID, run: run, done: done[spec.number]) }
                }
            }
        }
        if config.onlyChapter == nil { try await continuityStep(run: run, bookID: bookID, outline: outline) }
        return try await finish(run: run, bookID: bookID, outline: outline, qualities: qualities)
    }

    private func finish(run: RunID, bookID: String, outline: Outline, qualities: [Int: (Double, Int)]) async throws -> Result {
        let cost = try spent(run)
        let quality = qualities.values.map(\.0).reduce(0, +) / Double(max(qualities.count, 1))
        let words = qualities.values.map(\.1).reduce(0, +)
        try database.setBookStatus(bookID, "done")
        try emit(.bookDone(quality: quality, costUSD: cost, words: words), run: run)
        await observe(.afterBook(title: outline.title, quality: quality, words: words, costUSD: cost, chapters: outline.chapters.count))
        return Result(runID: run, bookID: bookID, outline: outline, quality: quality, words: words, costUSD: cost)
    }

    /// Chapter → (quality, words) for the chapters whose `chapter.done` event is stored.
    private func finishedChapters(_ run: RunID) throws -> [Int: (Double, Int)] {
        try database.events(of: run, kind: PipelineEvent.chapterDoneKind).reduce(into: [:]) { result, payload in
            if let chapter = payload["chapter"] as? Int, let quality = payload["quality"] as? Double {
                result[chapter] = (quality, payload["words"] as? Int ?? 0)
            }
        }
    }

    /// A chapter already done is only reported; others are written or continued.
    private func chapter(_ spec: ChapterSpec, outline: Outline, book: String, run: RunID, done: (Double, Int)?) async throws -> (Int, Double, Int) {
        if let done { return (spec.number, done.0, done.1) }
        let outcome = try await write(spec, outline: outline, book: book, run: run)
        return (spec.number, outcome.report.quality, outcome.words)
    }

    /// What writing one chapter produced: the analysis of its kept version and the judges' scores.
    public struct ChapterOutcome: Sendable {
        public var slot: Int
        public var text: String
        public var report: QualityReport
        /// Judge dimension → score, when the experiment has judges.
        public var judgeScores: [String: Double]
        /// The plugins' metrics of the kept version, as `plugin.NAME.METRIC` → value.
        public var pluginMetrics: [String: Double] = [:]
        public var words: Int { Int(report["word_count"] ?? 0) }
    }

    /// The metrics the live dashboard draws: detail density, emotion and voice (values and scores).
    static func dashboardMetrics(_ report: QualityReport) -> [String: Double] {
        var result: [String: Double] = [:]
        for name in ["detail_density", "emotion", "voice"] {
            if let metric = report.metric(name) {
                result[name] = metric.value
                if let score = metric.score { result[name + ".score"] = score }
            }
        }
        return result
    }

    /// "Mara (34, black hair, keeper; sister of Tomas), Tomas (…)": the cast with their attributes.
    static func characterSheet(_ characters: [BookCharacter]) -> String { BookCharacter.sheet(characters) }

    public static func premise(inConfig json: String) -> String? { field("premise", inConfig: json) }

    /// Whether a run started from a premise or a source text (so it calls the `plan` route until its book exists).
    public static func plans(inConfig json: String) -> Bool { premise(inConfig: json) != nil || field("source_text", inConfig: json) != nil }

    static func field(_ key: String, inConfig json: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?[key] as? String
    }

    /// Tokens allowed per word asked for: English prose runs ~1.3 tokens a word, so the cap
    /// lands near 1.1× the words. Small models write on to the cap whatever length they are
    /// asked for; at 2 tokens a word the local model's chapters came out ~1.5× their target.
    static let tokensPerWord = 1.5

    /// One completion's text (of about `words` words, capped a little above), then a budget check.
    func complete(_ provider: any LLMProvider, _ task: LLMTask, _ prompt: String, seed: UInt64, words: Int, run: RunID) async throws -> String {
        try await completion(provider, task, prompt, seed: seed, words: words, run: run).text
    }

    /// `complete`, with the tokens and cost the answer took.
    func completion(_ provider: any LLMProvider, _ task: LLMTask, _ prompt: String, seed: UInt64, words: Int, run: RunID) async throws -> Completion {
        let tokens = Int(min(max((Double(words) * Self.tokensPerWord).rounded(.up), 0), 8192))  // clamped before the Int: words is data
        let completion = try await provider.complete(CompletionRequest(
            messages: [ChatMessage(.user, prompt)], temperature: 0.8, maxTokens: min(max(tokens, 64), 8192), seed: seed, task: task))
        try checkBudget(run)
        return completion
    }

    /// What an error says, for an event or a record: its message, with any credential removed.
    static func failureMessage(_ error: any Error) -> String { Redaction.redact((error as? any WorkbenchError)?.message ?? "\(error)") }

    func seed(_ chapter: Int, _ step: Int) -> UInt64 { config.seed &+ UInt64(chapter) &* 10_007 &+ UInt64(step) }

    func spent(_ run: RunID) throws -> Double { try database.summary(of: run).costUSD }

    func checkBudget(_ run: RunID) throws {
        guard let budget = config.budgetUSD else { return }
        let cost = try spent(run)
        if cost >= budget { throw EngineError.budgetReached(spent: cost, budget: budget, runID: run.rawValue) }
    }

    /// Stops the plugins this generator started, and stores what a subscriber that lost
    /// events received and lost (`runs show` says so; none stored means none lost).
    func closePlugins(_ run: RunID) async {
        if ownsPlugins { await plugins?.shutdown() }
        for delivery in events.deliveries where delivery.dropped > 0 {
            let event = PipelineEvent.delivery(subscriber: delivery.subscriber, delivered: delivery.delivered, dropped: delivery.dropped)
            try? database.appendEvent(to: run, kind: event.kind, payloadJSON: event.payloadJSON)
        }
    }

    func emit(_ event: PipelineEvent, run: RunID) throws {
        try events.publish(event, run: run)
    }
}
