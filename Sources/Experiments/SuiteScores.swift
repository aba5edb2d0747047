import Foundation
import Quality
import WorkbenchCore

/// Every sample's scores of one run of a suite: what a baseline's `scores.json` holds, and
/// what a regression run measures to compare with it.
public struct SuiteScores: Codable, Sendable, Equatable {
    /// What a chapter's metric measured over its samples. Scores are points on the 0–10
    /// scale (the composite, and each metric against its target), so one threshold serves all.
    public struct Metric: Codable, Sendable, Equatable {
        public var samples: [Double]
        public var mean: Double
        public var sd: Double?
        /// The metric in its own unit (words, per 1,000 words, …), per sample.
        public var raw: [Double]

        public init(samples: [Double], raw: [Double]) {
            self.samples = samples
            self.raw = raw
            let summary = ABTestAnalysis.meanAndSD(samples)
            mean = summary.mean
            sd = summary.sd.isFinite ? summary.sd : nil
        }
    }

    public struct Sample: Codable, Sendable, Equatable {
        public var sample: Int
        public var seed: UInt64
        /// The text's file, relative to the baseline folder (empty for a run not saved as a baseline).
        public var file: String
        public var textSHA256: String
        public var words: Int
        public var costUSD: Double

        enum CodingKeys: String, CodingKey {
            case sample, seed, file, words
            case textSHA256 = "text_sha256", costUSD = "cost_usd"
        }
    }

    /// What the scorer was told about a chapter: a baseline's chapters are re-scored with it.
    public struct Context: Codable, Sendable, Equatable {
        public var targetWords: Int
        public var obsession: String
        public var targets: QualityTargets
        /// The outline chapter's beats and characters (`outline_adherence`). Baselines made
        /// before it have none: their chapters are scored, and re-scored, without the metric.
        public var chapterPlan: ChapterPlan?
        /// The fingerprint of the author style profile the chapter was scored against (a
        /// baseline keeps the profile as `style-profile.json`); nil for none.
        public var styleProfileSHA256: String?

        enum CodingKeys: String, CodingKey {
            case obsession, targets
            case targetWords = "target_words", chapterPlan = "chapter_plan", styleProfileSHA256 = "style_profile_sha256"
        }

        public var analysis: AnalysisContext { analysis(style: nil) }

        /// The analysis context, with `style` when the chapter was scored against one.
        public func analysis(style: (any StyleReference)?) -> AnalysisContext {
            AnalysisContext(targetWords: targetWords, obsession: obsession, targets: targets, chapterPlan: chapterPlan,
                            style: styleProfileSHA256 == nil ? nil : style)
        }
    }

    public struct Chapter: Codable, Sendable, Equatable {
        public var id: String
        public var kind: String
        public var context: Context
        public var samples: [Sample]
        /// `quality` (the composite) and every metric scored against a target.
        public var metrics: [String: Metric]
    }

    public var format: Int
    public var suite: String
    public var suiteSHA256: String
    public var scorer: String
    public var lexicon: String
    public var chapters: [Chapter]

    enum CodingKeys: String, CodingKey {
        case format, suite, scorer, lexicon, chapters
        case suiteSHA256 = "suite_sha256"
    }

    public static let currentFormat = 1

    /// Samples per chapter (the fewest, should a chapter have lost some).
    public var samplesPerChapter: Int { chapters.map(\.samples.count).min() ?? 0 }

    public var totalCostUSD: Double { chapters.flatMap(\.samples).map(\.costUSD).reduce(0, +) }

    /// The suite mean of the composite: the mean over chapters of each chapter's mean.
    public var meanQuality: Double {
        let means = chapters.compactMap { $0.metrics["quality"]?.mean }
        return means.isEmpty ? .nan : means.reduce(0, +) / Double(means.count)
    }

    public func chapter(_ id: String) -> Chapter? { chapters.first { $0.id == id } }

    /// The points a chapter's texts score, sample by sample, as `metrics` holds them.
    public static func metrics(of reports: [QualityReport]) -> [String: Metric] {
        var result: [String: Metric] = ["quality": Metric(samples: reports.map(\.quality), raw: reports.map(\.quality))]
        guard let first = reports.first else { return result }
        for metric in first.metrics where metric.score != nil {
            let found = reports.map { $0.metric(metric.name) }
            guard found.allSatisfy({ $0?.score != nil }) else { continue }
            result[metric.name] = Metric(samples: found.map { $0!.score! }, raw: found.map { $0!.value })
        }
        return result
    }

    /// A plugin's metric (`plugin.NAME.METRIC`): measured while the chapter was written, not
    /// recomputable from its text by this build.
    public static func isPluginMetric(_ name: String) -> Bool { name.hasPrefix("plugin.") }

