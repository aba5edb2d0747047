import ArgumentParser
import Engine
import Experiments
import Foundation
import Style
import LLM
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct Regress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-run the standard suite against a frozen baseline; exit 1 when quality dropped.",
            discussion: """
                Writes every chapter of the baseline's suite again with the current prompts and \
                experiment (the baseline's providers and seeds unless overridden), scores it as \
                the baseline was scored, and compares chapter by chapter. It fails when a gated \
                metric (default: the composite `quality`, and `outline_adherence` where the \
                baseline scores it) of any chapter has dropped by more than --threshold points \
                with probability at least 1 − alpha', or the suite mean of `quality` drops \
                significantly (paired t over chapters) by --suite-threshold or more. alpha' is \
                --alpha split evenly over the gated metrics and the suite-mean test. Each \
                chapter's change is judged against the noise pooled over the suite and, by \
                partial pooling, with what the other chapters show (--per-chapter: on its own \
                samples only); the report says which drops are within noise.

                Continuity: each suite book's chapters of one sample are checked as one book \
                (the baseline's stored texts and the new ones, over the samples both have), and \
                each violation counts against the chapter that contradicts an earlier one. The \
                run fails when the new major violations — over chapters, how many more major \
                violations a chapter has now than in the baseline — are more than \
                --continuity-threshold (default 0: any new major violation fails); the report \
                names the chapters and quotes each new violation.

                Exit codes: 0 pass, 1 regression or new continuity violations found, 2 usage \
                error, 65 bad baseline or \
                configuration (the file is named), 75 provider unavailable. A missing or \
                corrupt baseline never passes.
                """
        )

        @OptionGroup var workspace: WorkspaceOptions

        @Option(help: ArgumentHelp("The baseline version (a folder under --baselines), or a baseline folder's path.", valueName: "version"))
        var baseline: String

        @Option(help: ArgumentHelp("The folder of baselines.", valueName: "dir"))
        var baselines: String = "Baselines"

        @Option(help: ArgumentHelp("The prompt-template folder to test (default: the experiment's).", valueName: "dir"))
        var prompts: String?

        @Option(help: ArgumentHelp("The current experiment (default: the file the baseline was made from, as it is now).", valueName: "file"))
        var experiment: String?

        @OptionGroup var model: ModelOptions

        @Option(help: "Points a gated metric of a chapter may drop before the run fails.")
        var threshold: Double = 0.5

        @Option(name: .customLong("suite-threshold"), help: "Points the suite mean must drop, significantly, to fail.")
        var suiteThreshold: Double = 0.2

        @Option(help: "Samples per chapter (default: as many as the baseline has).")
        var samples: Int?

        @Option(help: ArgumentHelp("Metrics that gate, comma-separated: quality (the composite) and metric names, each on its 0–10 score (default: quality,outline_adherence; the latter where the baseline scores it).", valueName: "m1,m2"))
        var metrics: String?

        @Option(help: "The run's false-alarm budget, split over the gated metrics and the suite-mean test.")
        var alpha: Double = 0.05

        @Flag(name: .customLong("per-chapter"), help: "Judge each chapter on its own samples only (no partial pooling over the suite).")
        var perChapter = false

        @Option(name: .customLong("continuity-threshold"), help: ArgumentHelp("New major continuity violations the run tolerates, summed over chapters (0: any fails it).", valueName: "n"))
        var continuityThreshold: Int = 0

        @OptionGroup var outputs: RegressionOutputs

        func validate() throws {
            guard threshold >= 0, threshold.isFinite else { throw ValidationError("--threshold must be a number ≥ 0") }
            guard suiteThreshold >= 0, suiteThreshold.isFinite else { throw ValidationError("--suite-threshold must be a number ≥ 0") }
            if let samples, samples < 1 { throw ValidationError("--samples must be at least 1") }
            guard alpha > 0, alpha < 0.5 else { throw ValidationError("--alpha must be in (0, 0.5)") }
            guard continuityThreshold >= 0 else { throw ValidationError("--continuity-threshold must be a count ≥ 0") }
            if let metrics { guard !RegressionOutputs.metricList(metrics).isEmpty else { throw ValidationError("--metrics names no metric") } }
            try outputs.report.checkHTML(available: false, command: "regress")
        }

        func run() async throws {
            let request = RegressionRequest(baseline: baseline, baselinesFolder: baselines, experiment: experiment, prompts: prompts, samples: samples,
                                            threshold: threshold, suiteThreshold: suiteThreshold, metrics: metrics.map(RegressionOutputs.metricList), alpha: alpha,
                                            perChapter: perChapter, continuityThreshold: continuityThreshold)
            let regression = try RegressionRun(request) { model.apply(to: &$0) }
            if let note = regression.baseline.rescoredFrom {
                Console.error("note: baseline \(regression.baseline.version) was scored by \(note); its texts were re-scored with this build's scorer")
            }
            let database = try workspace.open()
            let progress = RegressionOutputs.progress(kind: .regress, total: regression.baseline.suite.chapters.count * regression.samples)
            let outcome = try await Workbench.Generate.withRouter(config: regression.config, database: database, needs: regression.config.tasks(planning: false)) { router in
                try await regression.run(database: database, route: router.route, gitRevision: GitRevision.current(), progress: progress)
            }
            try outputs.deliver(outcome.result, seconds: outcome.seconds, reportName: "regress-\(outcome.runID)", workspace: workspace)
            Console.error(String(format: "regress: %d chapters × %d samples in %.1f s, $%.4f", regression.baseline.suite.chapters.count, regression.samples,
                                 outcome.seconds, outcome.costUSD))
            if !outcome.result.passed { throw ExitCode(ExitStatus.checkFailed.rawValue) }
        }
    }
}

