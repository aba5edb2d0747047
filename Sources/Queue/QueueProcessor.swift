import Config
import Engine
import Experiments
import Foundation
import LLM
import Store
import Synchronization
import WorkbenchCore

/// What the processor reports as it works: the dashboard and the `--plain` lines are drawn from these.
public enum ProcessorEvent: Sendable {
    /// The jobs a killed processor had left running, handed back at start.
    case recovered(jobs: [Int64])
    case claimed(Job)
    case attached(job: Int64, run: RunID)
    /// One of the book's pipeline events.
    case progress(job: Int64, run: RunID, event: PipelineEvent)
    case finished(job: Int64, output: JobOutput)
    /// The attempt failed; `after` is the job as it now stands (pending with a backoff, or dead).
    case failed(job: Int64, error: String, after: Job)
    /// Stopped by `queue cancel` (or lost to another processor): its calls were stopped.
    case cancelled(job: Int64)
    /// Handed back untried because the processor stopped.
    case released(job: Int64)
    /// Handed back to wait until its work is ready (its chapter tasks), the attempt not counted.
    case postponed(job: Int64, reason: String, until: Date)
    case budgetReached(spentUSD: Double, budgetUSD: Double)
    /// Nothing ready; `pending` wait out a backoff, `paused` says the queue is paused.
    case idle(pending: Int, paused: Bool)
}

/// How a processor runs.
public struct ProcessorSettings: Sendable {
    public enum Mode: Sendable {
        /// Until no job is pending or running (backoffs are waited out).
        case untilEmpty
        /// Until interrupted, waiting for new jobs.
        case forever
        /// Until a claim finds nothing and no job runs: one delivered batch (a Lambda invocation's).
        case whileClaimable
    }
    /// Jobs at once.
    public var parallel = 3
    public var mode = Mode.untilEmpty
    /// What this processor may spend, all books together; nil for no limit.
    public var budgetUSD: Double?
    /// How long a lease lasts without a heartbeat, and how often one is sent.
    public var lease: TimeInterval = 60
    public var heartbeat: TimeInterval = 10
    /// How often a running job's row is read (a `queue cancel` is seen within this) and the queue polled.
    public var poll: TimeInterval = 0.25
    /// A failed attempt waits `backoff × 2^(attempt − 1)` (at most `maxBackoff`) before the next.
    public var backoff: TimeInterval = 10
    public var maxBackoff: TimeInterval = 600

    public init() {}

    public func backoff(afterAttempt attempt: Int) -> TimeInterval {
        min(maxBackoff, backoff * pow(2, Double(max(0, attempt - 1))))
    }
}

/// What a processor did, at its end.
public struct ProcessorSummary: Sendable, Equatable {
    public var done = 0
    public var failedAttempts = 0
    public var dead = 0
    public var cancelled = 0
    public var released = 0
    public var spentUSD = 0.0
    public var budgetReached = false
}

/// Takes jobs from a queue and runs them (writes their books, checks their regresses), up to `parallel` at once, each through
/// `runner`. Each running job's lease is renewed by a heartbeat; its row is read every `poll`
/// so a `queue cancel` stops its calls within a second. A failed attempt goes back to the
/// queue with a backoff (or to `dead` after its last attempt, or at once when retrying cannot
/// help: a broken experiment, a changed configuration). Stopping (a budget, a cancelled task)
/// hands the running jobs back untried, and their runs resume next time.
///
/// The caller makes sure it is the one processor of its queue (`ProcessorLock`), so the jobs
/// left running by a killed processor are handed back at start rather than after their leases expire.
public final class QueueProcessor: Sendable {
    public let queue: any JobQueue
    public let runner: any QueueJobRunner
    public let settings: ProcessorSettings
    public let owner: String
    /// A run's spend so far (the call log's): the budget counts what this processor added.
    let spend: @Sendable (RunID) -> Double
    let report: @Sendable (ProcessorEvent) -> Void

