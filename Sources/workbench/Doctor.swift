import ArgumentParser
import Diagnostics
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check OpenBLAS, LAPACK, libcurl, SQLite, the workspace and the local model.",
            discussion: "Prints a fix for each problem. Exits 1 when a check fails; warnings do not fail."
        )

        @OptionGroup var workspace: WorkspaceOptions

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            var found: Store.Workspace?
            var openError: (any Error)?
            do {
                found = try workspace.resolve()
            } catch {
                openError = error
            }
            let results = Diagnostics.Doctor.run(workspace: found, openError: openError, environment: Console.environment)
            Console.output(json
                ? DoctorReport.json(results)
                : DoctorReport.text(results, workspace: found?.root.path, style: Console.style))
            if !Diagnostics.Doctor.passed(results) { throw ExitCode(ExitStatus.checkFailed.rawValue) }
        }
    }
}
