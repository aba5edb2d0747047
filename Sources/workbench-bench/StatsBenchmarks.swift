import Foundation
import Stats
import WorkbenchCore

/// Statistics speed, on one core: a BCa bootstrap of a mean (10,000 resamples, n = 1,000,
/// skewed data) and 10,000 Welch tests (n = 20 per arm); SciPy doing the same on the same
/// data in the same run (scripts/bench_scipy_stats.py), as ratios.
enum StatsBenchmarks {
    static func run(into report: inout BenchReport, python: String) throws {
        var random = SeededGenerator(seed: 2026)
        // Exponential scores: skewed, so BCa's corrections are not trivially zero.
        let data = (0..<1000).map { _ in -log(Double(random.next() >> 11 | 1) / 9_007_199_254_740_992) }
        var checksum = 0.0
        var best = Double.infinity
        for _ in 0..<5 {
            best = min(best, try measure {
                checksum += try Bootstrap.interval(.mean, data, method: .bca, resamples: 10_000, seed: 1).low
            })
        }
        report.add("stats", "BCa bootstrap of a mean, 10,000 resamples, n = 1,000, one core", best * 1000, "ms")

        let arms = (0..<10_000).map { index -> ([Double], [Double]) in
            let a = (0..<20).map { _ in Double(random.next() % 1000) / 100 }
            return (a, (0..<20).map { _ in Double(random.next() % 1000) / 100 + (index % 2 == 0 ? 0.5 : 0) })
        }
        var welch = Double.infinity
        for _ in 0..<3 {
            welch = min(welch, try measure { for (a, b) in arms { checksum += try TTests.welch(a, b).pValue } })
        }
        report.add("stats", "Welch t test (n = 20 per arm), per test, 10,000 tests", welch / 10_000 * 1e6, "µs")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-stats-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataFile = folder.appendingPathComponent("data.txt")
        try Data(data.map { String($0) }.joined(separator: "\n").utf8).write(to: dataFile)
        if let result = try runPythonReference(python, script: "bench_scipy_stats.py", arguments: [dataFile.path]),
           let bootstrap = result["bootstrap_seconds"], let perTest = result["welch_seconds_per_test"] {
            report.add("stats", "scipy.stats.bootstrap BCa, same data and resamples", bootstrap * 1000, "ms")
            report.add("stats", "speed ratio bootstrap workbench / SciPy", bootstrap / best, "×")
            report.add("stats", "scipy.stats.ttest_ind(equal_var=False), per test", perTest * 1e6, "µs")
            report.add("stats", "speed ratio Welch workbench / SciPy", perTest / (welch / 10_000), "×")
        } else {
            report.add("stats", "SciPy reference missing (make pydeps)", .nan, "-")
        }
        if checksum.isNaN { report.add("stats", "NaN seen", .nan, "-") }
    }
}
