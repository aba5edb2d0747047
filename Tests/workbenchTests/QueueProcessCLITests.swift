import Foundation
import GRDB
import Store
import Testing

/// `workbench queue process` as a process: books written from the queue, genres, bad flags,
/// one processor per workspace, cancel, and a processor killed with SIGKILL and started
/// again finishing every book exactly as an uninterrupted one does.
@Suite("queue process", .serialized)
struct QueueProcessCLITests {
    /// A simulator slow enough (ttft 60 ms, 1,500 tokens/s) that a kill lands mid-book.
    static func slowExperiment(in scratch: Scratch) throws -> String {
        try slowSimExperiment(in: scratch, ttftMilliseconds: 60, tokensPerSecond: 1500, chapters: 3, words: 400, concurrency: 3)
    }

    static func premises(_ count: Int, in scratch: Scratch) throws -> String {
        let folder = scratch.url.appendingPathComponent("premises")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let subjects = ["a keeper's daughter and a sealed letter", "a thief in a city of bells", "a cartographer who maps a drowned coast",
                        "twin sisters who inherit a failing circus", "a ferryman paid in secrets"]
        for index in 0..<count {
            try Data("A novel about \(subjects[index % subjects.count]), book \(index + 1).".utf8)
                .write(to: folder.appendingPathComponent(String(format: "p%02d.txt", index + 1)))
        }
        return folder.path
    }

    /// Job id → its book's manuscript (`books export`).
    static func manuscripts(in scratch: Scratch) throws -> [Int: String] {
        var result: [Int: String] = [:]
        for job in try QueueCLITests.jobs(scratch) {
            let id = try #require(job["id"] as? Int), run = try #require(job["run"] as? String, "job \(id) has no run")
            let exported = try CLI.run(["books", "export", run + "-1"], in: scratch.url)
            #expect(exported.status == 0, "\(exported.stderr)")
            result[id] = exported.stdout
        }
        return result
    }

    static func database(_ scratch: Scratch) throws -> DatabaseQueue {
        try DatabaseQueue(path: scratch.url.appendingPathComponent(".workbench/workbench.sqlite").path)
    }

