import ArgumentParser
import Engine
import Experiments
import Foundation
import Reports
import Stats
import Store
import WorkbenchCore
import Yams

extension Workbench {
    struct ABTest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "abtest",
            abstract: "Compare prompt variants with a paired A/B test through the engine.",
            discussion: """
                Every arm writes sample i from the same outline chapter with the same seed, so \
                the outline's difficulty cancels out of each pair. Each sample's metrics are \
                stored as it finishes: `abtest resume ID` continues a stopped test, reusing what \
                was paid for. Reports: a terminal table, and HTML (distribution per arm, \
                paired differences), Markdown and JSON in Reports/abtest-<id>.*.
                """,
            subcommands: [Run.self, List.self, Show.self, Resume.self],
            defaultSubcommand: Run.self
        )
    }
}

extension MultipleComparisons.Method: ExpressibleByArgument {}
extension GroupSequential.Spending: ExpressibleByArgument {}

/// Runs an A/B test (new or resumed) and delivers its result, for `abtest` and `abtest resume`.
enum ABTestExecution {
    /// Routes the experiment's tasks, makes the test, runs it with progress on stderr,
    /// delivers the result, and stops any server the providers started.
    static func execute(config: ExperimentConfig, database: WorkbenchDatabase, workspace: WorkspaceOptions, outputs: ReportOutputs,
                        _ make: (@escaping BookGenerator.Router) throws -> EngineABTest) async throws {
        let result = try await Workbench.Generate.withRouter(config: config, database: database, needs: config.tasks(planning: false)) { router in
            let test = try make(router.route)
            return try await test.run(progress: progress(total: test.design.samples))
        }
        try outputs.deliver(renderings(result), stem: "abtest-\(result.id)", workspace: workspace)
    }

    static func renderings(_ result: ABTestResult) -> ReportOutputs.Renderings {
        .init(terminal: { ABTestReport.render(result, as: .terminal, style: Console.style) }, json: { ABTestReport.render(result, as: .json) },
              markdown: { ABTestReport.render(result, as: .markdown) }, html: { ABTestReport.render(result, as: .html) })
    }

    /// Progress on stderr, one line per sample and look (stdout keeps only the result).
    static func progress(total: Int) -> @Sendable (ABTestRunner.Progress) -> Void {
        { event in
            switch event {
            case .sample(let sample):
                if sample.status == .done {
                    Console.error(String(format: "sample %d/%d %@: quality %.2f, $%.4f", sample.sample, total, sample.arm, sample.metrics["quality"] ?? .nan, sample.costUSD))
                } else {
                    Console.error("sample \(sample.sample)/\(total) \(sample.arm) failed: \(sample.error ?? "")")
                }
            case .look(let pairs, let traces):
                for trace in traces {
                    if let look = trace.looks.last {
                        Console.error(String(format: "look at %d pairs, %@: %+.3f (p=%.4g, needs ≤ %.4g): %@", pairs, trace.variant, look.estimate, look.pValue, look.nominalLevel, trace.decision))
                    }
                }
            case .stopped(let stop, let pairs):
                Console.error("stopped (\(stop.rawValue)) with \(pairs) complete pairs")
            }
        }
    }
}

