import Foundation
import Quality

/// The book quality report of the roadmap (2.4), computed from stored chapter scores:
/// overall quality against target, per-chapter scores, consistency, weak areas (chapters
/// below target, declining runs) and recommendations tied to the weak metric.
public struct BookReport: Sendable, Equatable {
    public struct Chapter: Sendable, Equatable {
        public var number: Int
        public var version: Int
        public var words: Int
        public var quality: Double
        /// Heuristic metric values and 0–10 scores, by metric name.
        public var values: [String: Double]
        public var scores: [String: Double]
        /// Judge scores by dimension, when a judge has scored this version.
        public var judge: [String: Double]
        /// The reader score a preference model predicts for this version, when one was given.
        public var reader: Double?
        /// Metrics plugins added to this version, as `plugin.NAME.METRIC` → value.
        public var plugins: [String: Double] = [:]
        /// This chapter's own targets where they differ from the book's (the experiment's
        /// `chapter_requirements`): `quality` for the composite, else a metric's target.
        public var requirements: [String: Double]

        public init(number: Int, version: Int, words: Int, quality: Double, values: [String: Double], scores: [String: Double], judge: [String: Double] = [:],
                    requirements: [String: Double] = [:]) {
            self.number = number
            self.version = version
            self.words = words
            self.quality = quality
            self.values = values
            self.scores = scores
            self.judge = judge
            self.requirements = requirements
        }

        /// The metric requirements of its own that this chapter's values miss, by metric name.
        public var missedRequirements: [MissedRequirement] {
            requirements.keys.sorted().compactMap { metric in
                guard metric != "quality", let required = requirements[metric], let value = values[metric],
                      MetricCatalog.meets(metric, value: value, target: required) == false else { return nil }
                return MissedRequirement(metric: metric, value: value, required: required)
            }
        }
    }

    /// A metric below (or, lower being better, above) the target a chapter requires of it.
    public struct MissedRequirement: Sendable, Equatable {
        public var metric: String
        public var value: Double
        public var required: Double
        /// "emotion 8.1 below its requirement 9.0" (or "above its limit" for a lower-is-better metric).
        public var description: String {
            let above = MetricCatalog.lowerIsBetter.contains(metric)
            return "\(metric) \(Self.format(value)) \(above ? "above its limit" : "below its requirement") \(Self.format(required))"
        }
        static func format(_ value: Double) -> String { String(format: abs(value) < 1 && value != 0 ? "%.3f" : "%.1f", value) }
    }

    public struct WeakArea: Sendable, Equatable {
        public var chapters: ClosedRange<Int>
        public var message: String
    }

    public var title: String
    /// What the reader scores are (e.g. "reader.rating from preferences-rating.json"), when there are any.
    public var readerModel: String?
    public var book: String
    public var target: Double
    public var targetWords: Int?
    public var chapters: [Chapter]
    /// The book's stored continuity check, or that it has none; nil when not read (a report
    /// made from scores alone), which leaves the section out.
    public var continuity: Continuity?
    /// The name of the author style the book was written to (its run's `style:`), if any.
    public var styleName: String?

    public init(title: String, book: String, target: Double, targetWords: Int?, chapters: [Chapter]) {
        self.title = title
        self.book = book
        self.target = target
        self.targetWords = targetWords
        self.chapters = chapters.sorted { $0.number < $1.number }
    }

    /// The composite target of a chapter: its own requirement, else the book's.
    public func target(of chapter: Chapter) -> Double { chapter.requirements["quality"] ?? target }

    /// Whether a chapter falls short of its own composite target or of a metric it requires.
    public func missesTarget(_ chapter: Chapter) -> Bool {
        chapter.quality < target(of: chapter) || !chapter.missedRequirements.isEmpty
    }

    /// The mean predicted reader score, when a preference model scored the chapters.
    public var overallReader: Double? { mean(chapters.compactMap(\.reader)) }

    public var overall: Double { chapters.isEmpty ? 0 : chapters.map(\.quality).reduce(0, +) / Double(chapters.count) }
    public var totalWords: Int { chapters.map(\.words).reduce(0, +) }

    // MARK: Consistency

    /// Mean voice score as a percentage (10/10 = 100%).
    public var voiceConsistency: Double? { mean(chapters.compactMap { $0.values["voice"] }).map { $0 * 10 } }
    /// Standard deviation of detail density across chapters: low means even texture.
    public var detailDensitySpread: Double? { standardDeviation(chapters.compactMap { $0.values["detail_density"] }) }
    /// Mean word-count accuracy, when chapters had targets.
    public var wordCountAccuracy: Double? { mean(chapters.compactMap { $0.values["word_count_accuracy"] }) }
    /// Standard deviation of chapter quality (the roadmap's goal: under 0.5).
    public var qualitySpread: Double? { standardDeviation(chapters.map(\.quality)) }

    // MARK: Weak areas

    /// Metrics watched for declining runs, and how a decline reads.
    static let trendMetrics: [(metric: String, phrase: String)] = [
        ("quality", "declining quality"), ("emotion", "declining emotional impact"),
        ("detail_density", "thinning sensory detail"), ("obsession_depth", "the obsession fading"),
    ]