    public init(queue: any JobQueue, runner: any QueueJobRunner, settings: ProcessorSettings, owner: String,
                spend: @escaping @Sendable (RunID) -> Double, report: @escaping @Sendable (ProcessorEvent) -> Void) {
        self.queue = queue
        self.runner = runner
        self.settings = settings
        self.owner = owner
        self.spend = spend
        self.report = report
    }

    private enum Ended: Sendable {
        case tick
        case job(Int64, Outcome)
    }

    private enum Outcome: Sendable {
        case done(JobOutput)
        case failed(Job, String)
        case cancelled
        case released
        case postponed(String, Date)
    }

    /// What one running job has cost: its run's spend when claimed, and now.
    private struct Spending: Sendable {
        var start: [Int64: Double] = [:]
        var run: [Int64: RunID] = [:]
        var closed = 0.0
    }

    /// What the loop and the jobs' tasks share.
    private final class Shared: Sendable {
        let stopping = Mutex(false)
        let spending = Mutex(Spending())
        let tasks = Mutex([Int64: Task<Outcome, Never>]())
        var isStopping: Bool { stopping.withLock { $0 } }
    }

    private final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    public func run() async throws -> ProcessorSummary {
        let recovered = try await queue.reclaimAbandoned(at: Date())
        if !recovered.isEmpty { report(.recovered(jobs: recovered.map(\.id))) }
        var summary = ProcessorSummary()
        let shared = Shared()

        func spent() -> Double {
            shared.spending.withLock { state in
                state.closed + state.run.reduce(0) { total, entry in total + max(0, spend(entry.value) - (state.start[entry.key] ?? 0)) }
            }
        }

        try await withThrowingTaskGroup(of: Ended.self) { group in
            var active = 0
            var ticking = false
            loop: while true {
                if Task.isCancelled { shared.stopping.withLock { $0 = true } }
                if let budget = settings.budgetUSD, !shared.isStopping {
                    let now = spent()
                    if now >= budget {
                        summary.budgetReached = true
                        report(.budgetReached(spentUSD: now, budgetUSD: budget))
                        shared.stopping.withLock { $0 = true }
                    }
                }
                let stop = shared.isStopping
                if stop {
                    shared.tasks.withLock { $0.values.forEach { $0.cancel() } }
                } else {
                    while active < settings.parallel, let job = try await queue.claim(owner: owner, lease: settings.lease, at: Date()) {
                        active += 1
                        report(.claimed(job))
                        let before = job.runID.map(spend) ?? 0
                        shared.spending.withLock { state in
                            state.start[job.id] = before
                            if let run = job.runID { state.run[job.id] = run }
                        }
                        let task = Task { await self.process(job, shared: shared) }
                        shared.tasks.withLock { $0[job.id] = task }
                        group.addTask { .job(job.id, await task.value) }
                    }
                }
                if active == 0 {
                    if stop || settings.mode == .whileClaimable { break loop }
                    let open = try await queue.jobs(status: [.pending, .running])
                    let paused = try await queue.isPaused()
                    if settings.mode == .untilEmpty && (open.isEmpty || paused) { break loop }
                    report(.idle(pending: open.count, paused: paused))
                }
                if !ticking {
                    ticking = true
                    let poll = settings.poll
                    group.addTask {
                        try? await Task.sleep(for: .seconds(poll))
                        return .tick
                    }
                }
                guard let ended = try await group.next() else { break loop }
                switch ended {
                case .tick:
                    ticking = false
                case .job(let id, let outcome):
                    active -= 1
                    shared.tasks.withLock { $0[id] = nil }
                    shared.spending.withLock { state in
                        if let run = state.run[id] { state.closed += max(0, spend(run) - (state.start[id] ?? 0)) }
                        state.run[id] = nil
                        state.start[id] = nil
                    }
                    switch outcome {
                    case .done(let output):
                        summary.done += 1
                        report(.finished(job: id, output: output))
                    case .failed(let after, let error):
                        summary.failedAttempts += 1
                        if after.status == .dead { summary.dead += 1 }
                        report(.failed(job: id, error: error, after: after))
                    case .cancelled:
                        summary.cancelled += 1
                        report(.cancelled(job: id))
                    case .released:
                        summary.released += 1
                        report(.released(job: id))
                    case .postponed(let reason, let until):
                        report(.postponed(job: id, reason: reason, until: until))
                    }
                }
            }
            group.cancelAll()
        }
        summary.spentUSD = spent()
        return summary
    }

