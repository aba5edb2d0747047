import ArgumentParser
import Foundation
import LLM
import Store
import WorkbenchCore

/// The entry point: parses, runs, and turns every error into a message on stderr and one of
/// the documented exit codes (ArgumentParser's own 64 for usage errors becomes 2).
@main
enum WorkbenchMain {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        // Not a command: how a child of ours is started so that it dies with us.
        if arguments.first == ParentDeath.subcommand { ParentDeath.exec(Array(arguments.dropFirst())) }
        ParentDeath.helper = [ParentDeath.currentExecutable(), ParentDeath.subcommand]
        Interruption.install()
        let status = await run(arguments)
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

/// Ctrl-C (SIGINT) and SIGTERM: every run this process started and has not finished is
/// marked `interrupted` (so `resume` continues it instead of finding it `running` forever),
/// the local llama-server this process owns is killed, and the process exits 130 or 143.
/// The signals are taken by dispatch sources on their own queue (their default action
/// ignored), so the work runs as ordinary code, not in an async-signal handler.
enum Interruption {
    private static let queue = DispatchQueue(label: "workbench.signals")
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install() {
        for (number, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { interrupted(by: number, exitStatus: status) }
            source.resume()
            sources.append(source)
        }
    }

    static func interrupted(by number: Int32, exitStatus: Int32) {
        let name = number == SIGINT ? "SIGINT" : "SIGTERM"
        let marked = OpenRuns.interruptAll(reason: "interrupted by \(name)")
        LocalLLMServer.killOwnedServers()
        for run in marked {
            let resume = [RunKind.generate: "resume", .abtest: "abtest resume", .optimize: "optimize resume"][run.kind]
            Console.error("interrupted (\(name)): run \(run.id) is marked interrupted\(resume.map { "; `workbench \($0) \(run.id)` continues it" } ?? "")")
        }
        exit(exitStatus)
    }
}
