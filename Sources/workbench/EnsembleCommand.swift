import ArgumentParser
import Foundation
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct EnsembleCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ensemble",
            abstract: "Multi-model ensembles: what each merged chapter took from which provider, and at what cost.",
            discussion: "An experiment with `ensemble:` drafts every chapter with several providers and merges the best unit per position (README \"Ensembles\").",
            subcommands: [Report.self])
    }
}

extension Workbench.EnsembleCommand {
    enum Format: String, CaseIterable, ExpressibleByArgument {
        case terminal, json, html
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per merged chapter: the units each provider won, the oracle gap, the seams, continuity against the best candidate, tokens and cost against one generation.",
            discussion: """
                The oracle is the unit the judges rank first at each position (the heuristic composite where they were \
                not asked); the gap is its evidence less the merged unit's, in points of 0–10. One generation is the mean \
                candidate's tokens. --show-text prints each merged chapter coloured by the provider of each unit; the \
                HTML report always shows it. Exit codes: 0 reported, 2 unknown run, 65 a run without merged chapters.
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The run id (or a unique prefix).") var runID: String
        @Option(help: "terminal, json or html.") var format: Format = .terminal
        @Flag(name: .customLong("show-text"), help: "With the terminal format, print each merged chapter coloured by provider.") var showText = false
        @Option(help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "path")) var out: String?

        func run() throws {
            let database = try workspace.openForReading()
            let summary = try EnsembleRunSummary.load(runID: runID, database: database)
            let rendered: String
            switch format {
            case .terminal: rendered = EnsembleReport.text(summary, style: out == nil ? Console.style : .plain, showText: showText)
            case .json: rendered = try EnsembleReport.json(summary)
            case .html: rendered = EnsembleReport.html(summary)
            }
            try Console.deliver(rendered, to: out)
        }
    }
}
