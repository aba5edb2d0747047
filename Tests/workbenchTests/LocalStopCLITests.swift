import Foundation
import Testing

/// `local stop` kills only our own llama-server.
@Suite(.serialized) struct LocalStopCLITests {
    @Test func aStateFileNamingAnUnrelatedProcessKillsNothing() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/usr/bin/sleep")
        bystander.arguments = ["30"]
        try bystander.run()
        defer { kill(bystander.processIdentifier, SIGKILL); bystander.waitUntilExit() }
        let cache = scratch.url.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let state = cache.appendingPathComponent("local-server.json")
        try Data(#"{"pid": \#(bystander.processIdentifier), "port": 8089, "model": "m.gguf", "startedAt": 0}"#.utf8).write(to: state)

        let result = try CLI.run(["local", "stop"], in: scratch.url, environment: ["WORKBENCH_CACHE": cache.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("not our llama-server; removed the stale state file, killed nothing"), "\(result.stdout)")
        usleep(200_000)
        #expect(bystander.isRunning && !isDead(bystander.processIdentifier), "an unrelated process survives")
        #expect(!FileManager.default.fileExists(atPath: state.path))
    }

    @Test func ourOwnSharedServerIsStopped() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        // A stand-in llama-server that answers its health check on the port it is given.
        let server = scratch.url.appendingPathComponent("llama-server")
        try Data("""
            #!/usr/bin/python3
            import http.server, sys
            port = int(sys.argv[sys.argv.index("--port") + 1])
            class Health(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
                def log_message(self, *args): pass
            http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()

            """.utf8).write(to: server)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: server.path)
        let model = scratch.url.appendingPathComponent("model.gguf")
        try Data("not a model".utf8).write(to: model)
        let cache = scratch.url.appendingPathComponent("cache")
        let environment = ["WORKBENCH_CACHE": cache.path, "WORKBENCH_LLAMA_SERVER": server.path, "WORKBENCH_LOCAL_MODEL": model.path]

        let started = try CLI.run(["local", "start"], in: scratch.url, environment: environment)
        #expect(started.status == 0, "\(started.stderr)")
        let state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: cache.appendingPathComponent("local-server.json"))) as? [String: Any])
        let pid = try #require((state["pid"] as? NSNumber)?.int32Value)
        defer { if !isDead(pid) { kill(pid, SIGKILL) } }
        let stopped = try CLI.run(["local", "stop"], in: scratch.url, environment: environment)
        #expect(stopped.stdout == "stopped\n", "\(stopped.stdout) \(stopped.stderr)")
        #expect(waitUntil(seconds: 5) { isDead(pid) })
    }
}
