import Foundation
import LLMFakes
import Testing
@testable import LLM
import Store
import WorkbenchCore

/// `ChatProvider` over real HTTP against fakes of the three APIs that check every request
/// as the services document it (headers, required fields, schema rules) and answer in
/// their shapes, JSON and SSE, with scripted failures.

let fakeKey = "sk-fake-9f8e7d6c5b4a39281706"

func fakeConfig(_ kind: ProviderConfig.Kind, _ baseURL: String) -> ProviderConfig {
    ProviderConfig(name: kind.rawValue, kind: kind, baseURL: baseURL, model: kind == .gemini ? "gemini-2.5-flash" : kind == .anthropic ? "claude-haiku-4-5" : "gpt-4o-mini",
                   apiKeyEnv: "FAKE_API_KEY", inputPricePerMillion: 1, outputPricePerMillion: 2)
}

func provider<API>(_ fake: FakeService<API>, kind: ProviderConfig.Kind) -> any LLMProvider {
    let config = fakeConfig(kind, fake.baseURL)
    let environment = ["FAKE_API_KEY": fake.key]
    switch kind {
    case .anthropic: return AnthropicProvider(config: config, environment: environment)
    case .gemini: return GeminiProvider(config: config, environment: environment)
    default: return OpenAICompatibleProvider(config: config, environment: environment)
    }
}

func withFake<API, T>(_ api: API.Type, script: [FakeReply] = [], _ body: (FakeService<API>) async throws -> T) async throws -> T {
    let fake = try await FakeService<API>.start(key: fakeKey, script: script)
    do {
        let result = try await body(fake)
        await fake.stop()
        return result
    } catch {
        await fake.stop()
        throw error
    }
}

/// The text and final completion of a stream.
func collect(_ stream: AsyncThrowingStream<CompletionChunk, any Error>) async throws -> (String, Completion?) {
    var text = "", final: Completion?
    for try await chunk in stream {
        switch chunk {
        case .text(let piece): text += piece
        case .done(let completion): final = completion
        }
    }
    return (text, final)
}

/// The error a call throws, as an `LLMError`.
func failure(_ call: () async throws -> Void) async -> LLMError? {
    do {
        try await call()
        return nil
    } catch {
        return error as? LLMError
    }
}

let fakeRequest = CompletionRequest(
    messages: [ChatMessage(.system, "You are a novelist."), ChatMessage(.user, "Write one sentence.")], temperature: 0.7, maxTokens: 100, seed: 3,
    task: .generate)

/// A strict-mode-valid schema with a nullable field and a list of pairs.
let strictSchema = #"{"type":"object","additionalProperties":false,"required":["score","note","pairs"],"properties":{"score":{"type":"integer","minimum":1,"maximum":10},"note":{"type":["string","null"]},"pairs":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["name","relation"],"properties":{"name":{"type":"string"},"relation":{"type":"string"}}}}}}"#
let strictAnswer = #"{"note":null,"pairs":[{"name":"Tomas","relation":"loves"}],"score":7}"#

func schemaRequest(_ schema: String = strictSchema) -> CompletionRequest {
    CompletionRequest(messages: [ChatMessage(.user, "Score it.")], temperature: 0.2, maxTokens: 200, seed: 1,
                      responseFormat: .jsonSchema(name: "verdict", schema: schema), task: .judge)
}

@Suite struct OpenAIFakeTests {
    @Test func completesAndStreamsWithUsage() async throws {
        try await withFake(OpenAIAPI.self, script: [.answer("The lamp guttered."), .answer("The lamp guttered.")]) { fake in
            let openai = provider(fake, kind: .openai)
            let completion = try await openai.complete(fakeRequest)
            #expect(completion.text == "The lamp guttered.")
            #expect(!completion.usage.estimated)
            let (text, final) = try await collect(openai.stream(fakeRequest))
            #expect(text == "The lamp guttered.")
            #expect(final?.usage == completion.usage, "usage arrives with stream_options.include_usage")
            #expect(fake.statuses == [200, 200])
            #expect(fake.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(fakeKey)" })
        }
    }

