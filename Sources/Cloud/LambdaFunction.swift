import Engine
import Foundation
import Queue
import WorkbenchCore

/// The workbench as a Lambda function on the deployment's task queue (an SQS event source
/// with `ReportBatchItemFailures`): each invocation's batch of task messages is claimed and
/// run as a worker runs them, up to `settings.parallel` at once, and answered with the
/// partial batch response: the messages left on the queue for a later delivery (a job in
/// another worker's hands, a retry's backoff) are `batchItemFailures`, every other one is
/// done with (its job finished or dead, a duplicate, a malformed message moved to the
/// dead-letter queue) and deleted.
///
/// A job must be done `margin` before the invocation's deadline; one that is not counts a
/// failed attempt (`LambdaError.outOfTime`) and comes back after its backoff, so a book too
/// long for the function goes dead after its attempts instead of being tried for ever.
public struct LambdaFunction: Sendable {
    public let runtime: LambdaRuntimeClient
    public let queue: AWSJobQueue
    public let runner: any QueueJobRunner
    public let settings: ProcessorSettings
    public let owner: String
    public let margin: TimeInterval
    let spend: @Sendable (RunID) -> Double
    let report: @Sendable (ProcessorEvent) -> Void

    public init(runtime: LambdaRuntimeClient, queue: AWSJobQueue, runner: any QueueJobRunner, settings: ProcessorSettings, owner: String, margin: TimeInterval,
                spend: @escaping @Sendable (RunID) -> Double, report: @escaping @Sendable (ProcessorEvent) -> Void) {
        self.runtime = runtime
        self.queue = queue
        self.runner = runner
        var settings = settings
        settings.mode = .whileClaimable
        self.settings = settings
        self.owner = owner
        self.margin = margin
        self.spend = spend
        self.report = report
    }

    /// What an invocation is answered with.
    public enum Answer: Sendable, Equatable {
        /// The partial batch response's failures (message ids).
        case batch(failures: [String])
        case failed(LambdaFailure)
    }

    /// Answers invocations until `limit` have been answered (nil: for ever, as Lambda runs a
    /// runtime); returns how many were. A Runtime API that refuses or vanishes ends it (Lambda starts a new one).
    public func serve(limit: Int? = nil, answered: @Sendable (LambdaInvocation, Answer) -> Void = { _, _ in }) async throws -> Int {
        var count = 0
        while limit.map({ count < $0 }) ?? true {
            let invocation = try await runtime.next()
            let answer = await handle(invocation)
            switch answer {
            case .batch(let failures): try await runtime.respond(to: invocation.requestID, SQSEvent.batchResponse(failures: failures))
            case .failed(let failure): try await runtime.fail(invocation.requestID, failure)
            }
            answered(invocation, answer)
            count += 1
        }
        return count
    }

    /// One invocation: its batch run to the end, or a failure when its event is not a batch
    /// of the queue's or the queue cannot be reached (Lambda then delivers the batch again:
    /// claims are conditional, so a job done meanwhile is not done twice).
    public func handle(_ invocation: LambdaInvocation) async -> Answer {
        let messages: [SQSMessage]
        do {
            messages = try SQSEvent.messages(in: invocation.event)
        } catch {
            return .failed(LambdaFailure(error))
        }
        let stopAt = invocation.deadline.addingTimeInterval(-margin)
        // No time to do anything: every message comes back untouched.
        if stopAt.timeIntervalSinceNow <= 0 { return .batch(failures: messages.map(\.id)) }
        queue.beginBatch(messages)
        let processor = QueueProcessor(queue: queue, runner: DeadlineJobRunner(runner: runner, stopAt: stopAt), settings: settings, owner: owner,
                                       spend: spend, report: report)
        do {
            _ = try await processor.run()
        } catch {
            _ = queue.endBatch()
            return .failed(LambdaFailure(error))
        }
        return .batch(failures: queue.endBatch())
    }
}

/// A runner whose jobs must be done by `stopAt`: one that is not is stopped and fails with
/// `LambdaError.outOfTime`, unless what it kept of its work lets the next attempt go further
/// (a chapter drafted some scenes further): then it is handed back (`JobNotReady`), no attempt counted.
struct DeadlineJobRunner: QueueJobRunner {
    let runner: any QueueJobRunner
    let stopAt: Date

    func run(_ job: Job, attach: @escaping @Sendable (RunID) throws -> Void,
             onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> JobOutput {
        let seconds = stopAt.timeIntervalSinceNow
        guard seconds > 0 else { throw LambdaError.outOfTime(job: job.id, seconds: 0) }
        return try await withThrowingTaskGroup(of: JobOutput?.self) { group in
            group.addTask { try await runner.run(job, attach: attach, onEvent: onEvent) }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            if let first = try await group.next(), let output = first { return output }
            // Out of time: the work is stopped, and says whether it kept progress.
            group.cancelAll()
            do {
                if let late = try await group.next(), let output = late { return output }
            } catch let progress as JobNotReady {
                throw progress
            } catch {}
            throw LambdaError.outOfTime(job: job.id, seconds: Int(seconds.rounded()))
        }
    }
}
