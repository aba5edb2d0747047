import ArgumentParser
import Engine
import Experiments
import Foundation
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct Optimize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "optimize",
            abstract: "Search prompt instructions for a target metric, and confirm the winner on held-out chapters.",
            discussion: """
                The base prompts' {{instructions}} slot (Experiments/prompts/v1-open has one) is \
                filled with sets of instructions: each iteration proposes a pool by mutation over \
                an instruction library (add, remove, replace, crossover) and by rewrites an LLM \
                proposes from the scored history (the `optimize` route, else `generate`); a \
                surrogate (Bayesian linear regression over the candidates' instructions, refitted \
                after every evaluation) picks the one with the highest upper confidence bound, \
                which then writes the development suite (half the standard suite's chapters, the \
                same chapters and seeds for every candidate). It stops at --target, \
                --iterations or --budget; the winner (the simplest candidate within one \
                standard error of the top score, each of its instructions ablated) is then \
                A/B-tested against the base on the other half of the suite, chapters the \
                search never saw. Every \
                candidate, prediction, score and cost is stored; `optimize resume ID` continues \
                a stopped run. Reports: a terminal table, and HTML (the search plotted), \
                Markdown and JSON in Reports/optimize-<id>.*; each evaluated candidate's prompt \
                folder is in Reports/optimize-<id>/cNNN.
                """,
            subcommands: [Run.self, List.self, Show.self, Resume.self],
            defaultSubcommand: Run.self
        )
    }
}

/// Runs an optimisation (new or resumed) and delivers its result, for `optimize` and `optimize resume`.
enum OptimizeExecution {
    /// Routes the experiment's tasks (proposals go to `optimize`, else `generate`), makes the
    /// optimiser, runs it with progress on stderr, delivers the result.
    static func execute(config: ExperimentConfig, database: WorkbenchDatabase, workspace: WorkspaceOptions, outputs: ReportOutputs,
                        _ make: (@escaping BookGenerator.Router) throws -> PromptOptimizer) async throws {
        let needs = config.tasks(planning: false, optimizing: true)
        let result = try await Workbench.Generate.withRouter(config: config, database: database, needs: needs) { router in
            let optimizer = try make(router.route)
            Console.error("optimisation \(optimizer.runID): \(optimizer.design.targetMetric) from \(optimizer.design.basePrompts), up to \(optimizer.design.iterations) iterations")
            return try await optimizer.run(progress: Self.progress(metric: optimizer.design.targetMetric))
        }
        try outputs.deliver(.init(terminal: { OptimizeReport.render(result, as: .terminal, style: Console.style) }, json: { OptimizeReport.render(result, as: .json) },
                                  markdown: { OptimizeReport.render(result, as: .markdown) }, html: { OptimizeReport.render(result, as: .html) }),
                            stem: "optimize-\(result.id)", workspace: workspace)
    }

    static func progress(metric: String) -> @Sendable (PromptOptimizer.Progress) -> Void {
        { event in
            switch event {
            case .evaluated(let c, let best, let spent):
                let predicted = c.predicted.map { String(format: " (predicted %.2f ± %.2f)", $0, c.predictedSD ?? 0) } ?? ""
                Console.error(String(format: "c%03d %@, iteration %d: %@ %.2f ± %.2f%@; best %.2f; $%.4f spent", c.candidate, c.operator, c.iteration, metric,
                                     c.score ?? .nan, c.scoreSE ?? 0, predicted, best, spent))
            case .confirming(let abtest, let pairs):
                Console.error("confirming the winner on held-out chapters: A/B test \(abtest), \(pairs) pairs")
            case .stopped(let stop):
                Console.error("search stopped: \(stop.rawValue)")
            }
        }
    }
}

extension Workbench.Optimize {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a new optimisation (the default subcommand).")

        @OptionGroup var workspace: WorkspaceOptions

        @Option(help: ArgumentHelp("The experiment configuration (YAML): routes, targets, enhancement.", valueName: "file"))
        var experiment: String

        @Option(help: ArgumentHelp("The base prompt folder, with an {{instructions}} slot (default: the experiment's).", valueName: "dir"))
        var prompts: String?

        @Option(name: .customLong("target-metric"), help: ArgumentHelp("The metric to optimise: quality (the composite) or a metric name.", valueName: "name"))
        var targetMetric: String = "quality"

        @Option(help: ArgumentHelp("Stop once the best development score reaches this.", valueName: "x"))
        var target: Double?

        @Option(help: "Candidates to evaluate after the base.")
        var iterations: Int = 20

        @Option(help: ArgumentHelp("Stop before the total cost (search and confirmation) would pass this many USD.", valueName: "usd"))
        var budget: Double?

        @Option(help: "Samples of each development chapter per candidate.")
        var samples: Int = 4

        @Option(name: .customLong("confirm-samples"), help: "Samples of each held-out chapter in the confirming A/B test.")
        var confirmSamples: Int = 4

        @Option(help: "Mutations proposed per iteration (the surrogate picks one).")
        var pool: Int = 12

        @Option(name: .customLong("llm-proposals"), help: "Rewrites asked of the LLM per iteration, beside the mutations.")
        var llmProposals: Int = 1

        @Option(name: .customLong("max-instructions"), help: "The most instructions a candidate holds.")
        var maxInstructions: Int = 6

        @Option(help: "κ of the surrogate's upper confidence bound (mean + κ·sd): higher explores more.")
        var exploration: Double = 1.0

        @Option(help: "The confirmation's significance level.")
        var alpha: Double = 0.05

