// `make bench`: every benchmark that exists so far, printed as one table (and JSON with --json PATH).
// `--only store|blas|cli|quality|continuity|style|stats|learning|llm|plugins|engine|regress|optimize|faults|ensemble|queue|queue-batch|server|cloud` runs one group; `make bench` runs the
// engine, regress, optimize, faults, ensemble and queue-batch groups in processes of their own, so their memory and timing figures are their own.
// `--only faults [--books N] [--parallel P] [--attempts N]`: books through 20% transient faults (FaultBenchmarks).
// `--only regress-false-alarms [--seeds N] [--first-seed S]`: the gate's false-alarm rate on unchanged prompts with the
// simulator (RegressFalseAlarms, default 20 seeds from 100); `--only regress` runs it too, before the timings.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
func value(after flag: String) -> String? {
    arguments.firstIndex(of: flag).flatMap { arguments.index(after: $0) < arguments.endIndex ? arguments[$0 + 1] : nil }
}

func runBenchmarks() async throws -> BenchReport {
    let corpus = value(after: "--corpus") ?? "../shared/corpus"
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("workbench")
    let only = value(after: "--only")
    var report = BenchReport()
    if only == nil || only == "store" { try StoreBenchmarks.run(into: &report, corpus: corpus) }
    if only == nil || only == "blas" { BLASBenchmarks.run(into: &report) }
    if only == nil || only == "cli" { try CLIBenchmarks.run(into: &report, binary: binary) }
    if only == nil || only == "quality" { try QualityBenchmarks.run(into: &report, corpus: corpus, python: value(after: "--python") ?? "python3", binary: binary) }
    if only == nil || only == "continuity" { try ContinuityBenchmarks.run(into: &report, corpus: corpus) }
    if only == nil || only == "style" { try StyleBenchmarks.run(into: &report, corpus: corpus) }
    if only == nil || only == "stats" { try StatsBenchmarks.run(into: &report, python: value(after: "--python") ?? "python3") }
    if only == "engine" { try await EngineBenchmarks.run(into: &report, binary: binary) }
    if only == nil || only == "queue" { try QueueBenchmarks.run(into: &report, binary: binary) }
    if only == nil || only == "plugins" { try await PluginBenchmarks.run(into: &report) }
    if only == nil || only == "learning" { try LearningBenchmarks.run(into: &report, corpus: corpus, python: value(after: "--python") ?? "python3") }
    if only == "regress" || only == "regress-false-alarms" {
        try RegressFalseAlarms.run(into: &report, binary: binary, seeds: value(after: "--seeds").flatMap { Int($0) } ?? 20,
                                   first: value(after: "--first-seed").flatMap { Int($0) } ?? 100)
    }
    if only == "regress" { try RegressBenchmarks.run(into: &report, binary: binary) }
    if only == "ensemble" { try await EnsembleBenchmarks.run(into: &report, binary: binary, seeds: Int(value(after: "--seeds") ?? "") ?? 5) }
    if only == "optimize" { try OptimizeBenchmarks.run(into: &report, binary: binary) }
    if only == "queue-batch" { try await QueueBatchBenchmarks.run(into: &report, binary: binary, part: value(after: "--part")) }
    if only == "server" { try await ServerBenchmarks.run(into: &report, binary: binary.path, part: value(after: "--part")) }
    if only == "cloud" { try await CloudBenchmarks.run(into: &report, binary: binary.path) }
    if only == "faults" {
        try await FaultBenchmarks.run(into: &report, books: value(after: "--books").flatMap { Int($0) } ?? 400,
                                      attempts: value(after: "--attempts").flatMap { Int($0) },
                                      parallel: value(after: "--parallel").flatMap { Int($0) } ?? 50)
    }
    if only == nil || only == "llm" { try await LLMBenchmarks.run(into: &report, binary: binary, python: value(after: "--python") ?? "python3") }
    report.add("process", "peak RSS of this benchmark process", peakResidentMegabytes(), "MB")
    return report
}

do {
    let report = try await runBenchmarks()
    print(report.table())
    if let path = value(after: "--json") {
        try report.json().write(to: URL(fileURLWithPath: path))
        print("wrote \(path)")
    }
} catch {
    FileHandle.standardError.write(Data("bench failed: \(error)\n".utf8))
    exit(70)
}