    /// One job's attempt, watched: its row read every `poll` (cancelled or taken over: its
    /// task is cancelled), its lease renewed every `heartbeat`.
    private func process(_ job: Job, shared: Shared) async -> Outcome {
        let id = job.id
        let work = Task {
            try await runner.run(job, attach: { run in
                try self.queue.attach(id, owner: self.owner, run: run)
                shared.spending.withLock { $0.run[id] = run }
                self.report(.attached(job: id, run: run))
            }, onEvent: { event, run in self.report(.progress(job: id, run: run, event: event)) })
        }
        let lost = Flag()
        let watcher = Task {
            var lastBeat = Date()
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(settings.poll))
                if Task.isCancelled { break }
                let current = try? await queue.job(id)
                var held = current.map { $0.status == .running && $0.leaseOwner == owner } ?? false
                if held, Date().timeIntervalSince(lastBeat) >= settings.heartbeat {
                    held = (try? await queue.heartbeat(id, owner: owner, lease: settings.lease, at: Date())) ?? true
                    lastBeat = Date()
                }
                if !held, current != nil {
                    lost.set()
                    work.cancel()
                    break
                }
                if shared.isStopping { work.cancel() }
            }
        }
        let result = await work.result
        watcher.cancel()
        if lost.isSet { return .cancelled }
        do {
            switch result {
            case .success(let output):
                try await queue.finish(id, owner: owner, at: Date())
                return .done(output)
            case .failure(let waiting as JobNotReady) where !shared.isStopping:
                try await queue.postpone(id, owner: owner, until: waiting.until, at: Date())
                return .postponed(waiting.reason, waiting.until)
            case .failure(let error):
                if shared.isStopping {
                    try await queue.release(id, owner: owner, at: Date())
                    return .released
                }
                let message = (error as? any WorkbenchError).map { $0.message } ?? "\(error)"
                let attempts = (try? await queue.job(id))?.attempts ?? job.attempts
                let backoff = Self.isPermanent(error) ? nil : settings.backoff(afterAttempt: attempts)
                return .failed(try await queue.fail(id, owner: owner, error: message, backoff: backoff, at: Date()), message)
            }
        } catch {
            // The lease was lost between the end of the work and this update: another holder decides.
            return .cancelled
        }
    }

    /// Failures another attempt cannot fix: the job's experiment or prompts are broken, its
    /// routes name no provider, its run's configuration changed since it started, its baseline is missing or broken.
    static func isPermanent(_ error: any Error) -> Bool {
        switch error {
        case is ConfigError, is RoutingError, is BaselineError: return true
        case let engine as EngineError:
            switch engine {
            case .configurationChanged, .unresumable, .promptMissing, .promptInvalid, .ensembleWithoutNamedProviders: return true
            default: return false
            }
        default: return false
        }
    }
}

/// One processor per workspace: an exclusive `flock` on a file beside the database, held for
/// the processor's life and released by the kernel when the process dies (even by SIGKILL).
public final class ProcessorLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Takes the lock, or says who holds it.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw QueueError.lockUnavailable(path: path, holder: "cannot open the lock file: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            throw QueueError.processorRunning(path: path, holder: holder?.isEmpty == false ? holder! : "another process")
        }
        descriptor = fd
        let note = "pid \(getpid()) since \(CivilTime(secondsSince1970: Date().timeIntervalSince1970).iso8601)\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
