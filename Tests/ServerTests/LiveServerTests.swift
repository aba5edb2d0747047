import Experiments
import Foundation
import Queue
import Server
import Store
import Synchronization
import Testing
import WorkbenchCore

/// The server on a real socket with its processor writing books through the simulator.
@Suite("REST API on a live socket", .serialized)
struct LiveServerTests {
    /// Starts the server with a processor on a free port; returns its base URL and the task to cancel.
    static func start(_ fixture: ServerFixture) async throws -> (url: String, task: Task<Void, any Error>) {
        let factory = ServerFixture.simulatorFactory()
        var settings = ProcessorSettings()
        settings.parallel = 2
        settings.mode = .forever
        settings.poll = 0.05
        let processor = QueueProcessor(queue: fixture.server.queue, runner: EngineJobRunner(database: fixture.database, factory: factory, reportsFolder: nil),
                                       settings: settings, owner: "test", spend: { _ in 0 }, report: fixture.server.observe)
        let port = Mutex(0)
        let task = Task {
            try await fixture.server.run(processor: processor, handlesSignals: false) { bound in port.withLock { $0 = bound } }
            await factory.shutdown()
        }
        for _ in 0..<500 where port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
        let bound = port.withLock { $0 }
        try #require(bound > 0)
        return ("http://127.0.0.1:\(bound)", task)
    }

    /// `curl` with the token; `maxTime` cuts the connection (a forced disconnect).
    static func curl(_ arguments: [String], token: String, maxTime: Double? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-N", "-H", "Authorization: Bearer \(token)"] + (maxTime.map { ["--max-time", String($0)] } ?? []) + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The (id, event) pairs of a server-sent-events text: only whole events (ended by a blank
    /// line), as EventSource dispatches them; a cut one is dropped and replayed after reconnecting.
    static func events(_ text: String) -> [(id: Int, kind: String)] {
        text.components(separatedBy: "\n\n").dropLast().compactMap { block in
            var id: Int?, kind: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { kind = String(line.dropFirst(7)) }
            }
            guard let id, let kind else { return nil }
            return (id, kind)
        }
    }