    @Test func strictSchemaIsAcceptedAndAnInvalidOneRefusedAsTheServiceDoes() async throws {
        try await withFake(OpenAIAPI.self, script: [.answer(strictAnswer)]) { fake in
            let openai = provider(fake, kind: .openai)
            let answer = try await openai.complete(schemaRequest()).text
            #expect(answer == strictAnswer)
            // The shape the outline schema had: a free-form map and optional properties.
            let loose = #"{"type":"object","required":["name"],"properties":{"name":{"type":"string","minLength":1},"relationships":{"type":"object","properties":{}}}}"#
            let error = await failure { _ = try await openai.complete(schemaRequest(loose)) }
            guard case .http(_, 400, let message, _)? = error else { Issue.record("expected a 400, got \(String(describing: error))"); return }
            #expect(message.contains("'additionalProperties' is required to be supplied and to be false"), "\(message)")
            #expect(error?.isRetryable == false)
        }
    }

    @Test func wrongKeyIsA401ThatIsNotRetried() async throws {
        try await withFake(OpenAIAPI.self) { fake in
            let wrong = OpenAICompatibleProvider(config: fakeConfig(.openai, fake.baseURL), environment: ["FAKE_API_KEY": "sk-wrong-key-000000000000"])
            let error = await failure { _ = try await ResilientProvider(wrong, policy: quickPolicy).complete(fakeRequest) }
            guard case .http(_, 401, let message, _)? = error else { Issue.record("expected 401, got \(String(describing: error))"); return }
            #expect(message.contains("Incorrect API key provided"))
            #expect(fake.requests.count == 1)
        }
    }

    @Test func rateLimitsAndServerErrorsAreRetried() async throws {
        try await withFake(OpenAIAPI.self, script: [.error(429, retryAfter: "0"), .error(500), .answer("Rain fell.")]) { fake in
            let attempts = Attempts()
            let completion = try await ResilientProvider(provider(fake, kind: .openai), policy: quickPolicy).complete(fakeRequest, onAttempt: { attempts.add($0) })
            #expect(completion.text == "Rain fell.")
            #expect(fake.statuses == [429, 500, 200])
            #expect(attempts.all.map { $0.error?.kind ?? "ok" } == ["http-429", "http-500", "ok"])
            if case .http(_, 429, _, let retryAfter)? = attempts.all.first?.error { #expect(retryAfter == 0) }
        }
    }

    @Test func aContentFilterFinishOrARefusalIsNamedAndNotRetried() async throws {
        let refusal = "I can't help with that."
        try await withFake(OpenAIAPI.self, script: [.blocked(reason: "content_filter"), .refusal(refusal), .refusal(refusal)]) { fake in
            let resilient = ResilientProvider(provider(fake, kind: .openai), policy: quickPolicy)
            let filtered = await failure { _ = try await resilient.complete(fakeRequest) }
            #expect(filtered == .contentFiltered(provider: "openai", reason: "finish reason content_filter"))
            let refused = await failure { _ = try await resilient.complete(schemaRequest()) }
            #expect(refused == .contentFiltered(provider: "openai", reason: "refused: I can't help with that."))
            let streamed = await failure { _ = try await collect(resilient.stream(schemaRequest())) }
            guard case .contentFiltered(_, let reason)? = streamed else { Issue.record("got \(String(describing: streamed))"); return }
            #expect(reason.hasPrefix("refused: I"))
            #expect(fake.requests.count == 3, "none was retried")
        }
    }

    @Test func streamFailuresAreReportedAsWhatTheyAre() async throws {
        try await withFake(OpenAIAPI.self, script: [.streamError(after: "Half ", type: "server_error", message: "The server had an error"), .noEndEvent("All of it.")]) { fake in
            let openai = provider(fake, kind: .openai)
            let midStream = await failure { _ = try await collect(openai.stream(fakeRequest)) }
            guard case .http(_, 500, let message, _)? = midStream else { Issue.record("got \(String(describing: midStream))"); return }
            #expect(message == "The server had an error")
            let noDone = await failure { _ = try await collect(openai.stream(fakeRequest)) }
            #expect(noDone == .truncatedStream(provider: "openai", receivedCharacters: "All of it.".count))
        }
    }

    @Test func keysEchoedByAServerNeverReachAnError() async throws {
        let html = "<html><body>502 Bad Gateway: upstream rejected x-api-key: {{key}} (Authorization: Bearer {{key}})</body></html>"
        try await withFake(OpenAIAPI.self, script: [.echoKey(401), .raw(502, html), .raw(200, "not JSON, but the key {{key}}")]) { fake in
            let openai = provider(fake, kind: .openai)
            for _ in 0..<3 {
                let errorFound = await failure { _ = try await openai.complete(fakeRequest) }
                let error = try #require(errorFound)
                for text in [error.message, "\(error)", String(reflecting: error)] {
                    #expect(!text.contains(fakeKey), "\(text)")
                }
            }
            #expect(fake.statuses == [401, 502, 200])
        }
    }
}

@Suite struct AnthropicFakeTests {
    @Test func completesAndStreams() async throws {
        try await withFake(AnthropicAPI.self, script: [.answer("Rain fell."), .answer("Rain fell.")]) { fake in
            let claude = provider(fake, kind: .anthropic)
            let completion = try await claude.complete(fakeRequest)
            #expect(completion.text == "Rain fell." && completion.finishReason == .stop)
            let (text, final) = try await collect(claude.stream(fakeRequest))
            #expect(text == "Rain fell." && final?.usage.estimated == false)
            let body = try #require(fake.requests.first?.json)
            #expect(body["system"] as? String == "You are a novelist.")
            #expect(body["seed"] == nil)
            #expect(fake.statuses == [200, 200])
        }
    }

