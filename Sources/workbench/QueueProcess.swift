import ArgumentParser
import Cloud
import Engine
import Foundation
import LLM
import Queue
import Reports
import Store
import Synchronization
import WorkbenchCore

/// `--rate-limit` and `--token-limit`, read once into limits (`queue process` and `queue estimate`).
struct GlobalLimitOptions: ParsableArguments {
    @Option(name: .customLong("rate-limit"), help: ArgumentHelp("Requests for all books and providers together: N/minute, N/hour or N/day.", valueName: "N/period"),
            transform: { try GlobalLimitOptions.spec($0, periods: [.minute, .hour, .day]) })
    var requests: RateLimitSpec?

    @Option(name: .customLong("token-limit"), help: ArgumentHelp("Tokens (prompt and completion) for all books together: N/minute or N/hour.", valueName: "N/period"),
            transform: { try GlobalLimitOptions.spec($0, periods: [.minute, .hour]) })
    var tokens: RateLimitSpec?

    /// The limiter of these limits (nil when none is given); with a `ledger`, shared with
    /// every process that uses it.
    func limiter(ledger: (any RateLedger)? = nil) -> GlobalRateLimiter? {
        requests == nil && tokens == nil ? nil : GlobalRateLimiter(requests: requests, tokens: tokens, ledger: ledger)
    }

    /// A limit, or a usage error (ArgumentParser names the flag before it).
    static func spec(_ text: String, periods: [RateLimitSpec.Period]) throws -> RateLimitSpec {
        switch RateLimitSpec.parse(text, periods: periods) {
        case .success(let spec): return spec
        case .failure(let error): throw ValidationError(error.description)
        }
    }
}

extension Workbench.QueueCommand {
    struct Process: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the queued books, several at once, under global rate limits and a budget.",
            discussion: """
                Each book runs through the engine as `generate` runs it (its own run, resumable). A processor killed at any \
                moment and started again continues every book it had in progress from where it stopped (chapters done are \
                kept, calls already paid are answered by the response cache) and takes the pending ones. A failed attempt \
                is retried after a backoff (10 s, doubling, at most 10 min); after its last attempt a job is dead \
                (`queue retry` revives it). `queue cancel` stops a running book's calls within a second. One processor per \
                workspace at a time.

                --rate-limit and --token-limit are global: all books and providers together, on top of each provider's own \
                limits. They are smooth (calls spaced evenly, no burst when a window opens), never exceeded in any window of \
                their period, and a 429 from any provider halves the rate (at most once in 2 s; each success wins back 5%).

                Exit codes: 0 every book taken is done; 1 some went dead, or the --budget was spent (the rest wait in the \
                queue); 2 usage (a bad flag such as --rate-limit 100/fortnight); 75 another processor holds the workspace.
                """)

        @OptionGroup var processor: ProcessorOptions

        func run() async throws { try await processor.run(foreverByDefault: false) }
    }
}

extension Workbench {
    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run jobs from a shared queue until interrupted: with --backend aws, one of any number of workers on any number of machines.",
            discussion: """
                `queue process` that keeps waiting for jobs (--until-empty stops when none is left). With --backend aws it \
                takes tasks from the deployment's SQS queue (`workbench cloud init`), writes each book on this machine's \
                workspace (its runs and response cache), puts its chapters and manuscript in the deployment's bucket and its \
                progress in the table, and only then marks the job done; a worker killed at any moment lets its jobs' \
                leases lapse and another worker takes them over. Each worker needs the experiment files at the paths \
                the jobs name (a checkout of the same repository). Exit codes as `queue process`.
                """)

        @OptionGroup var processor: ProcessorOptions

        func run() async throws { try await processor.run(foreverByDefault: true) }
    }
}

