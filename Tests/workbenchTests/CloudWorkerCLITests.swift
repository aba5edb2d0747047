import Cloud
import Foundation
import Testing
import TestSupport

/// Books queued on the AWS backend (moto_server) and written by `workbench worker` processes,
/// each on its own workspace: every job done once, each chapter and manuscript in the bucket
/// under one content-addressed key, the result records pointing at them; and a worker killed
/// mid-book whose job another worker takes over.
@Suite("workbench worker on AWS (moto)", .serialized)
struct CloudWorkerCLITests {
    struct Deployment {
        let moto: MotoServer
        let scratch: Scratch
        let environment: [String: String]
        let name: String

        init(_ name: String) throws {
            moto = try MotoServer()
            scratch = try Scratch()
            environment = moto.environment.merging(["HOME": scratch.url.path]) { a, _ in a }
            self.name = name
        }

        func run(_ arguments: [String]) throws -> CLI.Result {
            try CLI.run(arguments + ["--name", name], in: scratch.url, environment: environment, timeout: 120)
        }

        func worker(_ workspace: String, log: String) throws -> (Process, URL) {
            try launch(["worker", "--backend", "aws", "--name", name, "--until-empty", "--parallel", "1", "--plain", "--workspace", workspace],
                       in: scratch.url, environment: environment, log: log)
        }

        var resources: CloudResources {
            get throws {
                CloudResources(client: AWSClient(configuration: try AWSConfiguration.resolve(environment: environment)), names: try CloudNames(prefix: name))
            }
        }

        func stop() {
            moto.stop()
            scratch.delete()
        }
    }

    static func wait(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        return !process.isRunning
    }

    /// Job id → its result record's manuscript key, after checking each chapter and the
    /// manuscript has exactly one object.
    static func checkBucket(_ deployment: Deployment, jobs: ClosedRange<Int>, chapters: Int) async throws -> [Int: String] {
        let resources = try deployment.resources
        let keys = try await resources.bucket.keys(prefix: "books/")
        var manuscripts: [Int: String] = [:]
        for job in jobs {
            let mine = keys.filter { $0.hasPrefix("books/job-\(job)/") }
            #expect(mine.filter { $0.hasPrefix("books/job-\(job)/manuscript/") }.count == 1, "job \(job): \(mine)")
            for chapter in 1...chapters {
                #expect(mine.filter { $0.hasPrefix("books/job-\(job)/chapters/\(chapter)/") }.count == 1, "job \(job) chapter \(chapter): \(mine)")
            }
            let result = try await resources.table.get(pk: CloudJobRunner.partition(Int64(job)), sk: "result")
            let key = try #require(result?["manuscript"]?.string, "job \(job) has a result record")
            #expect(mine.contains(key))
            manuscripts[job] = key
        }
        return manuscripts
    }