    @Test func aSchemaIsAForcedToolAndItsInputIsTheAnswer() async throws {
        try await withFake(AnthropicAPI.self, script: [.answer(strictAnswer), .answer(strictAnswer)]) { fake in
            let claude = provider(fake, kind: .anthropic)
            let completion = try await claude.complete(schemaRequest())
            #expect(try JSONSerialization.jsonObject(with: Data(completion.text.utf8)) as? NSDictionary
                    == JSONSerialization.jsonObject(with: Data(strictAnswer.utf8)) as? NSDictionary)
            #expect(completion.finishReason == .toolCalls)
            let (streamed, final) = try await collect(claude.stream(schemaRequest()))
            #expect((try? JSONSerialization.jsonObject(with: Data(streamed.utf8))) is [String: Any] && final?.text == streamed)
            let body = try #require(fake.requests.first?.json)
            let tool = try #require((body["tools"] as? [[String: Any]])?.first)
            #expect(tool["name"] as? String == "verdict")
            #expect((tool["input_schema"] as? [String: Any])?["additionalProperties"] as? Bool == false)
            #expect((body["tool_choice"] as? [String: String]) == ["type": "tool", "name": "verdict"])
            #expect(body["system"] == nil, "no schema instruction beside the tool")
        }
    }

    @Test func requestsTheServiceWouldRefuseAreMadeValid() async throws {
        try await withFake(AnthropicAPI.self) { fake in
            // Two user turns in a row and OpenAI's temperature range: merged, and clamped to 0…1.
            let request = CompletionRequest(messages: [ChatMessage(.user, "First."), ChatMessage(.user, "Second.")], temperature: 1.6, maxTokens: 50, task: .generate)
            _ = try await provider(fake, kind: .anthropic).complete(request)
            let body = try #require(fake.requests.first?.json)
            #expect((body["messages"] as? [[String: String]]) == [["role": "user", "content": "First.\n\nSecond."]])
            #expect(body["temperature"] as? Double == 1)
        }
    }

    @Test func overloadedThenSuccessIsRetried() async throws {
        try await withFake(AnthropicAPI.self, script: [.error(529), .error(429, retryAfter: "0"), .answer("Rain fell.")]) { fake in
            let attempts = Attempts()
            let completion = try await ResilientProvider(provider(fake, kind: .anthropic), policy: quickPolicy).complete(fakeRequest, onAttempt: { attempts.add($0) })
            #expect(completion.text == "Rain fell.")
            #expect(attempts.all.map { $0.error?.kind ?? "ok" } == ["http-529", "http-429", "ok"])
            guard case .http(_, 529, let message, _)? = attempts.all.first?.error else { Issue.record("no 529"); return }
            #expect(message == "overloaded_error: Overloaded")
        }
    }