/// What `queue process` and `worker` take, and the run they share.
struct ProcessorOptions: ParsableArguments {
    @OptionGroup var workspace: WorkspaceOptions
    @OptionGroup var backend: QueueBackendOptions
    @Option(help: "Jobs run at once (1–64).") var parallel = 3
    @OptionGroup var limits: GlobalLimitOptions
    @Option(help: ArgumentHelp("Stop when this processor has spent this much (USD); unfinished books stay queued.", valueName: "usd"))
    var budget: Double?
    @Flag(name: .customLong("until-empty"), help: "Stop when no job is left to run (the default of `queue process`).") var untilEmpty = false
    @Flag(help: "Keep waiting for new jobs until interrupted (the default of `worker`).") var forever = false
    @Option(help: ArgumentHelp("Seconds before a failed book's first retry; doubles with each attempt.", valueName: "seconds"))
    var backoff: Double = 10
    @Option(help: ArgumentHelp("Seconds a running job's lease lasts without a heartbeat (heartbeats come every sixth of it, at most every 10 s): a dead worker's jobs are taken over after this.",
                               valueName: "seconds"))
    var lease: Double = 60
    @Flag(help: "One line per event instead of the live dashboard (the default when output is not a terminal).") var plain = false

    func validate() throws {
        guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be 1 to 64 (got \(parallel))") }
        if untilEmpty && forever { throw ValidationError("give --until-empty or --forever, not both") }
        if let budget, !(budget > 0) || !budget.isFinite { throw ValidationError("--budget must be a positive amount in USD (got \(budget))") }
        guard backoff >= 0, backoff.isFinite, backoff <= 3600 else { throw ValidationError("--backoff must be 0 to 3600 seconds (got \(backoff))") }
        guard lease >= 2, lease <= 3600 else { throw ValidationError("--lease must be 2 to 3600 seconds (got \(lease))") }
    }

    /// A processor's name in the leases it holds: unique per process, so a restarted worker
    /// never mistakes a job it held before for its own.
    static func owner() -> String {
        "pid \(getpid())@\(ProcessInfo.processInfo.hostName)#\(UUID().uuidString.prefix(8))"
    }

    func run(foreverByDefault: Bool) async throws {
        let resolved = try workspace.resolve()
        let database = try workspace.open()
        // One processor per workspace database; a shared cloud queue takes any number.
        let lock = backend.backend == .sqlite ? try ProcessorLock(path: resolved.folder.appendingPathComponent("queue.lock").path) : nil
        defer { withExtendedLifetime(lock) {} }
        let queue: any JobQueue = backend.backend == .sqlite ? SQLiteJobQueue(database: database) : try await backend.queue(workspace)
        let cloud = queue as? AWSJobQueue
        // On a shared queue the limits are the deployment's: all its workers together.
        let limiter = limits.limiter(ledger: cloud.map { DynamoRateLedger(table: $0.deployment.table) })
        let requests = limits.requests, tokens = limits.tokens
        var settings = ProcessorSettings()
        settings.parallel = parallel
        settings.mode = forever || (foreverByDefault && !untilEmpty) ? .forever : .untilEmpty
        settings.budgetUSD = budget
        settings.backoff = backoff
        settings.lease = lease
        settings.heartbeat = min(10, lease / 6)
        let factory = ProviderOptions.factory(sharedLimiter: limiter)
        let owner = Self.owner()
        let engine = EngineJobRunner(database: database, factory: factory, reportsFolder: workspace.reportsFolder())
        let runner: any QueueJobRunner = cloud.map {
            CloudJobRunner(engine: engine, queue: $0, worker: owner, bundlesFolder: resolved.folder.appendingPathComponent("bundles").path)
        } ?? engine
        let live = !plain && isatty(STDOUT_FILENO) != 0 && Console.environment["TERM"] != "dumb"
        let limits = [requests.map { "\($0) requests" }, tokens.map { "\($0) tokens" }].compactMap { $0 }.joined(separator: ", ")
        let display = QueueDisplay(live: live, style: Console.style, database: database, limiter: limiter, budget: budget, limits: limits.isEmpty ? nil : limits)
        let processor = QueueProcessor(
            queue: queue, runner: runner, settings: settings, owner: owner,
            spend: { run in (try? database.summary(of: run).costUSD) ?? 0 }, report: display.show)
        let summary: ProcessorSummary
        do {
            summary = try await processor.run()
        } catch {
            await factory.shutdown()
            throw error
        }
        await factory.shutdown()
        display.finish(summary)
        let left = try await queue.jobs(status: [.pending, .running]).count
        if summary.budgetReached, let budget { throw QueueError.budgetReached(spentUSD: summary.spentUSD, budgetUSD: budget, pending: left) }
        if summary.dead > 0 {
            Console.error("\(summary.dead) book\(summary.dead == 1 ? "" : "s") went dead after their last attempt: `workbench queue list --status dead` shows why, `workbench queue retry ID` tries again")
            throw ExitCode(ExitStatus.checkFailed.rawValue)
        }
    }
}

