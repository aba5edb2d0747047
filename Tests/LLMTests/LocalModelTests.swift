import Foundation
import Testing
@testable import LLM
import WorkbenchCore

/// Against the real llama.cpp server and SmolLM2 model that `make local-llm` installs
/// (`make test` installs them first). The model is tiny: these check the plumbing (text
/// arrives, streams, obeys a JSON schema), never the wording.
@Suite(.serialized) struct LocalModelTests {
    @Test func shortStreamedAndSchemaCompletions() async throws {
        let paths = CachePaths(environment: ProcessInfo.processInfo.environment)
        guard paths.localModelInstalled else {
            Issue.record("the local model is not installed (\(paths.llamaServer), \(paths.localModel)): run `make local-llm`")
            return
        }
        let server = LocalLLMServer(settings: .init(paths: paths))
        let baseURL = try await server.baseURL()
        defer { Task { await server.stopOwned() } }
        let config = ProviderConfig(name: "local", kind: .local, baseURL: baseURL, model: "SmolLM2-135M-Instruct", extraBodyJSON: ProviderConfig.localPenalties)
        let provider = ResilientProvider(OpenAICompatibleProvider(config: config, environment: [:]))

        let short = try await provider.complete(CompletionRequest(messages: [ChatMessage(.user, "Name a color.")], temperature: 0, maxTokens: 16, seed: 1, task: .generate))
        #expect(!short.text.isEmpty)
        #expect(!short.usage.estimated, "llama-server reports usage")
        #expect(short.usage.completionTokens <= 16)

        var pieces = 0
        var final: Completion?
        for try await chunk in provider.stream(CompletionRequest(messages: [ChatMessage(.user, "Describe the sea in one sentence.")], maxTokens: 24, seed: 2, task: .generate)) {
            switch chunk {
            case .text: pieces += 1
            case .done(let completion): final = completion
            }
        }
        #expect(pieces > 1, "text arrives in pieces")
        #expect(final?.usage.estimated == false, "usage arrives with stream_options.include_usage")

        let schema = #"{"type":"object","properties":{"score":{"type":"integer","minimum":1,"maximum":10}},"required":["score"]}"#
        let judged = try await provider.complete(CompletionRequest(
            messages: [ChatMessage(.user, "Rate the sentence 'The sea was grey.' from 1 to 10.")], temperature: 0, maxTokens: 40, seed: 3,
            responseFormat: .jsonSchema(name: "rating", schema: schema), task: .judge))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(judged.text.utf8)) as? [String: Any], "not JSON: \(judged.text)")
        let score = try #require(object["score"] as? Int)
        #expect((1...10).contains(score))
        await server.stopOwned()
    }
}
