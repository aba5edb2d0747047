import Foundation
import Store
import WorkbenchCore

/// Issue #19's `queue add` target (≥ 1,000 jobs/s for 1,000 sources): the command as a process
/// on a folder of 1,000 premise files (reading, checking and queuing them in one transaction,
/// process start included), five times into fresh workspaces.
enum QueueBenchmarks {
    static func run(into report: inout BenchReport, binary: URL) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-queue-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sources = folder.appendingPathComponent("sources")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        for index in 0..<1_000 {
            try Data("Book \(index): a keeper's daughter finds a sealed letter from her drowned father and follows it into the storm.".utf8)
                .write(to: sources.appendingPathComponent(String(format: "premise-%04d.txt", index)))
        }
        let experiment = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/sim.yaml").standardized.path
        var rates: [Double] = []
        for attempt in 0..<5 {
            let workspace = folder.appendingPathComponent("workspace-\(attempt)")
            _ = try WorkbenchDatabase.open(Workspace(root: workspace), create: true)
            let seconds = try measure {
                try CLIBenchmarks.spawn(binary, ["queue", "add", "--workspace", workspace.path, "--source", sources.path, "--experiment", experiment])
            }
            let database = try WorkbenchDatabase.open(Workspace(root: workspace), create: false)
            let queued = try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM queue_jobs") ?? 0 }
            guard queued == 1_000 else { throw BenchError.commandFailed("queue add queued \(queued) of 1,000", 0) }
            rates.append(1_000 / seconds)
        }
        report.add("queue", "queue add of 1,000 premise files (one process, start included), median of 5 (goal ≥ 1,000)", percentile(rates, 0.5), "jobs/s")
    }
}
