import Engine
import Foundation
import GRDB
import LLM
import Queue
import Simulator
import Store
import Synchronization
import WorkbenchCore

/// Issue #19's batch targets (`workbench-bench --only queue-batch`, its own process in `make bench`):
/// - limiter: 100 books of 5 chapters, `--parallel 10`, a global limit of 600 requests/minute
///   (the batch alone sends ~30× that): the most any 60 s window saw at the simulator (goal ≤ 600),
///   and the use of the limit from the first request to the last (goal ≥ 95%);
/// - chaos: 20 books, `queue process` SIGKILLed at 10 seeded random moments (each within a tenth
///   of an uninterrupted batch's time after it started) and started again each time, then run to the end: books done, manuscripts identical to an uninterrupted
///   batch, chapter versions and paid calls equal to it, `PRAGMA integrity_check`;
/// - faults: 200 books through 30% injected transient faults (429, 500, 503, truncated,
///   malformed, reset): the share completed (goal ≥ 99.5%) and books lost (goal 0);
/// - dashboard: `queue process` on a pseudo-terminal (`script`), the most frames drawn in any second (goal ≤ 10);
/// - cancel: `queue cancel` of a book mid-chapter until the processor has stopped its calls (goal ≤ 1 s).
enum QueueBatchBenchmarks {
    static let prompts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/prompts/v1").standardized.path