        @Option(help: ArgumentHelp("An instruction library (YAML: instructions: [{id, text, aims}]) instead of the built-in one.", valueName: "file"))
        var library: String?

        @Option(help: ArgumentHelp("A baseline version (or its folder) whose suite is split into development and held-out chapters; default: the standard suite.", valueName: "version"))
        var suite: String?

        @Option(help: ArgumentHelp("The folder of baselines, for --suite.", valueName: "dir"))
        var baselines: String = "Baselines"

        @OptionGroup var model: ModelOptions

        @OptionGroup var outputs: ReportOutputs

        func run() async throws {
            var config = try ExperimentConfig.load(file: experiment)
            model.apply(to: &config)
            let base = prompts ?? config.promptsFolder
            try PromptCandidate.checkSlot(base: base)
            let standard = try suite.map { try Baseline.suite(of: $0, root: baselines) } ?? StandardSuite.suite
            let (development, heldOut) = OptimizeDesign.split(standard)
            let design = OptimizeDesign(
                experimentFile: experiment, basePrompts: base, basePromptsHash: try PromptSet.fingerprint(folder: base), targetMetric: targetMetric,
                target: target, iterations: iterations, budgetUSD: budget, samples: samples, confirmSamples: confirmSamples, pool: pool,
                llmProposals: llmProposals, maxInstructions: maxInstructions, exploration: exploration, alpha: alpha, seed: config.seed,
                library: try library.map(InstructionLibrary.load(file:)) ?? .standard, development: development, heldOut: heldOut,
                candidatesRoot: workspace.reportsFolder())
            let database = try workspace.open()
            try await OptimizeExecution.execute(config: config, database: database, workspace: workspace, outputs: outputs) { router in
                try PromptOptimizer.start(design: design, config: config, database: database, route: router, gitRevision: GitRevision.current())
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Continue a stopped optimisation, or take a finished one further with more iterations or budget.")

        @OptionGroup var workspace: WorkspaceOptions

        @Argument(help: ArgumentHelp("The optimisation's run id, or a unique prefix.", valueName: "id"))
        var id: String

        @Option(help: "A new iteration count (to go on past the old one).")
        var iterations: Int?

        @Option(help: ArgumentHelp("A new budget in USD (to go on past the old one).", valueName: "usd"))
        var budget: Double?

        @OptionGroup var model: ModelOptions

        @OptionGroup var outputs: ReportOutputs

        func validate() throws { try model.refuseSeedOnResume() }

        func run() async throws {
            let database = try workspace.open()
            let record = try database.run(matching: id)
            var config = try ExperimentConfig.load(file: try PromptOptimizer.design(of: record.id.rawValue, database: database).experimentFile)
            model.apply(to: &config)
            try await OptimizeExecution.execute(config: config, database: database, workspace: workspace, outputs: outputs) { router in
                try PromptOptimizer.resume(record.id.rawValue, database: database, route: router, iterations: iterations, budgetUSD: budget)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the optimisations in the workspace, newest first.")

        @OptionGroup var workspace: WorkspaceOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func score(_ candidate: OptimizeResult.Candidate?) -> String { candidate?.score.map { String(format: "%.2f", $0) } ?? "—" }

        func run() throws {
            let database = try workspace.open()
            let results = try database.runs(kind: .optimize).map { run in (run, try? PromptOptimizer.result(of: run.id.rawValue, database: database)) }
            if json {
                let rows: [[String: Any]] = results.map { run, result in
                    ["id": run.id.rawValue, "status": run.status.rawValue, "started_at": CivilTime(secondsSince1970: run.startedAt.timeIntervalSince1970).iso8601,
                     "target_metric": result?.targetMetric ?? NSNull(), "evaluated": result?.evaluated ?? 0, "stop": result?.stop.rawValue ?? NSNull(),
                     "base": result?.base?.score ?? NSNull(), "best": result?.best?.score ?? NSNull(),
                     "confirmed": result?.confirmation?.confirmed ?? NSNull(), "cost_usd": result?.costUSD ?? 0]
                }
                return try Console.output(JSONOutput.render(rows))
            }
            var table = TextTable(columns: [.init("id"), .init("status"), .init("metric"), .init("evaluated", .right), .init("base", .right), .init("best", .right),
                                            .init("held out"), .init("cost", .right), .init("stop")])
            for (run, result) in results {
                let held = result?.confirmation.map { $0.confirmed ? "confirmed" : "not confirmed" } ?? "—"
                table.append([run.id.rawValue, run.status.rawValue, result?.targetMetric ?? "?", result.map { "\($0.evaluated)/\($0.iterations)" } ?? "?",
                              score(result?.base), score(result?.best), held,
                              String(format: "$%.4f", result?.costUSD ?? 0), result?.stop.rawValue ?? "unreadable"])
            }
            Console.output(results.isEmpty ? "no optimisations yet: `workbench optimize --help`\n" : table.render())
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one optimisation: every candidate, the winner and its confirmation.")

        @OptionGroup var workspace: WorkspaceOptions

        @Argument(help: ArgumentHelp("The optimisation's run id, or a unique prefix.", valueName: "id"))
        var id: String

        @Option(help: "terminal, markdown, html or json.")
        var format: ReportFormat = .terminal

        @Option(help: ArgumentHelp("Write to this file instead of stdout.", valueName: "path"))
        var out: String?

        func run() throws {
            let result = try PromptOptimizer.result(of: id, database: try workspace.open())
            let format = self.format.as(OptimizeReport.Format.self)
            try Console.deliver(OptimizeReport.render(result, as: format, style: out == nil ? Console.style : .plain), to: out)
        }
    }
}
