import Foundation
import Testing

/// `workbench serve` as a process: its token, the served workspace, a SIGKILL mid-book,
/// schemathesis against its OpenAPI document, and the dashboard in headless Chromium.
@Suite("workbench serve as a process", .serialized)
struct ServeCLITests {
    struct Served {
        let process: Process
        let log: URL
        let url: String
        let token: String

        func stop(_ signal: Int32 = SIGTERM) {
            if process.isRunning { kill(process.processIdentifier, signal) }
            process.waitUntilExit()
        }
    }

    /// Starts `serve --port 0` in `scratch` and waits for its address (and the token, the first time).
    static func start(_ scratch: Scratch, _ arguments: [String] = [], token known: String? = nil, environment: [String: String] = [:]) throws -> Served {
        let (process, log) = try launch(["serve", "--port", "0"] + arguments, in: scratch.url, environment: environment, log: "serve")
        var url: String?, token = known
        _ = waitUntil(seconds: 60) {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                if line.hasPrefix("workbench serving "), let at = line.range(of: " at ") { url = String(line[at.upperBound...]) }
                if line.hasPrefix("token: ") { token = String(line.dropFirst(7)) }
            }
            return (url != nil && token != nil) || !process.isRunning
        }
        guard let url, let token else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw CLIError("serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        return Served(process: process, log: log, url: url, token: token)
    }

    struct CLIError: Error, CustomStringConvertible {
        let description: String
        init(_ text: String) { description = text }
    }

    /// `curl` against the server with its token (and the CSRF header); the body and the status.
    static func call(_ served: Served, _ method: String, _ path: String, json: String? = nil) throws -> (status: Int, body: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-s", "-X", method, "-H", "Authorization: Bearer \(served.token)", "-H", "X-Workbench-CSRF: 1", "-w", "\n%{http_code}", "--max-time", "60"]
        if let json { arguments += ["-H", "Content-Type: application/json", "-d", json] }
        process.arguments = arguments + [served.url + path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    static func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test func theServerOwnsTheWorkspaceAndPrintsItsTokenOnce() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let served = try Self.start(scratch, ["--parallel", "0", "--experiment", simExperiment])
        defer { served.stop() }
        // Commands that write refuse the served workspace; those that read work.
        let refused = try CLI.run(["queue", "pause"], in: scratch.url)
        #expect(refused.status == 75 && refused.stderr.contains("served by `workbench serve` (pid \(served.process.processIdentifier) serving \(served.url))"), "\(refused.stderr)")
        #expect(try CLI.run(["queue", "list"], in: scratch.url).status == 0)
        #expect(try CLI.run(["serve", "--port", "0"], in: scratch.url).status == 75)
        served.stop()
        // Started again: the same token, not printed; --rotate-token makes a new one.
        let again = try Self.start(scratch, ["--parallel", "0", "--experiment", simExperiment], token: served.token)
        #expect(!(try String(contentsOf: again.log, encoding: .utf8)).contains("token: "))
        #expect(try Self.call(again, "GET", "/api/queue").status == 200)
        again.stop()
        let rotated = try Self.start(scratch, ["--parallel", "0", "--experiment", simExperiment, "--rotate-token"])
        defer { rotated.stop() }
        #expect(rotated.token != served.token)
        #expect(try Self.call(Served(process: rotated.process, log: rotated.log, url: rotated.url, token: served.token), "GET", "/api/queue").status == 401)
        #expect(try Self.call(rotated, "GET", "/api/queue").status == 200)
    }

    @Test func aServerKilledMidBookIsRestartedAndTheJobContinuesToItsEnd() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let experiment = try slowSimExperiment(in: scratch, ttftMilliseconds: 30, tokensPerSecond: 4000, chapters: 3, words: 1500, concurrency: 1)
        let first = try Self.start(scratch, ["--experiment", experiment])
        let created = try Self.call(first, "POST", "/api/books", json: "{\"premise\": \"A keeper finds a letter\", \"experiment\": \"slow\"}")
        #expect(created.status == 202, "\(created.body)")
        #expect(waitUntil(seconds: 60) { (Self.object((try? Self.call(first, "GET", "/api/jobs/1").body) ?? "")["progress"] as? [String: Any])?["chapters_done"] as? Int == 1 })
        first.stop(SIGKILL)

        let second = try Self.start(scratch, ["--experiment", experiment], token: first.token)
        defer { second.stop() }
        #expect(waitUntil(seconds: 120) { Self.object((try? Self.call(second, "GET", "/api/jobs/1").body) ?? "")["status"] as? String == "done" })
        let job = Self.object(try Self.call(second, "GET", "/api/jobs/1").body)
        #expect(job["attempts"] as? Int == 1, "a killed server's attempt is not counted: \(job)")
        #expect((job["progress"] as? [String: Any])?["chapters_done"] as? Int == 3)
        // The whole stream, across both servers: numbered 1…n without a gap, ending with job.done.
        let stream = try Self.call(second, "GET", "/api/jobs/1/events").body
        let ids = stream.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
        #expect(!ids.isEmpty && ids == Array(1...ids.count))
        #expect(stream.contains("event: run.resumed") && stream.contains("event: job.done"))
        let runs = try listedRuns(in: scratch.url)
        #expect(runs.count == 1 && runs.first?["status"] as? String == "succeeded")
    }

