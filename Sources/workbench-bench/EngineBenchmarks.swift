import Engine
import Foundation
import GRDB
import LLM
import Quality
import Store
import WorkbenchCore

/// The roadmap's book: 25 chapters × 3,200 words with one enhancement pass, against a
/// simulator process streaming 560 tokens/s after 300 ms, 25 chapters at a time. Wall time
/// against the ideal (planning plus the slowest chapter's own calls, back to back), engine
/// CPU and memory; then ten such books at once; then the book written sequentially.
enum EngineBenchmarks {
    static func run(into report: inout BenchReport, binary: URL) async throws {
        let simulator = try LLMBenchmarks.startSimulator(binary, extra: ["--ttft-ms", "300", "--tokens-per-second", "560", "--threads", "2"])
        defer { kill(simulator.process.processIdentifier, SIGKILL) }
        let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments").standardized.path
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 25
        config.wordsPerChapter = 3200
        config.enhancementIterations = 1
        config.targets.quality = 10  // every chapter gets its one enhancement pass
        config.chapterRequirements = [:]
        config.concurrency = 25
        config.budgetUSD = nil
        let prompts = try PromptSet.load(folder: config.promptsFolder)

        let baseURL = simulator.baseURL
        let frozen = config
        let one = try await book(config, prompts: prompts, baseURL: baseURL, seed: 1)
        report.add("engine", "80k-word book (\(one.words) words): wall time", one.wall, "s")
        report.add("engine", "ideal (planning + slowest chapter's own calls)", one.ideal, "s")
        report.add("engine", "wall / ideal", one.wall / one.ideal, "×")
        report.add("engine", "engine CPU / wall", one.cpu / one.wall * 100, "%")
        report.add("engine", "peak RSS of the process", peakResidentMegabytes(), "MB")
        // The event bus's part: its fan-out CPU per event (measured apart) times the book's events.
        let busShare = try await PluginBenchmarks.busCPUPerEvent() * Double(one.events) / one.cpu * 100
        report.add("engine", "event bus share of the book's engine CPU (\(one.events) events; goal < 2%)", busShare, "%")

        let started = ContinuousClock.now
        let cpuBefore = processCPUSeconds()
        let ten = try await withThrowingTaskGroup(of: (wall: Double, cpu: Double, ideal: Double, words: Int, events: Int).self) { group in
            for seed in 0..<10 { group.addTask { try await book(frozen, prompts: prompts, baseURL: baseURL, seed: 100 + UInt64(seed)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let tenWall = (ContinuousClock.now - started).seconds
        report.add("engine", "10 books at once (\(ten.map(\.words).reduce(0, +)) words): wall time", tenWall, "s")
        report.add("engine", "10 books: wall / one book's ideal", tenWall / (ten.map(\.ideal).max() ?? 1), "×")
        report.add("engine", "10 books: engine CPU / wall", (processCPUSeconds() - cpuBefore) / tenWall * 100, "%")
        report.add("engine", "peak RSS after 10 books", peakResidentMegabytes(), "MB")

        var sequential = config
        sequential.concurrency = 1
        let slow = try await book(sequential, prompts: prompts, baseURL: baseURL, seed: 1)
        report.add("engine", "the same book sequentially (roadmap baseline): wall time", slow.wall, "s")
        report.add("engine", "speed-up, concurrent over sequential", slow.wall / one.wall, "×")
    }

    /// One book on a fresh on-disk workspace: wall and CPU seconds, the ideal, the words.
    static func book(_ config: ExperimentConfig, prompts: PromptSet, baseURL: String, seed: UInt64) async throws -> (wall: Double, cpu: Double, ideal: Double, words: Int, events: Int) {
            var config = config
            config.seed = seed
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-engine-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = try WorkbenchDatabase.open(Workspace(root: folder), create: true)
            let provider = ResilientProvider(OpenAICompatibleProvider(
                config: ProviderConfig(name: "sim", kind: .sim, baseURL: baseURL, model: "sim-1", maxConcurrent: 1000), environment: [:]))
            let generator = BookGenerator(config: config, prompts: prompts, database: database, route: { _, context in
                RecordingProvider(provider, store: database, cache: .off, context: context)
            })
            let cpuBefore = processCPUSeconds()
            let started = ContinuousClock.now
            let result = try await generator.generate(premise: "A keeper's daughter and a sealed letter.", outline: nil)
            let wall = (ContinuousClock.now - started).seconds
            let cpu = processCPUSeconds() - cpuBefore
            // Ideal: the planning call, then the slowest chapter's calls one after another.
            let ideal = try database.read { db -> Double in
                let plan = try Double.fetchOne(db, sql: "SELECT coalesce(sum(latency_ms), 0) FROM llm_calls WHERE run_id = ? AND chapter IS NULL", arguments: [result.runID]) ?? 0
                let slowest = try Double.fetchOne(db, sql: "SELECT max(total) FROM (SELECT sum(latency_ms) AS total FROM llm_calls WHERE run_id = ? AND chapter IS NOT NULL GROUP BY chapter)", arguments: [result.runID]) ?? 0
                return (plan + slowest) / 1000
            }
            let events = try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE run_id = ?", arguments: [result.runID]) ?? 0 }
            return (wall, cpu, ideal, result.words, events)
    }
}
