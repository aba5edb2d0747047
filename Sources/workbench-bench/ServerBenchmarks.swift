import Foundation
import Store
import WorkbenchCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Issue #20's targets against `workbench serve` as a process (`workbench-bench --only server
/// [--part start|cancel|streams|kill|rss]`, its own process in `make bench`):
/// - start: 1,000 `POST /api/books` one after another, the queue paused (goal p99 < 20 ms);
/// - cancel: 10 books cancelled mid-chapter, from the POST until their run has stopped its
///   calls (goal p95 ≤ 1 s);
/// - streams: one book followed by 100 event-stream clients at once and by one client cut every
///   0.3 s (at least 10 times) and reconnecting with Last-Event-ID: events lost and repeated (goal 0 and 0);
/// - kill: the server SIGKILLed mid-book and started again: the job's end and status;
/// - rss: a workspace of 100 books × 100 chapters paged through every list, book, manuscript
///   and report: the server's peak RSS (goal < 200 MB).
enum ServerBenchmarks {
    static let prompts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/prompts/v1").standardized.path

    struct Server {
        let process: Process
        let url: String
        let token: String
        let log: URL

        func stop(_ signal: Int32 = SIGTERM) {
            if process.isRunning { kill(process.processIdentifier, signal) }
            process.waitUntilExit()
        }

