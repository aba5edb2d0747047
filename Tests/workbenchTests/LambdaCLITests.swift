import Cloud
import Foundation
import LLMFakes
import Testing
import TestSupport

/// `workbench lambda` as Lambda runs it: a process whose Runtime API is a fake on loopback
/// (moto cannot invoke functions without Docker), fed SQS event batches built from the
/// deployment's own task messages (as an event source mapping receives them), against moto.
@Suite("workbench lambda (Runtime API fake, moto)", .serialized)
struct LambdaCLITests {
    typealias Deployment = CloudWorkerCLITests.Deployment

    /// An SQS event of `messages`, as Lambda's event source mapping delivers it.
    static func event(_ messages: [SQSMessage], queueARN: String = "arn:aws:sqs:us-east-1:123456789012:wb-tasks") -> Data {
        let records: [[String: Any]] = messages.map { message in
            ["messageId": message.id, "receiptHandle": message.receiptHandle, "body": message.body, "eventSource": "aws:sqs",
             "eventSourceARN": queueARN, "awsRegion": "us-east-1", "md5OfBody": "",
             "attributes": ["ApproximateReceiveCount": String(message.receiveCount), "SentTimestamp": "1700000000000",
                            "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1700000000001"],
             "messageAttributes": [String: Any]()]
        }
        return try! JSONSerialization.data(withJSONObject: ["Records": records])
    }

    /// The ids in a partial batch response.
    static func failures(_ answer: LambdaRuntimeAPIFake.Answer?) -> [String]? {
        guard case .response(let body) = answer, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let items = object["batchItemFailures"] as? [[String: Any]] else { return nil }
        return items.compactMap { $0["itemIdentifier"] as? String }
    }

    /// `count` messages now visible on the queue that `wanted` accepts, received (hidden for
    /// `visibility` s) as the event source mapping would; others received meanwhile are made visible again.
    static func receiveAll(_ queue: SQSQueue, count: Int, visibility: Int = 120, where wanted: (SQSMessage) -> Bool = { _ in true }) async throws -> [SQSMessage] {
        // One per body: under load a send whose answer was lost is retried (a second message for
        // the job, as SQS may deliver any message twice); the extra stays hidden, received.
        var messages: [SQSMessage] = []
        for _ in 0..<20 where messages.count < count {
            for message in try await queue.receive(max: 10, wait: 1, visibility: visibility) {
                if !wanted(message) {
                    try await queue.extendVisibility(message, seconds: 0)
                } else if !messages.contains(where: { $0.body == message.body }) {
                    messages.append(message)
                }
            }
        }
        #expect(messages.count == count, "\(messages)")
        return messages
    }

    static func job(_ message: SQSMessage) -> Int? {
        ((try? JSONSerialization.jsonObject(with: Data(message.body.utf8))) as? [String: Any])?["job"] as? Int
    }

