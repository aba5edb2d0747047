import ArgumentParser
import Foundation
import Simulator

extension Workbench {
    struct Sim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The offline simulator of an OpenAI-compatible provider.",
            subcommands: [Serve.self]
        )
    }
}

extension Workbench.Sim {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the simulator on 127.0.0.1 until interrupted.",
            discussion: """
                POST /v1/chat/completions (JSON or SSE), GET /v1/models, GET /health. Answers are \
                deterministic for a given request and --seed. Faults are drawn per request with \
                probability --fault-rate from --faults.
                """
        )

        @Option(help: "Port to listen on (0: any free port, printed at start).")
        var port: Int = 8088

        @Option(help: "Seed of the writer and of the fault plan.")
        var seed: UInt64 = 0

        @Option(name: .customLong("ttft-ms"), help: "Delay before the first token, in milliseconds.")
        var ttftMilliseconds: Double = 0

        @Option(help: "Tokens per second per stream (0: no pacing).")
        var tokensPerSecond: Double = 0

        @Option(help: "Probability that a request gets a fault (0 to 1).")
        var faultRate: Double = 0

        @Option(help: "Fault kinds to draw from, comma-separated: 429,500,503,timeout,truncate,malformed,reset.")
        var faults: String = FaultKind.allCases.map(\.rawValue).joined(separator: ",")

        @Option(name: .customLong("retry-after-ms"), help: "What 429 answers ask clients to wait, in milliseconds.")
        var retryAfterMilliseconds: Int = 1000

        @Option(help: "Event-loop threads.")
        var threads: Int = 1

        @Option(help: "Probability that a prose sentence states a fact about a cast member (0 to 1; default off, 0.06 when --contradiction-rate is given).")
        var factRate: Double?

        @Option(help: "Probability that a fact sentence states a wrong value (0 to 1; turns fact sentences on).")
        var contradictionRate: Double?

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535 (got \(port))") }
            guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate must be between 0 and 1 (got \(faultRate))") }
            guard ttftMilliseconds >= 0, tokensPerSecond >= 0 else { throw ValidationError("--ttft-ms and --tokens-per-second must not be negative") }
            for (flag, value) in [("--fact-rate", factRate), ("--contradiction-rate", contradictionRate)] {
                if let value, !(0...1).contains(value) { throw ValidationError("\(flag) must be between 0 and 1 (got \(value))") }
            }
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            _ = try parsedFaults()
        }

        func parsedFaults() throws -> [FaultKind] {
            try faults.split(separator: ",").map { name in
                guard let kind = FaultKind(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("unknown fault '\(name)' in --faults; known: \(FaultKind.allCases.map(\.rawValue).joined(separator: ","))")
                }
                return kind
            }
        }

        func run() async throws {
            var options = SimulatorOptions()
            options.port = port
            options.seed = seed
            options.timeToFirstToken = .milliseconds(ttftMilliseconds)
            options.tokensPerSecond = tokensPerSecond
            options.faultRate = faultRate
            options.faults = try parsedFaults()
            options.retryAfter = .milliseconds(retryAfterMilliseconds)
            options.threads = threads
            if factRate != nil || contradictionRate != nil {
                options.continuity = ContinuitySurface(factRate: factRate ?? ContinuitySurface.defaultFactRate, contradictionRate: contradictionRate ?? 0)
            }
            let server = try await SimulatorServer.start(options)
            let facts = options.continuity.map { ", fact rate \($0.factRate), contradiction rate \($0.contradictionRate)" } ?? ""
            Console.output("simulator listening on \(server.baseURL) (seed \(seed), fault rate \(faultRate)\(facts))\n")
            // Serve until the process is interrupted: SIGINT/SIGTERM exit 130/143 (`Interruption`).
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
