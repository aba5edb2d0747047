import Foundation
import LLMFakes
import Testing
@testable import Engine
@testable import Experiments
@testable import Judge
import LLM
import Store
import WorkbenchCore

/// Every JSON schema the workbench sends (the outline, the judge's two verdicts, the
/// optimiser's proposals), sent by the code that sends it through the real providers to
/// fakes that apply each service's rules: OpenAI's strict mode, Anthropic's tool
/// `input_schema`, Gemini's `responseJsonSchema`. A schema a service would refuse fails here
/// with the service's own 400 message.
@Suite struct StructuredOutputTests {
    static let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments").standardized.path
    static let kinds: [ProviderConfig.Kind] = [.openai, .anthropic, .gemini]
    static let key = "sk-schema-test-0f1e2d3c4b5a6978"

    /// An answer in the strict form: nullable attributes, relationships as a list of pairs.
    static let outlineAnswer = #"""
        {"title":"The Salt Lantern","logline":"A keeper's daughter opens a letter.","obsession":"the sealed letter","setting":"A lighthouse.",
         "characters":[{"name":"Mara","attributes":{"age":"19","hair":null,"occupation":"keeper"},"relationships":[{"name":"Tomas","relation":"loves"}]},
                       {"name":"Tomas","attributes":{"age":null,"hair":"red","occupation":null},"relationships":[]}],
         "chapters":[{"number":1,"title":"Fog","beats":["a","b","c"],"target_words":500},{"number":2,"title":"Salt","beats":["d","e","f"],"target_words":500}]}
        """#

    /// Runs `body` with a provider of `kind` talking to its fake; returns the statuses the fake sent.
    func withProvider(_ kind: ProviderConfig.Kind, script: [FakeReply], _ body: (any LLMProvider) async throws -> Void) async throws -> [Int] {
        func run<API>(_ type: FakeService<API>.Type) async throws -> [Int] {
            let fake = try await FakeService<API>.start(key: Self.key, script: script)
            let config = ProviderConfig(name: kind.rawValue, kind: kind, baseURL: fake.baseURL, model: "m-1", apiKeyEnv: "SCHEMA_KEY")
            let environment = ["SCHEMA_KEY": Self.key]
            let provider: any LLMProvider = switch kind {
            case .anthropic: AnthropicProvider(config: config, environment: environment)
            case .gemini: GeminiProvider(config: config, environment: environment)
            default: OpenAICompatibleProvider(config: config, environment: environment)
            }
            do {
                try await body(provider)
            } catch {
                await fake.stop()
                throw error
            }
            await fake.stop()
            return fake.statuses
        }
        switch kind {
        case .anthropic: return try await run(AnthropicFake.self)
        case .gemini: return try await run(GeminiFake.self)
        default: return try await run(OpenAIFake.self)
        }
    }

    func generator(_ provider: any LLMProvider) throws -> BookGenerator {
        var config = try ExperimentConfig.load(file: Self.experiments + "/sim.yaml")
        config.chapters = 2
        return BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: try WorkbenchDatabase.inMemory(),
                             route: { _, _ in provider })
    }

    @Test(arguments: kinds)
    func theOutlineSchemaIsAcceptedAndItsAnswerRead(kind: ProviderConfig.Kind) async throws {
        let statuses = try await withProvider(kind, script: [.answer(Self.outlineAnswer)]) { provider in
            let generator = try generator(provider)
            let run = try generator.database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
            let outline = try await generator.plan(premise: "A keeper's daughter and a sealed letter.", run: run.id)
            #expect(outline.characters[0] == BookCharacter(name: "Mara", attributes: ["age": "19", "occupation": "keeper"], relationships: ["Tomas": "loves"]))
            #expect(outline.characters[1] == BookCharacter(name: "Tomas", attributes: ["hair": "red"]))
            #expect(outline.chapters.count == 2)
        }
        #expect(statuses == [200], "the schema was accepted on the first try")
    }

    @Test(arguments: kinds)
    func theJudgesSchemasAreAccepted(kind: ProviderConfig.Kind) async throws {
        let script: [FakeReply] = [.answer(#"{"reason":"Vivid.","score":7}"#), .answer(#"{"reason":"Tighter.","winner":"second"}"#)]
        let statuses = try await withProvider(kind, script: script) { provider in
            let judge = Judge(judges: [provider], rubrics: try Rubrics.load(folder: Self.experiments + "/prompts/judge/v1"), samples: 1)
            let verdict = try await judge.score("The lamp guttered.", dimension: "overall")
            #expect(verdict.samples.map(\.score) == [7])
            let pair = try await judge.compare("A.", "B.", dimension: "overall")
            #expect(pair.winsA + pair.winsB == 1)
        }
        #expect(statuses == [200, 200])
    }

    @Test(arguments: kinds)
    func theOptimisersSchemaIsAccepted(kind: ProviderConfig.Kind) async throws {
        let proposer = CandidateProposer(library: .standard, maxInstructions: 4)
        let statuses = try await withProvider(kind, script: [.answer(#"{"instructions":["Use concrete sensory detail.","Keep dialogue short."]}"#)]) { provider in
            let completion = try await provider.complete(CompletionRequest(
                messages: [ChatMessage(.user, proposer.metaPrompt(metric: "quality", higherIsBetter: true, scored: []))], temperature: 1.0, maxTokens: 400,
                seed: 1, responseFormat: .jsonSchema(name: "instructions", schema: proposer.responseSchema), task: .optimize))
            #expect(proposer.parse(answer: completion.text)?.instructions == ["Use concrete sensory detail.", "Keep dialogue short."])
        }
        #expect(statuses == [200])
    }

    @Test func everySchemaIsStrictValidAsIs() throws {
        let outline = BookGenerator.outlineSchema.replacingOccurrences(of: "\"chapters\":{\"type\":\"array\",", with: "\"chapters\":{\"type\":\"array\",\"minItems\":3,\"maxItems\":3,")
        let schemas = ["outline": outline, "score": Judge.scoreSchema, "pair": Judge.pairSchema,
                       "instructions": CandidateProposer(library: .standard, maxInstructions: 6).responseSchema]
        for (name, schema) in schemas {
            let object = try JSONSerialization.jsonObject(with: Data(schema.utf8))
            #expect(SchemaRules.openAIStrict(object, name: name) == nil, "\(name): \(SchemaRules.openAIStrict(object, name: name) ?? "")")
            #expect(SchemaRules.geminiJSONSchema(object) == nil, "\(name)")
        }
        #expect(outline.contains(#""minItems":3,"maxItems":3"#), "the chapter count is still injected")
    }

    /// Providers without schema support answer in prose, in a fence, or with the old map form.
    @Test func answersWithoutASchemaAreStillRead() async throws {
        let oldForm = #"{"title":"T","logline":"L","obsession":"the key","setting":"S","characters":[{"name":"Ana","attributes":{"age":"30"},"relationships":{"Bo":"sister of"}},{"name":"Bo","attributes":{},"relationships":{}}],"chapters":[{"number":1,"title":"C","beats":["a","b","c"],"target_words":100},{"number":2,"title":"D","beats":["a","b","c"],"target_words":100}]}"#
        let fenced = "Here is the outline you asked for:\n\n```json\n\(oldForm)\n```\nLet me know if you want changes."
        _ = try await withProvider(.openai, script: [.answer(fenced)]) { provider in
            let generator = try generator(provider)
            let run = try generator.database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
            let outline = try await generator.plan(premise: "x", run: run.id)
            #expect(outline.characters[0] == BookCharacter(name: "Ana", attributes: ["age": "30"], relationships: ["Bo": "sister of"]))
        }
        #expect(Judge.parse(#"Sure. {"score": 8, "reason": "It {mostly} works."} Hope that helps."#, as: Judge.ScoreAnswer.self)?.score == 8)
        #expect(CandidateProposer(library: .standard, maxInstructions: 3).parse(answer: "```\n{\"instructions\": [\"Vary sentences.\"]}\n```")?.instructions == ["Vary sentences."])
    }
}
