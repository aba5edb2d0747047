import Foundation
import Testing

/// Experiments/plugins/romance.py run as the host will run it (protocol v1, issue #17): a
/// handshake, an analyze call and bye over stdin, one JSON answer per line on stdout. Needs
/// no host code; skipped where there is no python3.
@Suite struct RomancePluginProcessTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Experiments/plugins/romance.py").standardized.path

    static var hasPython: Bool {
        ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Sends `lines` (then closes stdin) and returns the answers, each parsed; the process is
    /// SIGKILLed if it has not finished within 10 seconds.
    func exchange(_ lines: [String]) throws -> [[String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: watchdog)
        defer { watchdog.cancel(); if process.isRunning { kill(pid, SIGKILL) } }
        input.fileHandleForWriting.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test(.enabled(if: hasPython)) func handshakeAndAnalyze() throws {
        let flat = String(repeating: "Mara waited by the ferry and counted the ropes. ", count: 120)
        let warm = "Mara ached to touch Elias's hand, though it was forbidden; duty kept them apart, and his lips brushed her fingers."
        let text = flat + "\n\n" + warm
        let call: [String: Any] = ["type": "call", "id": 1, "hook": "analyze",
                                   "data": ["chapter": 1, "version": 1, "text": text, "quality": 5.0, "metrics": [String: Double]()]]
        let callLine = String(decoding: try JSONSerialization.data(withJSONObject: call), as: UTF8.self)
        let answers = try exchange([
            #"{"type":"hello","protocol":1,"plugin":"romance","config":{"threshold":5}}"#,
            callLine,
            #"{"type":"call","id":2,"hook":"afterBook","data":{}}"#,
            #"{"type":"bye"}"#,
        ])
        try #require(answers.count == 3)
        #expect(answers[0]["type"] as? String == "hello")
        #expect(answers[0]["name"] as? String == "romance")
        #expect(answers[0]["version"] as? String == "1.0.0")
        #expect(Set(answers[0]["hooks"] as? [String] ?? []) == ["analyze", "beforeChapter", "afterDraft", "chooseOperation"])
        #expect(Set(answers[0]["capabilities"] as? [String] ?? []) == ["addMetrics", "transformPrompt", "transformText"])

        #expect(answers[1]["type"] as? String == "result")
        #expect(answers[1]["id"] as? Int == 1)
        let result = try #require(answers[1]["result"] as? [String: Any])
        let tension = try #require((result["metrics"] as? [String: Any])?["tension"] as? Double)
        #expect(tension >= 0 && tension < 5, "one warm paragraph in a long flat one: \(tension)")
        let issues = try #require(result["issues"] as? [[String: Any]])
        #expect(issues.count == 1)
        #expect(issues.first?["metric"] as? String == "tension")
        #expect(issues.first?["paragraph"] as? Int == 1, "the flat paragraph is the lowest")

        #expect(answers[2]["type"] as? String == "error")
        #expect(answers[2]["id"] as? Int == 2)
    }
}
