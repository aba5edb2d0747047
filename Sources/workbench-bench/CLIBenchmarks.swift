import Foundation
import Store
import WorkbenchCore

/// How long a person waits for the CLI itself: process start to exit.
enum CLIBenchmarks {
    static func run(into report: inout BenchReport, binary: URL) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-cli-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try WorkbenchDatabase.open(Workspace(root: folder), create: true)
        for index in 0..<1000 {
            let run = try database.startRun(kind: .generate, configJSON: #"{"chapters":3}"#, gitRevision: nil,
                                            at: Date(timeIntervalSince1970: 1_790_000_000 + Double(index)))
            try database.finishRun(run.id, status: .succeeded)
        }
        for (label, arguments) in [("workbench --version", ["--version"]), ("workbench runs list (1,000 runs)", ["runs", "list", "--workspace", folder.path]),
                                   ("workbench init (already current)", ["init", "--workspace", folder.path])] {
            var times: [Double] = []
            for _ in 0..<15 { times.append(try measure { try spawn(binary, arguments) }) }
            report.add("cli", "\(label), p50", percentile(times, 0.5) * 1000, "ms")
        }
    }

    static func spawn(_ binary: URL, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError.commandFailed("\(binary.lastPathComponent) \(arguments.joined(separator: " "))", process.terminationStatus)
        }
    }
}
