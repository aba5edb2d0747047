import Cloud
import Foundation
import LLM
import Testing
import TestSupport

/// S3, SQS and DynamoDB through the client against `moto_server` on loopback: the calls the
/// queue backend and the workers are built on, and `cloud init|status|destroy`'s steps.
@Suite("AWS on moto_server", .serialized)
struct CloudMotoTests {
    static let moto = Result { try MotoServer() }

    func client() throws -> AWSClient {
        let moto = try Self.moto.get()
        return AWSClient(configuration: try AWSConfiguration.resolve(environment: moto.environment.merging(["HOME": "/nonexistent"]) { a, _ in a }))
    }

    func resources(_ name: String) throws -> CloudResources {
        CloudResources(client: try client(), names: try CloudNames(prefix: name))
    }

    @Test func initIsIdempotentAndDestroyRemovesEverything() async throws {
        let deployment = try resources("wb-init")
        #expect(try await deployment.status().bucket == false)
        try await deployment.initialize(CloudQueueSettings(visibilityTimeout: 30, maxReceives: 3))
        try await deployment.initialize(CloudQueueSettings(visibilityTimeout: 30, maxReceives: 3))
        let status = try await deployment.status()
        #expect(status.complete && status.objects == 0 && status.queue?.visible == 0 && status.deadLetters == 0, "\(status)")
        #expect(status.redrive?.contains("wb-init-tasks-dlq") == true && status.redrive?.contains("3") == true, "\(status.redrive ?? "no redrive policy")")
        try await deployment.bucket.put("books/a.md", Data("x".utf8), contentType: "text/markdown")
        try await deployment.destroy()
        try await deployment.destroy()
        let gone = try await deployment.status()
        #expect(!gone.bucket && gone.table == nil && gone.queue == nil && gone.deadLetters == nil)
    }

    @Test func aConditionalPutWritesOnceAndADuplicateIsANoOp() async throws {
        let deployment = try resources("wb-s3")
        defer { Task { try? await deployment.destroy() } }
        try await deployment.bucket.create()
        let text = Data("# Chapter 1\n\nThe keeper found the letter.\n".utf8)
        let key = S3Bucket.contentKey(text, prefix: "books/b1/chapters/1", suffix: "md")
        #expect(try await deployment.bucket.put(key, text, contentType: "text/markdown; charset=utf-8") == .written)
        #expect(try await deployment.bucket.put(key, Data("something else".utf8), contentType: "text/markdown") == .alreadyExists)
        #expect(try await deployment.bucket.get(key) == text, "the first write stands")
        #expect(try await deployment.bucket.get("books/none.md") == nil)
        #expect(try await deployment.bucket.keys(prefix: "books/b1/") == [key])
        // Keys with spaces and non-ASCII letters are encoded once, as SigV4 signs them.
        #expect(try await deployment.bucket.put("reports/a b/ü.json", Data("{}".utf8), contentType: "application/json") == .written)
        #expect(try await deployment.bucket.get("reports/a b/ü.json") == Data("{}".utf8))
    }

    @Test func aMissingBucketOrQueueIsNamedWithTheFix() async throws {
        let client = try client()
        let error = await #expect(throws: CloudError.self) { try await S3Bucket(client: client, name: "wb-never-made").put("k", Data(), contentType: "text/plain", ifAbsent: false) }
        #expect(error?.code == "NoSuchBucket" && error?.fix?.contains("cloud init") == true, "\(String(describing: error))")
        let queue = await #expect(throws: CloudError.self) { try await CloudResources(client: client, names: try CloudNames(prefix: "wb-never-made")).taskQueue() }
        #expect(queue?.message.contains("wb-never-made-tasks") == true && queue?.exitStatus == .dataError)
    }