/// Shows what the processor reports: the dashboard redrawn in place at most ten times a
/// second (a change that comes sooner is drawn by the next tick), or (plain) one line per job
/// event and per finished chapter.
final class QueueDisplay: Sendable {
    private let live: Bool
    private let style: TerminalStyle
    private let database: WorkbenchDatabase
    private let limiter: GlobalRateLimiter?
    private let state: Mutex<DisplayState>
    private let ticker: Mutex<Task<Void, Never>?> = Mutex(nil)

    private struct DisplayState {
        var dashboard: QueueDashboard
        var gate = FrameGate(perSecond: 10)
        var drawnLines = 0
        /// The runs of the books in progress (their cost is read at each frame).
        var runs: [Int64: RunID] = [:]
        /// What the books no longer in progress spent.
        var closedSpend = 0.0
        var idle: String?

        /// A book left the screen: its run's cost moves to the closed spend.
        mutating func close(_ job: Int64, cost: Double?, database: WorkbenchDatabase) {
            guard let run = runs.removeValue(forKey: job) else { return }
            closedSpend += cost ?? (try? database.summary(of: run).costUSD) ?? 0
        }
    }

    init(live: Bool, style: TerminalStyle, database: WorkbenchDatabase, limiter: GlobalRateLimiter?, budget: Double?, limits: String?) {
        self.live = live
        self.style = style
        self.database = database
        self.limiter = limiter
        state = Mutex(DisplayState(dashboard: QueueDashboard(budgetUSD: budget, limits: limits)))
        guard live else { return }
        // Draws what the gate held back, and keeps the clock, spend and limiter figures moving.
        ticker.withLock {
            $0 = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                    guard let self else { return }
                    self.state.withLock { self.redraw(&$0) }
                }
            }
        }
    }

    func show(_ event: ProcessorEvent) {
        let line: String? = state.withLock { state in
            var line: String?
            switch event {
            case .recovered(let jobs):
                line = "took back \(jobs.count) book\(jobs.count == 1 ? "" : "s") a stopped processor left running (jobs \(jobs.map(String.init).joined(separator: ", "))): they resume where they stopped"
                state.dashboard.recent.append(line!)
            case .claimed(let job):
                state.dashboard.claimed(job: job.id, name: (job.spec.sourceName as NSString).lastPathComponent, attempt: job.attempts, maxAttempts: job.spec.maxAttempts)
                if let run = job.runID { state.runs[job.id] = run }
                line = "job \(job.id) started: \(job.spec.sourceName) (attempt \(job.attempts) of \(job.spec.maxAttempts)\(job.runID.map { ", resuming run \($0)" } ?? ""))"
                state.idle = nil
            case .attached(let job, let run):
                state.runs[job] = run
                line = "job \(job) run \(run)"
            case .progress(let job, _, let event):
                switch event {
                case .planned(let title, let chapters):
                    state.dashboard.planned(job: job, title: title, chapters: chapters)
                    line = "job \(job) planned \"\(title)\" (\(chapters) chapters)"
                case .chapterDone(let chapter, let quality, let words):
                    state.dashboard.chapterDone(job: job, quality: quality)
                    line = "job \(job) chapter \(chapter) done: quality \(String(format: "%.2f", quality)), \(words) words"
                case .chapterStarted(let chapter, _, _): state.dashboard.activity(job: job, "chapter \(chapter)")
                case .continuityChecked: state.dashboard.activity(job: job, "continuity")
                case .failed(let error): state.dashboard.activity(job: job, "failed: \(error.prefix(60))")
                default: break
                }
            case .finished(let job, let output):
                state.dashboard.done += 1
                switch output {
                case .book(let book):
                    line = "job \(job) done: book \(book.bookID), quality \(String(format: "%.2f", book.quality)), \(book.words) words, $\(String(format: "%.4f", book.costUSD))"
                        + (book.manuscript.map { ", \($0)" } ?? "")
                case .regress(let regress):
                    line = "job \(job) done: regress against baseline \(regress.baseline) \(regress.passed ? "PASS" : "FAIL"): \(regress.summary), $\(String(format: "%.4f", regress.costUSD))"
                        + (regress.reports.isEmpty ? "" : ", " + regress.reports.joined(separator: ", "))
                }
                state.dashboard.ended(job: job, line: style.green("✓ ") + line!)
                state.close(job, cost: output.costUSD, database: database)
            case .failed(let job, let error, let after):
                state.dashboard.failedAttempts += 1
                if after.status == .dead {
                    state.dashboard.dead += 1
                    line = "job \(job) dead after \(after.attempts) attempt\(after.attempts == 1 ? "" : "s"): \(error)"
                } else {
                    let wait = after.notBefore.map { max(0, $0.timeIntervalSinceNow) } ?? 0
                    line = "job \(job) failed (attempt \(after.attempts) of \(after.spec.maxAttempts); retried in \(Int(wait.rounded())) s): \(error)"
                }
                state.dashboard.ended(job: job, line: style.red("✗ ") + line!)
                state.close(job, cost: nil, database: database)
            case .cancelled(let job):
                state.dashboard.cancelled += 1
                line = "job \(job) cancelled: its calls were stopped"
                state.dashboard.ended(job: job, line: line!)
                state.close(job, cost: nil, database: database)
            case .released(let job):
                line = "job \(job) handed back to the queue (the processor is stopping); it resumes next time"
                state.dashboard.ended(job: job, line: line!)
                state.close(job, cost: nil, database: database)
            case .postponed(let job, let reason, let until):
                line = "job \(job) waits \(Int(max(0, until.timeIntervalSinceNow).rounded())) s: \(reason)"
                state.dashboard.ended(job: job, line: line!)
                state.close(job, cost: nil, database: database)
            case .budgetReached(let spent, let budget):
                line = "budget reached: $\(String(format: "%.4f", spent)) of $\(String(format: "%.2f", budget)); stopping the books in progress"
                state.dashboard.waiting = line
            case .idle(let pending, let paused):
                let text = paused ? "the queue is paused (`workbench queue resume`)" : "\(pending) book\(pending == 1 ? "" : "s") waiting out a retry's backoff"
                // Said once per change, not at every poll.
                if text != state.idle { line = text }
                state.idle = text
                state.dashboard.waiting = text
            }
            guard live else { return line }
            redraw(&state)
            return nil
        }
        if let line { Console.output(line + "\n") }
    }

    private func redraw(_ state: inout DisplayState) {
        let now = Date()
        guard state.gate.shouldDraw(now: now) else { return }
        var spent = state.closedSpend
        for (job, run) in state.runs {
            let cost = (try? database.summary(of: run).costUSD) ?? 0
            state.dashboard.cost(job: job, cost)
            spent += cost
        }
        state.dashboard.spentUSD = spent
        if let limiter { state.dashboard.limiterUse = limiter.use() }
        let frame = state.dashboard.frame(now: now, style: style)
        let prefix = state.drawnLines > 0 ? "\u{1B}[\(state.drawnLines)A\u{1B}[J" : ""
        Console.output(prefix + frame)
        state.drawnLines = frame.split(separator: "\n", omittingEmptySubsequences: false).count - 1
    }

    func finish(_ summary: ProcessorSummary) {
        ticker.withLock { $0?.cancel() }
        // The last frame, at most a tenth of a second after the one before.
        Thread.sleep(forTimeInterval: 0.1)
        state.withLock { state in if live { redraw(&state) } }
        var parts = ["\(summary.done) done"]
        if summary.failedAttempts > 0 { parts.append("\(summary.failedAttempts) failed attempt\(summary.failedAttempts == 1 ? "" : "s")") }
        if summary.dead > 0 { parts.append("\(summary.dead) dead") }
        if summary.cancelled > 0 { parts.append("\(summary.cancelled) cancelled") }
        if summary.released > 0 { parts.append("\(summary.released) handed back") }
        var line = "queue: " + parts.joined(separator: ", ") + String(format: "; spent $%.4f", summary.spentUSD)
        if let limiter {
            let usage = limiter.usage()
            line += "; \(usage.sent) requests through the global limiter" + (usage.throttles > 0 ? " (\(usage.throttles) 429s lowered its rate)" : "")
        }
        Console.output(line + "\n")
    }
}