    @Test func anEventStreamCutAgainAndAgainLosesAndRepeatsNothing() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        let (url, task) = try await Self.start(fixture)
        defer { task.cancel() }
        let created = try Self.curl(["-X", "POST", "-H", "X-Workbench-CSRF: 1", "-H", "Content-Type: application/json",
                                     "-d", "{\"premise\": \"A keeper finds a letter\", \"chapters\": 3, \"words\": 600}", url + "/api/books"], token: fixture.token)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])?["id"] as? Int)

        // Reconnect with Last-Event-ID after every cut, as EventSource does, until the final event.
        // A connection that brought no whole event (a loaded machine) is given longer next time.
        var received: [(id: Int, kind: String)] = []
        var cuts = 0
        var cutAfter = 0.05
        // Long: under the whole suite the in-process server shares two cores' worth of threads
        // with tests that block theirs, and a 3-chapter book has taken over 240 s.
        let deadline = Date().addingTimeInterval(600)
        while received.last.map({ !$0.kind.hasPrefix("job.") }) ?? true, Date() < deadline {
            let got = Self.events(try Self.curl(["-H", "Last-Event-ID: \(received.last?.id ?? 0)", url + "/api/jobs/\(id)/events"], token: fixture.token, maxTime: cutAfter))
            cutAfter = got.isEmpty ? min(cutAfter * 2, 5) : 0.05
            received += got
            cuts += 1
        }
        #expect(cuts >= 2, "the stream was never cut: the test proves nothing: \(received)")
        try #require(received.last?.kind.hasPrefix("job.") == true, "the book did not end within 600 s: \(received.map { "\($0.id) \($0.kind)" })")
        // One uninterrupted replay from the start is the truth the pieces must add up to.
        let whole = Self.events(try Self.curl([url + "/api/jobs/\(id)/events"], token: fixture.token))
        #expect(received.map(\.id) == whole.map(\.id) && received.map(\.kind) == whole.map(\.kind),
                "\(cuts) connections: received \(received.map { "\($0.id) \($0.kind)" }), the whole stream \(whole.map { "\($0.id) \($0.kind)" })")
        #expect(whole.map(\.id) == Array(1...whole.count))
        #expect(whole.last?.kind == "job.done" && whole.contains { $0.kind == "chapter.scored" } && whole.contains { $0.kind == "book.done" })
        // A client that has the final event is told to stop.
        #expect(try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "Last-Event-ID: \(whole.last!.id)", url + "/api/jobs/\(id)/events"], token: fixture.token) == "204")
    }

    @Test func aChapterWithWaitAnswersWithTheRoadmapsShape() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        let (url, task) = try await Self.start(fixture)
        defer { task.cancel() }
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["outline": ServerFixture.outlineJSON(chapters: 3), "chapter_num": 2,
                                                                                "quality_target": 6.0, "word_count": 400]), as: UTF8.self)
        let answer = try Self.curl(["-X", "POST", "-H", "X-Workbench-CSRF: 1", "-H", "Content-Type: application/json", "-d", body, url + "/api/generate/chapter?wait=true"],
                                   token: fixture.token)
        let result = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any], "\(answer)")
        let text = try #require(result["chapter_text"] as? String)
        #expect(text.split(separator: " ").count > 200)
        #expect((result["quality_score"] as? Double).map { $0 > 0 && $0 <= 10 } == true)
        #expect((result["metrics"] as? [String: Any])?["detail_density"] != nil)
        #expect(result["cost"] is Double && result["chapter_num"] as? Int == 2)
        // Only that chapter was written.
        let book = try fixture.database.book(matchingBookOrRun: try #require(result["run_id"] as? String))
        #expect(try fixture.database.latestChapterVersions(bookID: book.id).map(\.chapter) == [2])
    }

    @Test func aRegressWithWaitAnswersWithTheVerdictAndJoinsTheBaselinesHistory() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        let (url, task) = try await Self.start(fixture)
        defer { task.cancel() }
        let answer = try Self.curl(["-X", "POST", "-H", "X-Workbench-CSRF: 1", "-H", "Content-Type: application/json", "-d", #"{"baseline": "sim-v3.0", "samples": 1}"#,
                                    url + "/api/regress?wait=true"], token: fixture.token)
        let result = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any], "\(answer)")
        // The simulator is deterministic and the prompts are the baseline's: nothing dropped.
        #expect(result["passed"] as? Bool == true && result["baseline"] as? String == "sim-v3.0", "\(answer.prefix(2000))")
        let report = try #require(result["report"] as? [String: Any])
        #expect(report["passed"] as? Bool == true && (report["result"] as? [String: Any])?["rows"] != nil)
        let run = try #require(result["run_id"] as? String)
        let job = try #require(result["job_id"] as? Int)

        let shown = try JSONSerialization.jsonObject(with: Data(try Self.curl([url + "/api/jobs/\(job)"], token: fixture.token).utf8)) as? [String: Any]
        let progress = try #require(shown?["progress"] as? [String: Any])
        #expect(shown?["kind"] as? String == "regress" && shown?["status"] as? String == "done")
        #expect(progress["chapters_total"] as? Int == 10 && progress["chapters_done"] as? Int == 10, "every suite chapter's one sample: \(progress)")
        let baseline = try JSONSerialization.jsonObject(with: Data(try Self.curl([url + "/api/baselines/sim-v3.0"], token: fixture.token).utf8)) as? [String: Any]
        let history = try #require(baseline?["history"] as? [[String: Any]])
        #expect(history.count == 1 && history[0]["run_id"] as? String == run && history[0]["passed"] as? Bool == true)
        // The stream of a finished regress replays its run and ends with the job's final event.
        let events = Self.events(try Self.curl([url + "/api/jobs/\(job)/events"], token: fixture.token, maxTime: 30))
        #expect(events.first?.kind == "suite.started" && events.contains { $0.kind == "regress.verdict" } && events.last?.kind == "job.done", "\(events.map(\.kind))")
    }

    @Test func aRegressLeftRunningByAKilledProcessorRunsAgainAndItsOldRunIsClosed() async throws {
        let fixture = try ServerFixture()
        defer { fixture.delete() }
        let request = RegressionRequest(baseline: "sim-v3.0", baselinesFolder: ServerFixture.repository.appendingPathComponent("Baselines").path, samples: 1)
        let experiment = ServerFixture.repository.appendingPathComponent("Experiments/regress-sim.yaml").path
        let queue = fixture.server.queue
        let queued = try await queue.enqueue([NewJob(source: .regress(request), sourceName: "api", experiment: experiment)], at: Date())[0]
        // A processor that died mid-regress: the job leased, its run started and never closed.
        _ = try #require(try await queue.claim(owner: "killed", lease: 600, at: Date()))
        let earlier = try fixture.database.startRun(kind: .regress, configJSON: "{}", gitRevision: nil)
        try queue.attach(queued.id, owner: "killed", run: earlier.id)

        let (_, task) = try await Self.start(fixture)
        defer { task.cancel() }
        var job = try await queue.job(queued.id)
        let deadline = Date().addingTimeInterval(180)
        while !job.status.isFinal, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            job = try await queue.job(queued.id)
        }
        #expect(job.status == .done && job.attempts == 1, "handed back untried, then run once: \(job.status) \(job.lastError ?? "")")
        let run = try #require(job.runID)
        #expect(run != earlier.id, "a new run, not the half-written one")
        #expect(try fixture.database.run(matching: earlier.id.rawValue).status == .interrupted)
        #expect(try RegressionVerdict.verdict(of: run, in: fixture.database)?.passed == true)
    }
}
