import Engine
import Foundation
import LLM
import Simulator
import Stats
import Store
import WorkbenchCore

/// How often a book completes through 20% transient faults with the default retry policy
/// (`make bench` runs it as its own process: `workbench-bench --only faults`):
/// `FaultyProviderTests`' book (24 chapters × 300 words, one enhancement pass, 8 chapters at
/// a time, a fifth of all requests answered 429, 500, 503, truncated, malformed or reset),
/// written `--books N` times (default 400) with seeds 1…N, `--parallel P` books at a time
/// (default 50), each against its own in-process simulator, through the same path as
/// `workbench generate` (experiment and providers.yaml files, ProviderRouter,
/// ProviderFactory: retries, retry budget, circuit breaker, call log). Books take ~25 s
/// each, nearly all of it backoff and the send rate a 429 lowers; ~0.25 s of CPU each.
/// A book completes or fails as a whole (a call that fails after its retries fails the run).
/// Prints the completion rate with its Wilson 95% interval and what ended the failed books.
/// `--attempts N` writes `attempts: N` into providers.yaml instead of the default.
enum FaultBenchmarks {
    static func run(into report: inout BenchReport, books: Int, attempts: Int?, parallel: Int = 50) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-faults-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/prompts/v1").standardized.path
        try Data("""
            providers:
              sim-faulty:
                kind: sim
            \(attempts.map { "    attempts: \($0)\n" } ?? "")    simulator: {fault_rate: 0.2, faults: ["429", "500", "503", "truncate", "malformed", "reset"], retry_after_ms: 20}
            """.utf8).write(to: folder.appendingPathComponent("providers.yaml"))
        try Data("""
            routes: {plan: [sim-faulty], generate: [sim-faulty], enhance: [sim-faulty]}
            prompts: \(prompts)
            book: {chapters: 24, words_per_chapter: 300}
            enhancement: {iterations: 1}
            concurrency: 8
            seed: 3
            """.utf8).write(to: folder.appendingPathComponent("faulty.yaml"))
        let experiment = folder.appendingPathComponent("faulty.yaml").path

