import Cloud
import Foundation
import Queue
import Testing
import TestSupport
import WorkbenchCore

/// The queue's semantics on SQS and DynamoDB (moto_server): each job claimed once, leases that
/// lapse and are taken over, backoffs, dead jobs, cancel, retry, pause; duplicate and malformed
/// messages. Leases and visibility are a second or two so the test can wait them out.
@Suite("the job queue on AWS (moto)", .serialized)
struct AWSJobQueueTests {
    static let moto = Result { try MotoServer() }

    func queue(_ name: String) async throws -> AWSJobQueue {
        let moto = try Self.moto.get()
        let client = AWSClient(configuration: try AWSConfiguration.resolve(environment: moto.environment.merging(["HOME": "/nonexistent"]) { a, _ in a }))
        let deployment = CloudResources(client: client, names: try CloudNames(prefix: name))
        try await deployment.destroy()
        try await deployment.initialize(CloudQueueSettings(visibilityTimeout: 2, maxReceives: 5))
        return try await AWSJobQueue(deployment: deployment, receiveWait: 0)
    }

    func job(_ premise: String, attempts: Int = 3) -> NewJob {
        NewJob(source: .premise(premise), sourceName: "\(premise).txt", experiment: "/x/sim.yaml", maxAttempts: attempts)
    }

    @Test func eachJobIsClaimedOnceAndFinishedForGood() async throws {
        let queue = try await queue("wb-q-once")
        let added = try await queue.enqueue([job("a"), job("b"), job("c")], at: Date())
        #expect(added.map(\.id) == [1, 2, 3])
        #expect(try await queue.job(2).spec == job("b"), "the spec comes back whole from its S3 object")
        var claimed: [Int64] = []
        while let next = try await queue.claim(owner: "w1", lease: 30, at: Date()) { claimed.append(next.id) }
        #expect(claimed.sorted() == [1, 2, 3])
        #expect(try await queue.claim(owner: "w2", lease: 30, at: Date()) == nil, "every job is held")
        try queue.attach(1, owner: "w1", run: RunID("20261203-120000-abcdef")!)
        try await queue.finish(1, owner: "w1", at: Date())
        let done = try await queue.job(1)
        #expect(done.status == .done && done.runID?.rawValue == "20261203-120000-abcdef" && done.attempts == 1)
        #expect(try await queue.counts() == [.done: 1, .running: 2])
        await #expect(throws: QueueError.self) { try await queue.finish(2, owner: "w2", at: Date()) }
    }

    @Test func aLapsedLeaseIsTakenOverAndItsOldOwnerIsRefused() async throws {
        let queue = try await queue("wb-q-lease")
        _ = try await queue.enqueue([job("a")], at: Date())
        let first = try #require(try await queue.claim(owner: "w1", lease: 1, at: Date()))
        #expect(try await queue.heartbeat(first.id, owner: "w1", lease: 1, at: Date()))
        // w1 dies: no more heartbeats. Its message reappears when the visibility lapses.
        try await Task.sleep(for: .seconds(2.5))
        let taken = try #require(try await queue.claim(owner: "w2", lease: 30, at: Date()))
        #expect(taken.id == first.id && taken.attempts == 2 && taken.leaseOwner == "w2")
        #expect(try await queue.heartbeat(first.id, owner: "w1", lease: 1, at: Date()) == false)
        await #expect(throws: QueueError.leaseLost(id: first.id, owner: "w1")) { try await queue.finish(first.id, owner: "w1", at: Date()) }
        try await queue.finish(taken.id, owner: "w2", at: Date())
        #expect(try await queue.job(first.id).status == .done)
    }