    @Test func anErrorEventMidStreamIsAnError() async throws {
        try await withFake(AnthropicAPI.self, script: [.streamError(after: "The lamp", type: "overloaded_error", message: "Overloaded")]) { fake in
            var received = ""
            let error = await failure {
                for try await chunk in provider(fake, kind: .anthropic).stream(fakeRequest) { if case .text(let piece) = chunk { received += piece } }
            }
            #expect(received == "The lamp")
            #expect(error == .http(provider: "anthropic", status: 529, message: "overloaded_error: Overloaded", retryAfter: nil))
            #expect(error?.isRetryable == true)
        }
    }

    @Test func errorEventsBeforeAnyTextAreRetriedWhenStreaming() async throws {
        try await withFake(AnthropicAPI.self, script: [.streamError(after: "", type: "overloaded_error", message: "Overloaded"), .answer("Rain fell.")]) { fake in
            let (text, final) = try await collect(ResilientProvider(provider(fake, kind: .anthropic), policy: quickPolicy).stream(fakeRequest))
            #expect(text == "Rain fell." && final?.text == "Rain fell.")
            #expect(fake.requests.count == 2)
        }
    }

    @Test func aStreamWithoutMessageStopIsTruncated() async throws {
        try await withFake(AnthropicAPI.self, script: [.noEndEvent("Rain fell.")]) { fake in
            let error = await failure { _ = try await collect(provider(fake, kind: .anthropic).stream(fakeRequest)) }
            #expect(error == .truncatedStream(provider: "anthropic", receivedCharacters: "Rain fell.".count))
        }
    }

    @Test func missingHeadersAreRefusedAsTheServiceDoes() async throws {
        try await withFake(AnthropicAPI.self) { fake in
            let keyless = AnthropicProvider(config: fakeConfig(.anthropic, fake.baseURL), environment: ["FAKE_API_KEY": "sk-ant-wrong-0000000000000000"])
            let error = await failure { _ = try await keyless.complete(fakeRequest) }
            #expect(error == .http(provider: "anthropic", status: 401, message: "authentication_error: invalid x-api-key", retryAfter: nil))
        }
    }

    @Test func keysEchoedByAServerNeverReachAnError() async throws {
        let script: [FakeReply] = [.echoKey(401), .streamError(after: "", type: "api_error", message: "upstream said x-api-key: {{key}} was {{key}}")]
        try await withFake(AnthropicAPI.self, script: script) { fake in
            let claude = provider(fake, kind: .anthropic)
            let firstFound = await failure { _ = try await claude.complete(fakeRequest) }
            let first = try #require(firstFound)
            let secondFound = await failure { _ = try await collect(claude.stream(fakeRequest)) }
            let second = try #require(secondFound)
            for error in [first, second] {
                #expect(!String(reflecting: error).contains(fakeKey), "\(String(reflecting: error))")
                #expect(error.message.contains(Redaction.mask))
            }
        }
    }
}

@Suite struct GeminiFakeTests {
    @Test func completesAndStreamsAndSendsTheSchemaAsJSONSchema() async throws {
        try await withFake(GeminiAPI.self, script: [.answer("Fog rolled in."), .answer("Fog rolled in."), .answer(strictAnswer)]) { fake in
            let gemini = provider(fake, kind: .gemini)
            let whole = try await gemini.complete(fakeRequest).text
            #expect(whole == "Fog rolled in.")
            let (text, final) = try await collect(gemini.stream(fakeRequest))
            #expect(text == "Fog rolled in." && final?.usage.estimated == false)
            let answer = try await gemini.complete(schemaRequest()).text
            #expect(answer == strictAnswer)
            let generation = try #require(fake.requests.last?.json?["generationConfig"] as? [String: Any])
            #expect(generation["responseMimeType"] as? String == "application/json")
            #expect(generation["responseJsonSchema"] != nil && generation["responseSchema"] == nil)
            #expect(fake.requests.allSatisfy { $0.headers["x-goog-api-key"] == fakeKey && $0.query["key"] == nil })
            #expect(fake.statuses == [200, 200, 200])
        }
    }

