import ArgumentParser
import Foundation
import LLM
import Reports
import Simulator
import WorkbenchCore

/// `--providers FILE`, shared by every command that talks to a model.
struct ProviderOptions: ParsableArguments {
    @Option(name: .customLong("providers"), help: ArgumentHelp(
        "The provider table (default: Experiments/providers.yaml if present, else the built-in sim and local).",
        valueName: "file"))
    var file: String?

    /// The table in force and where it came from.
    func table() throws -> (ProviderTable, source: String) { try Self.table(file: file) }

    /// `file`'s table, else Experiments/providers.yaml's, else the built-in one. Static, so
    /// commands without `--providers` (an experiment names its own) need no parsed options.
    static func table(file: String?) throws -> (ProviderTable, source: String) {
        if let file { return (try ProviderTable.load(file: file), file) }
        if FileManager.default.fileExists(atPath: ProviderTable.defaultFile) {
            return (try ProviderTable.load(file: ProviderTable.defaultFile), ProviderTable.defaultFile)
        }
        return (ProviderTable.builtIn, "built-in")
    }

    /// A factory that can start an in-process simulator for `sim` providers without a URL.
    /// `sharedLimiter`: a limit on every provider's calls together (`queue process --rate-limit`).
    static func factory(sharedLimiter: GlobalRateLimiter? = nil) -> ProviderFactory {
        ProviderFactory(environment: Console.environment, sharedLimiter: sharedLimiter) { seed, settings in
            var options = SimulatorOptions()
            options.seed = seed
            if let settings {
                options.apply(settings)
            }
            return try await SimulatorServer.start(options).baseURL
        }
    }
}

extension Workbench {
    struct Providers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the configured providers, or test one with a short completion.",
            subcommands: [List.self, Test.self],
            defaultSubcommand: List.self
        )
    }
}

extension Workbench.Providers {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Name, kind, model, key present, prices and limits of every provider.")

        @OptionGroup var providers: ProviderOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let (table, source) = try providers.table()
            let environment = Console.environment
            func keyStatus(_ config: ProviderConfig) -> String {
                guard let variable = config.apiKeyEnv else { return "not needed" }
                return (environment[variable].map { !$0.isEmpty } ?? false) ? "\(variable) set" : "\(variable) MISSING"
            }
            if json {
                try Console.output(JSONOutput.render([
                    "source": source,
                    "providers": table.providers.map { config -> [String: Any] in [
                        "name": config.name, "kind": config.kind.rawValue, "model": config.model,
                        "base_url": config.baseURL.isEmpty ? NSNull() : Redaction.redactURL(config.baseURL), "api_key_env": config.apiKeyEnv ?? NSNull(),
                        "key_present": config.apiKeyEnv.map { environment[$0].map { !$0.isEmpty } ?? false } ?? true,
                        "price_input_per_million": config.inputPricePerMillion, "price_output_per_million": config.outputPricePerMillion,
                        "max_concurrent": config.maxConcurrent, "requests_per_minute": config.requestsPerMinute ?? NSNull(),
                        "tokens_per_minute": config.tokensPerMinute ?? NSNull(),
                    ] },
                    "routes": table.routes,
                ] as [String: Any]))
                return
            }
            var rows = TextTable(columns: [.init("NAME"), .init("KIND"), .init("MODEL"), .init("KEY"), .init("$/M IN", .right), .init("$/M OUT", .right), .init("LIMITS")])
            for config in table.providers {
                var limits = ["\(config.maxConcurrent) at once"]
                if let rpm = config.requestsPerMinute { limits.append("\(Int(rpm)) req/min") }
                if let tpm = config.tokensPerMinute { limits.append("\(Int(tpm)) tok/min") }
                rows.append([config.name, config.kind.rawValue, config.model, keyStatus(config),
                             String(format: "%.2f", config.inputPricePerMillion), String(format: "%.2f", config.outputPricePerMillion),
                             limits.joined(separator: ", ")])
            }
            Console.output("providers from \(source)\n" + rows.render())
            if !table.routes.isEmpty {
                Console.output("routes:\n" + table.routes.keys.sorted().map { "  \($0): \(table.routes[$0]!.joined(separator: " → "))" }.joined(separator: "\n") + "\n")
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one short completion: latency, time to first token, tokens/s, cost.",
            discussion: "Exits 75 when the provider cannot be reached, 65 when it refuses the request.")

        @OptionGroup var providers: ProviderOptions

        @Argument(help: "The provider's name.")
        var name: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let (table, _) = try providers.table()
            let factory = ProviderOptions.factory()
            defer { Task { await factory.shutdown() } }
            let provider = try await factory.provider(for: table.provider(named: name))
            let request = CompletionRequest(
                messages: [ChatMessage(.user, "Write two sentences about a lighthouse at night.")], maxTokens: 60, seed: 1, task: .providerTest)
            var completion: Completion?
            do {
                for try await chunk in provider.stream(request) { if case .done(let done) = chunk { completion = done } }
            } catch {
                await factory.shutdown()
                throw error
            }
            await factory.shutdown()
            guard let completion else { throw LLMError.truncatedStream(provider: name, receivedCharacters: 0) }
            let seconds = completion.latency.seconds
            let ttft = completion.timeToFirstToken?.milliseconds
            let tokensPerSecond = Double(completion.usage.completionTokens) / max(seconds, 1e-9)
            if json {
                try Console.output(JSONOutput.render([
                    "provider": completion.provider, "model": completion.model, "latency_ms": seconds * 1000,
                    "ttft_ms": ttft ?? NSNull(), "tokens_per_second": tokensPerSecond,
                    "prompt_tokens": completion.usage.promptTokens, "completion_tokens": completion.usage.completionTokens,
                    "usage_estimated": completion.usage.estimated, "cost_usd": completion.costUSD, "text": completion.text,
                ] as [String: Any]))
            } else {
                Console.output("""
                    \(completion.provider) (\(completion.model)): ok
                      latency        \(String(format: "%.0f", seconds * 1000)) ms
                      first token    \(ttft.map { String(format: "%.0f ms", $0) } ?? "-")
                      throughput     \(String(format: "%.1f", tokensPerSecond)) tokens/s
                      tokens         \(completion.usage.promptTokens) in, \(completion.usage.completionTokens) out\(completion.usage.estimated ? " (estimated)" : "")
                      cost           $\(String(format: "%.6f", completion.costUSD))
                      text           \(completion.text.replacingOccurrences(of: "\n", with: " ").prefix(120))

                    """)
            }
        }
    }
}
