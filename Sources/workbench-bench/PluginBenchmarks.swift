import Engine
import Foundation
import WorkbenchCore

/// Plugin and event-bus overheads (issue #17): a no-op in-process hook, a no-op external
/// plugin's round trip over loopback pipes (a short call and one carrying a 3,200-word
/// chapter), and the event bus's fan-out per event.
enum PluginBenchmarks {
    /// An in-process plugin that answers nothing at once.
    struct NoOp: WorkbenchPlugin {
        func start() async throws(PluginProblem) -> PluginManifest {
            PluginManifest(name: "noop", version: "1", hooks: Set(PluginHook.allCases), capabilities: Set(PluginCapability.allCases))
        }
        func handle(_ call: PluginCall) async throws(PluginProblem) -> PluginAnswer { .none }
        func shutdown() async {}
    }

    static func run(into report: inout BenchReport) async throws {
        let chapter = String(repeating: "The lamp burned low and the sea kept on at the rocks below the gallery. ", count: 230)
        let short = PluginCall.afterEnhance(chapter: 1, version: 2, operation: "ADD_DEPTH", quality: 6.5, kept: true)
        let long = PluginCall.analyze(.init(chapter: 1, version: 1, text: chapter, quality: 6, metrics: ["emotion": 0.1, "detail_density": 0.2]))

        let inProcess = PluginHost(specs: [PluginSpec(name: "noop")], registry: PluginRegistry().registering("noop") { _ throws(PluginProblem) in NoOp() })
        let fast = await timings(inProcess, short, calls: 20_000)
        report.add("plugins", "in-process no-op hook: p50", percentile(fast, 0.5), "ms")
        report.add("plugins", "in-process no-op hook: p95 (goal < 1 ms)", percentile(fast, 0.95), "ms")

        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Tests/Fixtures/plugins").standardized.path
        let external = PluginHost(specs: [PluginSpec(name: "noop", command: ["python3", "noop.py"], folder: fixtures)])
        let trips = await timings(external, short, calls: 5_000)
        report.add("plugins", "external no-op plugin (Python), short call: p50", percentile(trips, 0.5), "ms")
        report.add("plugins", "external no-op plugin (Python), short call: p95 (goal < 20 ms)", percentile(trips, 0.95), "ms")
        let heavy = await timings(external, long, calls: 1_000)
        report.add("plugins", "external, call carrying a 3,200-word chapter: p95", percentile(heavy, 0.95), "ms")
        if let failures = external.tallies.first?.failureCount, failures > 0 { report.add("plugins", "external no-op failures (should be 0)", Double(failures), "") }
        await external.shutdown()

        report.add("plugins", "event bus fan-out CPU per event (publish + one subscriber)", try await busCPUPerEvent() * 1e6, "µs")
    }

    /// The bus's own CPU seconds per event: publishing to a no-op store (the store's append
    /// is there with or without a bus) and one subscriber that does nothing.
    static func busCPUPerEvent() async throws -> Double {
        let bus = EventBus { _, _ in }
        bus.subscribe("bench") { _, _ in }
        let run = RunID(startedAt: 0, random: 0)
        let event = PipelineEvent.chapterScored(chapter: 3, version: 2, quality: 6.4, words: 3_200, metrics: ["emotion": 0.1, "detail_density": 0.2, "voice": 0.9],
                                                issues: ["paragraph 4 lacks sensory detail", "repeated phrase"])
        let events = 100_000
        let cpuBefore = processCPUSeconds()
        for _ in 0..<events { try bus.publish(event, run: run) }
        _ = await bus.finish()
        return (processCPUSeconds() - cpuBefore) / Double(events)
    }

    static func timings(_ host: PluginHost, _ call: PluginCall, calls: Int) async -> [Double] {
        _ = await host.call(call)  // started, warm
        var result: [Double] = []
        result.reserveCapacity(calls)
        for _ in 0..<calls {
            let began = DispatchTime.now().uptimeNanoseconds
            _ = await host.call(call)
            result.append(Double(DispatchTime.now().uptimeNanoseconds - began) / 1e6)
        }
        return result
    }
}
