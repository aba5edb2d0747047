import Foundation
import Testing
@testable import LLM

@Suite struct SSEParserTests {
    @Test func eventsSurviveAnyChunking() {
        let stream = ": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: message_stop\ndata: line one\ndata: line two\n\ndata:no-space\n\n"
        let bytes = Array(stream.utf8)
        for size in [1, 2, 3, 7, bytes.count] {
            var parser = SSEParser()
            var events: [SSEParser.Event] = []
            for start in stride(from: 0, to: bytes.count, by: size) {
                events += parser.feed(bytes[start..<min(start + size, bytes.count)])
            }
            #expect(parser.finish() == nil)
            #expect(events == [
                .init(data: "{\"a\":1}"),
                .init(event: "message_stop", data: "line one\nline two"),
                .init(data: "no-space"),
            ], "chunk size \(size)")
        }
    }

    @Test func unterminatedLastEventIsReturnedByFinish() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: partial".utf8)).isEmpty)
        #expect(parser.finish() == .init(data: "partial"))
    }
}

@Suite struct RetryAfterTests {
    @Test func millisecondsSecondsAndDates() {
        #expect(RetryAfter.seconds(from: ["retry-after-ms": "250", "retry-after": "9"]) == 0.25)
        #expect(RetryAfter.seconds(from: ["retry-after": "3"]) == 3)
        let now = Date(timeIntervalSince1970: 1_795_601_585)  // 2026-11-25 10:13:05 GMT
        #expect(RetryAfter.seconds(from: ["retry-after": "Wed, 25 Nov 2026 10:13:35 GMT"], now: now) == 30)
        #expect(RetryAfter.seconds(from: ["retry-after": "soon"]) == nil)
        #expect(RetryAfter.seconds(from: ["retry-after": "-1"]) == nil)
        #expect(RetryAfter.seconds(from: [:]) == nil)
    }
}

@Suite struct RetryMachineryTests {
    @Test func backoffIsJitteredAndCapped() {
        let policy = RetryPolicy()
        #expect(policy.backoff(retry: 0, unit: 0) == .zero)
        #expect(policy.backoff(retry: 0, unit: 0.5) == .milliseconds(250))
        #expect(policy.backoff(retry: 2, unit: 0.999_999) < .seconds(2))
        #expect(policy.backoff(retry: 2, unit: 0.999_999) > .milliseconds(1990))
        #expect(policy.backoff(retry: 30, unit: 0.999_999) <= .seconds(20))
    }

    @Test func retryBudgetStopsRetriesThenRefills() {
        var budget = RetryBudget(capacity: 12)
        let result1 = budget.spend(isTimeout: false)
        #expect(result1)
        let result2 = budget.spend(isTimeout: false)
        #expect(result2)
        let result3 = budget.spend(isTimeout: false)
        #expect(!result3, "2 left cannot pay 5")
        budget.refund(retried: false, isTimeout: false)
        #expect(budget.available == 3)
        budget.refund(retried: true, isTimeout: true)
        #expect(budget.available == 12, "refunds never exceed the capacity")
        let result4 = budget.spend(isTimeout: true)
        #expect(result4)
        #expect(budget.available == 2)
    }

    @Test func circuitOpensHalfOpensAndCloses() {
        var breaker = CircuitBreaker(failureThreshold: 2, openDuration: .seconds(30))
        let t0 = ContinuousClock.now
        let result5 = breaker.permit(now: t0)
        #expect(result5 == .go(trial: false))
        breaker.recordFailure(now: t0)
        let result6 = breaker.permit(now: t0)
        #expect(result6 == .go(trial: false))
        breaker.recordFailure(now: t0)
        let result7 = breaker.permit(now: t0 + .seconds(10))
        #expect(result7 == .wait(.seconds(20)))
        let result8 = breaker.permit(now: t0 + .seconds(31))
        #expect(result8 == .go(trial: true), "half-open: one trial")
        let result9 = breaker.permit(now: t0 + .seconds(31))
        #expect(result9 != .go(trial: false) && result9 != .go(trial: true), "only one trial at a time")
        breaker.recordFailure(now: t0 + .seconds(31))
        #expect(breaker.state == .open(until: t0 + .seconds(61)), "a failed trial opens it again")
        let result10 = breaker.permit(now: t0 + .seconds(62))
        #expect(result10 == .go(trial: true))
        // A trial that ends saying nothing (cancelled) hands the trial to the next call.
        breaker.abandonTrial(now: t0 + .seconds(63))
        #expect(breaker.permit(now: t0 + .seconds(63)) == .go(trial: true))
        breaker.recordSuccess()
        #expect(breaker.state == .closed)
    }

