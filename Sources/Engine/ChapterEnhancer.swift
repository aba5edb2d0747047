import Foundation
import Continuity
import Judge
import LLM
import Quality
import Store
import Style
import WorkbenchCore

/// A chapter's kept version: its text, its stored record and its analysis.
struct KeptVersion: Sendable {
    var report: QualityReport
    var text: String
    var version: ChapterVersionRecord
    /// The plugins' metrics of this version (`plugin.NAME.METRIC`).
    var pluginMetrics: [String: Double] = [:]
}

extension BookGenerator {
    /// Enhances while below target (the chapter's quality target, or a metric requirement of
    /// its own): rewrites the passage behind the metric `Enhancement.choose` picks, and keeps
    /// the new version only if the composite rises. Every try is stored; `iterationsDone`
    /// tries were made before (a resumed chapter). Returns the kept version.
    func enhance(_ start: KeptVersion, spec: ChapterSpec, outline: Outline, characters: String, context: AnalysisContext,
                 book: String, run: RunID, slot: Int, iterationsDone: Int) async throws -> KeptVersion {
        var best = start
        let targets = config.targets(forChapter: spec.number)
        let enhancer = try await route(.enhance, CallContext(runID: run, bookID: book, chapter: slot))
        let target = spec.targetWords
        let requirements = config.chapterRequirements[spec.number] ?? [:]
        for iteration in iterationsDone..<max(iterationsDone, config.enhancementIterations)
        where best.report.quality < targets.quality || !Enhancement.missedRequirements(best.report, requirements).isEmpty {
            let builtIn = Enhancement.choose(for: best.report, requirements: requirements, pointOfView: config.style.map { _ in pointOfView })
            guard let operation = await pluginOperation(builtIn, text: best.text, report: best.report, pluginMetrics: best.pluginMetrics, slot: slot) else { break }
            let words = Int(best.report["word_count"] ?? 0)
            // The analyser's paragraphs: issue paragraph N is the N-th of these, whatever the line endings.
            let paragraphs = Paragraphs.split(best.text)
            guard !paragraphs.isEmpty else { break }
            let index = min(max(0, (operation.paragraph ?? Enhancement.longest(paragraphs.map { best.text[$0.range] })) - 1), paragraphs.count - 1)
            let passageWords = TextScanner.scan(String(best.text[paragraphs[index].range])).wordCount
            let wanted = operation.name == "EXTEND" ? passageWords + max(0, target - words) : passageWords
            try emit(.enhancing(chapter: slot, operation: operation.name, paragraph: index + 1), run: run)
            let candidateText = try await rewriting(paragraphs[index], of: best.text, operation: operation.name, instruction: operation.instruction,
                                                    words: max(wanted, 30), with: enhancer, seed: seed(slot, 100 + iteration),
                                                    spec: spec, outline: outline, characters: characters, run: run)
            let report = QualityAnalyzer.analyze(candidateText, context: context)
            let kept = report.quality > best.report.quality
            let version = try database.addChapterVersion(
                bookID: book, chapter: slot, text: candidateText, wordCount: Int(report["word_count"] ?? 0),
                origin: "enhance:\(operation.name)", parentVersion: best.version.version, scores: report.scoreRows, kept: kept)
            try emit(.enhanced(chapter: slot, version: version.version, operation: operation.name, quality: report.quality, kept: kept), run: run)
            var analysed = report
            let added = try await pluginMetrics(version, text: candidateText, report: report, slot: slot)
            analysed.issues += added.issues
            await observe(.afterEnhance(chapter: slot, version: version.version, operation: operation.name, quality: report.quality, kept: kept))
            if kept {
                best = KeptVersion(report: analysed, text: candidateText, version: version, pluginMetrics: added.metrics)
                try emit(.chapterScored(chapter: slot, version: version.version, quality: report.quality, words: Int(report["word_count"] ?? 0),
                                        metrics: Self.dashboardMetrics(report), issues: report.issues.prefix(2).map(\.message)), run: run)
            }
        }
        return best
    }

    /// `text` with one paragraph rewritten through the enhance route (`operation`,
    /// `instruction`, about `words` words). Only that paragraph changes; every other byte
    /// stays. A rewrite of fewer than five words would drop the passage: the text is returned
    /// as it was.
    func rewriting(_ paragraph: Paragraph, of text: String, operation: String, instruction: String, words: Int, with enhancer: any LLMProvider,
                   seed: UInt64, spec: ChapterSpec, outline: Outline, characters: String, run: RunID) async throws -> String {
        let rewritten = try await complete(enhancer, .enhance, prompts.render(EnhancePromptContext(
            number: spec.number, title: outline.title, characters: characters, obsession: outline.obsession,
            operation: operation, instruction: instruction, passage: String(text[paragraph.range]), words: words,
            pointOfView: pointOfView, style: styleBlock(spec, outline: outline))), seed: seed, words: words, run: run)
        let replacement = rewritten.trimmingCharacters(in: .whitespacesAndNewlines)
        return TextScanner.scan(replacement).wordCount >= 5 ? Paragraphs.replacing(paragraph, in: text, with: replacement) : text
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
