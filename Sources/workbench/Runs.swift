import ArgumentParser
import Foundation
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct Runs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List and inspect the runs recorded in the workspace.",
            subcommands: [List.self, Show.self],
            defaultSubcommand: List.self
        )
    }
}

extension Workbench.Runs {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")

        @OptionGroup var workspace: WorkspaceOptions

        @Option(help: "Show at most this many runs.")
        var limit: Int = 50

        @Option(help: "Only runs of this kind (generate, abtest, regress, baseline, ...).")
        var kind: String?

        @Option(help: "Only runs with this status.")
        var status: RunStatus?

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1 (got \(limit))") }
            if let kind, kind.isEmpty { throw ValidationError("--kind must not be empty") }
        }

        func run() throws {
            let database = try workspace.openForReading()
            let runs = try database.runs(limit: limit, kind: kind.map(RunKind.init(rawValue:)), status: status)
            let now = Date()
            Console.output(json ? RunsReport.json(runs, now: now) : RunsReport.table(runs, now: now))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one run: its configuration, totals and last event.")

        @OptionGroup var workspace: WorkspaceOptions

        @Argument(help: ArgumentHelp("The run's id, or a prefix of it that only one run has.", valueName: "id"))
        var id: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let database = try workspace.openForReading()
            let run = try database.run(matching: id)
            let summary = try database.summary(of: run.id)
            let health = try database.health(of: run.id)
            let now = Date()
            Console.output(json ? RunsReport.detailJSON(summary, health: health, now: now) : RunsReport.detail(summary, health: health, now: now))
        }
    }
}

extension RunStatus: ExpressibleByArgument {}