extension Workbench.ABTest {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a new A/B test (the default subcommand).",
            discussion: """
                Statistics per metric and variant: means, the paired difference with its \
                (1 − alpha) interval, paired t and Wilcoxon p-values, d_z with its interval, power \
                at the observed effect, the minimum detectable effect, and p-values corrected \
                across variants × metrics. With --sequential the primary (first) metric is \
                looked at after every batch against O'Brien–Fleming (or Pocock) alpha-spending \
                boundaries: it stops for a clear winner, for futility, or at --max-cost, with \
                the false-positive rate kept at alpha however often it looks.
                """
        )

        @OptionGroup var workspace: WorkspaceOptions

        @Option(help: ArgumentHelp("The experiment configuration (YAML): routes, targets, enhancement, judges.", valueName: "file"))
        var experiment: String

        @Option(help: ArgumentHelp("The control arm's prompt-template folder.", valueName: "dir"))
        var control: String

        @Option(help: ArgumentHelp("A variant's prompt-template folder (repeat for several).", valueName: "dir"))
        var variant: [String] = []

        @Option(help: "Pairs to write (in sequential mode, the most it will write).")
        var samples: Int = 20

        @Option(help: ArgumentHelp("The metric to compare (quality, a metric name, or judge.<dimension>).", valueName: "name"))
        var metric: String?

        @Option(help: ArgumentHelp("Metrics to compare, comma-separated; the first is primary.", valueName: "m1,m2"))
        var metrics: String?

        @Option(help: ArgumentHelp("An outline (YAML or JSON) whose chapters the samples write in turn; default: the built-in standard outline.", valueName: "file"))
        var outlines: String?

        @Option(help: ArgumentHelp("A baseline version (or its folder) whose suite chapters the samples write in turn, each to its own targets.", valueName: "version"))
        var suite: String?

        @Option(help: ArgumentHelp("The folder of baselines, for --suite.", valueName: "dir"))
        var baselines: String = "Baselines"

        @Flag(help: "Look after every batch and stop early for a winner or for futility.")
        var sequential = false

        @Option(name: .customLong("max-cost"), help: ArgumentHelp("Stop before the test's cost would pass this many USD.", valueName: "usd"))
        var maxCost: Double?

        @Option(help: "The false-positive rate.")
        var alpha: Double = 0.05

        @Option(help: "The power the sample-size guard and the MDE are figured at.")
        var power: Double = 0.8

        @Option(help: ArgumentHelp("The smallest difference worth detecting on the primary metric: the guard says how many pairs it needs.", valueName: "x"))
        var mde: Double?

        @Option(help: "Multiple-comparison correction across variants × metrics: holm (family-wise), bh or by (false discovery rate).")
        var correction: MultipleComparisons.Method = .holm

        @Option(help: "Sequential alpha spending: obrien-fleming or pocock.")
        var spending: GroupSequential.Spending = .obrienFleming

        @Option(name: .customLong("first-look"), help: "Sequential: pairs before the first look.")
        var firstLook: Int = 5

        @Option(help: "Pairs written at once (and between sequential looks); default: the experiment's concurrency.")
        var batch: Int?

        @Option(name: .customLong("control-plugins"), help: ArgumentHelp("The experiment's plugins that act in the control, comma-separated, or `none` (default: all); the others only measure (their analyze hook).", valueName: "p1,p2"))
        var controlPlugins: String?

        @Option(name: .customLong("variant-plugins"), help: ArgumentHelp("The experiment's plugins that act in a variant, or `none` (default: all); once for every variant, or once per --variant in order.", valueName: "p1,p2"))
        var variantPlugins: [String] = []

        @OptionGroup var model: ModelOptions

        @OptionGroup var outputs: ReportOutputs

        func validate() throws {
            guard !variant.isEmpty else { throw ValidationError("give at least one --variant DIR") }
            guard variantPlugins.count <= 1 || variantPlugins.count == variant.count else {
                throw ValidationError("give --variant-plugins once for every variant, or once per --variant (\(variant.count)), not \(variantPlugins.count) times")
            }
            guard metric == nil || metrics == nil else { throw ValidationError("give --metric NAME or --metrics m1,m2, not both") }
            guard outlines == nil || suite == nil else { throw ValidationError("give --outlines FILE or --suite VERSION, not both") }
            guard samples >= 2 else { throw ValidationError("--samples must be at least 2 (got \(samples))") }
            if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
        }

        func run() async throws {
            var config = try ExperimentConfig.load(file: experiment)
            model.apply(to: &config)
            let plugins = [controlPlugins.map(Self.pluginList)] + variant.indices.map { index in
                (variantPlugins.count == 1 ? variantPlugins.first : variantPlugins.indices.contains(index) ? variantPlugins[index] : nil).map(Self.pluginList)
            }
            let names = Self.armNames([control] + variant, plugins: plugins)
            let arms = try zip(names, zip([control] + variant, plugins)).map { name, arm in
                ABTestDesign.Arm(name: name, prompts: arm.0, promptsHash: try PromptSet.fingerprint(folder: arm.0), plugins: arm.1)
            }
            let metricList = metrics.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [metric ?? "quality"]
            let design = ABTestDesign(
                name: config.name, experimentFile: experiment, arms: arms, samples: samples, metrics: metricList, alpha: alpha, power: power,
                minimumEffect: mde, correction: correction, sequential: sequential, spending: spending, firstLook: min(firstLook, samples),
                batch: batch ?? config.concurrency, maxCostUSD: maxCost, outlineFile: outlines ?? suite.map { "suite " + $0 }, seed: config.seed)
            let outline = try outlines.map(Workbench.Generate.readOutline) ?? StandardOutline.outline(wordsPerChapter: config.wordsPerChapter)
            let chapters = try suite.map { try Baseline.suite(of: $0, root: baselines) }
            let database = try workspace.open()
            try await ABTestExecution.execute(config: config, database: database, workspace: workspace, outputs: outputs) { router in
                let test = try EngineABTest.start(design: design, config: config, outline: outline, suite: chapters, database: database, route: router, gitRevision: GitRevision.current())
                Console.error("A/B test \(test.runID): \(names.joined(separator: " vs ")), \(samples) pairs\(sequential ? " at most" : "")")
                return test
            }
        }

        /// `none` → no plugin; else the names listed.
        static func pluginList(_ text: String) -> [String] {
            let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return names == ["none"] ? [] : names
        }

        /// Arms are named after their folders, with the plugins they were given (`v1+romance`,
        /// `v1+no-plugins`); names that still repeat become control, variant-1, ….
        static func armNames(_ folders: [String], plugins: [[String]?] = []) -> [String] {
            let names = folders.enumerated().map { index, folder in
                let base = URL(fileURLWithPath: folder).standardized.lastPathComponent
                guard plugins.indices.contains(index), let list = plugins[index] else { return base }
                return base + (list.isEmpty ? "+no-plugins" : list.map { "+" + $0 }.joined())
            }
            if Set(names).count == names.count { return names }
            return ["control"] + (1..<folders.count).map { folders.count == 2 ? "variant" : "variant-\($0)" }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Continue a stopped A/B test: failed samples are retried, paid calls come from the cache.")

        @OptionGroup var workspace: WorkspaceOptions

        @Argument(help: ArgumentHelp("The test's run id, or a unique prefix.", valueName: "id"))
        var id: String

        @Option(name: .customLong("max-cost"), help: ArgumentHelp("A new cost cap in USD (to go on past the old one).", valueName: "usd"))
        var maxCost: Double?

        @OptionGroup var model: ModelOptions

        @OptionGroup var outputs: ReportOutputs

        func validate() throws { try model.refuseSeedOnResume() }

        func run() async throws {
            let database = try workspace.open()
            let record = try database.run(matching: id)
            let design = try EngineABTest.result(of: record.id.rawValue, database: database).design
            var config = try ExperimentConfig.load(file: design.experimentFile)
            model.apply(to: &config)
            try await ABTestExecution.execute(config: config, database: database, workspace: workspace, outputs: outputs) { router in
                try EngineABTest.resume(record.id, database: database, route: router, maxCostUSD: maxCost)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the A/B tests in the workspace, newest first.")

        @OptionGroup var workspace: WorkspaceOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            let database = try workspace.openForReading()
            let results = try database.runs(kind: .abtest).map { run in (run, try? EngineABTest.result(of: run.id.rawValue, database: database)) }
            if json {
                let rows: [[String: Any]] = results.map { run, result in
                    ["id": run.id.rawValue, "status": run.status.rawValue, "started_at": CivilTime(secondsSince1970: run.startedAt.timeIntervalSince1970).iso8601,
                     "name": result?.name ?? NSNull(), "arms": result?.design.arms.map(\.name) ?? [], "stop": result?.stop.rawValue ?? NSNull(),
                     "verdicts": result?.verdicts ?? [], "cost_usd": result?.totalCostUSD ?? 0]
                }
                return try Console.output(JSONOutput.render(rows))
            }
            var table = TextTable(columns: [.init("id"), .init("status"), .init("arms"), .init("pairs", .right), .init("cost", .right), .init("primary verdict")])
            for (run, result) in results {
                table.append([run.id.rawValue, run.status.rawValue, result?.design.arms.map(\.name).joined(separator: " vs ") ?? "?",
                              result.map { "\($0.comparisons.map(\.pairs).min() ?? 0)/\($0.design.samples)" } ?? "?",
                              String(format: "$%.4f", result?.totalCostUSD ?? 0), result?.comparisons.first.map { "\($0.metric): \($0.verdict)" } ?? "unreadable"])
            }
            Console.output(results.isEmpty ? "no A/B tests yet: `workbench abtest --help`\n" : table.render())
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one A/B test's result (recomputed from its stored samples).")

        @OptionGroup var workspace: WorkspaceOptions

        @Argument(help: ArgumentHelp("The test's run id, or a unique prefix.", valueName: "id"))
        var id: String

        @Option(help: "terminal, markdown, html or json.")
        var format: ReportFormat = .terminal

        @Option(help: ArgumentHelp("Write to this file instead of stdout.", valueName: "path"))
        var out: String?

        func run() throws {
            let result = try EngineABTest.result(of: id, database: try workspace.open())
            let format = self.format.as(ABTestReport.Format.self)
            try Console.deliver(ABTestReport.render(result, as: format, style: out == nil ? Console.style : .plain), to: out)
        }
    }
}
