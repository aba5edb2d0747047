// `make bench`: every benchmark that exists so far, printed as one table (and JSON with --json PATH).
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
func value(after flag: String) -> String? {
    arguments.firstIndex(of: flag).flatMap { arguments.index(after: $0) < arguments.endIndex ? arguments[$0 + 1] : nil }
}

let corpus = value(after: "--corpus") ?? "../shared/corpus"
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("workbench")
var report = BenchReport()

do {
    try StoreBenchmarks.run(into: &report, corpus: corpus)
    BLASBenchmarks.run(into: &report)
    try CLIBenchmarks.run(into: &report, binary: binary)
} catch {
    FileHandle.standardError.write(Data("bench failed: \(error)\n".utf8))
    exit(70)
}
report.add("process", "peak RSS of this benchmark process", peakResidentMegabytes(), "MB")
print(report.table())
if let path = value(after: "--json") {
    try report.json().write(to: URL(fileURLWithPath: path))
    print("wrote \(path)")
}
