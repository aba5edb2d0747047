/// A problem the analysis found, and where: what a writer (or the enhancer) acts on.
public struct LocatedIssue: Sendable, Codable, Equatable {
    public enum Severity: String, Sendable, Codable { case minor, major }
    public var metric: String
    /// 1-based paragraph, and the line it starts on in the analysed text; nil for the whole chapter.
    public var paragraph: Int?
    public var line: Int?
    public var message: String
    public var severity: Severity

    public init(metric: String, paragraph: Int?, line: Int?, message: String, severity: Severity = .minor) {
        self.metric = metric
        self.paragraph = paragraph
        self.line = line
        self.message = message
        self.severity = severity
    }
}

/// One metric's reading.
public struct MetricValue: Sendable, Codable, Equatable {
    public var name: String
    /// In the metric's own unit (see `MetricCatalog`).
    public var value: Double
    /// 0–10, where 8 means "on target"; nil for metrics that are reported but not scored.
    public var score: Double?
    public var target: Double?

    public init(name: String, value: Double, score: Double?, target: Double?) {
        self.name = name
        self.value = value
        self.score = score
        self.target = target
    }
}

/// Per-metric targets and composite weights: defaults documented in `MetricCatalog`,
/// overridden per experiment and per chapter.
public struct QualityTargets: Sendable, Codable, Equatable {
    public var targets: [String: Double]
    public var weights: [String: Double]
    /// Composite below this is "below target" in reports.
    public var quality: Double

    public init(targets: [String: Double] = MetricCatalog.defaultTargets, weights: [String: Double] = MetricCatalog.defaultWeights, quality: Double = 8.0) {
        self.targets = targets
        self.weights = weights
        self.quality = quality
    }

    public static let standard = QualityTargets()
}

/// A reference style a chapter is held against: an author's profile (module Style). Abstract
/// here because Style is built on Quality's scanner.
public protocol StyleReference: Sendable {
    /// Tells references apart (a profile's fingerprint): contexts with equal identities are equal.
    var identity: String { get }
    /// Point of view, tense and word habits of the author: what `voice` measures against.
    var voice: VoiceProfile { get }
    /// The text held against the style: the `style` metric and its located issues.
    func assess(_ text: String) -> StyleAssessment
}

/// How a text stands against a `StyleReference`.
public struct StyleAssessment: Sendable, Equatable {
    public struct Issue: Sendable, Equatable {
        /// 0-based paragraph, as Quality's scanner splits them; nil for the whole text.
        public var paragraph: Int?
        public var message: String
        public var major: Bool
        public init(paragraph: Int?, message: String, major: Bool) {
            self.paragraph = paragraph
            self.message = message
            self.major = major
        }
    }
    /// 0–10; 8 at the edge of the author's own spread (its 90th percentile), 10 at its median or closer.
    public var score: Double
    /// Burrows' Delta against the author's profile.
    public var delta: Double
    /// Percent of the author's own 5,000-word bags at or below `delta`.
    public var percentile: Double
    /// Word 8-grams of the author's sample found in the text.
    public var copied: Int
    public var issues: [Issue]
    public init(score: Double, delta: Double, percentile: Double, copied: Int, issues: [Issue]) {
        self.score = score
        self.delta = delta
        self.percentile = percentile
        self.copied = copied
        self.issues = issues
    }
}

/// What the analysis knows about the chapter beyond its text.
public struct AnalysisContext: Sendable, Equatable {
    public var targetWords: Int?
    /// The book's central obsession, in words ("the locked room at the end of the hall").
    public var obsession: String?
    /// The book's style, to measure voice against; nil measures consistency within the chapter only.
    public var profile: VoiceProfile?
    public var targets: QualityTargets
    /// The chapter's beats and characters from the outline; nil leaves `outline_adherence` out.
    public var chapterPlan: ChapterPlan?
    /// The book's author style (`style:` of an experiment): adds the `style` metrics, and `voice`
    /// measures against its voice when `profile` is nil.
    public var style: (any StyleReference)?

    public init(targetWords: Int? = nil, obsession: String? = nil, profile: VoiceProfile? = nil, targets: QualityTargets = .standard,
                chapterPlan: ChapterPlan? = nil, style: (any StyleReference)? = nil) {
        self.targetWords = targetWords
        self.obsession = obsession
        self.profile = profile
        self.targets = targets
        self.chapterPlan = chapterPlan
        self.style = style
    }

    public static func == (left: AnalysisContext, right: AnalysisContext) -> Bool {
        left.targetWords == right.targetWords && left.obsession == right.obsession && left.profile == right.profile
            && left.targets == right.targets && left.chapterPlan == right.chapterPlan && left.style?.identity == right.style?.identity
    }
}

/// The whole analysis of one text.
public struct QualityReport: Sendable, Codable, Equatable {
    public var metrics: [MetricValue]
    /// Weighted mean of the scored metrics, 0–10.
    public var quality: Double
    public var issues: [LocatedIssue]
    public var scorer: String
    public var lexicon: String

    public init(metrics: [MetricValue], quality: Double, issues: [LocatedIssue], scorer: String, lexicon: String) {
        self.metrics = metrics
        self.quality = quality
        self.issues = issues
        self.scorer = scorer
        self.lexicon = lexicon
    }

    public func metric(_ name: String) -> MetricValue? { metrics.first { $0.name == name } }

    /// Rows for the workspace's `scores` table: every metric value and the composite, under this scorer.
    public var scoreRows: [(scorer: String, metric: String, value: Double)] {
        metrics.map { (scorer, $0.name, $0.value) } + [(scorer, "quality", quality)]
    }
    public subscript(_ name: String) -> Double? { metric(name)?.value }
}