    @Test func rateLimiterHoldsRequestsAndTokensPerMinute() {
        let t0 = ContinuousClock.now
        var limiter = RateLimiter(requestsPerMinute: 60, tokensPerMinute: 600, now: t0)
        for _ in 0..<3 { let result11 = limiter.acquire(estimatedTokens: 200, now: t0); #expect(result11 == nil) }
        // The token bucket is empty: 200 tokens at 10 tokens/s is 20 s away.
        let wait = limiter.acquire(estimatedTokens: 200, now: t0)
        #expect(wait == .seconds(20))
        let result12 = limiter.acquire(estimatedTokens: 200, now: t0 + .seconds(20))
        #expect(result12 == nil)
        // A 429 halves the rate: the next wait doubles.
        limiter.throttled()
        let result13 = limiter.acquire(estimatedTokens: 200, now: t0 + .seconds(20))
        #expect(result13 == .seconds(40))
        var requestsOnly = RateLimiter(requestsPerMinute: 2, tokensPerMinute: nil, now: t0)
        let result14 = requestsOnly.acquire(estimatedTokens: 10_000, now: t0)
        #expect(result14 == nil)
        let result15 = requestsOnly.acquire(estimatedTokens: 10_000, now: t0)
        #expect(result15 == nil)
        let result16 = requestsOnly.acquire(estimatedTokens: 1, now: t0)
        #expect(result16 == .seconds(30))
    }

    @Test func errorsKnowWhetherARetryCanHelp() {
        for status in [408, 409, 429, 500, 502, 503, 504] {
            #expect(LLMError.http(provider: "p", status: status, message: "", retryAfter: nil).isRetryable, "\(status)")
        }
        for status in [400, 401, 403, 404, 422] {
            #expect(!LLMError.http(provider: "p", status: status, message: "", retryAfter: nil).isRetryable, "\(status)")
        }
        #expect(LLMError.timeout(provider: "p", phase: "total", seconds: 1).isRetryable)
        #expect(!LLMError.missingKey(provider: "p", variable: "K").isRetryable)
        #expect(!LLMError.cutByLength(provider: "p", tokens: 5).isRetryable)
    }
}

@Suite struct WireTests {
    @Test func requestBodyIsCanonicalAndComplete() throws {
        let request = CompletionRequest(
            messages: [ChatMessage(.system, "Be brief."), ChatMessage(.user, "Hi")], temperature: 0.7, topP: 0.9,
            maxTokens: 50, stop: ["\n\n"], seed: 42, frequencyPenalty: 0.3, presencePenalty: 0.1,
            responseFormat: .jsonSchema(name: "score", schema: #"{"type":"object","properties":{"score":{"type":"integer"}}}"#), task: .judge)
        let body = try OpenAIWire.body(for: request, model: "m", stream: true, extraJSON: #"{"repeat_penalty": 1.3, "model": "ignored"}"#)
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(object["model"] as? String == "m", "extra fields never override the request's own")
        #expect(object["repeat_penalty"] as? Double == 1.3)
        #expect(object["seed"] as? Int == 42)
        #expect(object["max_tokens"] as? Int == 50)
        #expect((object["stream_options"] as? [String: Bool])?["include_usage"] == true)
        let format = try #require(object["response_format"] as? [String: Any])
        #expect(format["type"] as? String == "json_schema")
        #expect(((format["json_schema"] as? [String: Any])?["schema"] as? [String: Any])?["type"] as? String == "object")
        // Sorted keys: equal requests are byte-identical.
        #expect(try OpenAIWire.body(for: request, model: "m", stream: true, extraJSON: nil)
            == OpenAIWire.body(for: request, model: "m", stream: true, extraJSON: nil))
    }

    @Test func keysComeOnlyFromTheEnvironment() throws {
        let config = ProviderConfig(name: "groq", kind: .openai, baseURL: "https://api.example/v1", model: "m", apiKeyEnv: "GROQ_API_KEY")
        let without = OpenAICompatibleProvider(config: config, environment: [:])
        #expect(throws: LLMError.missingKey(provider: "groq", variable: "GROQ_API_KEY")) {
            try without.httpRequest(for: CompletionRequest(messages: [ChatMessage(.user, "x")], task: .generate), stream: false)
        }
        let with = OpenAICompatibleProvider(config: config, environment: ["GROQ_API_KEY": "sk-secret"])
        let request = try with.httpRequest(for: CompletionRequest(messages: [ChatMessage(.user, "x")], task: .generate), stream: false)
        #expect(request.url == "https://api.example/v1/chat/completions")
        #expect(request.headers.contains { $0.name == "Authorization" && $0.value == "Bearer sk-secret" })
        #expect(!String(decoding: request.body ?? Data(), as: UTF8.self).contains("sk-secret"))
    }

    @Test func costFromThePriceTable() {
        let config = ProviderConfig(name: "p", kind: .openai, baseURL: "", model: "m", inputPricePerMillion: 0.5, outputPricePerMillion: 1.5)
        #expect(abs(config.cost(of: TokenUsage(promptTokens: 2000, completionTokens: 1000)) - 0.0025) < 1e-15)
    }
}
