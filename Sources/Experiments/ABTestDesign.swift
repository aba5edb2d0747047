import Foundation
import Quality
import Stats
import WorkbenchCore

/// What an A/B test compares and how: stored as its run's configuration, so `abtest show`
/// and `abtest resume` read back exactly what was planned.
public struct ABTestDesign: Codable, Sendable, Equatable {
    public struct Arm: Codable, Sendable, Equatable {
        public var name: String
        /// The prompt-template folder this arm writes with.
        public var prompts: String
        /// SHA-256 over the folder's templates: a resumed test refuses edited prompts.
        public var promptsHash: String
        /// The experiment's plugins this arm runs, by name; nil for all of them, empty for none.
        public var plugins: [String]?

        public init(name: String, prompts: String, promptsHash: String, plugins: [String]? = nil) {
            self.name = name
            self.prompts = prompts
            self.promptsHash = promptsHash
            self.plugins = plugins
        }

        enum CodingKeys: String, CodingKey { case name, prompts, promptsHash = "prompts_hash", plugins }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            prompts = try container.decode(String.self, forKey: .prompts)
            promptsHash = try container.decode(String.self, forKey: .promptsHash)
            plugins = try container.decodeIfPresent([String].self, forKey: .plugins)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(prompts, forKey: .prompts)
            try container.encode(promptsHash, forKey: .promptsHash)
            // Absent unless set, so designs stored before plugins existed read back unchanged.
            try container.encodeIfPresent(plugins, forKey: .plugins)
        }

        /// The arm's plugins among the experiment's (`all`, in call order).
        public func plugins<T>(of all: [T], name: (T) -> String) -> [T] {
            guard let plugins else { return all }
            return all.filter { plugins.contains(name($0)) }
        }
    }

    public var name: String
    public var experimentFile: String
    /// The control first, then each variant.
    public var arms: [Arm]
    /// Pairs planned; in sequential mode the most it will run.
    public var samples: Int
    /// Metrics compared; the first is primary (sequential stopping looks at it alone).
    public var metrics: [String]
    public var alpha: Double
    /// The power the sample-size guard asks for.
    public var power: Double
    /// The smallest difference worth detecting, in the primary metric's units (optional).
    public var minimumEffect: Double?
    public var correction: MultipleComparisons.Method
    public var sequential: Bool
    public var spending: GroupSequential.Spending
    /// Pairs before the first sequential look.
    public var firstLook: Int
    /// Pairs written between looks (and at once).
    public var batch: Int
    public var maxCostUSD: Double?
    /// The outline whose chapters are the samples' specs; nil for the embedded default.
    public var outlineFile: String?
    public var seed: UInt64

    public init(name: String, experimentFile: String, arms: [Arm], samples: Int, metrics: [String], alpha: Double = 0.05, power: Double = 0.8,
                minimumEffect: Double? = nil, correction: MultipleComparisons.Method = .holm, sequential: Bool = false,
                spending: GroupSequential.Spending = .obrienFleming, firstLook: Int = 5, batch: Int = 4, maxCostUSD: Double? = nil,
                outlineFile: String? = nil, seed: UInt64 = 1) {
        self.name = name
        self.experimentFile = experimentFile
        self.arms = arms
        self.samples = samples
        self.metrics = metrics
        self.alpha = alpha
        self.power = power
        self.minimumEffect = minimumEffect
        self.correction = correction
        self.sequential = sequential
        self.spending = spending
        self.firstLook = firstLook
        self.batch = batch
        self.maxCostUSD = maxCostUSD
        self.outlineFile = outlineFile
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case name, arms, samples, metrics, alpha, power, correction, sequential, spending, batch, seed
        case experimentFile = "experiment", minimumEffect = "minimum_effect", firstLook = "first_look", maxCostUSD = "max_cost_usd", outlineFile = "outline"
    }

    public var control: Arm { arms[0] }
    public var variants: ArraySlice<Arm> { arms.dropFirst() }
    public var primaryMetric: String { metrics[0] }

    /// The seed of sample i (1-based), the same in every arm: kept below 2⁶² so SQLite's
    /// signed integers and JSON numbers hold it exactly.
    public func seed(ofSample index: Int) -> UInt64 {
        (seed &+ UInt64(index) &* 1_000_003) & ((1 << 62) - 1)
    }

    /// The outline chapter sample i writes: the chapters in turn.
    public func chapterIndex(ofSample index: Int, chapters: Int) -> Int { (index - 1) % chapters }

    /// Metrics an A/B test can compare: the analyser's, the composite `quality`, and the
    /// judges' dimensions as `judge.<dimension>`.
    public static func knownMetrics(judgeDimensions: [String]) -> [String] {
        ["quality"] + MetricCatalog.entries.map(\.name) + judgeDimensions.map { "judge." + $0 }
    }

    /// Whether `metric` is a plugin's (`plugin.NAME.METRIC`) for one of `plugins`: its
    /// metric names are known only once it answers, so the name's form is what is checked.
    public static func isPluginMetric(_ metric: String, plugins: [String]) -> Bool {
        let parts = metric.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "plugin" && plugins.contains(String(parts[1])) && !parts[2].isEmpty
    }

    /// Whether a rise of the metric is an improvement (true), a worsening (false), or neither (nil).
    public static func higherIsBetter(_ metric: String) -> Bool? {
        switch metric {
        case "repetition", "cliche_density", "fluency": return false
        case "word_count", "dialogue_ratio", "readability", "readability_grade": return nil
        default: return true
        }
    }

    /// Checks what flags cannot: names, ranges and the arms' distinctness.
    /// `plugins` are the experiment's plugin names: their metrics may be compared, and an
    /// arm may name only them.
    public func validate(judgeDimensions: [String], plugins: [String] = []) throws {
        guard arms.count >= 2 else { throw ABTestError.invalidDesign(field: "--variant", problem: "an A/B test needs a control and at least one variant") }
        let names = arms.map(\.name)
        guard Set(names).count == names.count else {
            throw ABTestError.invalidDesign(field: "--variant", problem: "arm names repeat (\(names.joined(separator: ", "))): name each prompt folder differently")
        }
        guard samples >= 2 else { throw ABTestError.invalidDesign(field: "--samples", problem: "a paired test needs at least 2 samples, got \(samples)") }
        guard !metrics.isEmpty else { throw ABTestError.invalidDesign(field: "--metrics", problem: "no metric named") }
        let known = Self.knownMetrics(judgeDimensions: judgeDimensions)
        for metric in metrics where !known.contains(metric) && !Self.isPluginMetric(metric, plugins: plugins) {
            let pluginForm = plugins.isEmpty ? "" : ", or plugin.NAME.METRIC for a plugin of the experiment (\(plugins.joined(separator: ", ")))"
            throw ABTestError.invalidDesign(field: "--metrics", problem: "unknown metric `\(metric)`; known: \(known.joined(separator: ", "))\(pluginForm)")
        }
        for arm in arms {
            for plugin in arm.plugins ?? [] where !plugins.contains(plugin) {
                throw ABTestError.invalidDesign(field: "--\(arm == arms[0] ? "control" : "variant")-plugins",
                                                problem: "`\(plugin)` is not a plugin of the experiment (its plugins: \(plugins.isEmpty ? "none" : plugins.joined(separator: ", ")))")
            }
        }
        guard alpha > 0, alpha < 0.5 else { throw ABTestError.invalidDesign(field: "--alpha", problem: "alpha \(alpha) is not in (0, 0.5)") }
        guard power > 0, power < 1 else { throw ABTestError.invalidDesign(field: "--power", problem: "power \(power) is not in (0, 1)") }
        if let minimumEffect, !(minimumEffect > 0) { throw ABTestError.invalidDesign(field: "--mde", problem: "the minimum effect must be positive") }
        if let maxCostUSD, !(maxCostUSD > 0) { throw ABTestError.invalidDesign(field: "--max-cost", problem: "the cost cap must be positive") }
        guard batch >= 1 else { throw ABTestError.invalidDesign(field: "--batch", problem: "a batch holds at least one pair") }
        if sequential, !(2...samples).contains(firstLook) {
            throw ABTestError.invalidDesign(field: "--first-look", problem: "the first look must come after 2…\(samples) pairs, got \(firstLook)")
        }
    }
}

