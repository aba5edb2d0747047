import Foundation
import Stats

/// The gate's false-alarm rate: `regress` on unchanged prompts, with the simulator, once per
/// seed, each run independent of the others (`--seed` seeds the simulator: other texts from
/// the same prompts). A run that fails is a false alarm.
///
/// Two designs, both reported with Wilson 95% intervals:
/// - against the shipped `sim-v3.0` (seeds `first`, `first + 1`, …), as CI would compare; every
///   run shares that one baseline, so the rate is conditional on how that baseline fell;
/// - independent pairs: a fresh baseline (seed 10,000 + k) and a run against it (seed 20,000 + k),
///   so the baseline's own luck is sampled too.
enum RegressFalseAlarms {
    static let experiment = "Experiments/regress-sim.yaml"

    static func run(into report: inout BenchReport, binary: URL, seeds: Int, first: Int) throws {
        guard FileManager.default.fileExists(atPath: "Baselines/sim-v3.0/scores.json"), FileManager.default.fileExists(atPath: experiment) else {
            throw BenchError.commandFailed("the false-alarm benchmark needs ./Baselines and ./Experiments (run it from the repository)", 2)
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-false-alarms-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        var shipped: [Int] = []
        for seed in first..<(first + seeds) {
            let workspace = try fresh(scratch, binary: binary)
            if try status(binary, ["regress", "--baseline", "sim-v3.0", "--workspace", workspace, "--seed", String(seed)]) == 1 { shipped.append(seed) }
            try? FileManager.default.removeItem(atPath: workspace)
        }
        add(&report, "regress on unchanged prompts vs the shipped sim-v3.0, \(seeds) seeds (\(first)–\(first + seeds - 1))", failures: shipped.count, runs: seeds)
        if !shipped.isEmpty { report.add("regress", "  seeds that failed: " + shipped.map(String.init).joined(separator: ", "), 0, "") }

        var paired: [Int] = []
        let baselines = scratch + "/Baselines"
        for k in 0..<seeds {
            // Two workspaces: in one, the run would be answered from the baseline's response
            // cache (the requests, and their seeds, are the same; only the simulator's seed differs).
            let made = try fresh(scratch, binary: binary), workspace = try fresh(scratch, binary: binary)
            let version = "fa-\(k)"
            try CLIBenchmarks.spawn(binary, ["baseline", "create", version, "--baselines", baselines, "--experiment", experiment, "--samples", "3",
                                             "--seed", String(10_000 + k), "--workspace", made])
            let code = try status(binary, ["regress", "--baseline", version, "--baselines", baselines, "--experiment", experiment,
                                           "--workspace", workspace, "--seed", String(20_000 + k)])
            if code == 1 { paired.append(k) }
            try? FileManager.default.removeItem(atPath: made)
            try? FileManager.default.removeItem(atPath: workspace)
            try? FileManager.default.removeItem(atPath: baselines + "/" + version)
        }
        add(&report, "regress on unchanged prompts, \(seeds) independent pairs (fresh baseline and run)", failures: paired.count, runs: seeds)
        if !paired.isEmpty { report.add("regress", "  pairs that failed (k): " + paired.map(String.init).joined(separator: ", "), 0, "") }
    }

    static func add(_ report: inout BenchReport, _ what: String, failures: Int, runs: Int) {
        let (low, high) = Proportion.wilson(successes: failures, trials: runs)
        report.add("regress", "false alarms: \(what): \(failures) of \(runs)", Double(failures) / Double(runs) * 100, "%")
        report.add("regress", "  Wilson 95% interval, low", low * 100, "%")
        report.add("regress", "  Wilson 95% interval, high", high * 100, "%")
    }

    static func fresh(_ scratch: String, binary: URL) throws -> String {
        let folder = scratch + "/ws-\(UUID().uuidString.prefix(8))"
        try CLIBenchmarks.spawn(binary, ["init", "--workspace", folder])
        return folder
    }

    /// Runs the workbench; its exit status (0 pass, 1 regression). Anything else is an error.
    static func status(_ binary: URL, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard [0, 1].contains(process.terminationStatus) else {
            throw BenchError.commandFailed("\(binary.lastPathComponent) \(arguments.joined(separator: " "))", process.terminationStatus)
        }
        return process.terminationStatus
    }
}