    /// A workspace with a providers.yaml naming the simulator at `url` (or one started per
    /// process with `simulator`) and an experiment of `chapters` × `words`.
    static func workspace(_ folder: URL, provider: String, chapters: Int, words: Int, concurrency: Int) throws -> (WorkbenchDatabase, String) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("providers:\n  bench:\n    kind: sim\n\(provider)".utf8).write(to: folder.appendingPathComponent("providers.yaml"))
        try Data("""
            routes: {plan: [bench], generate: [bench], enhance: [bench]}
            prompts: \(prompts)
            book: {chapters: \(chapters), words_per_chapter: \(words)}
            enhancement: {iterations: 1}
            concurrency: \(concurrency)
            seed: 11
            """.utf8).write(to: folder.appendingPathComponent("batch.yaml"))
        let database = try WorkbenchDatabase.open(Workspace(root: folder), create: true)
        return (database, folder.appendingPathComponent("batch.yaml").path)
    }

    static func enqueue(_ count: Int, into database: WorkbenchDatabase, experiment: String, attempts: Int = 3) throws {
        let subjects = ["a keeper's daughter and a sealed letter", "a thief in a city of bells", "a cartographer of a drowned coast",
                        "twin sisters and a failing circus", "a ferryman paid in secrets", "a glassblower's apprentice and a fire"]
        _ = try SQLiteJobQueue(database: database).enqueue((0..<count).map {
            NewJob(source: .premise("A novel about \(subjects[$0 % subjects.count]), book \($0 + 1)."), sourceName: "premise-\($0 + 1).txt",
                   experiment: experiment, maxAttempts: attempts)
        }, at: Date())
    }

    static func process(_ database: WorkbenchDatabase, parallel: Int, limiter: GlobalRateLimiter? = nil, backoff: TimeInterval = 10) async throws -> ProcessorSummary {
        let factory = ProviderFactory(environment: [:], sharedLimiter: limiter) { seed, settings in
            var options = SimulatorOptions()
            options.seed = seed
            if let settings { options.apply(settings) }
            return try await SimulatorServer.start(options).baseURL
        }
        var settings = ProcessorSettings()
        settings.parallel = parallel
        settings.backoff = backoff
        let processor = QueueProcessor(queue: SQLiteJobQueue(database: database),
                                       runner: EngineJobRunner(database: database, factory: factory, reportsFolder: nil),
                                       settings: settings, owner: "bench", spend: { _ in 0 }, report: { _ in })
        let summary = try await processor.run()
        await factory.shutdown()
        return summary
    }

    /// `part`: one of limiter, chaos, faults, dashboard, cancel (nil: all five).
    static func run(into report: inout BenchReport, binary: URL, part: String?) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-batch-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        if part == nil || part == "limiter" { try await limiter(into: &report, folder: folder.appendingPathComponent("limiter")) }
        if part == nil || part == "chaos" { try chaos(into: &report, binary: binary, folder: folder.appendingPathComponent("chaos")) }
        if part == nil || part == "faults" { try await faults(into: &report, folder: folder.appendingPathComponent("faults")) }
        if part == nil || part == "dashboard" { try dashboard(into: &report, binary: binary, folder: folder.appendingPathComponent("dashboard")) }
        if part == nil || part == "cancel" { try await cancel(into: &report, folder: folder.appendingPathComponent("cancel")) }
    }

    // MARK: Cancel

    /// `queue cancel` of a book mid-chapter, five times: how long until the processor has
    /// stopped it (its in-flight calls aborted), and requests the simulator received after that.
    static func cancel(into report: inout BenchReport, folder: URL) async throws {
        var options = SimulatorOptions()
        options.recordArrivals = true
        options.timeToFirstToken = .milliseconds(100)
        options.tokensPerSecond = 400
        let server = try await SimulatorServer.start(options)
        defer { Task { await server.stop() } }
        let (database, experiment) = try workspace(folder, provider: "    base_url: \(server.baseURL)\n", chapters: 4, words: 2000, concurrency: 4)
        let queue = SQLiteJobQueue(database: database)
        let factory = ProviderFactory(environment: [:], startSimulator: nil)
        var stops: [Double] = [], late = 0
        for round in 0..<5 {
            try enqueue(1, into: database, experiment: experiment)
            guard let id = try queue.jobs(status: [.pending]).first?.id else { throw BenchError.commandFailed("no job to cancel", 0) }
            let stopped = Mutex<ContinuousClock.Instant?>(nil)
            var settings = ProcessorSettings()
            settings.parallel = 1
            let processor = QueueProcessor(queue: queue, runner: EngineJobRunner(database: database, factory: factory, reportsFolder: nil),
                                           settings: settings, owner: "bench-\(round)", spend: { _ in 0 }) { event in
                if case .cancelled = event { stopped.withLock { $0 = .now } }
            }
            let task = Task { try await processor.run() }
            // Mid-chapter: the drafts have been asked for.
            let before = server.arrivals.count
            while server.arrivals.count < before + 3 { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(300))
            let asked = ContinuousClock.now
            _ = try queue.cancel(id, at: Date())
            _ = try await task.value
            guard let at = stopped.withLock({ $0 }) else { throw BenchError.commandFailed("the processor did not report the cancel", 0) }
            stops.append((at - asked).seconds)
            try await Task.sleep(for: .milliseconds(500))
            late += server.arrivals.filter { $0 > at }.count
        }
        await factory.shutdown()
        report.add("queue-batch", "cancel: queue cancel of a book mid-chapter until its calls are stopped, worst of 5 (goal ≤ 1 s)", stops.max() ?? .nan, "s")
        report.add("queue-batch", "cancel: the same, median of 5", percentile(stops, 0.5), "s")
        report.add("queue-batch", "cancel: requests the simulator received after a book was stopped (goal 0)", Double(late), "requests")
    }

    // MARK: The global limiter

    static func limiter(into report: inout BenchReport, folder: URL) async throws {
        var options = SimulatorOptions()
        options.recordArrivals = true
        options.timeToFirstToken = .milliseconds(40)
        options.tokensPerSecond = 4000
        options.threads = 2
        let server = try await SimulatorServer.start(options)
        defer { Task { await server.stop() } }
        let limit = RateLimitSpec(amount: 600, period: .minute)
        let (database, experiment) = try workspace(folder, provider: "    base_url: \(server.baseURL)\n", chapters: 5, words: 300, concurrency: 5)

        // What the batch sends with no limit, over its first 10 books.
        try enqueue(10, into: database, experiment: experiment)
        let free = ContinuousClock.now
        _ = try await process(database, parallel: 10)
        let unlimited = Double(server.arrivals.count) / (ContinuousClock.now - free).seconds
        let before = server.arrivals.count

        try enqueue(100, into: database, experiment: experiment)
        let summary = try await process(database, parallel: 10, limiter: GlobalRateLimiter(requests: limit, tokens: nil))
        guard summary.done == 100 else { throw BenchError.commandFailed("the limited batch finished \(summary.done) of 100 books", 0) }
        let arrivals = Array(server.arrivals.dropFirst(before))
        let times = arrivals.map { ($0 - arrivals[0]).seconds }
        var busiest = 0, low = 0
        for high in times.indices {
            while times[high] - times[low] >= 60 { low += 1 }
            busiest = max(busiest, high - low + 1)
        }
        let span = times.last ?? 0
        let use = Double(times.count - 1) / (span * limit.perSecond)
        report.add("queue-batch", "100 books × 5 chapters, --parallel 10: requests/s sent with no limit (first 10 books)", unlimited, "req/s")
        report.add("queue-batch", "same under --rate-limit 600/minute: most requests in any 60 s window at the server (goal ≤ 600)", Double(busiest), "requests")
        report.add("queue-batch", "same: use of the limit from first request to last (goal ≥ 95%)", use * 100, "%")
        report.add("queue-batch", "same: requests sent / batch time", span / 60, "min")
    }

    // MARK: SIGKILL chaos

    static func chaos(into report: inout BenchReport, binary: URL, folder: URL) throws {
        let provider = "    simulator: {ttft_ms: 120, tokens_per_second: 800}\n"
        let (reference, experiment) = try workspace(folder.appendingPathComponent("reference"), provider: provider, chapters: 4, words: 500, concurrency: 2)
        let (killed, killedExperiment) = try workspace(folder.appendingPathComponent("killed"), provider: provider, chapters: 4, words: 500, concurrency: 2)
        try enqueue(20, into: reference, experiment: experiment)
        try enqueue(20, into: killed, experiment: killedExperiment)
        let uninterrupted = try measure {
            try CLIBenchmarks.spawn(binary, ["queue", "process", "--workspace", folder.appendingPathComponent("reference").path, "--parallel", "4", "--plain"])
        }
        var random = SeededGenerator(seed: 19)
        var kills = 0, tries = 0
        while kills < 10, tries < 40, try SQLiteJobQueue(database: killed).jobs(status: [.pending, .running]).count > 0 {
            tries += 1
            let process = Process()
            process.executableURL = binary
            process.arguments = ["queue", "process", "--workspace", folder.appendingPathComponent("killed").path, "--parallel", "4", "--plain"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // A moment within a tenth of the uninterrupted batch's length, so the kills land
            // mid-book and spread over the whole batch.
            Thread.sleep(forTimeInterval: 0.3 + random.nextUnit() * uninterrupted / 10)
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
        }
        try CLIBenchmarks.spawn(binary, ["queue", "process", "--workspace", folder.appendingPathComponent("killed").path, "--parallel", "4", "--plain"])

        func state(_ database: WorkbenchDatabase) throws -> (done: Int, manuscripts: [Int64: String], versions: Int, paid: Int, integrity: String) {
            let jobs = try SQLiteJobQueue(database: database).jobs(status: nil)
            var manuscripts: [Int64: String] = [:]
            for job in jobs where job.status == .done {
                guard let run = job.runID else { continue }
                let book = try database.book(matchingBookOrRun: run.rawValue)
                manuscripts[job.id] = Manuscript.markdown(of: book, chapters: try database.latestChapterVersions(bookID: book.id))
            }
            return try database.read { db in
                (jobs.filter { $0.status == .done }.count, manuscripts,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM chapter_versions") ?? -1,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM llm_calls WHERE outcome = 'ok'") ?? -1,
                 try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "")
            }
        }
        let a = try state(reference), b = try state(killed)
        let identical = a.manuscripts.keys.filter { b.manuscripts[$0] == a.manuscripts[$0] }.count
        report.add("queue-batch", "chaos: 20 books (uninterrupted: \(String(format: "%.1f", uninterrupted)) s), queue process SIGKILLed at \(kills) random moments: books done (goal 20)", Double(b.done), "books")
        report.add("queue-batch", "chaos: manuscripts byte-identical to the uninterrupted batch (goal 20)", Double(identical), "books")
        report.add("queue-batch", "chaos: chapter versions more than the uninterrupted batch (goal 0: none regenerated)", Double(b.versions - a.versions), "versions")
        report.add("queue-batch", "chaos: model-answered calls more than the uninterrupted batch (goal 0: none paid twice)", Double(b.paid - a.paid), "calls")
        report.add("queue-batch", "chaos: PRAGMA integrity_check ok (1 = ok)", b.integrity == "ok" ? 1 : 0, "")
    }

    // MARK: Faults

    static func faults(into report: inout BenchReport, folder: URL) async throws {
        let provider = "    simulator: {fault_rate: 0.3, faults: [\"429\", \"500\", \"503\", \"truncate\", \"malformed\", \"reset\"], retry_after_ms: 20}\n"
        let (database, experiment) = try workspace(folder, provider: provider, chapters: 3, words: 300, concurrency: 3)
        try enqueue(200, into: database, experiment: experiment)
        let started = ContinuousClock.now
        let summary = try await process(database, parallel: 20, backoff: 1)
        let jobs = try SQLiteJobQueue(database: database).jobs(status: nil)
        let done = jobs.filter { $0.status == .done }.count
        let accounted = jobs.filter { $0.status == .done || $0.status == .dead }.count
        report.add("queue-batch", "faults: 200 books through 30% transient faults, completed (goal ≥ 99.5%)", Double(done) / 2, "%")
        report.add("queue-batch", "faults: books lost, neither done nor dead (goal 0)", Double(200 - accounted), "books")
        let (failed, calls) = try database.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM llm_calls WHERE outcome LIKE 'error:%'") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM llm_calls WHERE outcome <> 'cached'") ?? 1)
        }
        report.add("queue-batch", "faults: share of requests that failed (the injected faults)", Double(failed) / Double(max(calls, 1)) * 100, "%")
        report.add("queue-batch", "faults: failed book attempts the queue retried", Double(summary.failedAttempts), "attempts")
        report.add("queue-batch", "faults: batch time", (ContinuousClock.now - started).seconds, "s")
    }

    // MARK: Dashboard

    static func dashboard(into report: inout BenchReport, binary: URL, folder: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            report.add("queue-batch", "dashboard: not measured (no /usr/bin/script for a pseudo-terminal)", 0, "")
            return
        }
        let (database, experiment) = try workspace(folder, provider: "    simulator: {ttft_ms: 20, tokens_per_second: 5000}\n", chapters: 3, words: 300, concurrency: 3)
        try enqueue(40, into: database, experiment: experiment)
        let log = folder.appendingPathComponent("typescript")
        let command = "\(binary.path) queue process --workspace \(folder.path) --parallel 8"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-q", "-e", "-t\(folder.appendingPathComponent("timing").path)", "-c", command, log.path]
        process.standardOutput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(["TERM": "xterm-256color"]) { _, new in new }
        try process.run()
        process.waitUntilExit()
        // The timing file: one "delay bytes" line per chunk the terminal received. A frame
        // starts with the cursor moved up over the last one (ESC [ n A); a long frame may
        // arrive in several chunks, so only the chunk holding that sequence counts.
        let timing = (try? String(contentsOf: folder.appendingPathComponent("timing"), encoding: .utf8)) ?? ""
        let output = [UInt8]((try? Data(contentsOf: log)) ?? Data())
        var starts: [Int] = []
        var index = 0
        while index + 2 < output.count {
            if output[index] == 0x1B, output[index + 1] == UInt8(ascii: "[") {
                var end = index + 2
                while end < output.count, (0x30...0x39).contains(output[end]) { end += 1 }
                if end > index + 2, end < output.count, output[end] == UInt8(ascii: "A") { starts.append(index) }
            }
            index += 1
        }
        var clock = 0.0, offset = 0, frames: [Double] = [], next = 0
        for line in timing.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let delay = Double(parts[0]), let bytes = Int(parts[1]) else { continue }
            clock += delay
            offset += bytes
            while next < starts.count, starts[next] < offset {
                frames.append(clock)
                next += 1
            }
        }
        var busiest = 0, low = 0
        for high in frames.indices {
            while frames[high] - frames[low] >= 1 { low += 1 }
            busiest = max(busiest, high - low + 1)
        }
        report.add("queue-batch", "dashboard: 40 books on a terminal, most frames drawn in any second (goal ≤ 10; \(frames.count) frames in \(String(format: "%.1f", clock)) s)", Double(busiest), "frames/s")
    }
}
