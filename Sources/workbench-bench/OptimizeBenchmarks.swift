import Foundation
import WorkbenchCore

/// `workbench optimize` as a user runs it against the simulator: 50 iterations from
/// prompts/v1-open in a new workspace, timed, with what it found read from its JSON report.
enum OptimizeBenchmarks {
    static func run(into report: inout BenchReport, binary: URL) throws {
        guard FileManager.default.fileExists(atPath: "Experiments/optimize-sim.yaml") else {
            throw BenchError.commandFailed("optimize benchmarks need ./Experiments (run make bench from the repository)", 2)
        }
        for metric in ["obsession_depth", "quality"] {
            let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-optimize-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: workspace) }
            try CLIBenchmarks.spawn(binary, ["init", "--workspace", workspace])
            let json = workspace + "/result.json"
            let seconds = try measure {
                try CLIBenchmarks.spawn(binary, ["optimize", "--experiment", "Experiments/optimize-sim.yaml", "--target-metric", metric, "--iterations", "50",
                                                 "--workspace", workspace, "--json-out", json])
            }
            guard let result = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any],
                  let candidates = result["candidates"] as? [[String: Any]] else {
                throw BenchError.commandFailed("optimize wrote no readable result at \(json)", 1)
            }
            let chapters = candidates.compactMap { $0["writes"] as? Int }.reduce(0, +)
            let base = (result["base"] as? [String: Any])?["score"] as? Double ?? .nan
            let best = result["best"] as? [String: Any]
            let confirmation = result["confirmation"] as? [String: Any]
            let instructions = (best?["instructions"] as? [String] ?? []).joined(separator: " ")
            report.add("optimize", "optimize \(metric), 50 iterations + ablations (simulator, \(chapters) development chapters), new workspace", seconds, "s")
            report.add("optimize", "  development chapters written per second", Double(chapters) / seconds, "/s")
            report.add("optimize", "  \(metric): base \(String(format: "%.2f", base)) → winner \(String(format: "%.2f", best?["score"] as? Double ?? .nan)) "
                       + "[\(instructions)]", best?["score"] as? Double ?? .nan, "")
            report.add("optimize", "  held-out Δ (A/B, \(confirmation?["pairs"] as? Int ?? 0) pairs), confirmed: \(confirmation?["confirmed"] as? Bool ?? false)",
                       confirmation?["difference"] as? Double ?? .nan, "")
        }
    }
}
