import Foundation
import Testing

/// The local llama-server this process starts dies with it, with or without setpriv.
@Suite(.serialized) struct ParentDeathCLITests {
    @Test func withoutSetprivTheServerDiesWhenItsParentIsKilled() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        // A "server" that records its pid and never answers its health check, so the
        // workbench waits for it (up to a minute) while we kill the workbench.
        let server = scratch.url.appendingPathComponent("llama-server")
        let pidFile = scratch.url.appendingPathComponent("server.pid")
        try Data("#!/bin/sh\necho $$ > '\(pidFile.path)'\nexec sleep 120\n".utf8).write(to: server)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: server.path)
        let model = scratch.url.appendingPathComponent("model.gguf")
        try Data("not a model".utf8).write(to: model)

        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["complete", "--provider", "local", "hello"]
        process.currentDirectoryURL = scratch.url
        var environment = ProcessInfo.processInfo.environment
        environment["WORKBENCH_WORKSPACE"] = nil
        environment["WORKBENCH_CACHE"] = scratch.url.appendingPathComponent("cache").path
        environment["WORKBENCH_LLAMA_SERVER"] = server.path
        environment["WORKBENCH_LOCAL_MODEL"] = model.path
        environment["WORKBENCH_SETPRIV"] = scratch.url.appendingPathComponent("no-setpriv").path  // as if it were not installed
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        #expect(waitUntil(seconds: 30) { (try? String(contentsOf: pidFile, encoding: .utf8)) != nil }, "the server started")
        let pid = try #require(Int32((try? String(contentsOf: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        defer { if !isDead(pid) { kill(pid, SIGKILL) } }
        // The helper became the server in place: the workbench is its parent.
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        #expect(status.contains("PPid:\t\(process.processIdentifier)\n"))
        #expect(!isDead(pid))

        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(waitUntil(seconds: 10) { isDead(pid) }, "the server outlived the workbench that started it")
    }
}