        let started = ContinuousClock.now
        let cpuBefore = processCPUSeconds()
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            var next = 1, all: [Outcome] = []
            for _ in 0..<min(parallel, books) {
                let seed = next
                group.addTask { try await book(experiment: experiment, seed: UInt64(seed), folder: folder) }
                next += 1
            }
            while let outcome = try await group.next() {
                all.append(outcome)
                if next <= books {
                    let seed = next
                    group.addTask { try await book(experiment: experiment, seed: UInt64(seed), folder: folder) }
                    next += 1
                }
            }
            return all
        }
        let wall = (ContinuousClock.now - started).seconds
        let completed = outcomes.filter { $0.failure == nil }.count
        let (low, high) = Proportion.wilson(successes: completed, trials: outcomes.count)
        let label = attempts.map { "attempts: \($0)" }
            ?? "default policy (\(RetryPolicy().maxAttempts) attempts, \(RetryPolicy().maxAttemptsAfterTimeout) after a timeout)"
        report.add("faults", "books through 20% transient faults, \(label): completed", Double(completed), "of \(outcomes.count)")
        report.add("faults", "completion rate", Double(completed) / Double(outcomes.count) * 100, "%")
        report.add("faults", "Wilson 95% interval, low", low * 100, "%")
        report.add("faults", "Wilson 95% interval, high", high * 100, "%")
        let calls = outcomes.map(\.calls).reduce(0, +), attemptsMade = outcomes.map(\.attempts).reduce(0, +)
        report.add("faults", "requests answered with a fault (the simulator's count)",
                   Double(outcomes.map(\.faults).reduce(0, +)) / Double(max(1, outcomes.map(\.requests).reduce(0, +))) * 100, "%")
        report.add("faults", "requests the simulator saw per attempt the client logged", Double(outcomes.map(\.requests).reduce(0, +)) / Double(max(1, attemptsMade)), "×")
        report.add("faults", "calls per book (mean)", Double(calls) / Double(outcomes.count), "calls")
        report.add("faults", "attempts per call (mean)", Double(attemptsMade) / Double(max(calls, 1)), "×")
        report.add("faults", "calls that failed after their retries, per 1,000 calls", Double(outcomes.map(\.failedCalls).reduce(0, +)) / Double(max(calls, 1)) * 1000, "‰")
        var causes: [String: Int] = [:]
        for outcome in outcomes { if let failure = outcome.failure { causes[failure, default: 0] += 1 } }
        for (cause, count) in causes.sorted(by: { $0.value > $1.value }) {
            report.add("faults", "books failed by: \(cause)", Double(count), "books")
        }
        report.add("faults", "wall time (\(parallel) books at a time; mostly backoff and the adaptive rate limit)", wall, "s")
        report.add("faults", "engine + simulator CPU", processCPUSeconds() - cpuBefore, "s")
    }

    struct Outcome: Sendable {
        var seed: UInt64
        /// nil when the book completed; else what ended it.
        var failure: String?
        var calls: Int
        var attempts: Int
        var failedCalls: Int
        /// What the simulator counted: requests, and those answered with a fault.
        var requests: Int
        var faults: Int
    }

    /// One book on a fresh workspace and its own simulator, as `workbench generate` writes it.
    static func book(experiment: String, seed: UInt64, folder: URL) async throws -> Outcome {
        var config = try ExperimentConfig.load(file: experiment)
        config.seed = seed
        let workspace = folder.appendingPathComponent("book-\(seed)")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let database = try WorkbenchDatabase.open(Workspace(root: workspace), create: true)
        let servers = Servers()
        let factory = ProviderFactory(environment: [:]) { seed, settings in
            // What `workbench`'s ProviderOptions.factory() does, keeping the server to stop it.
            var options = SimulatorOptions()
            options.seed = seed
            if let settings {
                options.apply(settings)
            }
            let server = try await SimulatorServer.start(options)
            servers.add(server)
            return server.baseURL
        }
        var failure: String?
        do {
            _ = try await ProviderRouter.run(config: config, needs: config.tasks(planning: true), factory: factory, store: database) { router in
                try await BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: database, route: router.route)
                    .generate(premise: "A storm.", outline: nil)
            }
        } catch {
            failure = cause(of: error)
        }
        // One row per attempt; a call is its request's attempts in one run. A call the failed
        // book cancelled (its last attempt `error:cancelled`) did not fail by itself.
        let rows = try database.llmCalls()
        var callAttempts: [String: (count: Int, ok: Bool, last: (attempt: Int, outcome: String))] = [:]
        for row in rows {
            let key = "\(row.requestHash)|\(row.task.rawValue)|\(row.chapter ?? -1)"
            let seen = callAttempts[key] ?? (0, false, (0, ""))
            callAttempts[key] = (seen.count + 1, seen.ok || row.outcome == "ok", row.attempt >= seen.last.attempt ? (row.attempt, row.outcome) : seen.last)
        }
        let served = servers.all.map(\.statistics)
        for server in servers.all { await server.stop() }
        return Outcome(seed: seed, failure: failure, calls: callAttempts.count, attempts: rows.count,
                       failedCalls: callAttempts.values.filter { !$0.ok && $0.last.outcome != "error:cancelled" }.count,
                       requests: served.map(\.requests).reduce(0, +), faults: served.map { $0.faults.values.reduce(0, +) }.reduce(0, +))
    }

    /// The kind of error that ended a book, without its details (ports, run ids).
    static func cause(of error: any Error) -> String {
        guard var error = error as? LLMError else { return "\(type(of: error))" }
        if case .allProvidersFailed(_, let failures) = error, let last = failures.last { error = last }
        switch error {
        case .circuitOpen, .retryBudgetExhausted, .cancelled: return error.kind
        case .connection: return "connection (reset or cut) on the last attempt"
        default: return "\(error.kind) on the last attempt"
        }
    }

    final class Servers: @unchecked Sendable {
        private let lock = NSLock()
        private var servers: [SimulatorServer] = []
        func add(_ server: SimulatorServer) { lock.withLock { servers.append(server) } }
        var all: [SimulatorServer] { lock.withLock { servers } }
    }
}