    public var weakAreas: [WeakArea] {
        var areas: [WeakArea] = []
        for chapter in chapters {
            let own = target(of: chapter)
            if chapter.quality < own {
                let message = chapter.requirements["quality"] == nil
                    ? String(format: "Chapter %d: below target (%+.1f)", chapter.number, chapter.quality - own)
                    : String(format: "Chapter %d: below its target %.1f (%+.1f)", chapter.number, own, chapter.quality - own)
                areas.append(WeakArea(chapters: chapter.number...chapter.number, message: message))
            }
            for missed in chapter.missedRequirements {
                areas.append(WeakArea(chapters: chapter.number...chapter.number, message: "Chapter \(chapter.number): \(missed.description)"))
            }
        }
        for (metric, phrase) in Self.trendMetrics {
            let values = chapters.map { metric == "quality" ? $0.quality : $0.values[metric] }
            for run in Self.decliningRuns(values) {
                let first = chapters[run.lowerBound].number, last = chapters[run.upperBound].number
                areas.append(WeakArea(chapters: first...last, message: "Chapters \(first)–\(last): \(phrase)"))
            }
        }
        return areas
    }

    /// Runs of 3+ consecutive chapters, each lower than the one before, falling 10% or more in all.
    static func decliningRuns(_ values: [Double?]) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        var start = 0
        for index in 1...max(values.count, 1) {
            let continues = index < values.count && values[index] != nil && values[index - 1] != nil && values[index]! < values[index - 1]!
            if !continues {
                if index - start >= 3, let first = values[start], let last = values[index - 1], first > 0, (first - last) / first >= 0.1 {
                    runs.append(start...(index - 1))
                }
                start = index
            }
        }
        return runs
    }

    // MARK: Judges against heuristics

    /// Which heuristic score stands for a judge's dimension (`overall` is the composite).
    public static func heuristicScore(dimension: String, scores: [String: Double], quality: Double) -> Double? {
        switch dimension {
        case "detail": return scores["detail_density"]
        case "emotion": return scores["emotion"]
        case "voice": return scores["voice"]
        case "obsession": return scores["obsession_depth"]
        case "overall": return quality
        default: return nil
        }
    }

    public struct Disagreement: Sendable, Equatable {
        public var chapter: Int
        public var dimension: String
        public var judge: Double
        public var heuristic: Double
    }

    /// Where a judge and the heuristic score of the same dimension differ by 2 points or more.
    /// The plugin metrics any chapter has, by name.
    public var pluginMetrics: [String] { Set(chapters.flatMap(\.plugins.keys)).sorted() }

    public var disagreements: [Disagreement] {
        chapters.flatMap { chapter in
            chapter.judge.keys.sorted().compactMap { dimension -> Disagreement? in
                guard let judged = chapter.judge[dimension],
                      let heuristic = Self.heuristicScore(dimension: dimension, scores: chapter.scores, quality: chapter.quality),
                      abs(judged - heuristic) >= 2 else { return nil }
                return Disagreement(chapter: chapter.number, dimension: dimension, judge: judged, heuristic: heuristic)
            }
        }
    }

    // MARK: Recommendations

    /// What to do about each weak chapter, and each declining run. For a chapter, the metric
    /// is picked as the engine's enhancer picks it: a metric that misses the chapter's own
    /// requirement first, else the weakest; on equal scores, the first by name.
    public var recommendations: [String] {
        var result: [String] = []
        for chapter in chapters where missesTarget(chapter) {
            let missed = chapter.missedRequirements
            let required = Set(missed.map(\.metric))
            let candidates = chapter.scores.filter { Self.actions[$0.key] != nil }
            let preferred = candidates.filter { required.contains($0.key) }
            let weakest = (preferred.isEmpty ? candidates : preferred).min { ($0.value, $0.key) < ($1.value, $1.key) }
            if let weakest, let action = Self.actions[weakest.key] {
                let why = missed.first { $0.metric == weakest.key }.map(\.description) ?? "\(weakest.key) scores \(String(format: "%.1f", weakest.value))"
                result.append("Re-enhance chapter \(chapter.number) \(action.text) (\(action.operation); \(why))")
            }
        }
        for area in weakAreas where area.chapters.count >= 3 {
            result.append("Review chapters \(area.chapters.lowerBound)–\(area.chapters.upperBound) for pacing: \(area.message.components(separatedBy: ": ").last ?? "")")
        }
        return result
    }

    static let actions: [String: (text: String, operation: String)] = [
        "detail_density": ("with concrete sensory detail", "ADD_DEPTH"),
        "emotion": ("focusing on emotion", "EXPAND_EMOTION"),
        "voice": ("to restore the point of view and tense", "FIX_VOICE"),
        "obsession_depth": ("returning to the central obsession", "ADD_DEPTH"),
        "word_count_accuracy": ("toward its word target", "EXTEND"),
        "lexical_diversity": ("with a richer vocabulary", "TIGHTEN"),
        "sentence_rhythm": ("varying sentence length", "TIGHTEN"),
        "cliche_density": ("replacing stock phrases", "TIGHTEN"),
        "style": ("in the author's style", "FIX_STYLE"),
    ]

    func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }

    func standardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2, let average = mean(values) else { return nil }
        return (values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    }
}