    @Test func schemathesisFindsNoServerErrorAndNoResponseOutsideTheSpec() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let served = try Self.start(scratch, ["--experiment", simExperiment, "--parallel", "2"])
        defer { served.stop() }
        // Something to read: a book written through the API.
        _ = try Self.call(served, "POST", "/api/books", json: "{\"premise\": \"A keeper finds a letter\", \"chapters\": 2, \"words\": 300}")
        let schema = scratch.url.appendingPathComponent("openapi.json")
        try Data(try Self.call(served, "GET", "/api/openapi.json").body.utf8).write(to: schema)
        // Every check but positive_data_acceptance: the schema cannot say that exactly one of
        // premise/outline/text is given, that chapters are numbered 1…n, or that a cursor is one the
        // server gave, so some schema-valid bodies are rightly refused with a 4xx.
        let (process, log) = try launch(["python3", "-m", "schemathesis.cli", "run", schema.path, "--url", served.url,
                                         "-H", "Authorization: Bearer \(served.token)", "-H", "X-Workbench-CSRF: 1",
                                         "--checks", "all", "--exclude-checks", "positive_data_acceptance",
                                         "-n", "12", "--seed", "20", "--max-time", "120", "--request-timeout", "60", "--workers", "1"],
                                        in: scratch.url, executable: URL(fileURLWithPath: "/usr/bin/env"), log: "schemathesis")
        process.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(output.suffix(6000))")
        #expect(output.contains("Tested: 27"), "\(output.suffix(2000))")
    }
}

extension ServeCLITests {
    /// The page in headless Chromium (Debian's package) over the DevTools protocol
    /// (scripts/dashboard-check.py): loaded, a book started through the API, the chapter bars
    /// filling in from the event stream without a reload, no console error; screenshots at
    /// 1280 px and a phone's width written to the repository's Reports/.
    @Test func theDashboardFollowsABookLiveInHeadlessChromium() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let experiment = try slowSimExperiment(in: scratch, ttftMilliseconds: 30, tokensPerSecond: 3000, chapters: 3, words: 1200, concurrency: 1)
        let served = try Self.start(scratch, ["--experiment", experiment, "--baselines", repositoryRoot.appendingPathComponent("Baselines").path])
        defer { served.stop() }
        let reports = repositoryRoot.appendingPathComponent("Reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        let screenshot = reports.appendingPathComponent("dashboard.png")
        try? FileManager.default.removeItem(at: screenshot)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("scripts/dashboard-check.py").path, "--url", served.url, "--token", served.token,
                             "--screenshot", screenshot.path, "--timeout", "150", "--regress", "sim-v3.0"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        let result = Self.object(output)
        let checks = try #require(result["checks"] as? [String: Bool], "\(output)")
        #expect(checks.count == 7 && checks.values.allSatisfy { $0 }, "\(output)")
        #expect(FileManager.default.fileExists(atPath: screenshot.path))
        #expect(FileManager.default.fileExists(atPath: reports.appendingPathComponent("dashboard-phone.png").path))
    }
}
