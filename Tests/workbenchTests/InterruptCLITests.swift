import Foundation
import Testing

/// Ctrl-C and SIGTERM mark the run `interrupted`, so `resume` finishes it.
@Suite(.serialized) struct InterruptCLITests {
    /// An experiment against a slow simulator (400 tokens/s), so a book takes seconds.
    func slowExperiment(in scratch: Scratch) throws -> String {
        try slowSimExperiment(in: scratch, ttftMilliseconds: 100, tokensPerSecond: 400, chapters: 3, words: 600, concurrency: 2)
    }

    @Test(arguments: [(SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM")])
    func aSignalMarksTheRunInterruptedAndResumeFinishesIt(signal: Int32, status: Int32, name: String) throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["generate", "--experiment", try slowExperiment(in: scratch), "--premise", "A keeper's daughter and a sealed letter.", "--plain"]
        process.currentDirectoryURL = scratch.url
        var environment = ProcessInfo.processInfo.environment
        environment["WORKBENCH_WORKSPACE"] = nil
        process.environment = environment
        let output = Pipe(), errors = scratch.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        // The first line (the plan) is out: the chapters are being written.
        var seen = Data()
        while !seen.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()

        #expect(process.terminationReason == .exit && process.terminationStatus == status, "\(process.terminationReason) \(process.terminationStatus)")
        let stderr = try String(contentsOf: errors, encoding: .utf8)
        let listed = try listedRuns(in: scratch.url)
        let id = try #require(listed.first?["id"] as? String)
        #expect(listed.first?["status"] as? String == "interrupted")
        #expect(stderr.contains("interrupted (\(name)): run \(id) is marked interrupted; `workbench resume \(id)` continues it"), "\(stderr)")
        #expect(try CLI.run(["runs", "show", id], in: scratch.url).stdout.contains("interrupted by \(name)"))

        let resumed = try CLI.run(["resume", id, "--plain"], in: scratch.url, timeout: 120)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try listedRuns(in: scratch.url).first?["status"] as? String == "succeeded")
    }
}
