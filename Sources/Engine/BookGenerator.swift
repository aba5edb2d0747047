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
public final class BookGenerator: Sendable {
    public typealias Router = @Sendable (_ task: LLMTask, _ context: CallContext) async throws -> any LLMProvider

    public let config: ExperimentConfig
    let prompts: PromptSet
    let database: WorkbenchDatabase
    let route: Router
    /// The run's event stream: the workspace's `events` table first, then `onEvent`.
    let events: EventBus

    public struct Result: Sendable {
        public var runID: RunID
        public var bookID: String
        public var outline: Outline
        public var quality: Double
        public var words: Int
        public var costUSD: Double
    }

    public init(config: ExperimentConfig, prompts: PromptSet, database: WorkbenchDatabase, route: @escaping Router,
                onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void = { _, _ in }) {
        self.config = config
        self.prompts = prompts
        self.database = database
        self.route = route
        events = EventBus { event, run in try database.appendEvent(to: run, kind: event.kind, payloadJSON: event.payloadJSON) }
        events.subscribe("onEvent") { event, run in onEvent(event, run) }
    }

    public func generate(premise: String?, outline given: Outline?, gitRevision: String? = nil) async throws -> Result {
        let run = try database.startRun(kind: .generate, configJSON: try config.runJSON(premise: premise), gitRevision: gitRevision)
        return try await finishing(run.id) {
            if let given {
                let problems = given.problems(expectedChapters: nil)
                guard problems.isEmpty else { throw EngineError.invalidOutline(source: "the outline file", problems: problems) }
            }
            return try await complete(run: run.id, premise: premise, outline: given, book: nil)
        }
    }

    /// Continues a run from where it stopped: chapters already done are not redone, a
    /// chapter in progress continues from its last stored version, and every call it had
    /// paid for is answered again by the response cache (same prompts, same seeds).
    public func resume(_ runID: RunID) async throws -> Result {
        let run = try database.run(matching: runID.rawValue)
        guard run.status != .succeeded else { throw EngineError.alreadyFinished(runID: runID.rawValue) }
        try database.reopenRun(runID)
        try database.appendEvent(to: runID, kind: "run.resumed")
        return try await finishing(runID) {
            let book = try database.books().filter { $0.runID == runID }.sorted { $0.id < $1.id }.first
            let outline = try book?.outlineJSON.map { try JSONDecoder().decode(Outline.self, from: Data($0.utf8)) }
            return try await complete(run: runID, premise: book?.premise ?? Self.premise(inConfig: run.configJSON), outline: outline, book: book)
        }
    }

    /// Runs `body`, then marks the run succeeded, or interrupted (budget) or failed (the error).
    private func finishing(_ run: RunID, _ body: () async throws -> Result) async throws -> Result {
        do {
            let result = try await body()
            await events.flush()
            try database.finishRun(run, status: .succeeded)
            return result
        } catch {
            await events.flush()
            let status: RunStatus = (error as? EngineError).map { if case .budgetReached = $0 { return .interrupted } else { return .failed } } ?? .failed
            try? database.finishRun(run, status: status, error: "\(error)")
            throw error
        }
    }