public enum ABTestError: WorkbenchError, Equatable {
    case invalidDesign(field: String, problem: String)
    case promptsChanged(arm: String, folder: String)
    case notAnABTest(runID: String, kind: String)
    case everySampleFailed(batch: String, error: String)
    case corruptRecord(runID: String, detail: String)
    case alreadyFinished(runID: String)

    public var message: String {
        switch self {
        case .invalidDesign(let field, let problem): return "\(field): \(problem)"
        case .promptsChanged(let arm, let folder): return "the prompts of arm \(arm) (\(folder)) changed since the test started"
        case .notAnABTest(let run, let kind): return "run \(run) is a \(kind) run, not an A/B test"
        case .everySampleFailed(let batch, let error): return "every sample of \(batch) failed; the last error: \(error)"
        case .corruptRecord(let run, let detail): return "the stored A/B test \(run) cannot be read: \(detail)"
        case .alreadyFinished(let run): return "A/B test \(run) already finished: there is nothing to resume"
        }
    }

    public var fix: String? {
        switch self {
        case .invalidDesign: return "see `workbench abtest --help`"
        case .promptsChanged: return "restore the folder, or start a new test: a resumed test must compare what it started with"
        case .notAnABTest: return "`workbench abtest list` shows the A/B tests"
        case .everySampleFailed: return "check the providers (`workbench doctor`), then `workbench abtest resume ID` retries what failed"
        case .corruptRecord: return "start the test again; the stored samples and chapters are kept"
        case .alreadyFinished(let run): return "`workbench abtest show \(run)` prints its result; start a new test to sample more"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidDesign: return .usage
        case .promptsChanged, .corruptRecord: return .dataError
        case .notAnABTest, .alreadyFinished: return .usage
        case .everySampleFailed: return .temporaryFailure
        }
    }
}