    @Test func queuedBooksAreWrittenUnderTheirGenre() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let folder = try Self.premises(2, in: scratch)
        #expect(try CLI.run(["queue", "add", "--source", folder, "--experiment", simExperiment, "--chapters", "2", "--words", "300", "--genre", "thriller"],
                            in: scratch.url).status == 0)
        let long = scratch.url.appendingPathComponent("source.txt")
        try Data(String(repeating: "The sea took the village of Marrow Point in the winter of 1911, and the survivors carried what it left inland. ", count: 40).utf8).write(to: long)
        #expect(try CLI.run(["queue", "add", "--source", long.path, "--experiment", simExperiment, "--chapters", "2", "--words", "300", "--title", "Marrow Point"],
                            in: scratch.url).status == 0)
        let unknown = try CLI.run(["queue", "add", "--source", folder, "--experiment", simExperiment, "--genre", "western"], in: scratch.url)
        #expect(unknown.status == 65 && unknown.stderr.contains("no genre `western`") && unknown.stderr.contains("fantasy, romance, thriller"), "\(unknown.stderr)")
        #expect(try QueueCLITests.jobs(scratch).count == 3, "the unknown genre queued nothing")

        let processed = try CLI.run(["queue", "process", "--parallel", "2", "--plain"], in: scratch.url, timeout: 120)
        #expect(processed.status == 0, "\(processed.stderr)")
        #expect(processed.stdout.contains("queue: 3 done"), "\(processed.stdout)")
        let jobs = try QueueCLITests.jobs(scratch)
        #expect(jobs.allSatisfy { $0["status"] as? String == "done" })
        #expect(jobs.filter { $0["genre"] as? String == "thriller" }.count == 2)
        let runs = try listedRuns(in: scratch.url)
        #expect(runs.count == 3 && runs.allSatisfy { $0["status"] as? String == "succeeded" })
        // The genre is part of each run's record; the source text's book has its title and a drawn premise.
        let thriller = try #require(jobs.first { $0["genre"] as? String == "thriller" }?["run"] as? String)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(CLI.run(["runs", "show", thriller, "--json"], in: scratch.url).stdout.utf8)) as? [String: Any])
        #expect((record["config"] as? [String: Any])?["genre"] as? String == "thriller")
        let fromText = try #require(jobs.first { ($0["source"] as? [String: Any])?["kind"] as? String == "text" }?["run"] as? String)
        let shown = try CLI.run(["books", "show", fromText + "-1"], in: scratch.url)
        #expect(shown.stdout.hasPrefix("Marrow Point"), "\(shown.stdout)")
        let manuscripts = try FileManager.default.contentsOfDirectory(atPath: scratch.url.appendingPathComponent("Reports").path).filter { $0.hasSuffix(".md") }
        #expect(manuscripts.count == 3)

        let nothing = try CLI.run(["queue", "process", "--plain"], in: scratch.url)
        #expect(nothing.status == 0 && nothing.stdout.contains("queue: 0 done"), "\(nothing.stdout)")
    }

    @Test(arguments: [["--rate-limit", "100/fortnight"], ["--rate-limit", "0/hour"], ["--rate-limit", "lots"], ["--token-limit", "9000/day"],
                      ["--parallel", "0"], ["--budget", "-1"], ["--until-empty", "--forever"]])
    func badFlagsAreUsageErrorsNamingTheFlag(_ flags: [String]) throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let refused = try CLI.run(["queue", "process"] + flags, in: scratch.url)
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains(flags[0]), "\(refused.stderr)")
    }

    /// Starts `queue process` in the background, its lines going to a file.
    static func startProcessor(_ scratch: Scratch, _ arguments: [String]) throws -> (Process, URL) {
        try launch(["queue", "process", "--plain"] + arguments, in: scratch.url, log: "processor")
    }

    static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    @Test func oneProcessorPerWorkspaceAndACancelStopsABook() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let experiment = try Self.slowExperiment(in: scratch)
        #expect(try CLI.run(["queue", "add", "--source", try Self.premises(1, in: scratch), "--experiment", experiment, "--chapters", "3", "--words", "2000"],
                            in: scratch.url).status == 0)
        let (first, log) = try Self.startProcessor(scratch, ["--forever"])
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() } }
        #expect(waitUntil(seconds: 30) { Self.text(log).contains("planned") }, "\(Self.text(log))")
        let second = try CLI.run(["queue", "process"], in: scratch.url)
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.contains("a queue processor is already running in this workspace (pid \(first.processIdentifier)"), "\(second.stderr)")

        #expect(try CLI.run(["queue", "cancel", "1"], in: scratch.url).status == 0)
        #expect(waitUntil(seconds: 30) { Self.text(log).contains("job 1 cancelled") }, "\(Self.text(log))")
        // No call of the cancelled book starts after it was stopped.
        let calls = { try Self.database(scratch).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM llm_calls") ?? 0 } }
        let settled = try calls()
        Thread.sleep(forTimeInterval: 1)
        #expect(try calls() == settled)
        kill(first.processIdentifier, SIGTERM)
        first.waitUntilExit()
    }

    @Test func aProcessorKilledMidBatchResumesEveryBookExactly() throws {
        let reference = try Scratch(), killed = try Scratch()
        defer { reference.delete(); killed.delete() }
        for scratch in [reference, killed] {
            #expect(try CLI.run(["init"], in: scratch.url).status == 0)
            let experiment = try Self.slowExperiment(in: scratch)
            #expect(try CLI.run(["queue", "add", "--source", try Self.premises(4, in: scratch), "--experiment", experiment], in: scratch.url).status == 0)
        }
        let uninterrupted = try CLI.run(["queue", "process", "--parallel", "2", "--plain"], in: reference.url, timeout: 300)
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")

        // Killed twice: once mid-plan or early chapters, once later in the batch.
        for doneChapters in [1, 5] {
            let (process, log) = try Self.startProcessor(killed, ["--parallel", "2"])
            let reached = waitUntil(seconds: 120) { Self.text(log).components(separatedBy: " done: quality").count - 1 >= doneChapters }
            #expect(reached, "\(Self.text(log))")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
        }
        let finished = try CLI.run(["queue", "process", "--parallel", "2", "--plain"], in: killed.url, timeout: 300)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(finished.stdout.contains("took back"), "\(finished.stdout)")

        let expected = try Self.manuscripts(in: reference), got = try Self.manuscripts(in: killed)
        #expect(expected.count == 4 && got == expected, "every manuscript byte-identical to the uninterrupted batch")
        // Nothing regenerated, nothing paid twice: the same chapter versions and the same
        // answered-by-a-model calls as the uninterrupted batch (the rest came from the cache).
        func counts(_ scratch: Scratch) throws -> (versions: Int, paid: Int, duplicates: Int, integrity: String) {
            try Self.database(scratch).read { db in
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM chapter_versions") ?? -1,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM llm_calls WHERE outcome = 'ok'") ?? -1,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT request_hash FROM llm_calls WHERE outcome = 'ok' GROUP BY request_hash HAVING count(*) > 1)") ?? -1,
                 try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "")
            }
        }
        let a = try counts(reference), b = try counts(killed)
        #expect(b.versions == a.versions, "chapters regenerated: \(b.versions) versions against \(a.versions)")
        #expect(b.paid == a.paid && b.duplicates == a.duplicates, "paid calls \(b.paid) against \(a.paid)")
        #expect(b.integrity == "ok")
    }
}

extension QueueProcessCLITests {
    @Test func theEstimateNamesTheBindingLimitFromTheWorkspacesHistory() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let before = try CLI.run(["queue", "estimate", "--experiment", simExperiment, "--provider", "groq", "--chapters", "20", "--words", "4000"], in: scratch.url)
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.contains("100 books of 20 × 4000 words") && before.stdout.contains("the experiment's call pattern"), "\(before.stdout)")
        #expect(before.stdout.contains("groq's 6,000 tokens/minute: 100 80,000-word books take"), "\(before.stdout)")
        #expect(try CLI.run(["queue", "add", "--source", try Self.premises(1, in: scratch), "--experiment", simExperiment, "--chapters", "2", "--words", "300"],
                            in: scratch.url).status == 0)
        #expect(try CLI.run(["queue", "process", "--plain"], in: scratch.url, timeout: 120).status == 0)
        let after = try CLI.run(["queue", "estimate", "--experiment", simExperiment, "--provider", "sim", "--provider", "openai", "--books", "10", "--json"], in: scratch.url)
        #expect(after.status == 0, "\(after.stderr)")
        let estimates = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [[String: Any]])
        #expect(estimates.map { $0["provider"] as? String } == ["sim", "openai"])
        #expect((estimates[0]["demand"] as? [String: Any])?["basis"] as? String == "1 finished book of this workspace under this experiment")
        #expect((estimates[0]["binding"] as? [String: Any])?["kind"] as? String == "concurrent calls", "the simulator's measured speed binds")
        #expect(estimates[1]["meets_015_per_book"] as? Bool == true)
        let unknown = try CLI.run(["queue", "estimate", "--experiment", simExperiment, "--provider", "nope"], in: scratch.url)
        #expect(unknown.status == 2 && unknown.stderr.contains("--provider nope"), "\(unknown.stderr)")
    }
}