    @Test func aBlockedPromptIsAContentFilterErrorNamingTheReason() async throws {
        try await withFake(GeminiAPI.self, script: [.blocked(reason: "SAFETY"), .blocked(reason: "PROHIBITED_CONTENT")]) { fake in
            let resilient = ResilientProvider(provider(fake, kind: .gemini), policy: quickPolicy)
            let whole = await failure { _ = try await resilient.complete(fakeRequest) }
            #expect(whole == .contentFiltered(provider: "gemini", reason: "prompt blocked: SAFETY (HARM_CATEGORY_DANGEROUS_CONTENT)"))
            #expect(whole?.isRetryable == false && whole?.exitStatus == .dataError)
            let streamed = await failure { _ = try await collect(resilient.stream(fakeRequest)) }
            guard case .contentFiltered(_, let reason)? = streamed else { Issue.record("got \(String(describing: streamed))"); return }
            #expect(reason.contains("PROHIBITED_CONTENT"))
            #expect(fake.requests.count == 2, "neither was retried")
        }
    }

    @Test func quotaErrorsWithoutRetryAfterAreRetriedWithBackoff() async throws {
        try await withFake(GeminiAPI.self, script: [.error(429), .error(429, retryAfter: "0.01"), .error(503), .answer("Fog.")]) { fake in
            let attempts = Attempts()
            let completion = try await ResilientProvider(provider(fake, kind: .gemini), policy: quickPolicy).complete(fakeRequest, onAttempt: { attempts.add($0) })
            #expect(completion.text == "Fog.")
            let errors = attempts.all.compactMap(\.error)
            #expect(errors.map(\.kind) == ["http-429", "http-429", "http-503"])
            guard case .http(_, 429, let message, let first)? = errors.first, case .http(_, 429, _, let second)? = errors.dropFirst().first else { return }
            #expect(message.hasPrefix("RESOURCE_EXHAUSTED: "))
            #expect(first == nil, "no header, no RetryInfo: backoff decides")
            #expect(second == 0.01, "RetryInfo.retryDelay is read from the body")
        }
    }

    @Test func streamFailuresAreReportedAsWhatTheyAre() async throws {
        try await withFake(GeminiAPI.self, script: [.noEndEvent("Fog rolled in."), .streamError(after: "Fog ", type: "", message: "Internal error")]) { fake in
            let gemini = provider(fake, kind: .gemini)
            let noFinish = await failure { _ = try await collect(gemini.stream(fakeRequest)) }
            #expect(noFinish == .truncatedStream(provider: "gemini", receivedCharacters: "Fog rolled in.".count))
            let midStream = await failure { _ = try await collect(gemini.stream(fakeRequest)) }
            #expect(midStream == .http(provider: "gemini", status: 500, message: "INTERNAL: Internal error", retryAfter: nil))
        }
    }

    @Test func aWrongKeyAndAnEchoedKey() async throws {
        try await withFake(GeminiAPI.self, script: [.echoKey(400)]) { fake in
            let echoedFound = await failure { _ = try await provider(fake, kind: .gemini).complete(fakeRequest) }
            let echoed = try #require(echoedFound)
            #expect(!String(reflecting: echoed).contains(fakeKey), "\(String(reflecting: echoed))")
            let wrong = GeminiProvider(config: fakeConfig(.gemini, fake.baseURL), environment: ["FAKE_API_KEY": "AIza-wrong"])
            let error = await failure { _ = try await wrong.complete(fakeRequest) }
            #expect(error == .http(provider: "gemini", status: 400, message: "INVALID_ARGUMENT: API key not valid. Please pass a valid API key.", retryAfter: nil))
        }
    }
}

