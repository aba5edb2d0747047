import ArgumentParser
import Foundation
import LLM
import WorkbenchCore

extension Workbench {
    struct Local: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the local llama.cpp server with the bundled small model.",
            discussion: "Without a running shared server, `local` providers start one of their own for the length of a command.",
            subcommands: [Status.self, Start.self, Stop.self],
            defaultSubcommand: Status.self
        )
    }
}

extension Workbench.Local {
    static var server: LocalLLMServer { LocalLLMServer(settings: .init(paths: CachePaths(environment: Console.environment))) }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Is the shared local server running, and where?")
        func run() async throws {
            let server = Workbench.Local.server
            if let state = await server.sharedStatus() {
                Console.output("running: pid \(state.pid), \(state.baseURL), model \(state.model)\n")
            } else {
                let settings = server.settings
                let installed = FileManager.default.isExecutableFile(atPath: settings.serverPath) && FileManager.default.fileExists(atPath: settings.modelPath)
                Console.output("not running (\(installed ? "installed" : "not installed: run `make local-llm`"))\n")
                throw ExitCode(ExitStatus.checkFailed.rawValue)
            }
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a shared server that outlives this command.")
        func run() async throws {
            let state = try await Workbench.Local.server.startShared()
            Console.output("running: pid \(state.pid), \(state.baseURL)\n")
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the shared server.")
        func run() async throws {
            switch await Workbench.Local.server.stopShared() {
            case .stopped: Console.output("stopped\n")
            case .notRunning: Console.output("was not running\n")
            case .stale(let pid):
                Console.output("was not running: the state file named pid \(pid), which is not our llama-server; removed the stale state file, killed nothing\n")
            }
        }
    }
}
