import Cloud
import Foundation
import Testing
import TestSupport

/// Exactly-once effects under at-least-once delivery: 20 books × 5 chapters on the AWS
/// backend (moto), 3 worker processes SIGKILLed at random moments and started again, leases
/// (and so message hiding) of a few seconds, and duplicate messages sent for a quarter of the
/// jobs. Every book must complete, every object must be written to the bucket once, no record
/// may be left running or leased, and every manuscript must be byte for byte the one a single
/// machine writes from the same sources and seeds.
@Suite("chaos: killed workers and duplicate deliveries (moto)", .serialized)
struct CloudChaosCLITests {
    static let books = 20, chapters = 5, words = 250

    /// A small deterministic generator (the kills are random, and the same on every run).
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    /// Job id → manuscript, written by `queue process` on one machine's SQLite queue.
    static func singleMachine(_ premises: String, in scratch: Scratch) throws -> [Int: String] {
        let manuscripts = try singleMachineManuscripts(premises, experiment: simExperiment, arguments: ["--chapters", String(chapters), "--words", String(words)],
                                                       parallel: 3, in: scratch)
        #expect(manuscripts.count == books)
        return manuscripts
    }

    /// With a task per book, and with a task per chapter (120 jobs: each book planned, its
    /// chapters written by any worker, then assembled).
    @Test(arguments: ["book", "chapters"])
    func everyBookCompletesOnceAndMatchesASingleMachine(tasks: String) async throws {
        let deployment = try CloudWorkerCLITests.Deployment("wb-chaos-\(tasks)")
        defer { deployment.stop() }
        let scratch = deployment.scratch
        let premises = try QueueProcessCLITests.premises(Self.books, in: scratch)
        let reference = try Self.singleMachine(premises, in: scratch)

        #expect(try deployment.run(["cloud", "init", "--visibility-timeout", "3"]).status == 0)
        let added = try deployment.run(["queue", "add", "--backend", "aws", "--source", premises, "--experiment", simExperiment,
                                        "--chapters", String(Self.chapters), "--words", String(Self.words), "--tasks", tasks])
        #expect(added.status == 0, "\(added.stdout)\(added.stderr)")
        // SQS may deliver any message twice: here a quarter of the jobs get a second message.
        let resources = try deployment.resources
        let taskQueue = try await resources.taskQueue()
        for job in stride(from: 1, through: Self.books, by: 4) {
            let record = try #require(try await resources.table.get(pk: "job", sk: String(format: "job#%012d", job)))
            let spec = try #require(record["spec"]?.string)
            _ = try await taskQueue.send("{\"job\":\(job),\"spec\":\"\(spec)\"}")
        }

        let workspaces = ["c1", "c2", "c3"]
        for workspace in workspaces { #expect(try CLI.run(["init", "--workspace", workspace], in: scratch.url).status == 0) }
        func start(_ index: Int, _ generation: Int) throws -> (Process, URL) {
            try launch(["worker", "--backend", "aws", "--name", deployment.name, "--until-empty", "--parallel", "2", "--lease", "4", "--plain",
                        "--workspace", workspaces[index]], in: scratch.url, environment: deployment.environment, log: "chaos-\(index)-\(generation)")
        }
        var workers = try (0..<3).map { try start($0, 0) }
        var random = SplitMix(state: 20_261_203)
        var kills = 0
        // Kills at random moments, each worker started again on its workspace (as a supervisor
        // would), until the queue is done or 8 kills are made.
        while kills < 8, workers.contains(where: { $0.0.isRunning }) {
            usleep(UInt32(1_500_000 + random.below(2_000_000)))
            let victim = random.below(3)
            guard workers[victim].0.isRunning else { continue }
            kill(workers[victim].0.processIdentifier, SIGKILL)
            workers[victim].0.waitUntilExit()
            kills += 1
            workers[victim] = try start(victim, kills)
        }
        for (process, log) in workers {
            #expect(CloudWorkerCLITests.wait(process, seconds: 300) && process.terminationStatus == 0,
                    "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        #expect(kills >= 3, "workers were killed mid-run (\(kills) kills)")

        // Every job done, none left leased.
        let jobs = try await resources.table.items(pk: "job", skPrefix: "job#")
        #expect(jobs.count == (tasks == "book" ? Self.books : Self.books * (1 + Self.chapters)))
        #expect(jobs.contains { ($0["attempts"]?.int ?? 0) >= 2 }, "some kill landed mid-book and its job was taken over: \(jobs)")
        for record in jobs {
            #expect(record["status"]?.string == "done" && record["lease_owner"] == nil, "\(record)")
        }
        // Every object in the bucket written once; one object per chapter and per manuscript.
        let manuscripts = try await CloudWorkerCLITests.checkBucket(deployment, jobs: 1...Self.books, chapters: Self.chapters)
        var written = 0
        for job in 1...Self.books {
            // Each write that happened is counted on its object's record (a worker killed between
            // the write and the count leaves no record): none may count two.
            let objects = try await resources.table.items(pk: CloudJobRunner.partition(Int64(job)), skPrefix: "object#")
            // A chapter task's draft is an object of its own (`drafts/`) beside the book's kept chapters.
            let objectsPerBook = (tasks == "book" ? 1 : 2) * Self.chapters + 1
            #expect(objects.allSatisfy { $0["writes"]?.int == 1 } && objects.count <= objectsPerBook, "job \(job): \(objects)")
            written += objects.count
            let chapters = try await resources.table.items(pk: CloudJobRunner.partition(Int64(job)), skPrefix: "chapter#")
            #expect(chapters.count == Self.chapters && chapters.allSatisfy { $0["status"]?.string == "done" }, "job \(job): \(chapters)")
            // Byte for byte the single machine's book.
            let key = try #require(manuscripts[job])
            let text = String(decoding: try #require(try await resources.bucket.get(key)), as: UTF8.self)
            #expect(text == reference[job], "job \(job)'s manuscript differs from the single machine's")
        }
        #expect(written >= Self.books * ((tasks == "book" ? 1 : 2) * Self.chapters + 1) - kills, "the writes were counted: \(written)")
        // A duplicate message may outlive its job (left hidden while the job ran), even reach the
        // dead-letter queue after its receives; it must never be a job's only message.
        for message in try await resources.deadLetterQueue().receive(max: 10, wait: 1) {
            let job = (try? JSONSerialization.jsonObject(with: Data(message.body.utf8)) as? [String: Any])?["job"] as? Int
            #expect(job.map { stride(from: 1, through: Self.books, by: 4).contains($0) } == true, "only duplicates dead-lettered: \(message.body)")
        }
    }
}