    /// Adds the plugins' metrics (chapter → sample → name → value) to the chapters, each one
    /// every sample of its chapter has; the value is its own score (0–10, higher better).
    public mutating func add(pluginMetrics: [String: [Int: [String: Double]]]) {
        for index in chapters.indices {
            let bySample = pluginMetrics[chapters[index].id] ?? [:]
            let samples = chapters[index].samples.map(\.sample)
            let names = Set(bySample.values.flatMap(\.keys))
            for name in names.sorted() {
                let values = samples.compactMap { bySample[$0]?[name] }
                guard values.count == samples.count else { continue }
                chapters[index].metrics[name] = Metric(samples: values, raw: values)
            }
        }
    }

    /// Scores written texts: chapter → its samples' texts, in sample order.
    /// `style` scores the chapters whose context names a style profile.
    public static func score(suite: RegressionSuite, contexts: [String: Context], texts: [String: [(sample: Int, seed: UInt64, file: String, text: String, costUSD: Double)]],
                             style: (any StyleReference)? = nil) -> SuiteScores {
        let chapters = suite.chapters.compactMap { chapter -> Chapter? in
            guard let context = contexts[chapter.id], let written = texts[chapter.id], !written.isEmpty else { return nil }
            let ordered = written.sorted { $0.sample < $1.sample }
            let reports = ordered.map { QualityAnalyzer.analyze($0.text, context: context.analysis(style: style)) }
            let samples = zip(ordered, reports).map { item, report in
                Sample(sample: item.sample, seed: item.seed, file: item.file, textSHA256: SHA256.hex(of: item.text),
                       words: Int(report["word_count"] ?? 0), costUSD: item.costUSD)
            }
            return Chapter(id: chapter.id, kind: chapter.kind, context: context, samples: samples, metrics: metrics(of: reports))
        }
        return SuiteScores(format: currentFormat, suite: suite.name, suiteSHA256: suite.fingerprint, scorer: QualityAnalyzer.scorer,
                           lexicon: QualityAnalyzer.dataVersion, chapters: chapters)
    }

    /// The scoring context of a suite chapter under an experiment's targets.
    public static func context(suite: RegressionSuite, chapter: RegressionSuite.Chapter, base: QualityTargets) -> Context {
        let (outline, spec) = suite.outline(for: chapter)
        return Context(targetWords: chapter.targetWords, obsession: outline.obsession, targets: suite.targets(for: chapter, over: base),
                       chapterPlan: ChapterPlan(outline: outline, chapter: spec))
    }
}

/// Who made a baseline, with what and when.
public struct BaselineProvenance: Codable, Sendable, Equatable {
    public struct Provider: Codable, Sendable, Equatable {
        public var task: String
        public var name: String
        public var kind: String
        public var model: String

        public init(task: String, name: String, kind: String, model: String) {
            self.task = task
            self.name = name
            self.kind = kind
            self.model = model
        }
    }

    public var version: String
    public var createdAt: String
    public var workbenchVersion: String
    public var gitRevision: String?
    /// The experiment it was made with, relative to the folder holding `Baselines/` when it
    /// lies inside it: `regress` reads the current version of that file by default.
    public var experiment: String
    public var experimentSHA256: String
    public var promptsSHA256: String
    /// Task → provider chain the suite was written with: `regress` writes with the same.
    public var routes: [String: [String]]
    public var providers: [Provider]
    public var samples: Int
    public var runID: String
    public var seconds: Double
    public var costUSD: Double

    public init(version: String, createdAt: String, workbenchVersion: String, gitRevision: String?, experiment: String, experimentSHA256: String,
                promptsSHA256: String, routes: [String: [String]], providers: [Provider], samples: Int, runID: String, seconds: Double, costUSD: Double) {
        self.version = version
        self.createdAt = createdAt
        self.workbenchVersion = workbenchVersion
        self.gitRevision = gitRevision
        self.experiment = experiment
        self.experimentSHA256 = experimentSHA256
        self.promptsSHA256 = promptsSHA256
        self.routes = routes
        self.providers = providers
        self.samples = samples
        self.runID = runID
        self.seconds = seconds
        self.costUSD = costUSD
    }

    enum CodingKeys: String, CodingKey {
        case version, experiment, routes, providers, samples, seconds
        case createdAt = "created_at", workbenchVersion = "workbench_version", gitRevision = "git_revision"
        case experimentSHA256 = "experiment_sha256", promptsSHA256 = "prompts_sha256", runID = "run_id", costUSD = "cost_usd"
    }

    /// "local (llama.cpp SmolLM2-135M-Instruct)" for the generate route's first provider.
    public var writer: String {
        guard let first = providers.first(where: { $0.task == "generate" }) ?? providers.first else { return "?" }
        return "\(first.name) (\(first.kind) \(first.model))"
    }
}