        /// The process's peak resident set (VmHWM), in MB.
        var peakMegabytes: Double {
            let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan) / 1024
        }
    }

    /// A workspace with an experiment against a simulator slowed to `ttft` ms and `rate` tokens/s.
    static func workspace(_ folder: URL, chapters: Int, words: Int, ttft: Int = 0, rate: Int = 0) throws -> String {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".workbench"), withIntermediateDirectories: true)
        let knobs = ttft > 0 ? "    simulator: {ttft_ms: \(ttft), tokens_per_second: \(rate)}\n" : ""
        try Data("providers:\n  bench:\n    kind: sim\n    model: sim-1\n\(knobs)".utf8).write(to: folder.appendingPathComponent("providers.yaml"))
        try Data("""
            routes: {plan: [bench], generate: [bench], enhance: [bench]}
            prompts: \(prompts)
            book: {chapters: \(chapters), words_per_chapter: \(words)}
            enhancement: {iterations: 1}
            concurrency: 1
            seed: 11
            """.utf8).write(to: folder.appendingPathComponent("book.yaml"))
        _ = try WorkbenchDatabase.open(Workspace(root: folder), create: true)
        return folder.appendingPathComponent("book.yaml").path
    }

    static func start(_ binary: String, workspace: URL, experiment: String, parallel: Int = 2, token known: String? = nil) throws -> Server {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--workspace", workspace.path, "--port", "0", "--experiment", experiment, "--parallel", String(parallel)]
        let log = workspace.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        var url: String?, token = known
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, url == nil || token == nil, process.isRunning {
            for line in ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n") {
                if line.hasPrefix("workbench serving "), let at = line.range(of: " at ") { url = String(line[at.upperBound...]) }
                if line.hasPrefix("token: ") { token = String(line.dropFirst(7)) }
            }
            usleep(20_000)
        }
        guard let url, let token else { throw BenchError("serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")") }
        return Server(process: process, url: url, token: token, log: log)
    }

    struct BenchError: Error, CustomStringConvertible {
        let description: String
        init(_ text: String) { description = text }
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 4
        return URLSession(configuration: configuration)
    }()

    static func call(_ server: Server, _ method: String, _ path: String, json: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: server.url + path)!)
        request.httpMethod = method
        request.setValue("Bearer \(server.token)", forHTTPHeaderField: "Authorization")
        request.setValue("1", forHTTPHeaderField: "X-Workbench-CSRF")
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    /// An event stream read by `curl` (cut after `maxTime` when given), as (id, kind) pairs of whole events.
    static func stream(_ server: Server, job: Int, after last: Int, maxTime: Double? = nil) throws -> [(Int, String)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-N", "-H", "Authorization: Bearer \(server.token)", "-H", "Last-Event-ID: \(last)"] + (maxTime.map { ["--max-time", String($0)] } ?? [])
            + [server.url + "/api/jobs/\(job)/events"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.components(separatedBy: "\n\n").dropLast().compactMap { block in
            var id: Int?, kind: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { kind = String(line.dropFirst(7)) }
            }
            guard let id, let kind else { return nil }
            return (id, kind)
        }
    }

    static func waitFor(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    static func run(into report: inout BenchReport, binary: String, part: String?) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bench-server-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        if part == nil || part == "start" { try await starts(into: &report, binary: binary, folder: root.appendingPathComponent("start")) }
        if part == nil || part == "cancel" { try await cancels(into: &report, binary: binary, folder: root.appendingPathComponent("cancel")) }
        if part == nil || part == "streams" { try await streams(into: &report, binary: binary, folder: root.appendingPathComponent("streams")) }
        if part == nil || part == "kill" { try await killed(into: &report, binary: binary, folder: root.appendingPathComponent("kill")) }
        if part == nil || part == "rss" { try await paging(into: &report, binary: binary, folder: root.appendingPathComponent("rss")) }
    }

    static func starts(into report: inout BenchReport, binary: String, folder: URL) async throws {
        let experiment = try workspace(folder, chapters: 2, words: 300)
        let server = try start(binary, workspace: folder, experiment: experiment)
        defer { server.stop() }
        _ = try await call(server, "POST", "/api/queue/pause")
        var times: [Double] = []
        for index in 0..<1_000 {
            let began = DispatchTime.now().uptimeNanoseconds
            let (status, _) = try await call(server, "POST", "/api/books", json: "{\"premise\": \"A keeper finds letter \(index)\"}")
            times.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1e6)
            guard status == 202 else { throw BenchError("POST /api/books answered \(status)") }
        }
        report.add("server", "job start: POST /api/books → 202, 1,000 one after another, p50", percentile(times, 0.5), "ms")
        report.add("server", "job start: the same, p99 (goal < 20 ms; the roadmap asks < 2 s)", percentile(times, 0.99), "ms")
        report.add("server", "job start: the same, worst", times.max() ?? .nan, "ms")
    }

    static func cancels(into report: inout BenchReport, binary: String, folder: URL) async throws {
        let experiment = try workspace(folder, chapters: 3, words: 2000, ttft: 30, rate: 2000)
        let server = try start(binary, workspace: folder, experiment: experiment, parallel: 1)
        defer { server.stop() }
        var stops: [Double] = []
        for index in 0..<10 {
            let (_, job) = try await call(server, "POST", "/api/books", json: "{\"premise\": \"A thief in a city of bells, book \(index)\"}")
            let id = job["id"] as? Int ?? 0
            var run = ""
            _ = try await waitFor(60) {
                let (_, shown) = try await call(server, "GET", "/api/jobs/\(id)")
                run = shown["run_id"] as? String ?? ""
                return ((shown["progress"] as? [String: Any])?["words"] as? Int ?? 0) > 0 || (!run.isEmpty && shown["status"] as? String == "running")
            }
            try await Task.sleep(for: .milliseconds(400))
            let began = Date()
            _ = try await call(server, "POST", "/api/jobs/\(id)/cancel")
            _ = try await waitFor(30) { try await call(server, "GET", "/api/runs/\(run)").1["status"] as? String != "running" }
            stops.append(Date().timeIntervalSince(began))
        }
        report.add("server", "cancel: POST /api/jobs/{id}/cancel mid-chapter until the run has stopped its calls, p95 of 10 (goal ≤ 1 s)", percentile(stops, 0.95), "s")
        report.add("server", "cancel: the same, median", percentile(stops, 0.5), "s")
    }

    static func streams(into report: inout BenchReport, binary: String, folder: URL) async throws {
        let experiment = try workspace(folder, chapters: 6, words: 1500, ttft: 20, rate: 2000)
        let server = try start(binary, workspace: folder, experiment: experiment, parallel: 1)
        defer { server.stop() }
        let (_, job) = try await call(server, "POST", "/api/books", json: "{\"premise\": \"A cartographer of a drowned coast\"}")
        let id = job["id"] as? Int ?? 0
        let clients = 100
        let peakBefore = server.peakMegabytes
        async let followers: [[(Int, String)]] = withThrowingTaskGroup(of: [(Int, String)].self) { group in
            for _ in 0..<clients { group.addTask { try stream(server, job: id, after: 0) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // One client cut every 0.3 s, reconnecting after the last whole event it had.
        var cut: [(Int, String)] = []
        var cuts = 0
        while cut.last.map({ !$0.1.hasPrefix("job.") }) ?? true, cuts < 500 {
            cut += try stream(server, job: id, after: cut.last?.0 ?? 0, maxTime: 0.3)
            cuts += 1
        }
        let all = try await followers
        let truth = try stream(server, job: id, after: 0)
        let complete = all.filter { $0.map(\.0) == truth.map(\.0) && $0.map(\.1) == truth.map(\.1) }.count
        let ids = cut.map(\.0)
        let lost = Set(truth.map(\.0)).subtracting(ids).count
        let repeated = ids.count - Set(ids).count
        report.add("server", "streams: \(clients) concurrent event-stream clients of one book that received every event exactly, in order", Double(complete), "clients")
        report.add("server", "streams: events in the book's stream", Double(truth.count), "events")
        report.add("server", "streams: forced disconnects of one client during the book (goal ≥ 10)", Double(cuts - 1), "disconnects")
        report.add("server", "streams: events that client lost across its reconnections (goal 0)", Double(lost), "events")
        report.add("server", "streams: events it received twice (goal 0)", Double(repeated), "events")
        report.add("server", "streams: server peak RSS with the \(clients) streams open (before them: \(String(format: "%.0f", peakBefore)) MB)", server.peakMegabytes, "MB")
    }

    static func killed(into report: inout BenchReport, binary: String, folder: URL) async throws {
        let experiment = try workspace(folder, chapters: 3, words: 1500, ttft: 30, rate: 3000)
        let first = try start(binary, workspace: folder, experiment: experiment, parallel: 1)
        let (_, job) = try await call(first, "POST", "/api/books", json: "{\"premise\": \"Twin sisters and a failing circus\"}")
        let id = job["id"] as? Int ?? 0
        _ = try await waitFor(60) { ((try await call(first, "GET", "/api/jobs/\(id)").1["progress"] as? [String: Any])?["chapters_done"] as? Int ?? 0) >= 1 }
        first.stop(SIGKILL)
        let restarted = Date()
        let second = try start(binary, workspace: folder, experiment: experiment, parallel: 1, token: first.token)
        defer { second.stop() }
        let done = try await waitFor(120) { try await call(second, "GET", "/api/jobs/\(id)").1["status"] as? String == "done" }
        let final = try await call(second, "GET", "/api/jobs/\(id)").1
        let ids = try stream(second, job: id, after: 0).map(\.0)
        report.add("server", "kill: SIGKILL mid-book, restart: seconds from the restart until the job is done", done ? Date().timeIntervalSince(restarted) : .nan, "s")
        report.add("server", "kill: the job ends done with 1 attempt and a gapless event stream (1 yes, 0 no)",
                   done && final["attempts"] as? Int == 1 && ids == Array(1...max(1, ids.count)) ? 1 : 0, "")
    }

    static func paging(into report: inout BenchReport, binary: String, folder: URL) async throws {
        let experiment = try workspace(folder, chapters: 2, words: 300)
        let database = try WorkbenchDatabase.open(Workspace(root: folder))
        let paragraph = String(repeating: "The keeper climbed the stair with the lamp and counted the ships that did not come. ", count: 18)
        let text = Array(repeating: paragraph, count: 6).joined(separator: "\n\n")  // ~1,600 words
        let words = text.split(separator: " ").count
        for book in 0..<100 {
            let run = try database.startRun(kind: .generate, configJSON: "{\"chapters\": 100}", gitRevision: nil)
            let record = try database.createBook(runID: run.id, title: "Bench book \(book)", chapterCount: 100)
            for chapter in 1...100 {
                _ = try database.addChapterVersion(bookID: record.id, chapter: chapter, text: text, wordCount: words, origin: "draft",
                                                   scores: [("heuristic-3", "quality", 7.5), ("heuristic-3", "detail_density", 4.2)])
            }
            try database.setBookStatus(record.id, "done")
            try database.finishRun(run.id, status: .succeeded)
        }
        let server = try start(binary, workspace: folder, experiment: experiment, parallel: 0)
        defer { server.stop() }
        let began = Date()
        var books: [String] = []
        var cursor: String?
        repeat {
            let (_, page) = try await call(server, "GET", "/api/books?limit=50" + (cursor.map { "&cursor=\($0)" } ?? ""))
            books += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = page["next_cursor"] as? String
        } while cursor != nil
        var chapters = 0
        for book in books {
            chapters += (try await call(server, "GET", "/api/books/\(book)").1["chapters"] as? [Any])?.count ?? 0
            _ = try await call(server, "GET", "/api/books/\(book)/manuscript")
            _ = try await call(server, "GET", "/api/books/\(book)/report?format=json")
        }
        cursor = nil
        repeat {
            let (_, page) = try await call(server, "GET", "/api/runs?limit=50" + (cursor.map { "&cursor=\($0)" } ?? ""))
            cursor = page["next_cursor"] as? String
        } while cursor != nil
        report.add("server", "rss: chapters paged (\(books.count) books: each book, manuscript and JSON report)", Double(chapters), "chapters")
        report.add("server", "rss: time to page them all", Date().timeIntervalSince(began), "s")
        report.add("server", "rss: server peak RSS while paging them (goal < 200 MB)", server.peakMegabytes, "MB")
    }
}