/// The report outputs of `regress` and `baseline diff` (the shared ones and JUnit XML), and
/// the steps both commands share.
struct RegressionOutputs: ParsableArguments {
    @OptionGroup var report: ReportOutputs

    @Option(help: ArgumentHelp("Also write JUnit XML here (one test case per chapter and gated metric).", valueName: "path"))
    var junit: String?

    /// Prints the table (or the JSON); writes each file asked for, and Reports/<name>.{md,json,xml} when named.
    func deliver(_ result: RegressionResult, seconds: Double, reportName: String?, workspace: WorkspaceOptions) throws {
        try report.deliver(.init(
            terminal: { RegressionReport.render(result, as: .terminal, style: Console.style) },
            json: { RegressionReport.render(result, as: .json, seconds: seconds) },
            markdown: { RegressionReport.render(result, as: .markdown, seconds: seconds) }, html: nil,
            extra: [("xml", junit, { RegressionReport.render(result, as: .junit, seconds: seconds) })]), stem: reportName, workspace: workspace)
    }

    static func metricList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The metrics asked for as a comma-separated list, checked against the baseline.
    static func gatedMetrics(_ asked: String?, in baseline: Baseline) throws -> [String] {
        try RegressionRun.gatedMetrics(asked.map(metricList), in: baseline)
    }

    /// Writes the suite through the engine with progress on stderr, stopping any server the providers started.
    static func write(suite: RegressionSuite, samples: Int, config: ExperimentConfig, prompts: PromptSet, database: WorkbenchDatabase,
                      kind: RunKind, fileFor: @escaping @Sendable (String, Int) -> String = { _, _ in "" }) async throws -> SuiteWriter.Output {
        try await Workbench.Generate.withRouter(config: config, database: database, needs: config.tasks(planning: false)) { router in
            let writer = SuiteWriter(suite: suite, samples: samples, config: config, prompts: prompts, database: database, route: router.route)
            return try await writer.run(kind: kind, gitRevision: GitRevision.current(), fileFor: fileFor, progress: progress(kind: kind, total: suite.chapters.count * samples))
        }
    }

    /// Each written sample as a line on stderr, counted against `total`.
    static func progress(kind: RunKind, total: Int) -> @Sendable (SuiteWriter.Progress) -> Void {
        let counter = SynchronizedCounter()
        return { event in
            switch event {
            case .started(let run, let chapters, let samples):
                Console.error("\(kind.rawValue) run \(run): \(chapters) chapters × \(samples) sample\(samples == 1 ? "" : "s")")
            case .sample(let chapter, let sample, let quality, let words):
                Console.error(String(format: "[%d/%d] %@ #%d: quality %.2f, %d words", counter.next(), total, chapter, sample + 1, quality, words))
            }
        }
    }
}

/// A count shared by concurrent progress callbacks.
final class SynchronizedCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
