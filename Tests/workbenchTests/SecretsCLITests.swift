import Foundation
import LLMFakes
import Store
import Testing
import WorkbenchCore

/// A gateway that repeats the API key in its error bodies: the key must reach neither the
/// terminal nor the workspace database.
@Suite struct SecretsCLITests {
    static let key = "sk-cli-echo-5a4b3c2d1e0f9a8b7c6d"
    static let prompts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/prompts/v1").standardized.path

    @Test func anEchoedKeyReachesNeitherStderrNorTheDatabase() async throws {
        let fake = try await OpenAIFake.start(key: Self.key, script: Array(repeating: .echoKey(401), count: 4))
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        try Data("""
            providers:
              gateway:
                kind: openai
                base_url: \(fake.baseURL)
                model: gpt-4o-mini
                api_key_env: GATEWAY_KEY
            routes: {plan: [gateway], generate: [gateway], enhance: [gateway]}
            """.utf8).write(to: scratch.url.appendingPathComponent("providers.yaml"))
        try Data("""
            routes: {plan: [gateway], generate: [gateway], enhance: [gateway]}
            prompts: \(Self.prompts)
            book: {chapters: 2, words_per_chapter: 300}
            seed: 1
            """.utf8).write(to: scratch.url.appendingPathComponent("gateway.yaml"))
        let environment = ["GATEWAY_KEY": Self.key]

        let complete = try CLI.run(["complete", "--providers", "providers.yaml", "--provider", "gateway", "Write one line."], in: scratch.url, environment: environment)
        let generate = try CLI.run(["generate", "--experiment", "gateway.yaml", "--premise", "A storm."], in: scratch.url, environment: environment)
        await fake.stop()
        #expect(fake.statuses.contains(401), "the gateway was reached and echoed the key")
        for result in [complete, generate] {
            #expect(result.status != 0)
            #expect(result.stderr.contains("HTTP 401"), "\(result.stderr)")
            #expect(!result.stderr.contains(Self.key) && !result.stdout.contains(Self.key), "\(result.stderr)")
        }

        let database = try WorkbenchDatabase.open(Workspace(root: scratch.url))
        let errors = try database.llmCalls().compactMap(\.error)
        #expect(errors.count >= 2)
        #expect(errors.allSatisfy { !$0.contains(Self.key) && $0.contains("***") }, "\(errors)")
        let runs = try database.runs()
        #expect(runs.contains { $0.error != nil })
        #expect(runs.allSatisfy { !($0.error ?? "").contains(Self.key) }, "\(runs.map(\.error))")
    }

    @Test func providersListShowsNoCredentialsOfABaseURL() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        try Data("""
            providers:
              proxy:
                kind: openai
                base_url: https://alice:s3cr3t-pass@proxy.example/v1?api_key=abc123xyz&region=eu
                model: m
            """.utf8).write(to: scratch.url.appendingPathComponent("providers.yaml"))
        let result = try CLI.run(["providers", "list", "--providers", "providers.yaml", "--json"], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("s3cr3t-pass") && !result.stdout.contains("abc123xyz"), "\(result.stdout)")
        #expect(result.stdout.contains("https://alice:***@proxy.example/v1?api_key=***&region=eu"), "\(result.stdout)")
    }
}
