import Config
import Engine
import Foundation
import Synchronization
import Testing
@testable import Queue
import Store
import WorkbenchCore

/// The processor's semantics with a scripted runner: how many books at once, retries with
/// backoff then dead, failures retrying cannot fix, cancel within a second, jobs a killed
/// processor left running, and a budget that stops the batch and hands the books back.
@Suite struct QueueProcessorTests {
    /// What the scripted runner does with a job, by its source name.
    enum Script: Sendable {
        case succeed(after: Duration)
        case failTimes(Int)
        case permanent
        case hang
    }

    final class FakeRunner: QueueJobRunner {
        let scripts: [String: Script]
        let database: WorkbenchDatabase
        let state = Mutex((running: 0, most: 0, calls: [String: Int](), runs: [String: RunID]()))

        init(_ scripts: [String: Script], database: WorkbenchDatabase) {
            self.scripts = scripts
            self.database = database
        }

        func run(_ job: Job, attach: @escaping @Sendable (RunID) throws -> Void,
                 onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> JobOutput {
            let name = job.spec.sourceName
            let run = try job.runID ?? database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil).id
            let call = state.withLock { state -> Int in
                state.running += 1
                state.most = max(state.most, state.running)
                state.calls[name, default: 0] += 1
                state.runs[name] = run
                return state.calls[name]!
            }
            defer { state.withLock { $0.running -= 1 } }
            if job.runID == nil { try attach(run) }
            switch scripts[name] ?? .succeed(after: .milliseconds(50)) {
            case .succeed(let after):
                try await Task.sleep(for: after)
            case .failTimes(let times):
                try await Task.sleep(for: .milliseconds(10))
                if call <= times { throw EngineError.noProgress(chapter: call, words: 0) }
            case .permanent:
                throw ConfigError(file: "/x/sim.yaml", line: 3, field: "book.chapters", problem: "must be 1…200")
            case .hang:
                try await Task.sleep(for: .seconds(3600))
            }
            return .book(QueuedBook(runID: run, bookID: "book-\(name)", quality: 7, words: 1000, costUSD: 0, manuscript: nil))
        }
    }

    func job(_ name: String, attempts: Int = 3) -> NewJob {
        NewJob(source: .premise(name), sourceName: name, experiment: "/x/sim.yaml", maxAttempts: attempts)
    }

    func settings(parallel: Int = 2, backoff: TimeInterval = 0.05) -> ProcessorSettings {
        var settings = ProcessorSettings()
        settings.parallel = parallel
        settings.backoff = backoff
        settings.poll = 0.02
        return settings
    }

    func processor(_ queue: SQLiteJobQueue, _ runner: FakeRunner, _ settings: ProcessorSettings, spend: @escaping @Sendable (RunID) -> Double = { _ in 0 }) -> QueueProcessor {
        QueueProcessor(queue: queue, runner: runner, settings: settings, owner: "test", spend: spend) { _ in }
    }

    @Test func booksRunUpToTheParallelLimitAndAllFinish() async throws {
        let queue = SQLiteJobQueue(database: try WorkbenchDatabase.inMemory())
        _ = try queue.enqueue((1...7).map { job("b\($0)") }, at: Date())
        let runner = FakeRunner([:], database: queue.database)
        let summary = try await processor(queue, runner, settings(parallel: 3)).run()
        #expect(summary.done == 7)
        #expect(runner.state.withLock { $0.most } == 3)
        let jobs = try queue.jobs(status: nil)
        #expect(jobs.allSatisfy { job in job.status == .done && job.runID == runner.state.withLock { $0.runs[job.spec.sourceName] } })
    }

    @Test func aFailingBookIsRetriedWithItsRunAndDiesAfterItsLastAttempt() async throws {
        let queue = SQLiteJobQueue(database: try WorkbenchDatabase.inMemory())
        _ = try queue.enqueue([job("flaky"), job("doomed", attempts: 2), job("fine")], at: Date())
        let runner = FakeRunner(["flaky": .failTimes(2), "doomed": .failTimes(99)], database: queue.database)
        let summary = try await processor(queue, runner, settings()).run()
        #expect(summary.done == 2 && summary.dead == 1 && summary.failedAttempts == 4)
        let doomed = try #require(try queue.jobs(status: [.dead]).first)
        #expect(doomed.spec.sourceName == "doomed" && doomed.attempts == 2)
        #expect(doomed.lastError?.contains("chapter 2") == true)
        #expect(runner.state.withLock { $0.calls["flaky"] } == 3)
    }