/// The fakes' schema rules themselves, on the cases the documentation names.
@Suite struct SchemaRuleTests {
    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func openAIStrictMode() throws {
        #expect(SchemaRules.openAIStrict(try json(strictSchema), name: "s") == nil)
        let cases: [(String, String)] = [
            (#"{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}"#, "'additionalProperties' is required"),
            (#"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}"#, "Missing 'b'"),
            (#"{"type":"object","properties":{"a":{"type":"string","minLength":1}},"required":["a"],"additionalProperties":false}"#, "'minLength' is not permitted"),
            (#"{"type":"object","properties":{"a":{"type":"string","maxLength":9}},"required":["a"],"additionalProperties":false}"#, "'maxLength' is not permitted"),
            (#"{"type":"object","properties":{"m":{"type":"object","properties":{}}},"required":["m"],"additionalProperties":false}"#, "context=('properties', 'm')"),
            (#"{"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":"string"}}},"required":["m"],"additionalProperties":false}"#, "object schema missing properties"),
            (#"{"type":"array","items":{"type":"string"}}"#, #"got 'type: "array"'"#),
            (#"{"type":"object","properties":{"a":{"allOf":[{"type":"string"}]}},"required":["a"],"additionalProperties":false}"#, "schema must have a 'type' key"),
        ]
        for (schema, expected) in cases {
            let problem = SchemaRules.openAIStrict(try json(schema), name: "s")
            #expect(problem?.contains(expected) == true, "\(schema): \(problem ?? "accepted")")
        }
        let arrays = #"{"type":"object","properties":{"xs":{"type":"array","minItems":1,"maxItems":3,"items":{"type":"integer","minimum":0}}},"required":["xs"],"additionalProperties":false}"#
        #expect(SchemaRules.openAIStrict(try json(arrays), name: "s") == nil, "minItems, maxItems and minimum are supported")
    }

    @Test func geminiSchemas() throws {
        #expect(SchemaRules.geminiJSONSchema(try json(strictSchema)) == nil, "responseJsonSchema takes type lists and additionalProperties")
        #expect(SchemaRules.geminiOpenAPISchema(try json(strictSchema)) != nil, "responseSchema, the OpenAPI subset, refuses them")
        #expect(SchemaRules.geminiJSONSchema(try json(#"{"type":"object","properties":{"a":{"type":"string","minLength":1}}}"#))?.contains("minLength") == true)
    }
}

/// Every attempt a `ResilientProvider` reports.
final class Attempts: Sendable {
    private let attempts = SynchronizedArray<ResilientProvider.Attempt>()
    func add(_ attempt: ResilientProvider.Attempt) { attempts.append(attempt) }
    var all: [ResilientProvider.Attempt] { attempts.values }
}

@Suite struct KeyExposureTests {
    @Test func aProviderNeverShowsItsKey() throws {
        let key = "sk-dump-test-4c3b2a1908f7e6d5"
        var config = fakeConfig(.openai, "https://user:hunter2hunter2@gateway.example/v1?api_key=abc123")
        config.name = "gateway"
        let providers: [any LLMProvider] = [
            OpenAICompatibleProvider(config: config, environment: ["FAKE_API_KEY": key]),
            AnthropicProvider(config: config, environment: ["FAKE_API_KEY": key]),
            GeminiProvider(config: config, environment: ["FAKE_API_KEY": key]),
        ]
        for provider in providers {
            var dumped = ""
            dump(provider, to: &dumped)
            let resilient = ResilientProvider(provider)
            dump(resilient, to: &dumped)
            for text in [dumped, String(describing: provider), String(reflecting: provider), "\(provider)", String(describing: Mirror(reflecting: provider).children.map(\.value))] {
                #expect(!text.contains(key), "\(text)")
                #expect(!text.contains("hunter2hunter2") && !text.contains("abc123"), "\(text)")
            }
            #expect(String(describing: provider).contains("gateway.example"))
        }
    }

    @Test func theCallLogScrubsWhatAProviderLetThrough() async throws {
        /// A provider that fails with a message carrying a registered key and a bearer token.
        struct Leaky: LLMProvider {
            var name: String { "leaky" }
            var model: String { "m" }
            func complete(_ request: CompletionRequest) async throws -> Completion {
                throw LLMError.http(provider: "leaky", status: 401, message: "bad key sk-leaky-0a1b2c3d4e5f6a7b8c9d (Authorization: Bearer tok3n-abcdef)", retryAfter: nil)
            }
            func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> { AsyncThrowingStream { $0.finish() } }
        }
        Redaction.register("sk-leaky-0a1b2c3d4e5f6a7b8c9d")
        let database = try WorkbenchDatabase.inMemory()
        let recording = RecordingProvider(ResilientProvider(Leaky(), policy: quickPolicy), store: database)
        _ = await failure { _ = try await recording.complete(fakeRequest) }
        let calls = try database.llmCalls()
        #expect(calls.count == 1)
        let stored = try #require(calls.first?.error)
        #expect(stored == "leaky: HTTP 401: bad key *** (Authorization: Bearer ***)")
    }
}