    @Test func twoWorkersWriteEveryQueuedBookOnceIntoTheBucket() async throws {
        let deployment = try Deployment("wb-workers")
        defer { deployment.stop() }
        let scratch = deployment.scratch
        for workspace in ["w1", "w2"] { #expect(try CLI.run(["init", "--workspace", workspace], in: scratch.url).status == 0) }
        #expect(try deployment.run(["cloud", "init", "--visibility-timeout", "20"]).status == 0)
        let premises = try QueueProcessCLITests.premises(3, in: scratch)
        let added = try deployment.run(["queue", "add", "--backend", "aws", "--source", premises, "--experiment", simExperiment, "--chapters", "2", "--words", "300"])
        #expect(added.status == 0 && added.stdout.contains("queued 3 books"), "\(added.stdout)\(added.stderr)")

        let workers = try ["w1", "w2"].map { try deployment.worker($0, log: "worker-\($0)") }
        for (process, log) in workers {
            #expect(Self.wait(process, seconds: 240), "the worker did not finish: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            #expect(process.terminationStatus == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        let listed = try deployment.run(["queue", "list", "--backend", "aws", "--json"])
        let jobs = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]], "\(listed.stdout)\(listed.stderr)")
        #expect(jobs.count == 3 && jobs.allSatisfy { $0["status"] as? String == "done" && $0["attempts"] as? Int == 1 }, "\(jobs)")
        let manuscripts = try await Self.checkBucket(deployment, jobs: 1...3, chapters: 2)
        let key = try #require(manuscripts[1])
        let text = try #require(try await deployment.resources.bucket.get(key))
        #expect(String(decoding: text, as: UTF8.self).contains("## "), "a manuscript with its chapters")
        let status = try deployment.run(["cloud", "status", "--json"])
        let queue = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["queue"] as? [String: Any]
        #expect(queue?["visible"] as? Int == 0 && queue?["in_flight"] as? Int == 0, "every task's message deleted: \(status.stdout)")
    }

    @Test func aWorkerKilledMidBookLeavesItsJobToAnother() async throws {
        let deployment = try Deployment("wb-killed")
        defer { deployment.stop() }
        let scratch = deployment.scratch
        for workspace in ["w1", "w2"] { #expect(try CLI.run(["init", "--workspace", workspace], in: scratch.url).status == 0) }
        // Short visibility (and so lease): the killed worker's task comes back within seconds.
        #expect(try deployment.run(["cloud", "init", "--visibility-timeout", "4"]).status == 0)
        // Slow, one chapter at a time: a book takes several seconds, so a kill after chapter 1 lands mid-book.
        let experiment = try slowSimExperiment(in: scratch, ttftMilliseconds: 100, tokensPerSecond: 300, chapters: 3, words: 400, concurrency: 1)
        let premises = try QueueProcessCLITests.premises(1, in: scratch)
        #expect(try deployment.run(["queue", "add", "--backend", "aws", "--source", premises, "--experiment", experiment]).status == 0)

        let (first, firstLog) = try deployment.worker("w1", log: "worker-killed")
        // Killed once it has a chapter done: mid-book, holding the job. The wait blocks its own
        // thread: an async sleep can be starved for seconds by the tests running beside it.
        let reached = waitUntil(seconds: 120) { ((try? String(contentsOf: firstLog, encoding: .utf8)) ?? "").contains(" done: quality") }
        kill(first.processIdentifier, SIGKILL)
        #expect(reached, "a chapter was done before the kill")
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal, "the first worker was killed, not finished: \((try? String(contentsOf: firstLog, encoding: .utf8)) ?? "")")
        let (second, secondLog) = try deployment.worker("w2", log: "worker-second")
        #expect(Self.wait(second, seconds: 240) && second.terminationStatus == 0, "\((try? String(contentsOf: secondLog, encoding: .utf8)) ?? "")")
        let shown = try deployment.run(["queue", "show", "--backend", "aws", "1", "--json"])
        let job = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any], "\(shown.stdout)\(shown.stderr)")
        #expect(job["status"] as? String == "done" && job["attempts"] as? Int == 2, "taken over once: \(job)")
        _ = try await Self.checkBucket(deployment, jobs: 1...1, chapters: 3)
    }

    @Test func serveQueuesOnTheDeploymentAndShowsWhatAnotherWorkerWrote() async throws {
        let deployment = try Deployment("wb-serve")
        defer { deployment.stop() }
        let scratch = deployment.scratch
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        #expect(try CLI.run(["init", "--workspace", "w1"], in: scratch.url).status == 0)
        #expect(try deployment.run(["cloud", "init", "--visibility-timeout", "20"]).status == 0)
        // The server writes nothing itself (--parallel 0): a worker on another workspace does.
        let served = try ServeCLITests.start(scratch, ["--backend", "aws", "--name", deployment.name, "--parallel", "0", "--experiment", simExperiment],
                                             environment: deployment.environment)
        defer { served.stop() }
        let posted = try ServeCLITests.call(served, "POST", "/api/books", json: #"{"premise": "A lighthouse keeper finds a letter.", "chapters": 2, "words": 300}"#)
        #expect(posted.status == 202, "\(posted.body)")
        #expect(ServeCLITests.object(posted.body)["id"] as? Int == 1)
        let listed = try deployment.run(["queue", "list", "--backend", "aws", "--json"])
        #expect(listed.stdout.contains("\"pending\""), "the API's job is the deployment's: \(listed.stdout)")

        let (worker, log) = try deployment.worker("w1", log: "worker-serve")
        #expect(Self.wait(worker, seconds: 240) && worker.terminationStatus == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        let job = ServeCLITests.object(try ServeCLITests.call(served, "GET", "/api/jobs/1").body)
        #expect(job["status"] as? String == "done", "\(job)")
        #expect((job["progress"] as? [String: Any])?["chapters_done"] as? Int == 2, "\(job)")
        let result = ServeCLITests.object(try ServeCLITests.call(served, "GET", "/api/jobs/1/result").body)
        #expect(result["chapters"] as? Int == 2 && (result["quality_score"] as? Double ?? 0) > 0, "\(result)")
        let key = try #require(result["manuscript_key"] as? String, "\(result)")
        #expect(try await deployment.resources.bucket.get(key) != nil)
        let queue = ServeCLITests.object(try ServeCLITests.call(served, "GET", "/api/queue").body)
        #expect((queue["counts"] as? [String: Any])?["done"] as? Int == 1, "\(queue)")
        let events = try ServeCLITests.call(served, "GET", "/api/jobs/1/events")
        #expect(events.status == 200 && events.body.contains("event: job.done"), "\(events.body)")
        #expect(try ServeCLITests.call(served, "POST", "/api/jobs/1/cancel").status == 409)
    }

    @Test func theExperimentTravelsWithItsJob() async throws {
        let deployment = try Deployment("wb-bundle")
        defer { deployment.stop() }
        let scratch = deployment.scratch
        #expect(try CLI.run(["init", "--workspace", "w1"], in: scratch.url).status == 0)
        #expect(try deployment.run(["cloud", "init", "--visibility-timeout", "20"]).status == 0)
        // The experiment, its prompts and rubrics in a folder of the enqueuing machine's only.
        let folder = scratch.url.appendingPathComponent("mine")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Experiments"), to: folder)
        let premises = try QueueProcessCLITests.premises(1, in: scratch)
        let added = try deployment.run(["queue", "add", "--backend", "aws", "--source", premises, "--experiment", "mine/sim.yaml", "--chapters", "2", "--words", "300"])
        #expect(added.status == 0, "\(added.stdout)\(added.stderr)")
        try FileManager.default.moveItem(at: folder, to: scratch.url.appendingPathComponent("gone"))

        let (worker, log) = try deployment.worker("w1", log: "worker-bundle")
        #expect(Self.wait(worker, seconds: 240) && worker.terminationStatus == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        let shown = try deployment.run(["queue", "show", "--backend", "aws", "1", "--json"])
        let job = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any], "\(shown.stdout)\(shown.stderr)")
        #expect(job["status"] as? String == "done" && (job["experiment"] as? String ?? "").hasSuffix("mine/sim.yaml"), "\(job)")
        let bundles = try FileManager.default.contentsOfDirectory(atPath: scratch.url.appendingPathComponent("w1/.workbench/bundles").path)
        #expect(bundles.count == 1, "\(bundles)")
        _ = try await Self.checkBucket(deployment, jobs: 1...1, chapters: 2)
    }
}
