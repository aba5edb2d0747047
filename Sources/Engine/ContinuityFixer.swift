import Continuity
import Foundation
import Judge
import LLM
import Mustache
import Quality
import Store
import WorkbenchCore

/// Fixes a book's continuity violations with the smallest edits that remove them: the
/// sentence holding the contradiction goes to the `enhance` route as a `FIX_CONTINUITY`
/// operation, the book is checked again, and the edit is kept only when the violation is gone,
/// no new one appears and the chapter's quality does not drop (`FixPolicy`). After
/// `policy.rounds` rounds of sentence fixes, what is left gets its whole paragraph rewritten.
/// Every try is logged (`continuity_fixes`); a kept fix is a new kept chapter version.
public struct ContinuityFixer: Sendable {
    /// Asks the model for a rewrite: (prompt, seed, words wanted) → its answer.
    public typealias Rewrite = @Sendable (_ prompt: String, _ seed: UInt64, _ words: Int) async throws -> String

    public var policy: FixPolicy
    public var template: MustacheTemplate
    public var seed: UInt64
    /// The analysis each chapter is scored under (its word target, the obsession, its plan).
    public var context: @Sendable (Int) -> AnalysisContext
    public var rewrite: Rewrite
    /// The outline's characters: their sheet is what the chapters must agree with.
    public var characters: [BookCharacter]
    /// Violations the verifier dismissed: neither fixed nor counted.
    public var ignoring: Set<ViolationKey>

    public init(policy: FixPolicy, template: MustacheTemplate, seed: UInt64, characters: [BookCharacter] = [], ignoring: Set<ViolationKey> = [],
                context: @escaping @Sendable (Int) -> AnalysisContext, rewrite: @escaping Rewrite) {
        self.policy = policy
        self.characters = characters
        self.ignoring = ignoring
        self.template = template
        self.seed = seed
        self.context = context
        self.rewrite = rewrite
    }

    /// One try at one violation.
    public struct Attempt: Sendable {
        public var violation: Violation
        public var round: Int
        public var edit: FixEdit
        public var outcome: FixOutcome
        public var detail: String?
        public var chapterWords: Int
        public var qualityBefore: Double
        public var qualityAfter: Double
        /// The chapter version edited.
        public var fromVersion: Int
        /// The chapter version the kept fix was stored as (nil: refused, or a dry run).
        public var version: Int?

        /// The try as the fixes log stores it.
        public func record(bookID: String, runID: RunID?) -> ContinuityFixRecord {
            ContinuityFixRecord(
                bookID: bookID, runID: runID?.rawValue, chapter: edit.span.chapter, fromVersion: fromVersion, toVersion: version,
                violationType: violation.type.rawValue, severity: violation.severity.rawValue, summary: violation.summary, round: round,
                scope: edit.span.scope.rawValue, paragraph: edit.span.paragraph, original: edit.span.text, replacement: edit.replacement,
                tokensChanged: edit.tokensChanged, chapterWords: chapterWords, qualityBefore: qualityBefore, qualityAfter: qualityAfter,
                outcome: outcome.rawValue, detail: detail)
        }
    }

    public struct Result: Sendable {
        public var before: [Violation]
        public var after: [Violation]
        public var attempts: [Attempt]
        /// The chapters' words before and after the fixes.
        public var wordsBefore: Int
        public var words: Int
        /// Per 10,000 words, before and after.
        public var cedBefore: Double { ContinuityGraphRecord.density(violations: before.count, words: wordsBefore) }
        public var cedAfter: Double { ContinuityGraphRecord.density(violations: after.count, words: words) }
        public var kept: [Attempt] { attempts.filter { $0.outcome.isKept } }
        /// Violations found before that the check no longer finds.
        public var resolved: Int {
            let remaining = Set(after.map(ViolationKey.init))
            return before.filter { !remaining.contains(ViolationKey($0)) }.count
        }
    }