    @Test func aMessageIsHiddenWhileHeldAndGoesToTheDeadLetterQueueAfterItsLastReceive() async throws {
        let deployment = try resources("wb-sqs")
        defer { Task { try? await deployment.destroy() } }
        let (tasks, deadLetters) = try await deployment.initialize(CloudQueueSettings(visibilityTimeout: 1, maxReceives: 2))
        try await tasks.send(#"{"task":"chapter","book":"b1","chapter":1}"#)
        let first = try await tasks.receive(wait: 5)
        #expect(first.count == 1 && first[0].receiveCount == 1)
        // Held: its visibility extended, nobody else gets it.
        try await tasks.extendVisibility(first[0], seconds: 3)
        #expect(try await tasks.receive(wait: 1).isEmpty)
        // Let go (a worker that died): delivered again, then, after its second receive, dead-lettered.
        try await Task.sleep(for: .seconds(3.2))
        let second = try await tasks.receive(wait: 5, visibility: 1)
        #expect(second.first?.receiveCount == 2 && second.first?.body == first[0].body)
        try await Task.sleep(for: .seconds(1.5))
        #expect(try await tasks.receive(wait: 1).isEmpty, "a third receive goes to the dead-letter queue instead")
        let dead = try await deadLetters.receive(wait: 5)
        #expect(dead.first?.body == first[0].body)
        if let message = dead.first { try await deadLetters.delete(message) }
        #expect(try await deadLetters.depth().visible == 0)
    }

    @Test func conditionalWritesDecideOneWinner() async throws {
        let deployment = try resources("wb-ddb")
        defer { Task { try? await deployment.destroy() } }
        try await deployment.table.create()
        let table = deployment.table
        let absent = DynamoTable.Condition("attribute_not_exists(pk)")
        #expect(try await table.put(["pk": .s("book#b1"), "sk": .s("chapter#001"), "status": .s("running"), "attempts": .number(1)], when: absent))
        #expect(try await table.put(["pk": .s("book#b1"), "sk": .s("chapter#001"), "status": .s("running")], when: absent) == false, "the second claim loses")
        // A lease taken over only when its owner matches.
        let lease = DynamoTable.Condition("#o = :me", names: ["#o": "owner"], values: [":me": .s("w1")])
        #expect(try await table.update(pk: "book#b1", sk: "chapter#001", DynamoTable.Update(set: [("status", .s("done"))]), when: lease) == nil, "no owner w1 yet")
        let take = DynamoTable.Condition("attribute_not_exists(#o)", names: ["#o": "owner"])
        #expect(try await table.update(pk: "book#b1", sk: "chapter#001", DynamoTable.Update(set: [("owner", .s("w1"))]), when: take)?["owner"] == .s("w1"))
        let done = try await table.update(pk: "book#b1", sk: "chapter#001", DynamoTable.Update(set: [("status", .s("done"))], add: [("attempts", .number(1))]),
                                          when: lease)
        #expect(done?["status"] == .s("done") && done?["attempts"]?.int == 2)
        let chapters = try await table.items(pk: "book#b1"), scenes = try await table.items(pk: "book#b1", skPrefix: "scene#")
        #expect(chapters.count == 1 && scenes.isEmpty)
        #expect(try await table.get(pk: "book#b1", sk: "chapter#002") == nil)
    }

    @Test func limitersOfSeveralProcessesKeepOneSharedScheduleInTheTable() async throws {
        let deployment = try resources("wb-rate")
        defer { Task { try? await deployment.destroy() } }
        try await deployment.initialize()
        // Two workers' limiters, 120 requests a minute for both together: one every 0.5 s.
        let limit = RateLimitSpec(amount: 120, period: .minute)
        let limiters = (0..<2).map { _ in GlobalRateLimiter(requests: limit, tokens: nil, ledger: DynamoRateLedger(table: deployment.table)) }
        let start = Date()
        let times = await withTaskGroup(of: Date.self) { group in
            for limiter in limiters {
                for _ in 0..<4 {
                    group.addTask {
                        _ = try? await limiter.acquire(estimatedTokens: 0)
                        return Date()
                    }
                }
            }
            return await group.reduce(into: [Date]()) { $0.append($1) }.sorted()
        }
        #expect(times.count == 8)
        // Each alone would let its four through in 1.5 s; together they take their eight turns
        // in one schedule, 3.5 s from the first to the last. (Times are measured when each answer
        // arrives, so single gaps wobble under load; the span does not shrink.)
        #expect(times.last!.timeIntervalSince(times.first!) >= 3.2, "\(times.map { $0.timeIntervalSince(start) })")
    }
}