    /// Plans if there is no book yet, then writes every chapter not yet done.
    private func complete(run: RunID, premise: String?, outline given: Outline?, book existing: BookRecord?) async throws -> Result {
        let outline: Outline
        if let given { outline = given } else { outline = try await plan(premise: premise ?? "", run: run) }
        let bookID: String
        if let existing {
            bookID = existing.id
        } else {
            let outlineJSON = try CanonicalJSON.encode(outline)
            bookID = try database.createBook(runID: run, title: outline.title, premise: premise, outlineJSON: outlineJSON, chapterCount: outline.chapters.count).id
            try emit(.planned(title: outline.title, chapters: outline.chapters.count), run: run)
        }
        let done = try finishedChapters(run)

        var qualities: [Int: (Double, Int)] = [:]
        if config.sequential {
            // One after another, each prompt carrying what the earlier chapters actually say.
            for spec in outline.chapters {
                let (number, quality, words) = try await chapter(spec, outline: outline, book: bookID, run: run, done: done[spec.number])
                qualities[number] = (quality, words)
            }
            try await continuityStep(run: run, bookID: bookID, outline: outline)
            return try finish(run: run, bookID: bookID, outline: outline, qualities: qualities)
        }
        // Chapters run concurrently, at most `concurrency` at a time.
        try await withThrowingTaskGroup(of: (Int, Double, Int).self) { group in
            var pending = outline.chapters[...]
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
        try await continuityStep(run: run, bookID: bookID, outline: outline)
        return try finish(run: run, bookID: bookID, outline: outline, qualities: qualities)
    }

    /// The book's continuity once every chapter is written (`continuity:` of the experiment):
    /// check it and store the graph; with `fix`, fix what the check found, then store the
    /// graph of the fixed text. Resuming runs it again from the stored chapters.
    private func continuityStep(run: RunID, bookID: String, outline: Outline) async throws {
        guard config.continuity.check, let book = try database.books().first(where: { $0.id == bookID }) else { return }
        var dismissed: Set<ViolationKey> = []
        let checked: ContinuityGraphRecord
        if config.continuity.verify {
            // The judge route sees each flagged pair; what it dismisses, quoting both passages, is neither stored nor fixed.
            let verifier = try await route(.judge, CallContext(runID: run, bookID: bookID))
            let verified = try await BookContinuity.check(book, in: database, extractor: .pattern, provider: nil, seed: config.seed &+ 900_000, verifier: verifier)
            try checkBudget(run)
            checked = verified.graph
            dismissed = Set(verified.dismissed.map { ViolationKey($0.violation) })
        } else {
            checked = try BookContinuity.check(book, in: database).graph
        }
        try emit(.continuityChecked(violations: checked.violations.count, major: checked.majorViolations, words: checked.wordCount), run: run)
        guard config.continuity.fix, !checked.violations.isEmpty else { return }
        let enhancer = try await route(.enhance, CallContext(runID: run, bookID: bookID))
        let fixer = ContinuityFixer(
            policy: FixPolicy(rounds: config.continuity.rounds), template: try ContinuityFixer.template(folder: config.promptsFolder), seed: config.seed &+ 900_001,
            characters: outline.characters, ignoring: dismissed,
            context: { [outline] number in
                outline.chapters.first { $0.number == number }.map { self.analysisContext($0, outline: outline) } ?? AnalysisContext(obsession: outline.obsession)
            },
            rewrite: { prompt, seed, words in
                try await self.complete(enhancer, .enhance, prompt, seed: seed, words: words + 10, run: run)
            })
        let result = try await fixer.fix(chapters: try database.latestChapterVersions(bookID: bookID), title: outline.title,
                                         store: (database: database, bookID: bookID, runID: run))
        let fixed = try ContinuityFixer.storeGraph(after: result, of: book, in: database, ignoring: dismissed)
        try emit(.continuityFixed(tried: result.attempts.count, kept: result.kept.count, before: checked.violations.count, after: fixed.violations.count), run: run)
    }

    private func finish(run: RunID, bookID: String, outline: Outline, qualities: [Int: (Double, Int)]) throws -> Result {
        let cost = try spent(run)
        let quality = qualities.values.map(\.0).reduce(0, +) / Double(max(qualities.count, 1))
        let words = qualities.values.map(\.1).reduce(0, +)
        try database.setBookStatus(bookID, "done")
        try emit(.bookDone(quality: quality, costUSD: cost, words: words), run: run)
        return Result(runID: run, bookID: bookID, outline: outline, quality: quality, words: words, costUSD: cost)
    }

    /// An extractive summary of a written chapter: the first sentence of its opening
    /// paragraphs and of its last, so the next chapter follows what was really written.
    static func summary(of text: String, chapter: Int) -> String {
        let paragraphs = Paragraphs.texts(text)
        let picked = Array(paragraphs.prefix(3)) + (paragraphs.count > 3 ? [paragraphs[paragraphs.count - 1]] : [])
        let sentences = picked.map { paragraph -> String in
            let trimmed = paragraph.trimmingCharacters(in: .whitespacesAndNewlines)
            if let end = trimmed.firstIndex(where: { ".!?".contains($0) }) { return String(trimmed[...end]) }
            return String(trimmed.prefix(160))
        }
        return "Chapter \(chapter) as written: " + sentences.joined(separator: " ")
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

    public static func premise(inConfig json: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["premise"] as? String
    }

    // MARK: Plan

    /// Valid under OpenAI's strict mode (every object closed, every property required, no
    /// free-form maps, no string lengths): attributes are fixed nullable fields and
    /// relationships a list of pairs (`Outline` also reads the older map forms).
    static let outlineSchema = #"""
    {"type":"object","additionalProperties":false,"required":["title","logline","obsession","setting","characters","chapters"],"properties":{
    "title":{"type":"string","description":"At most 80 characters."},"logline":{"type":"string"},"obsession":{"type":"string","description":"A few words, at most 80 characters."},
    "setting":{"type":"string"},
    "characters":{"type":"array","minItems":2,"maxItems":5,"items":{"type":"object","additionalProperties":false,"required":["name","attributes","relationships"],"properties":{
      "name":{"type":"string","description":"At most 30 characters."},
      "attributes":{"type":"object","additionalProperties":false,"required":["age","hair","occupation"],"properties":{"age":{"type":["string","null"]},"hair":{"type":["string","null"]},"occupation":{"type":["string","null"]}}},
      "relationships":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["name","relation"],"properties":{"name":{"type":"string","description":"Another character's name."},"relation":{"type":"string","description":"e.g. sister of, loves."}}}}}}},
    "chapters":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["number","title","beats","target_words"],"properties":{
      "number":{"type":"integer","minimum":1},"title":{"type":"string"},"beats":{"type":"array","minItems":3,"maxItems":5,"items":{"type":"string"}},
      "target_words":{"type":"integer","minimum":50,"maximum":20000}}}}}}
    """#

    /// Asks the `plan` route for an outline; an answer that does not parse or validate is
    /// repaired where that is safe (numbering, targets, chapter count) and asked again otherwise.
    func plan(premise: String, run: RunID) async throws -> Outline {
        let provider = try await route(.plan, CallContext(runID: run))
        let prompt = prompts.plan.render(["premise": premise, "chapters": String(config.chapters), "words": String(config.wordsPerChapter)] as [String: String])
        var problems: [String] = []
        for attempt in 0..<3 {
            let schema = Self.outlineSchema.replacingOccurrences(of: "\"chapters\":{\"type\":\"array\",", with: "\"chapters\":{\"type\":\"array\",\"minItems\":\(config.chapters),\"maxItems\":\(config.chapters),")
            let completion = try await provider.complete(CompletionRequest(
                messages: [ChatMessage(.user, prompt)], temperature: 0.7, maxTokens: 2000, seed: config.seed &+ UInt64(attempt),
                responseFormat: .jsonSchema(name: "outline", schema: schema), task: .plan))
            try checkBudget(run)
            // Tolerant of providers without schema support: a code fence or a sentence around the JSON.
            guard var outline = Self.plannedOutline(completion.text) else {
                problems = ["not JSON in the outline's shape: \(completion.text.prefix(80))"]
                continue
            }
            outline = repaired(outline)
            problems = outline.problems(expectedChapters: config.chapters)
            if problems.isEmpty { return outline }
        }
        throw EngineError.invalidOutline(source: "the planner", problems: problems)
    }

    /// Renumbers chapters and gives a chapter whose word target is missing or out of range
    /// (`ChapterSpec.targetWordsRange`) the experiment's `words_per_chapter`: safe repairs
    /// that do not change what the planner meant. A valid target is the planner's choice
    /// (a climax may run longer) and is kept.
    func repaired(_ outline: Outline) -> Outline {
        var fixed = outline
        for index in fixed.chapters.indices {
            fixed.chapters[index].number = index + 1
            if !ChapterSpec.targetWordsRange.contains(fixed.chapters[index].targetWords) {
                fixed.chapters[index].targetWords = config.wordsPerChapter
            }
        }
        return fixed
    }

    /// The outline in a planner's answer; a chapter without an integer `target_words` gets 0,
    /// which `repaired` then replaces (the field is required by `Outline`, not by every model).
    static func plannedOutline(_ text: String) -> Outline? {
        guard let data = JSONAnswer.object(in: text), var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        if let chapters = object["chapters"] as? [Any] {
            object["chapters"] = chapters.map { item -> Any in
                guard var chapter = item as? [String: Any] else { return item }
                chapter["target_words"] = (chapter["target_words"] as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } ?? 0
                return chapter
            }
        }
        guard let fixed = try? JSONSerialization.data(withJSONObject: object) else { return nil }
        return try? JSONDecoder().decode(Outline.self, from: fixed)
    }

    // MARK: Write

    /// What a chapter is scored under: its word target, the book's obsession, the experiment's
    /// targets with the chapter's own requirements, and its plan.
    func analysisContext(_ spec: ChapterSpec, outline: Outline) -> AnalysisContext {
        Self.analysisContext(spec, outline: outline, targets: config.targets(forChapter: spec.number), style: config.style?.target)
    }

    static func analysisContext(_ spec: ChapterSpec, outline: Outline, targets: QualityTargets, style: StyleTarget? = nil) -> AnalysisContext {
        AnalysisContext(targetWords: spec.targetWords, obsession: outline.obsession, targets: targets, chapterPlan: ChapterPlan(outline: outline, chapter: spec),
                        style: style)
    }

    /// The point of view and tense the prompts ask for: the style profile's, else the third person, past tense.
    var pointOfView: String {
        guard let features = config.style?.profile.features else { return "the third person, past tense" }
        return "the \(features.firstPersonShare > 0.5 ? "first" : "third") person, \(features.pastShare >= 0.5 ? "past" : "present") tense"
    }

    /// The prompts' style variables for a chapter: `point_of_view`, and `style` (the profile's
    /// constraints and the exemplars furthest from the chapter's content) when the book has one.
    func styleVariables(_ spec: ChapterSpec, outline: Outline) -> [String: String] {
        var variables = ["point_of_view": pointOfView]
        if let style = config.style {
            let content = ([spec.title, outline.setting, outline.logline] + spec.beats + outline.characters.map(\.name)).joined(separator: "\n")
            variables["style"] = style.prompt(farFrom: content)
        }
        return variables
    }

    /// Writes, analyses and enhances one chapter of `book`. It is stored as chapter `slot`
    /// (the spec's number unless given: an A/B test stores sample i of an arm as chapter i),
    /// and an interrupted one continues from its stored versions.
    /// Its events have reached every subscriber when it returns.
    public func writeChapter(_ spec: ChapterSpec, outline: Outline, book: String, run: RunID, slot: Int? = nil) async throws -> ChapterOutcome {
        do {
            let outcome = try await write(spec, outline: outline, book: book, run: run, slot: slot)
            await events.flush()
            return outcome
        } catch {
            await events.flush()
            throw error
        }
    }

    /// `writeChapter` without waiting for the subscribers: chapters written inside `generate`.
    func write(_ spec: ChapterSpec, outline: Outline, book: String, run: RunID, slot given: Int? = nil) async throws -> ChapterOutcome {
        let slot = given ?? spec.number
        let characters = Self.characterSheet(outline.characters)
        let targets = config.targets(forChapter: spec.number)
        let context = analysisContext(spec, outline: outline)
        // A chapter interrupted after its draft was stored continues from its versions.
        let stored = try database.chapterVersions(bookID: book, chapter: slot)
        var best: QualityReport
        var bestVersion: ChapterVersionRecord
        var bestText: String
        if let kept = stored.last(where: \.kept) {
            bestText = kept.text
            bestVersion = kept
            best = QualityAnalyzer.analyze(kept.text, context: context)
        } else {
            bestText = try await draft(spec, outline: outline, characters: characters, book: book, run: run, slot: slot)
            best = QualityAnalyzer.analyze(bestText, context: context)
            bestVersion = try database.addChapterVersion(bookID: book, chapter: slot, text: bestText, wordCount: Int(best["word_count"] ?? 0),
                                                         origin: "generate", scores: best.scoreRows)
            try emit(.chapterScored(chapter: slot, version: bestVersion.version, quality: best.quality, words: Int(best["word_count"] ?? 0),
                                    metrics: Self.dashboardMetrics(best), issues: best.issues.prefix(2).map(\.message)), run: run)
        }
        let iterationsDone = max(0, (stored.last?.version ?? bestVersion.version) - 1)

        // Enhance while below target (the chapter's quality target, or a metric requirement
        // of its own): rewrite the passage behind the metric `Enhancement.choose` picks, keep
        // the new version only if the composite rises.
        let enhancer = try await route(.enhance, CallContext(runID: run, bookID: book, chapter: slot))
        let target = spec.targetWords
        let requirements = config.chapterRequirements[spec.number] ?? [:]
        for iteration in iterationsDone..<max(iterationsDone, config.enhancementIterations)
        where best.quality < targets.quality || !Enhancement.missedRequirements(best, requirements).isEmpty {
            guard let operation = Enhancement.choose(for: best, requirements: requirements, pointOfView: config.style.map { _ in pointOfView }) else { break }
            let words = Int(best["word_count"] ?? 0)
            // The analyser's paragraphs: issue paragraph N is the N-th of these, whatever the line endings.
            let paragraphs = Paragraphs.split(bestText)
            guard !paragraphs.isEmpty else { break }
            let index = min(max(0, (operation.paragraph ?? Enhancement.longest(paragraphs.map { bestText[$0.range] })) - 1), paragraphs.count - 1)
            let passage = String(bestText[paragraphs[index].range])
            let passageWords = TextScanner.scan(passage).wordCount
            let wanted = operation.name == "EXTEND" ? passageWords + max(0, target - words) : passageWords
            try emit(.enhancing(chapter: slot, operation: operation.name, paragraph: index + 1), run: run)
            let rewritten = try await complete(enhancer, .enhance, prompts.enhance.render([
                "number": String(spec.number), "title": outline.title, "characters": characters, "obsession": outline.obsession,
                "operation": operation.name, "instruction": operation.instruction, "passage": passage, "words": String(max(wanted, 30)),
            ].merging(styleVariables(spec, outline: outline)) { own, _ in own } as [String: String]), seed: seed(slot, 100 + iteration), words: max(wanted, 30), run: run)
            let replacement = rewritten.trimmingCharacters(in: .whitespacesAndNewlines)
            // Only that paragraph changes; every other byte stays. An empty rewrite would drop
            // the passage: keep the old one (the version still records the try).
            let candidateText = TextScanner.scan(replacement).wordCount >= 5 ? Paragraphs.replacing(paragraphs[index], in: bestText, with: replacement) : bestText
            let report = QualityAnalyzer.analyze(candidateText, context: context)
            let kept = report.quality > best.quality
            let version = try database.addChapterVersion(
                bookID: book, chapter: slot, text: candidateText, wordCount: Int(report["word_count"] ?? 0),
                origin: "enhance:\(operation.name)", parentVersion: bestVersion.version, scores: report.scoreRows, kept: kept)
            try emit(.enhanced(chapter: slot, version: version.version, operation: operation.name, quality: report.quality, kept: kept), run: run)
            if kept {
                best = report
                bestText = candidateText
                bestVersion = version
                try emit(.chapterScored(chapter: slot, version: version.version, quality: report.quality, words: Int(report["word_count"] ?? 0),
                                        metrics: Self.dashboardMetrics(report), issues: report.issues.prefix(2).map(\.message)), run: run)
            }
        }
        var judgeScores: [String: Double] = [:]
        if let settings = config.judge {
            // The judges score the kept version; their scores go beside the heuristic ones.
            let judge = Judge(judges: [try await route(.judge, CallContext(runID: run, bookID: book, chapter: slot))],
                              rubrics: try Rubrics.load(folder: settings.rubrics), samples: settings.samples, seed: seed(slot, 500))
            var scores: [(scorer: String, metric: String, value: Double)] = []
            for dimension in settings.dimensions {
                do {
                    let verdict = try await judge.score(bestText, dimension: dimension, obsession: outline.obsession)
                    scores.append((verdict.scorer, dimension, verdict.score))
                    judgeScores[dimension] = verdict.score
                } catch let error where Self.isJudgeAnswerFailure(error) {
                    // One judge answer never fails a book: the failure is stored as an event
                    // and the chapter keeps its heuristic scores.
                    try emit(.judgeFailed(chapter: slot, dimension: dimension, judge: judge.scorer, error: Redaction.redact((error as? any WorkbenchError)?.message ?? "\(error)")), run: run)
                }
            }
            try checkBudget(run)
            if !scores.isEmpty { try database.addScores(versionID: bestVersion.id!, scores) }
        }
        let outcome = ChapterOutcome(slot: slot, text: bestText, report: best, judgeScores: judgeScores)
        try emit(.chapterDone(chapter: slot, quality: best.quality, words: outcome.words), run: run)
        return outcome
    }

    /// Whether a judge's failure is its answer's (a provider error, no valid verdict), which
    /// the chapter survives; cancellation and a missing rubric are not.
    static func isJudgeAnswerFailure(_ error: any Error) -> Bool {
        if error is CancellationError { return false }
        if let error = error as? LLMError { return error != .cancelled }
        if let error = error as? JudgeError, case .invalidAnswer = error { return true }
        return false
    }

    /// The chapter's first full draft: its opening scene, then continuations to the target.
    func draft(_ spec: ChapterSpec, outline: Outline, characters: String, book: String, run: RunID, slot: Int) async throws -> String {
        let provider = try await route(.generate, CallContext(runID: run, bookID: book, chapter: slot))
        let previous: String
        if config.sequential {
            // What the earlier chapters actually say (their kept versions), not only their plan.
            previous = try database.latestChapterVersions(bookID: book).filter { $0.chapter < spec.number }
                .map { Self.summary(of: $0.text, chapter: $0.chapter) }.joined(separator: " ")
        } else {
            previous = outline.chapters.filter { $0.number < spec.number }.map { "\($0.number). \($0.title): \($0.beats.joined(separator: " "))" }.joined(separator: " ")
        }
        let target = spec.targetWords
        var text = try await complete(provider, .generate, prompts.chapter.render([
            "number": String(spec.number), "chapters": String(outline.chapters.count), "title": outline.title, "logline": outline.logline,
            "setting": outline.setting, "characters": characters, "obsession": outline.obsession, "previous": previous,
            "chapter_title": spec.title, "beats": spec.beats, "words": String(target),
        ].merging(styleVariables(spec, outline: outline)) { own, _ in own } as [String: Any]), seed: seed(slot, 0), words: target, run: run)
        var words = TextScanner.scan(text).wordCount
        try emit(.sceneWritten(chapter: slot, scene: 1, words: words, target: target), run: run)

        // Small models stop early whatever they are asked: continue scene by scene, each
        // from the chapter's last paragraphs and on to the next beat, until the target.
        var scene = 1, stalled = 0
        while Double(words) < Double(target) * 0.95, scene < 40 {
            scene += 1
            let tail = Self.tail(of: text, words: 120)
            let beat = spec.beats[min(spec.beats.count - 1, (scene - 1) * spec.beats.count / max(2, target / 250 + 1))]
            let piece = try await complete(provider, .generate, prompts.continuation.render([
                "number": String(spec.number), "title": outline.title, "characters": characters, "obsession": outline.obsession,
                "tail": tail, "beat": beat, "words": String(target - words),
            ].merging(styleVariables(spec, outline: outline)) { own, _ in own } as [String: String]), seed: seed(slot, scene), words: target - words, run: run)
            let added = TextScanner.scan(piece).wordCount
            if added < 5 {
                stalled += 1
                if stalled >= 3 { break }
                continue
            }
            stalled = 0
            text += "\n\n" + piece.trimmingCharacters(in: .whitespacesAndNewlines)
            words += added
            try emit(.sceneWritten(chapter: slot, scene: scene, words: words, target: target), run: run)
        }
        guard words > 0 else { throw EngineError.noProgress(chapter: slot, words: 0) }
        return text
    }

    /// Tokens allowed per word asked for: English prose runs ~1.3 tokens a word, so the cap
    /// lands near 1.1× the words. Small models write on to the cap whatever length they are
    /// asked for; at 2 tokens a word the local model's chapters came out ~1.5× their target.
    static let tokensPerWord = 1.5

    /// One completion's text (of about `words` words, capped a little above), then a budget check.
    func complete(_ provider: any LLMProvider, _ task: LLMTask, _ prompt: String, seed: UInt64, words: Int, run: RunID) async throws -> String {
        let tokens = Int(min(max((Double(words) * Self.tokensPerWord).rounded(.up), 0), 8192))  // clamped before the Int: words is data
        let completion = try await provider.complete(CompletionRequest(
            messages: [ChatMessage(.user, prompt)], temperature: 0.8, maxTokens: min(max(tokens, 64), 8192), seed: seed, task: task))
        try checkBudget(run)
        return completion.text
    }

    func seed(_ chapter: Int, _ step: Int) -> UInt64 { config.seed &+ UInt64(chapter) &* 10_007 &+ UInt64(step) }

    func spent(_ run: RunID) throws -> Double { try database.summary(of: run).costUSD }

    func checkBudget(_ run: RunID) throws {
        guard let budget = config.budgetUSD else { return }
        let cost = try spent(run)
        if cost >= budget { throw EngineError.budgetReached(spent: cost, budget: budget, runID: run.rawValue) }
    }

    func emit(_ event: PipelineEvent, run: RunID) throws {
        try events.publish(event, run: run)
    }



    /// The last paragraphs of a text, up to about `words` words: what a continuation follows.
    static func tail(of text: String, words: Int) -> String {
        var result: [Substring] = []
        var count = 0
        for paragraph in Paragraphs.texts(text).reversed() {
            result.insert(paragraph, at: 0)
            count += paragraph.split(separator: " ").count
            if count >= words { break }
        }
        let joined = result.joined(separator: "\n\n")
        let allWords = joined.split(separator: " ")
        return allWords.count > words * 2 ? allWords.suffix(words * 2).joined(separator: " ") : joined
    }
}

/// The enhancement operations, chosen from the weakest metric and its located issue.
enum Enhancement {
    struct Operation {
        var name: String
        var instruction: String
        /// 1-based paragraph the issue points at, if any.
        var paragraph: Int?
    }

    static let byMetric: [String: (String, String)] = [
        "detail_density": ("ADD_DEPTH", "add concrete sensory detail (sight, sound, smell, taste, touch) to every sentence that lacks it"),
        "emotion": ("EXPAND_EMOTION", "deepen emotion: let the characters feel, show their bodies react, give their interiority"),
        "obsession_depth": ("ADD_DEPTH", "return to the obsession: stay with it, let the character's thoughts circle back to it"),
        "word_count_accuracy": ("EXTEND", "extend the passage with a new moment of the scene, with vivid detail"),
        "repetition": ("TIGHTEN", "remove every repeated phrase and sentence; vary sentences"),
        "voice": ("FIX_VOICE", "keep one point of view (third person) and the past tense throughout"),
        "lexical_diversity": ("TIGHTEN", "vary the vocabulary; avoid repetition"),
        "style": ("FIX_STYLE", "rewrite it in the author's style described below: their sentence lengths, paragraphing, dialogue, punctuation and word habits"),
    ]

    /// The operation for a chapter's kept version, by a fixed rule:
    /// 1. the candidates are the metrics that have an operation (`byMetric`) and a score;
    /// 2. if some of them miss a requirement of this chapter's own (`chapter_requirements`
    ///    in the experiment: below it, or above it for a lower-is-better metric), only those
    ///    stay candidates, whatever the others score — the chapter was asked for them;
    /// 3. the candidate with the lowest score (against the chapter's targets) wins; on a tie,
    ///    the one the analysis reports first.
    /// The paragraph is the first located issue of the chosen metric, if it has one.
    /// With an author style, `pointOfView` is its ("the first person, past tense") and
    /// `FIX_STYLE` says what its paragraph's issue found.
    static func choose(for report: QualityReport, requirements: [String: Double] = [:], pointOfView: String? = nil) -> Operation? {
        let candidates = report.metrics.filter { byMetric[$0.name] != nil && $0.score != nil }
        let missed = Set(missedRequirements(report, requirements))
        let preferred = candidates.filter { missed.contains($0.name) }
        guard let weakest = (preferred.isEmpty ? candidates : preferred).min(by: { $0.score! < $1.score! }),
              var (name, instruction) = byMetric[weakest.name] else { return nil }
        let located = report.issues.first { $0.metric == weakest.name && $0.paragraph != nil }
        if weakest.name == "voice", let pointOfView { instruction = "keep one point of view and tense throughout: \(pointOfView)" }
        if weakest.name == "style", let located { instruction += " (\(located.message))" }
        return Operation(name: name, instruction: instruction, paragraph: located?.paragraph)
    }

    /// The metrics of `report` that miss one of the chapter's own requirements, in the
    /// analysis' order (`quality` is the loop's business, not a metric's).
    static func missedRequirements(_ report: QualityReport, _ requirements: [String: Double]) -> [String] {
        report.metrics.compactMap { metric in
            guard let required = requirements[metric.name], MetricCatalog.meets(metric.name, value: metric.value, target: required) == false else { return nil }
            return metric.name
        }
    }

    static func longest<S: StringProtocol>(_ paragraphs: [S]) -> Int {
        (paragraphs.indices.max { paragraphs[$0].count < paragraphs[$1].count } ?? 0) + 1
    }
}

/// The manuscript of a book as Markdown: title, logline, then each chapter's kept text.
public enum Manuscript {
    public static func markdown(outline: Outline, chapters: [ChapterVersionRecord]) -> String {
        var lines = ["# \(outline.title)", "", "*\(outline.logline)*", ""]
        for version in chapters.sorted(by: { $0.chapter < $1.chapter }) {
            let title = outline.chapters.first { $0.number == version.chapter }?.title ?? ""
            lines += ["## Chapter \(version.chapter)\(title.isEmpty ? "" : ": \(title)")", "", version.text.trimmingCharacters(in: .whitespacesAndNewlines), ""]
        }
        return lines.joined(separator: "\n")
    }
}