    @Test func aFailedAttemptWaitsOutItsBackoffAndTheLastOneIsDead() async throws {
        let queue = try await queue("wb-q-fail")
        _ = try await queue.enqueue([job("a", attempts: 2)], at: Date())
        let first = try #require(try await queue.claim(owner: "w1", lease: 30, at: Date()))
        let failed = try await queue.fail(first.id, owner: "w1", error: "the provider timed out", backoff: 2, at: Date())
        #expect(failed.status == .pending && failed.lastError == "the provider timed out" && failed.notBefore != nil)
        #expect(try await queue.claim(owner: "w1", lease: 30, at: Date()) == nil, "not before its backoff")
        try await Task.sleep(for: .seconds(2.5))
        let second = try #require(try await queue.claim(owner: "w1", lease: 30, at: Date()))
        #expect(second.attempts == 2)
        let dead = try await queue.fail(second.id, owner: "w1", error: "again", backoff: 2, at: Date())
        #expect(dead.status == .dead)
        try await Task.sleep(for: .seconds(2.5))
        #expect(try await queue.claim(owner: "w1", lease: 30, at: Date()) == nil, "a dead job's message is gone")
        let revived = try await queue.retry(dead.id, at: Date())
        #expect(revived.status == .pending && revived.attempts == 0)
        #expect(try await queue.claim(owner: "w1", lease: 30, at: Date())?.id == dead.id)
    }

    /// A book in chapter tasks waits again and again: each wait is a fresh message, so waiting
    /// more often than the queue's 5 receives never sends the job to the dead-letter queue.
    @Test func aJobWaitingMoreTimesThanTheReceiveLimitKeepsItsMessage() async throws {
        let queue = try await queue("wb-q-wait")
        _ = try await queue.enqueue([job("a")], at: Date())
        for wait in 1...7 {
            var claimed: Job?
            for _ in 0..<100 where claimed == nil {
                claimed = try await queue.claim(owner: "w1", lease: 30, at: Date())
                if claimed == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
            let job = try #require(claimed, "wait \(wait): the job's message is gone")
            #expect(job.attempts == 1, "a wait is no attempt")
            try await queue.postpone(job.id, owner: "w1", until: Date().addingTimeInterval(3), at: Date())
            #expect(try await queue.claim(owner: "w2", lease: 30, at: Date()) == nil, "not before its wait is over")
        }
        #expect(try await queue.deployment.deadLetterQueue().receive(max: 10, wait: 0).isEmpty)
    }

    @Test func cancelPauseAndPurge() async throws {
        let queue = try await queue("wb-q-cancel")
        _ = try await queue.enqueue([job("a"), job("b")], at: Date())
        #expect(try await queue.cancel(1, at: Date()).status == .cancelled)
        await #expect(throws: QueueError.self) { try await queue.cancel(1, at: Date()) }
        try await queue.setPaused(true)
        #expect(try await queue.isPaused())
        #expect(try await queue.claim(owner: "w1", lease: 30, at: Date()) == nil)
        try await queue.setPaused(false)
        let claimed = try #require(try await queue.claim(owner: "w1", lease: 30, at: Date()))
        #expect(claimed.id == 2, "the cancelled job's message claims nothing")
        // Cancelled while running: its holder finds it no longer its own.
        _ = try await queue.cancel(2, at: Date())
        #expect(try await queue.heartbeat(2, owner: "w1", lease: 30, at: Date()) == false)
        #expect(try await queue.purge([.cancelled]) == 2)
        #expect(try await queue.jobs(status: nil).isEmpty)
    }

    @Test func duplicateAndMalformedMessagesClaimNothingAndLoseNothing() async throws {
        let queue = try await queue("wb-q-dup")
        _ = try await queue.enqueue([job("a")], at: Date())
        // The same message delivered twice (at-least-once), and something that is not a task.
        let original = try #require(try await queue.tasks.receive(wait: 1, visibility: 0).first)
        try await queue.tasks.send(original.body)
        try await queue.tasks.send("not a task")
        var claims = 0
        for _ in 0..<4 { if try await queue.claim(owner: "w\(claims)", lease: 30, at: Date()) != nil { claims += 1 } }
        #expect(claims == 1, "one job, one claim")
        let deadLetters = try await queue.deployment.deadLetterQueue()
        #expect(try await deadLetters.receive(wait: 1).map(\.body) == ["not a task"], "kept on the dead-letter queue")
    }
}
