import Foundation
import LLM

/// The client's own cost per completion against the simulator with zero latency on loopback:
/// per-call latency, throughput with 64 and 256 in flight, client CPU per call; then the same
/// load from Python's aiohttp against the same simulator, as a ratio.
/// The simulator runs as its own process (`workbench sim serve`), so client CPU is ours alone.
enum LLMBenchmarks {
    static let request = CompletionRequest(
        messages: [ChatMessage(.system, "You are a novelist."), ChatMessage(.user, "Write about 40 words.")], maxTokens: 80, seed: 1, task: .generate)

    static func run(into report: inout BenchReport, binary: URL, python: String) async throws {
        let simulator = try startSimulator(binary)
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

        for inFlight in [64, 256] {
            let total = inFlight * 16
            let cpuBefore = processCPUSeconds()
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                var issued = 0
                for _ in 0..<inFlight {
                    group.addTask { _ = try await provider.complete(request) }
                    issued += 1
                }
                while try await group.next() != nil {
                    guard issued < total else { continue }
                    group.addTask { _ = try await provider.complete(request) }
                    issued += 1
                }
            }
            let seconds = (ContinuousClock.now - started).milliseconds / 1000
            let cpu = processCPUSeconds() - cpuBefore
            let ours = Double(total) / seconds
            report.add("llm", "workbench client: completions/s, \(inFlight) in flight", ours, "calls/s")
            report.add("llm", "workbench client: CPU per call, \(inFlight) in flight", cpu / Double(total) * 1e6, "µs")
            if let reference = try pythonReference(python: python, baseURL: simulator.baseURL, inFlight: inFlight, total: total) {
                report.add("llm", "aiohttp client: completions/s, \(inFlight) in flight", reference.callsPerSecond, "calls/s")
                report.add("llm", "aiohttp client: CPU per call, \(inFlight) in flight", reference.cpuPerCall * 1e6, "µs")
                report.add("llm", "throughput ratio workbench/aiohttp, \(inFlight) in flight", ours / reference.callsPerSecond, "×")
            } else {
                report.add("llm", "aiohttp reference missing (make pydeps)", .nan, "-")
            }
        }
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

    static func pythonReference(python: String, baseURL: String, inFlight: Int, total: Int) throws -> (callsPerSecond: Double, cpuPerCall: Double)? {
        guard let result = try runPythonReference(python, script: "bench_aiohttp_client.py", arguments: [baseURL, String(inFlight), String(total)]),
              let seconds = result["seconds"], let cpu = result["cpu_seconds"], let calls = result["calls"]
        else { return nil }
        return (calls / seconds, cpu / calls)
    }
}

func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
