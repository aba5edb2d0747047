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
        let processor = QueueProcessor(queue: fixture.server.queue, runner: EngineBookRunner(database: fixture.database, factory: factory, reportsFolder: nil),
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
        var cutAfter = 0.3
        let deadline = Date().addingTimeInterval(240)
        while received.last.map({ !$0.kind.hasPrefix("job.") }) ?? true, Date() < deadline {
            let got = Self.events(try Self.curl(["-H", "Last-Event-ID: \(received.last?.id ?? 0)", url + "/api/jobs/\(id)/events"], token: fixture.token, maxTime: cutAfter))
            cutAfter = got.isEmpty ? min(cutAfter * 2, 5) : 0.3
            received += got
            cuts += 1
        }
        #expect(cuts >= 2, "the stream was never cut: the test proves nothing")
        // One uninterrupted replay from the start is the truth the pieces must add up to.
        let whole = Self.events(try Self.curl([url + "/api/jobs/\(id)/events"], token: fixture.token))
        #expect(received.map(\.id) == whole.map(\.id) && received.map(\.kind) == whole.map(\.kind),
                "\(cuts) connections: received \(received.map(\.id)), the whole stream \(whole.map(\.id))")
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
}