    @Test func aFailureRetryingCannotFixIsDeadAtOnce() async throws {
        let queue = SQLiteJobQueue(database: try WorkbenchDatabase.inMemory())
        _ = try queue.enqueue([job("broken")], at: Date())
        let runner = FakeRunner(["broken": .permanent], database: queue.database)
        let summary = try await processor(queue, runner, settings()).run()
        #expect(summary.dead == 1 && runner.state.withLock { $0.calls["broken"] } == 1)
        #expect(try queue.job(1).lastError?.contains("book.chapters") == true)
    }

    /// How soon is `make bench`'s (`--only queue-batch --part cancel`): a timed assertion here
    /// would measure the test machine's load.
    @Test func aCancelledBookStopsItsWork() async throws {
        let queue = SQLiteJobQueue(database: try WorkbenchDatabase.inMemory())
        _ = try queue.enqueue([job("endless")], at: Date())
        let runner = FakeRunner(["endless": .hang], database: queue.database)
        let processor = processor(queue, runner, settings())
        let task = Task { try await processor.run() }
        while runner.state.withLock({ $0.running }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
        _ = try queue.cancel(1, at: Date())
        let summary = try await task.value
        #expect(summary.cancelled == 1 && runner.state.withLock { $0.running } == 0)
        #expect(try queue.job(1).status == .cancelled)
    }

    @Test func jobsAKilledProcessorLeftRunningAreTakenBackAtOnceWithoutCountingTheAttempt() async throws {
        let queue = SQLiteJobQueue(database: try WorkbenchDatabase.inMemory())
        _ = try queue.enqueue([job("orphan")], at: Date())
        let orphan = try #require(try queue.claim(owner: "killed", lease: 3600, at: Date()))
        let before = try queue.database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil).id
        try queue.attach(orphan.id, owner: "killed", run: before)
        let runner = FakeRunner([:], database: queue.database)
        let summary = try await processor(queue, runner, settings()).run()
        #expect(summary.done == 1)
        let done = try queue.job(orphan.id)
        #expect(done.attempts == 1 && done.runID == before, "resumed its run, the killed attempt not counted")
    }

    @Test func theBudgetStopsTheBatchAndHandsTheBooksBack() async throws {
        let queue = SQLiteJobQueue(database: try WorkbenchDatabase.inMemory())
        _ = try queue.enqueue((1...4).map { job("b\($0)") }, at: Date())
        let runner = FakeRunner(["b1": .hang, "b2": .hang], database: queue.database)
        var settings = settings()
        settings.budgetUSD = 0.10
        // Each running book has spent 6 cents once it started: two pass the budget.
        let summary = try await processor(queue, runner, settings, spend: { _ in 0.06 }).run()
        #expect(summary.budgetReached && summary.released == 2 && summary.done == 0)
        #expect(try queue.jobs(status: [.pending]).count == 4, "nothing lost: every book waits for the next processor")
        #expect(try queue.jobs(status: nil).allSatisfy { $0.attempts == 0 })
    }

    @Test func untilEmptyWaitsOutABackoffAndStopsWhenPaused() async throws {
        let queue = SQLiteJobQueue(database: try WorkbenchDatabase.inMemory())
        _ = try queue.enqueue([job("once")], at: Date())
        let runner = FakeRunner(["once": .failTimes(1)], database: queue.database)
        let summary = try await processor(queue, runner, settings(backoff: 0.3)).run()
        #expect(summary.done == 1 && summary.failedAttempts == 1)
        _ = try queue.enqueue([job("later")], at: Date())
        try queue.setPaused(true)
        let paused = try await processor(queue, runner, settings()).run()
        let waiting = try queue.job(2).status
        #expect(paused.done == 0 && waiting == .pending)
    }

    @Test func backoffDoublesUpToItsCeiling() {
        var settings = ProcessorSettings()
        settings.backoff = 10
        #expect([1, 2, 3, 10].map(settings.backoff(afterAttempt:)) == [10, 20, 40, 600])
    }

    @Test func oneProcessorPerWorkspace() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("queue-lock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try ProcessorLock(path: path)
        #expect(throws: QueueError.self) { _ = try ProcessorLock(path: path) }
        do {
            _ = try ProcessorLock(path: path)
        } catch let error as QueueError {
            #expect(error.message.contains("already running") && error.message.contains("pid \(getpid())"))
            #expect(error.exitStatus == .temporaryFailure)
        }
        withExtendedLifetime(first) {}
    }
}
