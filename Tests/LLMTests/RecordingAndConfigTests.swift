import Foundation
import Testing
@testable import LLM
import Simulator
import Store
import WorkbenchCore

@Suite struct RecordingProviderTests {
    @Test func aCacheHitCostsNothingAndIsLogged() async throws {
        let database = try WorkbenchDatabase.inMemory()
        try await withSimulator { server in
            var config = simProvider(server).config
            config.inputPricePerMillion = 100
            let provider = RecordingProvider(
                ResilientProvider(OpenAICompatibleProvider(config: config, environment: [:]), policy: quickPolicy), store: database)
            let first = try await provider.complete(chapterRequest)
            let second = try await provider.complete(chapterRequest)
            #expect(!first.cached && first.costUSD > 0)
            #expect(second.cached && second.costUSD == 0)
            #expect(second.text == first.text)
            #expect(server.statistics.requests == 1, "the hit never reached the provider")
            let calls = try database.llmCalls()
            #expect(calls.map(\.outcome) == ["ok", "cached"])
            #expect(calls[1].costUSD == 0)
            #expect(calls[0].requestHash == calls[1].requestHash)
            // A different seed is a different request.
            var other = chapterRequest
            other.seed = 99
            #expect(try await !provider.complete(other).cached)
        }
    }

    @Test func everyAttemptIsLoggedWithItsOutcome() async throws {
        let database = try WorkbenchDatabase.inMemory()
        try await withSimulator({ $0.failFirstRequests = 2; $0.faults = [.rateLimited, .serverError]; $0.retryAfter = .milliseconds(10) }) { server in
            let provider = RecordingProvider(ResilientProvider(simProvider(server), policy: quickPolicy), store: database, cache: .off)
            _ = try await provider.complete(chapterRequest)
            let calls = try database.llmCalls()
            #expect(calls.map(\.outcome) == ["error:http-429", "error:http-500", "ok"])
            #expect(calls.map(\.attempt) == [1, 2, 3])
            #expect(calls[2].completionTokens != nil && calls[0].completionTokens == nil)
            #expect(calls.allSatisfy { $0.task == .generate && $0.provider == "sim" })
            #expect(try database.cachedCompletion(for: calls[2].requestHash) == nil, "cache off writes nothing")
        }
    }

    @Test func replayOnlyMissesAreErrors() async throws {
        let database = try WorkbenchDatabase.inMemory()
        try await withSimulator { server in
            let provider = RecordingProvider(ResilientProvider(simProvider(server)), store: database, cache: .replayOnly)
            await #expect(throws: LLMError.self) { try await provider.complete(chapterRequest) }
            #expect(server.statistics.requests == 0)
        }
    }

    @Test func requestHashCoversEveryParameterButTheTask() {
        var a = chapterRequest
        let base = RecordingProvider.requestHash(provider: "p", model: "m", a)
        a.task = .judge
        #expect(RecordingProvider.requestHash(provider: "p", model: "m", a) == base)
        for change in [{ (r: inout CompletionRequest) in r.temperature = 0.5 }, { $0.maxTokens = 1 }, { $0.seed = 8 },
                       { $0.stop = ["x"] }, { $0.messages.append(ChatMessage(.user, "more")) }, { $0.responseFormat = .jsonObject }] {
            var changed = chapterRequest
            change(&changed)
            #expect(RecordingProvider.requestHash(provider: "p", model: "m", changed) != base)
        }
        #expect(RecordingProvider.requestHash(provider: "q", model: "m", chapterRequest) != base)
        #expect(RecordingProvider.requestHash(provider: "p", model: "n", chapterRequest) != base)
    }
}

@Suite struct ProviderTableTests {
    @Test func theShippedTableParses() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/providers.yaml").standardized.path
        let table = try ProviderTable.load(file: file)
        #expect(table.providers.map(\.name).prefix(3) == ["sim", "sim-priced", "local"])
        #expect(table.routes[.generate] == ["groq", "deepseek", "openrouter"])
        let groq = try table.provider(named: "groq")
        #expect(groq.apiKeyEnv == "GROQ_API_KEY")
        #expect(groq.requestsPerMinute == 30)
        #expect(try table.provider(named: "local").extraBodyJSON?.contains("repeat_penalty") == true)
    }

    /// Each bad table names its line and field.
    @Test(arguments: [
        ("providers:\n  a:\n    kind: openai\n    model: m\n", 3, "providers.a.base_url", "missing"),
        ("providers:\n  a:\n    kind: teleport\n", 3, "providers.a.kind", "unknown kind"),
        ("providers:\n  a:\n    kind: sim\n    modle: x\n", 4, "providers.a.modle", "unknown field"),
        ("providers:\n  a:\n    kind: openai\n    base_url: ftp://x\n    model: m\n", 4, "providers.a.base_url", "http"),
        ("providers:\n  a:\n    kind: sim\n    price: {input: -1}\n", 4, "providers.a.price.input", "outside"),
        ("providers:\n  a:\n    kind: sim\n    api_key_env: sk-abc123\n", 4, "providers.a.api_key_env", "NAME of an environment variable"),
        ("providers:\n  a:\n    kind: sim\nroutes:\n  generate: [a, b]\n", 5, "routes.generate[1]", "unknown provider `b`"),
        ("providers:\n  a: [1\n", 3, "", "not valid YAML"),
        ("providers:\n  a:\n    kind: sim\n    simulator:\n      contradiction_rate: 1.5\n", 5, "providers.a.simulator.contradiction_rate", "outside"),
        ("providers:\n  a:\n    kind: sim\n    simulator:\n      fact_rate: -0.1\n", 5, "providers.a.simulator.fact_rate", "outside"),
    ])
    func badTablesAreLocated(yaml: String, line: Int, field: String, problem: String) {
        do {
            _ = try ProviderTable.parse(yaml, file: "p.yaml")
            Issue.record("accepted: \(yaml)")
        } catch let error as any WorkbenchError {
            #expect(error.message.hasPrefix("p.yaml:\(line): \(field.isEmpty ? "" : field + ": ")"), "\(error.message)")
            #expect(error.message.contains(problem), "\(error.message)")
            #expect(error.exitStatus == .dataError)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func simulatorSettingsTakeTheContinuitySurface() throws {
        let on = try ProviderTable.parse("providers:\n  a:\n    kind: sim\n    simulator:\n      contradiction_rate: 0.2\n", file: "p.yaml")
        let settings = try #require(try on.provider(named: "a").simulator)
        #expect(settings.contradictionRate == 0.2 && settings.factRate == nil)
        var options = SimulatorOptions()
        options.apply(settings)
        #expect(options.continuity == ContinuitySurface(factRate: ContinuitySurface.defaultFactRate, contradictionRate: 0.2))
        var off = SimulatorOptions()
        off.apply(ProviderConfig.SimulatorSettings())
        #expect(off.continuity == nil)
    }

    @Test func typosGetASuggestion() throws {
        do {
            _ = try ProviderTable.parse("providers:\n  a:\n    kind: sim\n    modle: x\n", file: "p.yaml")
        } catch let error as any WorkbenchError {
            #expect(error.fix == "did you mean `model`?")
        }
    }
}
