import ArgumentParser
import Foundation
import LLM
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one prompt to a provider and stream the answer to the terminal.",
            discussion: "The prompt is the argument, or standard input with `-`. With --json the whole answer is printed as JSON at the end.")

        @OptionGroup var model: ModelOptions

        @Option(help: "A system message.")
        var system: String?

        @Option(help: "Most tokens to generate.")
        var maxTokens: Int = 512

        @Option(help: "Sampling temperature.")
        var temperature: Double?

        @Flag(help: "Print the completion as JSON (text, usage, cost, latency) instead of streaming.")
        var json = false

        @OptionGroup var workspace: WorkspaceOptions

        @Flag(help: "Neither read nor write the workspace's response cache.")
        var noCache = false

        @Flag(help: "Answer only from the response cache; a miss is an error (exit 65).")
        var cacheOnly = false

        @Argument(help: "The prompt, or - to read it from standard input.")
        var prompt: String

        func validate() throws {
            guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
            guard !(noCache && cacheOnly) else { throw ValidationError("--no-cache and --cache-only exclude each other") }
        }

        func run() async throws {
            let text = prompt == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : prompt
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the prompt is empty") }
            let (table, _) = try model.table()
            let provider = model.provider ?? "sim"
            let factory = ProviderOptions.factory()
            var messages = [ChatMessage(.user, text)]
            if let system { messages.insert(ChatMessage(.system, system), at: 0) }
            let request = CompletionRequest(messages: messages, temperature: temperature, maxTokens: maxTokens, seed: model.seed, task: .complete)
            do {
                let resilient = try await factory.provider(for: table.provider(named: provider))
                // With a workspace, calls are cached and logged there; without one, only --cache-only needs it.
                let chosen: any LLMProvider
                do {
                    let database = try workspace.open()
                    chosen = RecordingProvider(resilient, store: database, cache: noCache ? .off : cacheOnly ? .replayOnly : .readWrite)
                } catch StoreError.workspaceNotFound(let start) where !cacheOnly {
                    _ = start
                    chosen = resilient
                }
                if json {
                    let completion = try await chosen.complete(request)
                    try Console.output(JSONOutput.render([
                        "text": completion.text, "provider": completion.provider, "model": completion.model,
                        "finish_reason": completion.finishReason.rawValue, "prompt_tokens": completion.usage.promptTokens,
                        "completion_tokens": completion.usage.completionTokens, "usage_estimated": completion.usage.estimated,
                        "cost_usd": completion.costUSD, "cached": completion.cached, "latency_ms": completion.latency.milliseconds,
                    ] as [String: Any]))
                } else {
                    var final: Completion?
                    for try await chunk in chosen.stream(request) {
                        switch chunk {
                        case .text(let piece): Console.output(piece)
                        case .done(let completion): final = completion
                        }
                    }
                    Console.output("\n")
                    if let final {
                        Console.error("[\(final.provider) \(final.model): \(final.usage.promptTokens)+\(final.usage.completionTokens) tokens, $\(String(format: "%.6f", final.costUSD)), finish \(final.finishReason.rawValue)]")
                    }
                }
            } catch {
                await factory.shutdown()
                throw error
            }
            await factory.shutdown()
        }
    }
}
