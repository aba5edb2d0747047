import Engine
import Foundation
import Store
import WorkbenchCore

/// What a regress asks: the baseline and the gate's settings, as `workbench regress` takes
/// them on its command line and `POST /api/regress` in its body. Stored as a queue job's
/// source, so its keys are fixed (snake case).
public struct RegressionRequest: Sendable, Equatable, Codable {
    /// A version under `baselinesFolder`, or a baseline folder's path.
    public var baseline: String
    public var baselinesFolder: String
    /// The current experiment; nil: the file the baseline was made from, as it is now.
    public var experiment: String?
    /// The prompt-template folder to test instead of the experiment's.
    public var prompts: String?
    /// Samples per chapter; nil: as many as the baseline has.
    public var samples: Int?
    public var threshold: Double
    public var suiteThreshold: Double
    /// The gated metrics; nil: `RegressionAnalysis.defaultMetrics` the baseline scores.
    public var metrics: [String]?
    public var alpha: Double
    public var perChapter: Bool
    public var continuityThreshold: Int

    public init(baseline: String, baselinesFolder: String, experiment: String? = nil, prompts: String? = nil, samples: Int? = nil, threshold: Double = 0.5,
                suiteThreshold: Double = 0.2, metrics: [String]? = nil, alpha: Double = 0.05, perChapter: Bool = false, continuityThreshold: Int = 0) {
        self.baseline = baseline
        self.baselinesFolder = baselinesFolder
        self.experiment = experiment
        self.prompts = prompts
        self.samples = samples
        self.threshold = threshold
        self.suiteThreshold = suiteThreshold
        self.metrics = metrics
        self.alpha = alpha
        self.perChapter = perChapter
        self.continuityThreshold = continuityThreshold
    }

    enum CodingKeys: String, CodingKey {
        case baseline, experiment, prompts, samples, threshold, metrics, alpha
        case baselinesFolder = "baselines_folder", suiteThreshold = "suite_threshold", perChapter = "per_chapter", continuityThreshold = "continuity_threshold"
    }
}

/// One regress prepared: the baseline loaded and checked, the gate's options, the current
/// experiment with the baseline's providers (so the comparison is of prompts and
/// configuration alone) and the prompts to test. `run` writes the suite again, compares and
/// stores the verdict; the CLI and the queue (`POST /api/regress`) both go through it.
public struct RegressionRun: Sendable {
    public let request: RegressionRequest
    public let baseline: Baseline
    public let options: RegressionResult.Options
    public let config: ExperimentConfig
    public let prompts: PromptSet

    /// `adjust` changes the experiment before the routes are settled (the CLI's `--provider`,
    /// `--providers`, `--seed`); without a provider override the baseline's routes are used.
    public init(_ request: RegressionRequest, adjust: (inout ExperimentConfig) -> Void = { _ in }) throws {
        let baseline = try Baseline.load(version: request.baseline, root: request.baselinesFolder)
        self.request = request
        self.baseline = baseline
        options = RegressionResult.Options(threshold: request.threshold, metrics: try Self.gatedMetrics(request.metrics, in: baseline), alpha: request.alpha,
                                           suiteThreshold: request.suiteThreshold, partialPooling: !request.perChapter)
        var config = try ExperimentConfig.load(file: try request.experiment ?? Self.experimentPath(of: baseline, root: request.baselinesFolder))
        if let prompts = request.prompts {
            config.promptsFolder = prompts
            config.promptVersion = URL(fileURLWithPath: prompts).lastPathComponent
        }
        adjust(&config)
        if config.providerOverride == nil {
            for (name, chain) in baseline.provenance.routes {
                if let task = LLMTask(rawValue: name) { config.routes[task] = chain }
            }
        }
        self.config = config
        prompts = try PromptSet.load(folder: config.promptsFolder)
    }

    public var samples: Int { request.samples ?? baseline.scores.samplesPerChapter }

    /// What the run found.
    public struct Outcome: Sendable {
        public var result: RegressionResult
        public var runID: RunID
        public var seconds: Double
        public var costUSD: Double
    }

    /// Writes the suite through `route`, compares it with the baseline chapter by chapter and
    /// its continuity book by book, and stores the verdict (with the report) on the run.
    public func run(database: WorkbenchDatabase, route: @escaping BookGenerator.Router, gitRevision: String?,
                    progress: @escaping @Sendable (SuiteWriter.Progress) -> Void = { _ in }) async throws -> Outcome {
        let contexts = Dictionary(uniqueKeysWithValues: baseline.scores.chapters.map { ($0.id, $0.context) })
        let writer = SuiteWriter(suite: baseline.suite, samples: samples, config: config, prompts: prompts, database: database, route: route)
        let output = try await writer.run(kind: .regress, gitRevision: gitRevision, contexts: contexts, style: baseline.style, progress: progress)
        var result = RegressionAnalysis.compare(baseline: baseline.scores, current: output.scores, options: options,
                                                baselineLabel: "baseline \(baseline.version)", currentLabel: "now (\(prompts.version))")
        result.continuity = ContinuityGate.compare(suite: baseline.suite, baseline: baseline.texts, current: output.texts, threshold: request.continuityThreshold)
        try RegressionVerdict.record(result, baseline: baseline.version, costUSD: output.scores.totalCostUSD, run: output.runID,
                                     report: RegressionReport.render(result, as: .json, seconds: output.seconds), in: database)
        return Outcome(result: result, runID: output.runID, seconds: output.seconds, costUSD: output.scores.totalCostUSD)
    }

    /// The metrics asked for (each must be scored in the baseline, else nothing could ever
    /// fail on it), or by default those of `RegressionAnalysis.defaultMetrics` the baseline scores.
    public static func gatedMetrics(_ asked: [String]?, in baseline: Baseline) throws -> [String] {
        let known = Set(baseline.scores.chapters.flatMap(\.metrics.keys))
        guard let asked else { return RegressionAnalysis.defaultMetrics.filter(known.contains) }
        guard !asked.isEmpty else { throw BaselineError.metricNotScored(metric: "", version: baseline.version, scored: known.sorted()) }
        for metric in asked where !known.contains(metric) {
            throw BaselineError.metricNotScored(metric: metric, version: baseline.version, scored: known.sorted())
        }
        return asked
    }

    /// The experiment a baseline was made from, as it is now: recorded relative to the folder
    /// holding the baselines folder (the repository), or absolute.
    public static func experimentPath(of baseline: Baseline, root: String) throws -> String {
        let recorded = baseline.provenance.experiment
        let path = recorded.hasPrefix("/") ? recorded : (repositoryRoot(baselines: root) as NSString).appendingPathComponent(recorded)
        guard FileManager.default.fileExists(atPath: path) else { throw BaselineError.experimentMissing(path: path) }
        return path
    }

    /// The folder holding the baselines folder, absolute.
    public static func repositoryRoot(baselines: String) -> String {
        let absolute = URL(fileURLWithPath: baselines, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)).standardized
        return absolute.deletingLastPathComponent().path
    }
}
