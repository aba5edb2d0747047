import Foundation
import WorkbenchCore

/// Wall time of the CI gate, `workbench regress`, as CI runs it: a new workspace (nothing in
/// the response cache), against the shipped baselines in ./Baselines.
enum RegressBenchmarks {
    static func run(into report: inout BenchReport, binary: URL) throws {
        guard FileManager.default.fileExists(atPath: "Baselines/sim-v3.0/scores.json") else {
            throw BenchError.commandFailed("regress benchmarks need ./Baselines (run make bench from the repository)", 2)
        }
        func fresh() throws -> String {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-regress-\(UUID().uuidString.prefix(8))").path
            try CLIBenchmarks.spawn(binary, ["init", "--workspace", folder])
            return folder
        }
        var simulator: [Double] = []
        for _ in 0..<5 {
            let workspace = try fresh()
            defer { try? FileManager.default.removeItem(atPath: workspace) }
            simulator.append(try measure { try CLIBenchmarks.spawn(binary, ["regress", "--baseline", "sim-v3.0", "--workspace", workspace]) })
        }
        report.add("regress", "regress --baseline sim-v3.0 (simulator, 10 chapters × 3 samples), p50 of 5", percentile(simulator, 0.5), "s")

        guard CachePaths(environment: ProcessInfo.processInfo.environment).localModelInstalled else {
            report.add("regress", "regress --baseline v3.0 skipped: the local model is not installed (make local-llm)", 0, "")
            return
        }
        let workspace = try fresh()
        defer { try? FileManager.default.removeItem(atPath: workspace) }
        let local = try measure { try CLIBenchmarks.spawn(binary, ["regress", "--baseline", "v3.0", "--workspace", workspace]) }
        report.add("regress", "regress --baseline v3.0 (local SmolLM2-135M, 10 chapters × 3 samples, new workspace)", local, "s")
        // The same run again in that workspace: every call is answered by the response cache.
        let cached = try measure { try CLIBenchmarks.spawn(binary, ["regress", "--baseline", "v3.0", "--workspace", workspace]) }
        report.add("regress", "the same again, every call from the response cache", cached, "s")
    }
}
