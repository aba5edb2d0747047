import ArgumentParser
import WorkbenchCore

struct Workbench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workbench",
        abstract: "Quality evaluation and experiments for LLM novel generation.",
        discussion: """
            The workspace is the nearest folder upward from here that holds a .workbench \
            folder (like git), unless --workspace or $WORKBENCH_WORKSPACE names one.

            Exit codes: 0 ok, 1 a check or verdict failed, 2 usage error, 65 bad input data, \
            70 internal error, 73 cannot create or write a file, 75 temporary failure (retry later).
            """,
        version: "workbench \(WorkbenchVersion.current)",
        subcommands: [Init.self, Generate.self, Resume.self, Runs.self, Books.self, Report.self, ContinuityCommand.self, EnsembleCommand.self, QueueCommand.self, Worker.self, Lambda.self, Serve.self, CloudCommand.self, Doctor.self, Analyze.self, StyleCommand.self, PluginsCommand.self, Metrics.self, JudgeChapter.self, ABTest.self, Regress.self, BaselineCommand.self, Train.self, Predict.self, Feedback.self, Optimize.self, StatsCommand.self, Providers.self, Complete.self, Sim.self, Local.self]
    )
}
