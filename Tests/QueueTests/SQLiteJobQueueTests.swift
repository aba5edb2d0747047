import Foundation
import Testing
import Experiments
@testable import Queue
import Store
import WorkbenchCore

/// The SQLite queue's semantics: order, leases, heartbeats, retries with backoff, dead jobs,
/// cancel, retry, purge and pause; and what a source file is read as.
@Suite struct SQLiteJobQueueTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func queue() throws -> SQLiteJobQueue { SQLiteJobQueue(database: try WorkbenchDatabase.inMemory()) }

    func job(_ premise: String, priority: Int = 0, attempts: Int = 3) -> NewJob {
        NewJob(source: .premise(premise), sourceName: "\(premise).txt", experiment: "/x/sim.yaml", priority: priority, maxAttempts: attempts)
    }

    @Test func jobsAreHandedOutByPriorityThenOrderAndLeasedOnce() throws {
        let queue = try queue()
        let added = try queue.enqueue([job("a"), job("b", priority: 5), job("c")], at: start)
        #expect(added.map(\.id) == [1, 2, 3])
        #expect(try queue.jobs(status: nil).map(\.spec.sourceName) == ["b.txt", "a.txt", "c.txt"])
        let first = try #require(try queue.claim(owner: "p1", lease: 30, at: start))
        #expect(first.spec.sourceName == "b.txt" && first.status == .running && first.attempts == 1 && first.leaseOwner == "p1")
        #expect(try queue.claim(owner: "p1", lease: 30, at: start)?.spec.sourceName == "a.txt")
        #expect(try queue.claim(owner: "p1", lease: 30, at: start)?.spec.sourceName == "c.txt")
        #expect(try queue.claim(owner: "p1", lease: 30, at: start) == nil, "every job is leased")
    }

    @Test func aRegressJobKeepsItsRequestWhole() throws {
        let queue = try queue()
        let request = RegressionRequest(baseline: "v3.0", baselinesFolder: "/repo/Baselines", experiment: "/repo/Experiments/regress.yaml", samples: 2,
                                        threshold: 0.7, suiteThreshold: 0.3, metrics: ["quality", "voice"], alpha: 0.01, perChapter: true, continuityThreshold: 2)
        let added = try queue.enqueue([NewJob(source: .regress(request), sourceName: "api", experiment: "/repo/Experiments/regress.yaml", title: "regress v3.0")], at: start)
        let read = try queue.job(added[0].id)
        #expect(read.spec.source == .regress(request) && read.spec.source.kind == .regress && read.spec.title == "regress v3.0")
    }

    @Test func theRegressMigrationKeepsEveryQueuedJob() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("queue-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A workspace from before regress jobs, with jobs of every kind and state in it.
        let old = SQLiteJobQueue(database: try WorkbenchDatabase.open(path: path, create: true, upTo: "0013-queue-chapter-jobs"))
        var chapterJob = job("c")
        chapterJob.chapter = 2
        chapterJob.qualityTarget = 7.5
        chapterJob.genre = "romance"
        _ = try old.enqueue([job("a", priority: 3), job("b"), chapterJob], at: start)
        _ = try old.claim(owner: "p1", lease: 30, at: start)
        _ = try old.cancel(2, at: start)
        let before = try old.jobs(status: nil)
        let migrated = SQLiteJobQueue(database: try WorkbenchDatabase.open(path: path))
        #expect(try migrated.jobs(status: nil) == before)
        let added = try migrated.enqueue([NewJob(source: .regress(RegressionRequest(baseline: "v3.0", baselinesFolder: "/b")), sourceName: "api", experiment: "/x/r.yaml")], at: start)
        #expect(added[0].id == 4, "ids go on after the copied rows")
    }

    @Test func aProcessorDoesNotRetakeItsOwnLapsedLease() throws {
        let queue = try queue()
        _ = try queue.enqueue([job("a")], at: start)
        _ = try #require(try queue.claim(owner: "p1", lease: 30, at: start))
        // Its heartbeat was late (a starved machine): the job is still its own, not a second copy.
        #expect(try queue.claim(owner: "p1", lease: 30, at: start.addingTimeInterval(45)) == nil)
        #expect(try queue.claim(owner: "p2", lease: 30, at: start.addingTimeInterval(45))?.attempts == 2)
    }

    @Test func anExpiredLeaseIsTakenAgainAndItsOldOwnerIsRefused() throws {
        let queue = try queue()
        _ = try queue.enqueue([job("a")], at: start)
        let leased = try #require(try queue.claim(owner: "dead-processor", lease: 30, at: start))
        #expect(try queue.heartbeat(leased.id, owner: "dead-processor", lease: 30, at: start.addingTimeInterval(20)))
        #expect(try queue.claim(owner: "p2", lease: 30, at: start.addingTimeInterval(45)) == nil, "the heartbeat extended the lease to 50 s")
        let taken = try #require(try queue.claim(owner: "p2", lease: 30, at: start.addingTimeInterval(51)))
        #expect(taken.leaseOwner == "p2" && taken.attempts == 2)
        #expect(try !queue.heartbeat(taken.id, owner: "dead-processor", lease: 30, at: start.addingTimeInterval(52)))
        #expect(throws: QueueError.leaseLost(id: taken.id, owner: "dead-processor")) {
            try queue.finish(taken.id, owner: "dead-processor", at: self.start.addingTimeInterval(53))
        }
        let run = try queue.database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        try queue.attach(taken.id, owner: "p2", run: run.id)
        try queue.finish(taken.id, owner: "p2", at: start.addingTimeInterval(60))
        let done = try queue.job(taken.id)
        #expect(done.status == .done && done.leaseOwner == nil && done.runID == run.id)
    }

    @Test func failuresBackOffThenDieAndRetryRevives() throws {
        let queue = try queue()
        _ = try queue.enqueue([job("a", attempts: 2)], at: start)
        let first = try #require(try queue.claim(owner: "p", lease: 30, at: start))
        let waiting = try queue.fail(first.id, owner: "p", error: "HTTP 503 from sim (key sk-abcdefghijklmnopqrstuvwx)", backoff: 10, at: start)
        #expect(waiting.status == .pending && waiting.notBefore == start.addingTimeInterval(10))
        #expect(try queue.claim(owner: "p", lease: 30, at: start.addingTimeInterval(5)) == nil, "still backing off")
        let second = try #require(try queue.claim(owner: "p", lease: 30, at: start.addingTimeInterval(11)))
        #expect(second.attempts == 2)
        let dead = try queue.fail(second.id, owner: "p", error: "HTTP 503 again", backoff: 10, at: start.addingTimeInterval(12))
        #expect(dead.status == .dead && dead.lastError == "HTTP 503 again" && dead.notBefore == nil)
        #expect(try queue.claim(owner: "p", lease: 30, at: start.addingTimeInterval(100)) == nil)
        #expect(throws: QueueError.self) { try queue.cancel(dead.id, at: self.start) }
        let revived = try queue.retry(dead.id, at: start.addingTimeInterval(200))
        #expect(revived.status == .pending && revived.attempts == 0)
        #expect(throws: QueueError.wrongStatus(id: dead.id, status: .pending, operation: "retried", allowed: [.dead, .cancelled])) {
            try queue.retry(dead.id, at: self.start)
        }
    }

    @Test func cancelPausePurge() throws {
        let queue = try queue()
        _ = try queue.enqueue([job("a"), job("b"), job("c")], at: start)
        let running = try #require(try queue.claim(owner: "p", lease: 30, at: start))
        #expect(try queue.cancel(running.id, at: start).status == .cancelled)
        #expect(try !queue.heartbeat(running.id, owner: "p", lease: 30, at: start), "a cancelled job's processor learns it at its next heartbeat")
        try queue.setPaused(true)
        #expect(try queue.isPaused())
        #expect(try queue.claim(owner: "p", lease: 30, at: start) == nil, "a paused queue hands out nothing")
        try queue.setPaused(false)
        let next = try #require(try queue.claim(owner: "p", lease: 30, at: start))
        try queue.finish(next.id, owner: "p", at: start)
        #expect(try queue.purge([.pending]) == 0, "only final statuses are purged")
        #expect(try queue.purge([.done, .cancelled]) == 2)
        #expect(try queue.jobs(status: nil).map(\.status) == [.pending])
    }

    @Test func aThousandSourcesAreOneTransactionAndEveryKindRoundTrips() throws {
        let queue = try queue()
        let outline = Outline(title: "T", logline: "L", obsession: "O", setting: "S", characters: [],
                              chapters: [ChapterSpec(number: 1, title: "One", beats: ["a beat"], targetWords: 500)])
        var jobs = (0..<998).map { job("premise \($0)") }
        jobs.append(NewJob(source: .outline(outline), sourceName: "o.yaml", experiment: "/x/sim.yaml", seed: UInt64.max))
        jobs.append(NewJob(source: .text("long text"), sourceName: "t.txt", experiment: "/x/sim.yaml", title: "Named", chapters: 4, words: 900))
        #expect(try queue.enqueue(jobs, at: start).count == 1_000)
        let stored = try queue.jobs(status: [.pending])
        #expect(stored.count == 1_000)
        #expect(stored[998].spec == jobs[998] && stored[999].spec == jobs[999], "outline, seed 2⁶⁴−1 and overrides come back as given")
    }
}

