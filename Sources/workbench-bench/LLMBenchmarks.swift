import Foundation
import LLM
import Synchronization

/// The client's own cost per completion against the simulator with zero latency on loopback:
/// per-call latency, throughput with 64 and 256 in flight, client CPU per call; then the same
/// load from Python's aiohttp against the same simulator, as a ratio.
/// The simulator runs as its own process (`workbench sim serve`), so client CPU is ours alone.
enum LLMBenchmarks {
    static let request = CompletionRequest(
        messages: [ChatMessage(.system, "You are a novelist."), ChatMessage(.user, "Write about 40 words.")], maxTokens: 80, seed: 1, task: .generate)

    static func run(into report: inout BenchReport, binary: URL, python: String) async throws {
        // Two event-loop threads: one is saturated by either client at 64 in flight, and the
        // comparison would then measure the simulator, not the clients.
        let simulator = try startSimulator(binary, extra: ["--threads", "2"])
        defer { kill(simulator.process.processIdentifier, SIGKILL) }
        let provider = OpenAICompatibleProvider(
            config: ProviderConfig(name: "sim", kind: .sim, baseURL: simulator.baseURL, model: "sim-1"), environment: [:])

        // Latency one call at a time: the client, loopback and simulator path alone.
        var latencies: [Double] = []
        for _ in 0..<500 {
            let started = ContinuousClock.now
            _ = try await provider.complete(request)
            latencies.append((ContinuousClock.now - started).milliseconds)
        }
        report.add("llm", "sequential call latency p50 (client + loopback + simulator)", percentile(latencies, 0.5), "ms")
        report.add("llm", "sequential call latency p99", percentile(latencies, 0.99), "ms")

        for inFlight in [64, 256, 1024] {
            let total = inFlight * 16
            // Three rounds, the two clients alternating, medians reported: on a small machine
            // one run of either moves by ±10% with whatever else the kernel schedules.
            var ours: [(rate: Double, cpu: Double, server: Double)] = [], theirs: [(rate: Double, cpu: Double, server: Double)] = []
            for _ in 0..<3 {
                let serverBefore = Self.cpuSeconds(of: simulator.process.processIdentifier)
                let cpuBefore = processCPUSeconds()
                let started = ContinuousClock.now
                // As the aiohttp reference does it: `inFlight` workers, each sending its next call
                // as soon as its last one is answered, until `total` have been sent.
                let issued = CallCounter()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<inFlight {
                        group.addTask {
                            while issued.next() < total {
                                _ = try await provider.complete(request)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let seconds = (ContinuousClock.now - started).seconds
                ours.append((Double(total) / seconds, (processCPUSeconds() - cpuBefore) / Double(total),
                             (Self.cpuSeconds(of: simulator.process.processIdentifier) - serverBefore) / seconds))
                guard let reference = try pythonReference(python: python, baseURL: simulator.baseURL, serverPID: simulator.process.processIdentifier, inFlight: inFlight, total: total) else { continue }
                theirs.append((reference.callsPerSecond, reference.cpuPerCall, reference.serverBusy))
            }
            let rate = percentile(ours.map(\.rate), 0.5)
            report.add("llm", "workbench client: completions/s, \(inFlight) in flight (median of 3)", rate, "calls/s")
            report.add("llm", "workbench client: CPU per call, \(inFlight) in flight", percentile(ours.map(\.cpu), 0.5) * 1e6, "µs")
            report.add("llm", "simulator busy during the workbench client's runs, \(inFlight) in flight", percentile(ours.map(\.server), 0.5) * 100, "% of a core")
            guard !theirs.isEmpty else {
                report.add("llm", "aiohttp reference missing (make pydeps)", .nan, "-")
                continue
            }
            let reference = percentile(theirs.map(\.rate), 0.5)
            report.add("llm", "aiohttp client: completions/s, \(inFlight) in flight (median of 3)", reference, "calls/s")
            report.add("llm", "aiohttp client: CPU per call, \(inFlight) in flight", percentile(theirs.map(\.cpu), 0.5) * 1e6, "µs")
            report.add("llm", "simulator busy during aiohttp's runs, \(inFlight) in flight", percentile(theirs.map(\.server), 0.5) * 100, "% of a core")
            report.add("llm", "throughput ratio workbench/aiohttp, \(inFlight) in flight (goal > 1)", rate / reference, "×")
        }
    }

    /// User and system CPU seconds of a process so far (/proc/PID/stat, clock ticks).
    static func cpuSeconds(of pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func startSimulator(_ binary: URL, extra: [String] = []) throws -> (process: Process, baseURL: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["sim", "serve", "--port", "0"] + extra
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // "simulator listening on http://127.0.0.1:PORT/v1 (...)"
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchError.commandFailed("workbench sim serve", process.terminationStatus) }
            line.append(chunk)
        }
        guard let url = String(decoding: line, as: UTF8.self).split(separator: " ").first(where: { $0.hasPrefix("http://") }) else {
            throw BenchError.commandFailed("workbench sim serve (no URL printed)", 0)
        }
        return (process, String(url))
    }

    /// The aiohttp client's run; `serverBusy` is the simulator's CPU over the whole run (the
    /// interpreter's start, when the server idles, included), so it reads a little low.
    static func pythonReference(python: String, baseURL: String, serverPID pid: Int32, inFlight: Int, total: Int) throws -> (callsPerSecond: Double, cpuPerCall: Double, serverBusy: Double)? {
        let before = cpuSeconds(of: pid)
        guard let result = try runPythonReference(python, script: "bench_aiohttp_client.py", arguments: [baseURL, String(inFlight), String(total)]),
              let seconds = result["seconds"], let cpu = result["cpu_seconds"], let calls = result["calls"]
        else { return nil }
        return (calls / seconds, cpu / calls, (cpuSeconds(of: pid) - before) / max(seconds, 1e-9))
    }
}

func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Hands out call numbers to the benchmark's workers.
final class CallCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
