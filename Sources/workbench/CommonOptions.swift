import ArgumentParser
import Engine
import Experiments
import Foundation
import LLM
import Reports
import WorkbenchCore

/// The model options of every command that calls a model: which provider answers, from
/// which provider table, with which seed. Each command says what their absence means.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Send every model call to this provider, overriding the routes (see `workbench providers list`).", valueName: "name"))
    var provider: String?

    @Option(name: .customLong("providers"), help: ArgumentHelp(
        "The provider table (default: the experiment's, else Experiments/providers.yaml, else the built-in sim and local).",
        valueName: "file"))
    var providersFile: String?

    @Option(help: ArgumentHelp("The seed the model calls derive from (default: the experiment's, else 1).", valueName: "n"))
    var seed: UInt64?

    /// The experiment with these options applied.
    func apply(to config: inout ExperimentConfig) {
        if let provider { config.providerOverride = provider }
        if let providersFile { config.providersFile = providersFile }
        if let seed { config.seed = seed }
    }

    /// The provider table these options name, for commands without an experiment.
    func table() throws -> (ProviderTable, source: String) { try ProviderOptions.table(file: providersFile) }

    /// Resuming keeps the run's seed; a new seed would be a new run.
    func refuseSeedOnResume() throws {
        if seed != nil { throw ValidationError("--seed cannot change on resume: a resumed run keeps its seed (start a new run instead)") }
    }
}

/// Where a result goes: the terminal table on standard output, or with `--json` its JSON
/// there instead; `--json-out`, `--markdown-out` and `--html-out` also write files.
struct ReportOutputs: ParsableArguments {
    @Flag(help: "Print the result as JSON on standard output instead of the table.")
    var json = false

    @Option(name: .customLong("json-out"), help: ArgumentHelp("Also write the JSON result here.", valueName: "path"))
    var jsonOut: String?

    @Option(name: .customLong("markdown-out"), help: ArgumentHelp("Also write the Markdown summary here (e.g. $GITHUB_STEP_SUMMARY).", valueName: "path"))
    var markdownOut: String?

    @Option(name: .customLong("html-out"), help: ArgumentHelp("Also write the HTML report here.", valueName: "path"))
    var htmlOut: String?

    /// One report in its formats; `html` is nil where the report has none.
    struct Renderings {
        var terminal: () -> String
        var json: () throws -> String
        var markdown: () -> String
        var html: (() -> String)?
        /// Extra files in formats of the report's own (`regress`'s JUnit XML): suffix, asked path, text.
        var extra: [(suffix: String, asked: String?, render: () -> String)] = []
    }

    func checkHTML(available: Bool, command: String) throws {
        if htmlOut != nil && !available { throw ValidationError("--html-out: \(command) has no HTML report (use --markdown-out or --json-out)") }
    }

    /// Prints the table (or the JSON), then writes Reports/<stem>.* (when `stem` is given) and
    /// every file asked for; where they went goes to standard error when stdout holds JSON.
    func deliver(_ report: Renderings, stem: String?, workspace: WorkspaceOptions) throws {
        let jsonText = try report.json()
        Console.output(json ? (jsonText.hasSuffix("\n") ? jsonText : jsonText + "\n") : report.terminal())
        var files: [(suffix: String, asked: String?, render: () -> String)] = [
            ("json", jsonOut, { jsonText }), ("md", markdownOut, report.markdown),
        ]
        if let html = report.html { files.append(("html", htmlOut, html)) }
        files += report.extra
        let folder = stem.map { _ in workspace.reportsFolder() }
        var written: [String] = []
        for file in files {
            let paths = [stem.flatMap { stem in folder.map { "\($0)/\(stem).\(file.suffix)" } }, file.asked].compactMap { $0 }
            guard !paths.isEmpty else { continue }
            let text = file.render()
            for path in paths {
                try Console.write(text, to: path)
                written.append(path)
            }
        }
        guard !written.isEmpty else { return }
        let line = "reports: \(written.joined(separator: ", "))"
        if json { Console.error(line) } else { Console.output(line + "\n") }
    }
}

/// `--format`'s names, the same for every command: terminal, markdown (or md), html, json.
enum ReportFormat: String, CaseIterable, ExpressibleByArgument {
    case terminal, markdown, html, json

    init?(argument: String) {
        self.init(rawValue: argument == "md" ? "markdown" : argument)
    }

    static var allValueStrings: [String] { allCases.map(\.rawValue) }

    /// The same format in a renderer's own enum (whose Markdown case may be spelled `md`).
    func `as`<Format: RawRepresentable>(_: Format.Type) -> Format where Format.RawValue == String {
        guard let format = Format(rawValue: rawValue) ?? (self == .markdown ? Format(rawValue: "md") : nil) else {
            preconditionFailure("every renderer has the four formats; \(Format.self) lacks \(rawValue)")
        }
        return format
    }
}