    /// Fixes the book's kept chapters. With `store` nil (a dry run) nothing is written: the
    /// model is asked and every verdict reached on the edited text in memory.
    public func fix(chapters versions: [ChapterVersionRecord], title: String, store: (database: WorkbenchDatabase, bookID: String, runID: RunID?)?) async throws -> Result {
        var texts = Dictionary(versions.map { ($0.chapter, $0.text) }, uniquingKeysWith: { a, _ in a })
        var versionNumbers = Dictionary(versions.map { ($0.chapter, $0.version) }, uniquingKeysWith: { a, _ in a })
        // The stored versions' word counts (the analyser's, as the check counts them): only an
        // edited chapter is analysed again.
        var wordCounts = Dictionary(versions.map { ($0.chapter, $0.wordCount) }, uniquingKeysWith: { a, _ in a })
        let numbers = texts.keys.sorted()
        func chapters() -> [ChapterText] { numbers.map { ChapterText(number: $0, text: texts[$0]!) } }
        var qualities: [Int: QualityReport] = [:]
        func report(_ chapter: Int) -> QualityReport {
            if let report = qualities[chapter] { return report }
            let report = QualityAnalyzer.analyze(texts[chapter]!, context: context(chapter))
            qualities[chapter] = report
            return report
        }

        let first = BookCheck(chapters(), characters: characters)
        let before = first.violations.filter { !ignoring.contains(ViolationKey($0)) }
        let sheet = first.facts.filter { $0.quote.chapter == CharacterSheet.chapter }
        let wordsBefore = wordCounts.values.reduce(0, +)
        var current = before
        var attempts: [Attempt] = []
        let lastRound = policy.rounds + (policy.rewriteScene ? 1 : 0)
        for round in 1...max(lastRound, 1) where round <= lastRound && !current.isEmpty {
            let scope: FixScope = round <= policy.rounds ? .sentence : .paragraph
            var tried = Set<ViolationKey>()
            while let target = current.first(where: { !tried.contains(ViolationKey($0)) }) {
                tried.insert(ViolationKey(target))
                // The sheet may show that the earlier passage is the wrong one.
                let (wrong, right) = target.fixTarget(sheet: sheet)
                let chapter = wrong.quote.chapter
                guard let text = texts[chapter], let span = FixSpan.around(wrong.quote, in: text, scope: scope) else { continue }
                let words = max(FixEdit.words(span.text).count, 1)
                let prompt = template.render(Self.variables(for: target, wrong: wrong, right: right, span: span, title: title))
                let answer = try await rewrite(prompt, attemptSeed(target, round: round, scope: scope), words)
                let edit = FixEdit(span: span, replacement: Self.cleaned(answer, scope: scope, original: span.text))
                let edited = edit.applied(to: text)
                let after = BookCheck(numbers.map { ChapterText(number: $0, text: $0 == chapter ? edited : texts[$0]!) }, characters: characters).violations
                    .filter { !ignoring.contains(ViolationKey($0)) }
                let qualityBefore = report(chapter).quality
                let editedReport = QualityAnalyzer.analyze(edited, context: context(chapter))
                let chapterWords = Int(report(chapter)["word_count"] ?? Double(FixEdit.words(text).count))
                let verdict = policy.judge(edit, target: target, before: current, after: after, chapterWords: chapterWords,
                                           qualityBefore: qualityBefore, qualityAfter: editedReport.quality)
                var attempt = Attempt(violation: target, round: round, edit: edit, outcome: verdict.outcome, detail: verdict.detail,
                                      chapterWords: chapterWords, qualityBefore: qualityBefore, qualityAfter: editedReport.quality,
                                      fromVersion: versionNumbers[chapter] ?? 1)
                if verdict.outcome.isKept {
                    texts[chapter] = edited
                    qualities[chapter] = editedReport
                    wordCounts[chapter] = Int(editedReport["word_count"] ?? 0)
                    current = after
                    if let store {
                        let version = try store.database.addChapterVersion(
                            bookID: store.bookID, chapter: chapter, text: edited, wordCount: Int(editedReport["word_count"] ?? 0),
                            origin: "continuity:\(Self.operation)", parentVersion: versionNumbers[chapter], scores: editedReport.scoreRows)
                        attempt.version = version.version
                    }
                }
                if let store {
                    try store.database.addContinuityFix(attempt.record(bookID: store.bookID, runID: store.runID))
                }
                if let version = attempt.version { versionNumbers[chapter] = version }
                attempts.append(attempt)
            }
        }
        let words = wordCounts.values.reduce(0, +)
        return Result(before: before, after: current, attempts: attempts, wordsBefore: wordsBefore, words: words)
    }

    /// The operation's name in prompts and in chapter versions' origin.
    public static let operation = "FIX_CONTINUITY"

    func attemptSeed(_ violation: Violation, round: Int, scope: FixScope) -> UInt64 {
        let quote = violation.contradicting.quote
        return seed &+ UInt64(quote.chapter) &* 10_007 &+ UInt64(quote.bytes.lowerBound) &* 31 &+ UInt64(round) &* 7_919 &+ (scope == .paragraph ? 1 : 0)
    }

    /// The template's variables: `established` is what the passage must agree with (the
    /// earlier passage, or the outline's sheet), `contradicting` the words that break it.
    static func variables(for violation: Violation, wrong: Fact, right: Fact, span: FixSpan, title: String) -> [String: String] {
        let swapped = wrong.quote != violation.contradicting.quote
        return [
            "operation": operation, "title": title, "number": String(span.chapter), "scope": span.scope.rawValue,
            "problem": violation.summary, "fix": swapped ? "Make \"\(wrong.quote.text)\" agree with the outline: \(right.quote.text)." : violation.suggestedFix,
            "established": right.quote.text, "established_place": right.quote.place,
            "contradicting": wrong.quote.text, "passage": span.text, "words": String(FixEdit.words(span.text).count),
        ]
    }

