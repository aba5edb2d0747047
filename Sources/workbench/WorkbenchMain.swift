import ArgumentParser
import Foundation
import WorkbenchCore

/// The entry point: parses, runs, and turns every error into a message on stderr and one of
/// the documented exit codes (ArgumentParser's own 64 for usage errors becomes 2).
@main
enum WorkbenchMain {
    static func main() async {
        let status = await run(Array(CommandLine.arguments.dropFirst()))
        exit(status)
    }

    static func run(_ arguments: [String]) async -> Int32 {
        do {
            var command = try Workbench.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return ExitStatus.ok.rawValue
        } catch let error as any WorkbenchError {
            Console.error("error: \(error.message)")
            if let fix = error.fix { Console.error("  fix: \(fix)") }
            return error.exitStatus.rawValue
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            let code = Workbench.exitCode(for: error)
            var message = Workbench.fullMessage(for: error)
            // One spelling for every error line, ours and ArgumentParser's.
            if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst("Error: ".count) }
            if code == .success {
                // --help and --version end here.
                Console.output(message + "\n")
                return ExitStatus.ok.rawValue
            }
            if code == .validationFailure {
                Console.error(message)
                return ExitStatus.usage.rawValue
            }
            Console.error("error: internal: \(message)")
            return ExitStatus.internalError.rawValue
        }
    }
}
