import Foundation
import Reports
import Store
import WorkbenchCore

/// Where commands write: stdout for results, stderr for errors and progress.
enum Console {
    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ line: String) {
        // The last line of defence: no key a server echoed reaches the terminal.
        let line = Redaction.redact(line)
        FileHandle.standardError.write(Data((line.hasSuffix("\n") ? line : line + "\n").utf8))
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Writes `text` to the file `out` (atomically) and says so, or to stdout when there is none.
    static func deliver(_ text: String, to out: String?) throws {
        guard let out else { return output(text) }
        try write(text, to: out)
        output("wrote \(out)\n")
    }

    /// Writes `text` to a file atomically; a failure names the file.
    static func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StoreError.cannotCreate(path: path, reason: error.localizedDescription)
        }
    }

    /// Writes each report to Reports/<stem>.<suffix> and to the path asked for it, then says
    /// where they went (on stdout, after the table they belong to).
    static func writeReports(stem: String, workspace: WorkspaceOptions, _ reports: [(suffix: String, asked: String?, render: () -> String)]) throws {
        let folder = workspace.reportsFolder()
        var written: [String] = []
        for report in reports {
            let text = report.render()
            for path in [folder + "/\(stem).\(report.suffix)", report.asked].compactMap({ $0 }) {
                try write(text, to: path)
                written.append(path)
            }
        }
        output("reports: \(written.joined(separator: ", "))\n")
    }

    /// Colour only for a terminal, and never under NO_COLOR.
    static var style: TerminalStyle {
        TerminalStyle(isTerminal: isatty(STDOUT_FILENO) != 0, environment: environment)
    }
}