    static func shownJob(_ deployment: Deployment, _ id: Int) throws -> [String: Any] {
        let shown = try deployment.run(["queue", "show", "--backend", "aws", String(id), "--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any], "\(shown.stdout)\(shown.stderr)")
    }

    func lambda(_ deployment: Deployment, _ fake: LambdaRuntimeAPIFake, _ extra: [String], log: String) throws -> (Process, URL) {
        try launch(["lambda", "--name", deployment.name, "--workspace", "lambda-tmp", "--parallel", "2"] + extra, in: deployment.scratch.url,
                   environment: deployment.environment.merging(["AWS_LAMBDA_RUNTIME_API": fake.address]) { _, new in new }, log: log)
    }

    @Test func batchesAreRunAndAnsweredWithTheirPartialFailures() async throws {
        let deployment = try Deployment("wb-lambda")
        defer { deployment.stop() }
        let fake = try await LambdaRuntimeAPIFake.start()
        #expect(try deployment.run(["cloud", "init", "--visibility-timeout", "60"]).status == 0)
        let premises = try QueueProcessCLITests.premises(3, in: deployment.scratch)
        let added = try deployment.run(["queue", "add", "--backend", "aws", "--source", premises, "--experiment", simExperiment, "--chapters", "2", "--words", "300"])
        #expect(added.status == 0, "\(added.stdout)\(added.stderr)")
        let resources = try deployment.resources
        let tasks = try await resources.taskQueue()
        let byJob = Dictionary(uniqueKeysWithValues: try await Self.receiveAll(tasks, count: 3).map { (Self.job($0) ?? 0, $0) })
        let (first, second, third) = try (#require(byJob[1]), #require(byJob[2]), #require(byJob[3]))

        // Job 3 is in another worker's hands: a second delivery of it must come back later, not be deleted.
        let other = try await AWSJobQueue(deployment: resources)
        other.beginBatch([third])
        #expect(try await other.claim(owner: "another worker", lease: 600, at: Date())?.id == 3)
        _ = other.endBatch()
        let notATask = "{\"not\": \"a task\"}"
        _ = try await tasks.send(third.body)
        _ = try await tasks.send(first.body)
        _ = try await tasks.send(notATask)
        let later = try await Self.receiveAll(tasks, count: 3) { [third.body, first.body, notATask].contains($0.body) }
        let secondOfThird = try #require(later.first { Self.job($0) == 3 }), secondOfFirst = try #require(later.first { Self.job($0) == 1 })
        let malformed = try #require(later.first { Self.job($0) == nil })

        let batch = fake.invoke(Self.event([first, second, malformed]))
        let duplicate = fake.invoke(Self.event([secondOfFirst]))
        let notSQS = fake.invoke(Data(#"{"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"}}}]}"#.utf8))
        let held = fake.invoke(Self.event([secondOfThird]))
        let (process, log) = try lambda(deployment, fake, ["--max-invocations", "4"], log: "lambda")
        let logText = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        #expect(CloudWorkerCLITests.wait(process, seconds: 240) && process.terminationStatus == 0, "\(logText())")

        #expect(Self.failures(fake.answer(batch, seconds: 1)) == [], "both books written, the malformed message dead-lettered: \(logText())")
        #expect(Self.failures(fake.answer(duplicate, seconds: 1)) == [], "a duplicate of a done job is done with")
        guard case .error(let type, let message) = fake.answer(notSQS, seconds: 1) else { Issue.record("an S3 event is refused"); return }
        #expect(type == "LambdaError" && message.contains("aws:s3"), "\(message)")
        #expect(Self.failures(fake.answer(held, seconds: 1)) == [secondOfThird.id], "a job another worker holds comes back")

        for id in [1, 2] {
            let job = try Self.shownJob(deployment, id)
            #expect(job["status"] as? String == "done" && job["attempts"] as? Int == 1, "written once: \(job)\n\(logText())")
        }
        #expect(try Self.shownJob(deployment, 3)["status"] as? String == "running")
        _ = try await CloudWorkerCLITests.checkBucket(deployment, jobs: 1...2, chapters: 2)
        let dead = try await resources.deadLetterQueue().receive(max: 10, wait: 1)
        #expect(dead.map(\.body) == ["{\"not\": \"a task\"}"], "the malformed message kept for someone to look at")
        #expect(logText().contains("job 1 done") && logText().contains("job 2 done"), "\(logText())")
        await fake.stop()
    }

    @Test func aBookTooLongForTheInvocationCountsAFailedAttempt() async throws {
        let deployment = try Deployment("wb-lambda-slow")
        defer { deployment.stop() }
        let fake = try await LambdaRuntimeAPIFake.start()
        #expect(try deployment.run(["cloud", "init", "--visibility-timeout", "60"]).status == 0)
        let experiment = try slowSimExperiment(in: deployment.scratch, ttftMilliseconds: 100, tokensPerSecond: 300, chapters: 3, words: 400, concurrency: 1)
        let premises = try QueueProcessCLITests.premises(1, in: deployment.scratch)
        #expect(try deployment.run(["queue", "add", "--backend", "aws", "--source", premises, "--experiment", experiment]).status == 0)
        let tasks = try await deployment.resources.taskQueue()
        let message = try #require(try await Self.receiveAll(tasks, count: 1).first)

        let (process, log) = try lambda(deployment, fake, ["--max-invocations", "2", "--deadline-margin", "3", "--backoff", "60"], log: "lambda-slow")
        let logText = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        // Invoked once the runtime asks, so its 1 s of working time is not spent starting up.
        #expect(waitUntil(seconds: 60) { fake.requests.contains { $0.path.hasSuffix("/invocation/next") } }, "\(logText())")
        let short = fake.invoke(Self.event([message]), deadline: Date().addingTimeInterval(4))
        #expect(Self.failures(fake.answer(short, seconds: 120)) == [message.id], "the job's message comes back after its backoff: \(logText())")
        let job = try Self.shownJob(deployment, 1)
        #expect(job["status"] as? String == "pending" && job["attempts"] as? Int == 1, "\(job)")
        #expect((job["last_error"] as? String ?? "").contains("time ran out"), "\(job)")

        // An invocation whose time is already up touches nothing.
        _ = try await tasks.send(message.body)
        let again = try #require(try await Self.receiveAll(tasks, count: 1).first)
        let late = fake.invoke(Self.event([again]), deadline: Date().addingTimeInterval(-1))
        #expect(Self.failures(fake.answer(late, seconds: 60)) == [again.id])
        #expect(CloudWorkerCLITests.wait(process, seconds: 60) && process.terminationStatus == 0, "\(logText())")
        #expect(try Self.shownJob(deployment, 1)["attempts"] as? Int == 1)
        await fake.stop()
    }

    @Test func aBookInChapterTasksIsPlannedWrittenAndAssembledByInvocations() async throws {
        let deployment = try Deployment("wb-lambda-chapters")
        defer { deployment.stop() }
        let fake = try await LambdaRuntimeAPIFake.start()
        #expect(try deployment.run(["cloud", "init", "--visibility-timeout", "60"]).status == 0)
        let premises = try QueueProcessCLITests.premises(1, in: deployment.scratch)
        let added = try deployment.run(["queue", "add", "--backend", "aws", "--source", premises, "--experiment", simExperiment, "--chapters", "2",
                                        "--words", "300", "--tasks", "chapters"])
        #expect(added.status == 0, "\(added.stdout)\(added.stderr)")
        let tasks = try await deployment.resources.taskQueue()
        let (process, log) = try lambda(deployment, fake, ["--max-invocations", "3"], log: "lambda-chapters")
        let logText = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        // The book's task plans it, makes its two chapter tasks and waits for them.
        let book = try #require(try await Self.receiveAll(tasks, count: 1).first)
        let planning = fake.invoke(Self.event([book]))
        // Its wait is a fresh message delayed 3 s (a wait is no failed delivery: no receive counted).
        #expect(Self.failures(fake.answer(planning, seconds: 120)) == [], "\(logText())")
        #expect(try Self.shownJob(deployment, 1)["attempts"] as? Int == 0)
        // The chapter tasks, in one batch.
        let chapters = try await Self.receiveAll(tasks, count: 2) { Self.job($0) != 1 }
        #expect(Set(chapters.compactMap(Self.job)) == [2, 3], "\(chapters)")
        let writing = fake.invoke(Self.event(chapters))
        #expect(Self.failures(fake.answer(writing, seconds: 120)) == [], "\(logText())")
        // The book's task again, after its wait: assembled from the chapters.
        let again = try #require(try await Self.receiveAll(tasks, count: 1) { Self.job($0) == 1 }.first)
        let assembling = fake.invoke(Self.event([again]))
        #expect(Self.failures(fake.answer(assembling, seconds: 120)) == [], "\(logText())")
        #expect(CloudWorkerCLITests.wait(process, seconds: 60) && process.terminationStatus == 0, "\(logText())")

        for id in 1...3 { #expect(try Self.shownJob(deployment, id)["status"] as? String == "done", "job \(id): \(logText())") }
        #expect(try Self.shownJob(deployment, 2)["parent"] as? Int == 1)
        _ = try await CloudWorkerCLITests.checkBucket(deployment, jobs: 1...1, chapters: 2)
        let drafts = try await deployment.resources.bucket.keys(prefix: "books/job-1/drafts/")
        #expect(drafts.count == 2, "\(drafts)")
        await fake.stop()
    }

    /// A chapter too long for one invocation is drafted a few scenes per invocation: each one
    /// that got further hands the task back uncounted, and the book is the one a single
    /// machine writes without stopping.
    @Test func aChapterTooLongForOneInvocationIsWrittenInScenesAcrossInvocations() async throws {
        let deployment = try Deployment("wb-lambda-scenes")
        defer { deployment.stop() }
        let fake = try await LambdaRuntimeAPIFake.start()
        #expect(try deployment.run(["cloud", "init", "--visibility-timeout", "60"]).status == 0)
        // 15,000 words at 1,500 tokens a second: an opening scene of 8,192 tokens (5.5 s), then
        // about seven of 1,400 words (1.3 s each).
        let experiment = try slowSimExperiment(in: deployment.scratch, ttftMilliseconds: 100, tokensPerSecond: 1_500, chapters: 1, words: 15_000, concurrency: 1)
        let premises = try QueueProcessCLITests.premises(1, in: deployment.scratch)
        let added = try deployment.run(["queue", "add", "--backend", "aws", "--source", premises, "--experiment", experiment, "--tasks", "chapters"])
        #expect(added.status == 0, "\(added.stdout)\(added.stderr)")
        let tasks = try await deployment.resources.taskQueue()
        let (process, log) = try lambda(deployment, fake, ["--deadline-margin", "3"], log: "lambda-scenes")
        defer { process.terminate() }
        let logText = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        let book = try #require(try await Self.receiveAll(tasks, count: 1).first)
        #expect(Self.failures(fake.answer(fake.invoke(Self.event([book])), seconds: 120)) == [], "planned, waiting for its chapter: \(logText())")
        // Seven seconds of work an invocation: the opening scene, then a few more each.
        var handedBack = 0, scenes: [Int] = []
        for _ in 0..<12 {
            let chapter = try #require(try await Self.receiveAll(tasks, count: 1) { Self.job($0) == 2 }.first, "\(logText())")
            let answer = fake.answer(fake.invoke(Self.event([chapter]), deadline: Date().addingTimeInterval(10)), seconds: 120)
            // Handed back or done, the message is done with (a waiting job gets a fresh one).
            #expect(Self.failures(answer) == [], "\(String(describing: answer)) \(logText())")
            let job = try Self.shownJob(deployment, 2)
            if job["status"] as? String == "done" { break }
            handedBack += 1
            #expect(job["status"] as? String == "pending" && job["attempts"] as? Int == 0, "an invocation that got further is no failed attempt: \(job)")
            let draft = try await deployment.resources.table.get(pk: CloudJobRunner.partition(1), sk: "draft#001")
            scenes.append(try #require(draft?["scene"]?.int, "the draft is kept: \(logText())"))
        }
        #expect(handedBack >= 1, "the chapter did fit one invocation: the test proves nothing: \(logText())")
        #expect(scenes == scenes.sorted() && Set(scenes).count == scenes.count, "every invocation went further: \(scenes)")
        #expect(try Self.shownJob(deployment, 2)["status"] as? String == "done", "\(logText())")

        let again = try #require(try await Self.receiveAll(tasks, count: 1) { Self.job($0) == 1 }.first)
        #expect(Self.failures(fake.answer(fake.invoke(Self.event([again])), seconds: 120)) == [], "\(logText())")
        let manuscripts = try await CloudWorkerCLITests.checkBucket(deployment, jobs: 1...1, chapters: 1)
        let key = try #require(manuscripts[1])
        let stored = try #require(try await deployment.resources.bucket.get(key))
        let reference = try singleMachineManuscripts(premises, experiment: experiment, arguments: [], in: deployment.scratch)
        #expect(String(decoding: stored, as: UTF8.self) == reference[1], "the book differs from the one written without stopping")
        await fake.stop()
    }

    @Test func aRuntimeThatCannotStartSaysWhyToLambda() async throws {
        let deployment = try Deployment("wb-lambda-missing")
        defer { deployment.stop() }
        let fake = try await LambdaRuntimeAPIFake.start()
        // No `cloud init`: the task queue is missing.
        let (process, log) = try lambda(deployment, fake, [], log: "lambda-missing")
        #expect(CloudWorkerCLITests.wait(process, seconds: 60), "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(process.terminationStatus == 65)
        guard case .error(let type, let message) = fake.initErrors.first else { Issue.record("no init error posted"); return }
        #expect(type == "CloudError" && message.contains("cloud init"), "\(message)")
        await fake.stop()

        let outside = try CLI.run(["lambda"], in: deployment.scratch.url, environment: ["AWS_LAMBDA_RUNTIME_API": ""])
        #expect(outside.status == 2 && outside.stderr.contains("AWS_LAMBDA_RUNTIME_API") && outside.stderr.contains("workbench worker"), "\(outside.stderr)")
    }
}
