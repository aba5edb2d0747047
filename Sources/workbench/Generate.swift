import ArgumentParser
import Engine
import Foundation
import LLM
import Reports
import Store
import WorkbenchCore
import Quality
import Yams

extension Workbench {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a book under an experiment: plan, write chapters in parallel, analyse, enhance.",
            discussion: """
                Every step is stored in the workspace as it happens. At the end the manuscript \
                (Markdown) and the book quality report (HTML) are written to Reports/.
                """
        )

        @OptionGroup var workspace: WorkspaceOptions

        @Option(help: ArgumentHelp("The experiment configuration (YAML).", valueName: "file"))
        var experiment: String

        @Option(help: ArgumentHelp("A section of the experiment's `genres:` to write under.", valueName: "name"))
        var genre: String?

        @Option(help: "What the book is about: the planner makes the outline from it.")
        var premise: String?

        @Option(help: ArgumentHelp("A hand-written outline (YAML or JSON) instead of planning.", valueName: "file"))
        var outline: String?

        @Option(help: "Override the experiment's chapter count.")
        var chapters: Int?

        @Option(help: "Override the words per chapter.")
        var words: Int?

        @Option(help: "Override the concurrency.")
        var concurrency: Int?

        @Option(help: "Override the budget in USD.")
        var budget: Double?

        @OptionGroup var model: ModelOptions

        @Flag(help: "One line per event (the default when output is not a terminal).")
        var plain = false

        func validate() throws {
            guard (premise == nil) != (outline == nil) else { throw ValidationError("give --premise TEXT or --outline FILE (one of them)") }
            if let chapters, !(1...200).contains(chapters) { throw ValidationError("--chapters must be 1…200") }
            if let words, !(50...20_000).contains(words) { throw ValidationError("--words must be 50…20000") }
            if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        }

        func run() async throws {
            var config = try ExperimentConfig.load(file: experiment, genre: genre)
            if let chapters { config.chapters = chapters }
            if let words { config.wordsPerChapter = words }
            if let concurrency { config.concurrency = concurrency }
            if let budget { config.budgetUSD = budget }
            model.apply(to: &config)
            let given = try outline.map(Self.readOutline)
            try await Self.runEngine(config: config, workspace: workspace, plain: plain,
                                     needs: config.tasks(planning: premise != nil)) { generator in
                try await generator.generate(premise: premise, outline: given, gitRevision: GitRevision.current())
            }
        }

        /// Builds the generator (providers routed per task, calls cached and logged in the
        /// workspace, events printed), runs `body`, and writes the manuscript and report.
        static func runEngine(
            config: ExperimentConfig, workspace: WorkspaceOptions, plain: Bool, needs: Set<LLMTask>,
            _ body: (BookGenerator) async throws -> BookGenerator.Result
        ) async throws {
            let prompts = try PromptSet.load(folder: config.promptsFolder)
            let database = try workspace.open()
            // On a terminal the dashboard redraws in place; elsewhere (or with --plain) one line per event.
            let live = !plain && isatty(STDOUT_FILENO) != 0 && Console.environment["TERM"] != "dumb"
            let display = LiveDisplay(live: live, database: database, style: Console.style)
            let result = try await withRouter(config: config, database: database, needs: needs) { router in
                try await body(BookGenerator(config: config, prompts: prompts, database: database, route: router.route,
                                             onEvent: { event, run in display.show(event, run: run) }, named: router.named))
            }
            try writeOutputs(result, targets: config.targets, database: database, workspace: workspace)
        }

        /// Runs `body` with the experiment's routes (checked first: a missing route or an
        /// undeclared provider fails before any run exists), then stops any server the
        /// providers started. Every call is cached and logged in the workspace.
        static func withRouter<T>(config: ExperimentConfig, database: WorkbenchDatabase, needs: Set<LLMTask>,
                                  _ body: (ProviderRouter) async throws -> T) async throws -> T {
            try await ProviderRouter.run(config: config, needs: needs, factory: ProviderOptions.factory(), store: database, body)
        }

        static func writeOutputs(_ result: BookGenerator.Result, targets: QualityTargets, database: WorkbenchDatabase, workspace: WorkspaceOptions) throws {
            let folder = (try? workspace.resolve().root.appendingPathComponent("Reports").path) ?? "Reports"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let versions = try database.latestChapterVersions(bookID: result.bookID)
            let manuscript = folder + "/\(result.bookID).md"
            try Data(Manuscript.markdown(outline: result.outline, chapters: versions).utf8).write(to: URL(fileURLWithPath: manuscript))
            // The outline as YAML: readable, and accepted back by `generate --outline`.
            try Data(try YAMLEncoder().encode(result.outline).utf8).write(to: URL(fileURLWithPath: folder + "/\(result.bookID).outline.yaml"))
            let report = try BookReport.load(database.book(matching: result.bookID), from: database, targets: targets)
            let html = folder + "/\(result.bookID).html"
            try Data(BookReportRenderer.render(report, as: .html).utf8).write(to: URL(fileURLWithPath: html))
            Console.output(BookReportRenderer.render(report, as: .terminal, style: Console.style))
            Console.output("book \(result.bookID) (run \(result.runID)): manuscript \(manuscript), report \(html)\n")
        }

        /// A hand-written outline, YAML or JSON, with errors naming the file.
        static func readOutline(_ path: String) throws -> Outline {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw EngineError.invalidOutline(source: path, problems: ["the file cannot be read"])
            }
            do {
                return try YAMLDecoder().decode(Outline.self, from: text)
            } catch {
                throw EngineError.invalidOutline(source: path, problems: ["\(error)"])
            }
        }
    }
}

extension Workbench {
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Continue a generation run from where it stopped (a crash, a kill, a budget).",
            discussion: """
                Chapters already done are not redone; a chapter in progress continues from its last \
                stored version; calls already paid are answered by the response cache.
                """
        )

        @OptionGroup var workspace: WorkspaceOptions

        @Argument(help: "The run id (or a unique prefix).")
        var run: String

        @Option(help: "A new budget in USD (to continue a run the old budget stopped).")
        var budget: Double?

        @Option(help: "Override the concurrency.")
        var concurrency: Int?

        @OptionGroup var model: ModelOptions

        @Flag(help: "Resume even though the experiment, prompts, provider table or provider differ from the run's start.")
        var allowChanged = false

        @Flag(help: "One line per event instead of the live dashboard.")
        var plain = false

        func validate() throws { try model.refuseSeedOnResume() }

        func run() async throws {
            let record = try workspace.open().run(matching: run)
            // Without --provider, the run's own; without --providers, the experiment's table.
            var config = try ExperimentConfig.resumed(run: record.id.rawValue, fromRunJSON: record.configJSON, allowChanged: allowChanged) {
                model.apply(to: &$0)
            }
            if let budget { config.budgetUSD = budget }
            if let concurrency { config.concurrency = concurrency }
            try await Generate.runEngine(config: config, workspace: workspace, plain: plain,
                                         needs: config.tasks(planning: BookGenerator.plans(inConfig: record.configJSON))) { generator in
                try await generator.resume(record.id)
            }
        }
    }
}
