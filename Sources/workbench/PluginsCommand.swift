import ArgumentParser
import Engine
import Foundation
import WorkbenchCore

extension Workbench {
    struct PluginsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plugins",
            abstract: "List the plugins a run can use, and check one before a run depends on it.",
            discussion: """
                A plugin is called at the pipeline's hooks (afterPlan, beforeChapter, afterDraft, analyze, \
                chooseOperation, afterEnhance, afterChapter, onEvent, afterBook, onContinuityViolation) with the \
                capabilities it declares (observe, addMetrics, transformPrompt, transformText). Built-in plugins are \
                compiled in; an external one is any program speaking JSON lines on stdin/stdout, declared in an \
                experiment's `plugins:` (README "Plugins").
                """,
            subcommands: [List.self, Check.self])
    }
}

extension Workbench.PluginsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the built-in plugins, the hooks and, with --experiment, that experiment's plugins (started for their handshake).")

        @Option(help: ArgumentHelp("An experiment whose `plugins:` to list.", valueName: "file"))
        var experiment: String?

        func run() async throws {
            var lines = ["hooks (capability: effect):"]
            for hook in PluginHook.allCases {
                lines.append("  \(hook.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0)) \(hook.capability.rawValue): \(hook.effect)")
            }
            lines.append("built-in plugins:")
            for name in PluginRegistry.builtIn.names {
                let report = await PluginCheck.manifestOnly(PluginSpec(name: name))
                lines.append("  " + report)
            }
            if let experiment {
                let config = try ExperimentConfig.load(file: experiment)
                lines.append("plugins of \(experiment) (in call order):")
                if config.plugins.isEmpty { lines.append("  none") }
                for spec in config.plugins { lines.append("  " + (await PluginCheck.manifestOnly(spec))) }
            }
            Console.output(lines.joined(separator: "\n") + "\n")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a plugin, run its handshake, send it one call of each hook with sample data, and report timings and problems.",
            discussion: """
                PLUGIN is a plugin of --experiment (by name), a built-in plugin, or a program's path (a .py file runs \
                with python3, .js with node, .sh with sh, anything else as an executable). Exit 0 with no problem, 1 when \
                the handshake or a hook failed (a timeout, a crash, an answer that is not one, an effect it did not \
                declare), 2 for a plugin that names nothing.
                """)

        @Argument(help: "A plugin of --experiment, a built-in plugin, or a program's path.")
        var plugin: String

        @Option(help: ArgumentHelp("The experiment whose `plugins:` entry (command, hooks, config, timeout) to use.", valueName: "file"))
        var experiment: String?

        @Option(name: .customLong("timeout-ms"), help: "Each call's timeout in milliseconds (default: the experiment's, else 5000).")
        var timeoutMS: Int?

        @Flag(help: "Print the result as JSON on standard output instead of the text.")
        var json = false

        func validate() throws {
            if let timeoutMS, !(1...600_000).contains(timeoutMS) { throw ValidationError("--timeout-ms must be 1…600000") }
        }

        func run() async throws {
            let spec = try PluginCheck.spec(for: plugin, experiment: experiment.map { try ExperimentConfig.load(file: $0) }, timeoutMS: timeoutMS)
            let report = await PluginCheck.run(spec)
            Console.output(json ? report.json : report.text)
            if !report.ok { throw ExitCode(ExitStatus.checkFailed.rawValue) }
        }
    }
}