@Suite struct JobSourcesTests {
    func file(_ name: String, _ contents: Data) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sources-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try contents.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func eachFileIsReadAsWhatItHolds() throws {
        #expect(try JobSources.read(file("p.txt", Data("  A keeper's daughter finds a letter.\n".utf8))) == .premise("A keeper's daughter finds a letter."))
        let long = String(repeating: "word ", count: 401)
        #expect(try JobSources.read(file("s.txt", Data(long.utf8))).kind == .text)
        let outline = """
            {"title": "T", "logline": "L", "obsession": "O", "setting": "S", "characters": [{"name": "Mara"}],
             "chapters": [{"number": 1, "title": "One", "beats": ["a beat"], "target_words": 500}]}
            """
        #expect(try JobSources.read(file("o.json", Data(outline.utf8))).kind == .outline)
        #expect(try JobSources.read(file("o.txt", Data(outline.utf8))).kind == .outline, "an outline is recognised by what it holds")
    }

    @Test func badSourcesAreNamed() throws {
        func refusal(_ name: String, _ data: Data) throws -> String {
            let path = try file(name, data)
            do {
                _ = try JobSources.read(path)
                return "read"
            } catch let error as QueueError {
                guard case .badSource(let named, let problem, _) = error, named == path else { return "\(error)" }
                return problem
            }
        }
        #expect(try refusal("e.txt", Data(" \n\t".utf8)) == "is empty")
        #expect(try refusal("b.txt", Data([0x41, 0x00, 0x42])).contains("not text"))
        #expect(try refusal("l.txt", Data([0xC3, 0x28])).contains("not UTF-8"))
        #expect(try refusal("o.yaml", Data("title: T\nchapters: 3\n".utf8)).contains("is not an outline"))
        #expect(try refusal("v.yaml", Data("""
            title: T
            logline: L
            obsession: O
            setting: S
            characters: []
            chapters:
            - {number: 2, title: Two, beats: [b], target_words: 500}

            """.utf8)).contains("does not validate"))
    }

    @Test func foldersAndGlobsExpandInOrder() throws {
        let a = try file("a.txt", Data("A premise.".utf8))
        let folder = (a as NSString).deletingLastPathComponent
        try Data("B premise.".utf8).write(to: URL(fileURLWithPath: folder + "/b.txt"))
        try Data("hidden".utf8).write(to: URL(fileURLWithPath: folder + "/.hidden"))
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        #expect(try JobSources.files([folder]) == [folder + "/a.txt", folder + "/b.txt"])
        #expect(try JobSources.files([folder + "/*.txt", a]) == [folder + "/a.txt", folder + "/b.txt"], "each file once")
        #expect(throws: QueueError.noSources(pattern: folder + "/*.md")) { try JobSources.files([folder + "/*.md"]) }
    }
}