    /// The answer as a passage: without the quotes, fences or heading a model may wrap it in;
    /// a sentence stays in its paragraph (its line breaks become spaces).
    static func cleaned(_ answer: String, scope: FixScope, original: String) -> String {
        var text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        for fence in ["\"\"\"", "```"] where text.hasPrefix(fence) && text.hasSuffix(fence) && text.count >= 2 * fence.count {
            text = String(text.dropFirst(fence.count).dropLast(fence.count))
            if fence == "```", let newline = text.firstIndex(of: "\n"), !text[..<newline].contains(" ") { text = String(text[text.index(after: newline)...]) }
            text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let trimmedOriginal = original.trimmingCharacters(in: .whitespacesAndNewlines)
        for (open, close) in [("\"", "\""), ("“", "”")] where text.hasPrefix(open) && text.hasSuffix(close) && text.count > 2 && !trimmedOriginal.hasPrefix(open) {
            text = String(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
        }
        if scope == .sentence {
            text = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        }
        return text
    }

    /// The prompt a fix is asked with when the prompt folder has no `fix_continuity.mustache`.
    public static let defaultPrompt = #"""
    FIX_CONTINUITY
    You are correcting a continuity error in chapter {{number}} of the novel "{{title}}".
    Earlier, at {{established_place}}, the book established:
    Established: "{{established}}"
    The passage below contradicts it: {{problem}}.
    Suggested fix: {{fix}}
    Rewrite the passage ({{words}} words) so that it agrees with what was established. Change as few words as possible and keep everything else exactly as written: the same sentences, names, tense and punctuation. Answer with the rewritten passage only, with no quotation marks and no commentary.
    """
    {{passage}}
    """
    """#

    /// The fix template of a prompt folder, else the built-in one.
    public static func template(folder: String?) throws -> MustacheTemplate {
        if let folder {
            let path = folder + "/fix_continuity.mustache"
            if FileManager.default.fileExists(atPath: path) {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw EngineError.promptMissing(path: path) }
                do { return try PlainTextTemplate.parse(text) } catch { throw EngineError.promptInvalid(path: path, detail: "\(error)") }
            }
        }
        return try PlainTextTemplate.parse(defaultPrompt)
    }
}

extension ContinuityFixer {
    /// After fixing a stored book: its graph checked again from the fixed chapters and stored,
    /// the violations a fix was tried on and that are still there marked `unfixed`.
    @discardableResult
    public static func storeGraph(after result: Result, of book: BookRecord, in database: WorkbenchDatabase, ignoring: Set<ViolationKey> = []) throws -> ContinuityGraphRecord {
        let graph = try BookContinuity.check(book, in: database, excluding: ignoring).graph
        let remaining = Set(result.after.map(ViolationKey.init))
        let tried = result.attempts.filter { !$0.outcome.isKept && remaining.contains(ViolationKey($0.violation)) }
            .map { (summary: $0.violation.summary, chapter: $0.violation.contradicting.quote.chapter) }
        try database.setContinuityViolationStatus(bookID: book.id, tried, to: .unfixed)
        return try database.continuityGraph(bookID: book.id) ?? graph
    }
}

extension ContinuityFixer {
    /// The fixer for a stored book: each chapter scored as `generate` scored it (the outline's
    /// word target, obsession and plan; the experiment's targets), rewrites from `provider`.
    public static func forBook(_ book: BookRecord, config: ExperimentConfig?, provider: any LLMProvider, rounds: Int, seed: UInt64) throws -> ContinuityFixer {
        let outline = book.outlineJSON.flatMap { try? JSONDecoder().decode(Outline.self, from: Data($0.utf8)) }
        return ContinuityFixer(
            policy: FixPolicy(rounds: rounds), template: try template(folder: config?.promptsFolder), seed: seed, characters: outline?.characters ?? [],
            context: { number in
                let targets = config?.targets(forChapter: number) ?? .standard
                guard let outline, let spec = outline.chapters.first(where: { $0.number == number }) else { return AnalysisContext(obsession: outline?.obsession, targets: targets) }
                return BookGenerator.analysisContext(spec, outline: outline, targets: targets, style: config?.style?.target)
            },
            rewrite: { prompt, seed, words in
                let tokens = Int(min((Double(words + 10) * BookGenerator.tokensPerWord).rounded(.up), 8192))
                return try await provider.complete(CompletionRequest(messages: [ChatMessage(.user, prompt)], temperature: 0.3, maxTokens: max(tokens, 64),
                                                                     seed: seed, task: .enhance)).text
            })
    }
}
