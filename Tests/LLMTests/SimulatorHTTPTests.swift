import Foundation
import Synchronization
import Testing
@testable import LLM
import Simulator

/// Starts a simulator with `configure`d options, runs `body` against it, stops it.
func withSimulator<T>(_ configure: (inout SimulatorOptions) -> Void = { _ in }, _ body: (SimulatorServer) async throws -> T) async throws -> T {
    var options = SimulatorOptions()
    configure(&options)
    let server = try await SimulatorServer.start(options)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

func simProvider(_ server: SimulatorServer, name: String = "sim", timeouts: OpenAICompatibleProvider.Timeouts = .init()) -> OpenAICompatibleProvider {
    OpenAICompatibleProvider(
        config: ProviderConfig(name: name, kind: .sim, baseURL: server.baseURL, model: "sim-1", inputPricePerMillion: 1, outputPricePerMillion: 2),
        environment: [:], timeouts: timeouts)
}

let chapterRequest = CompletionRequest(
    messages: [ChatMessage(.system, "You are a novelist."), ChatMessage(.user, "Write about 120 words of chapter 1. Characters: Anna, Bo")],
    maxTokens: 400, seed: 7, task: .generate)

/// Fast policy for tests: real retries, millisecond waits.
var quickPolicy: RetryPolicy {
    var policy = RetryPolicy()
    policy.baseDelay = .milliseconds(5)
    policy.maxDelay = .milliseconds(20)
    return policy
}

@Suite struct SimulatorHTTPTests {
    @Test func completesWithUsageAndCost() async throws {
        try await withSimulator { server in
            let completion = try await simProvider(server).complete(chapterRequest)
            #expect(completion.finishReason == .stop)
            #expect(completion.provider == "sim")
            #expect(!completion.usage.estimated)
            let words = completion.text.split(whereSeparator: \.isWhitespace).count
            #expect((90...150).contains(words), "asked for about 120 words, got \(words)")
            #expect(completion.usage.completionTokens == SimulatorWriter.tokens(forWords: words))
            #expect(abs(completion.costUSD - (Double(completion.usage.promptTokens) + 2 * Double(completion.usage.completionTokens)) / 1e6) < 1e-12)
        }
    }

    @Test func streamDeliversTheSameTextAsAWholeAnswer() async throws {
        try await withSimulator { server in
            let provider = simProvider(server)
            let whole = try await provider.complete(chapterRequest)
            var pieces: [String] = []
            var final: Completion?
            for try await chunk in provider.stream(chapterRequest) {
                switch chunk {
                case .text(let piece): pieces.append(piece)
                case .done(let completion): final = completion
                }
            }
            #expect(pieces.count > 10)
            #expect(pieces.joined() == whole.text)
            #expect(final?.text == whole.text)
            #expect(final?.usage == whole.usage, "usage arrives in the stream (stream_options.include_usage)")
            #expect(final?.timeToFirstToken != nil)
        }
    }

    @Test func jsonSchemaAnswersParse() async throws {
        let schema = #"{"type":"object","properties":{"score":{"type":"integer","minimum":1,"maximum":10},"reason":{"type":"string"}},"required":["score","reason"]}"#
        try await withSimulator { server in
            let request = CompletionRequest(messages: [ChatMessage(.user, "Score this chapter.")], responseFormat: .jsonSchema(name: "judge", schema: schema), task: .judge)
            let completion = try await simProvider(server).complete(request)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(completion.text.utf8)) as? [String: Any])
            let score = try #require(object["score"] as? Int)
            #expect((1...10).contains(score))
            #expect(object["reason"] is String)
        }
    }

    @Test(arguments: FaultKind.allCases)
    func everyFaultIsReportedAsWhatItIs(fault: FaultKind) async throws {
        try await withSimulator({ $0.faultRate = 1; $0.faults = [fault]; $0.retryAfter = .milliseconds(1500) }) { server in
            var timeouts = OpenAICompatibleProvider.Timeouts()
            timeouts.total = .milliseconds(400)
            let provider = simProvider(server, timeouts: timeouts)
            for streaming in [false, true] {
                do {
                    if streaming {
                        for try await _ in provider.stream(chapterRequest) {}
                    } else {
                        _ = try await provider.complete(chapterRequest)
                    }
                    Issue.record("\(fault) (streaming \(streaming)) did not fail")
                } catch let error as LLMError {
                    #expect(error.isRetryable, "\(fault): \(error)")
                    switch (fault, error) {
                    case (.rateLimited, .http(_, 429, _, let retryAfter)): #expect(retryAfter == 1.5)
                    case (.serverError, .http(_, 500, _, _)), (.unavailable, .http(_, 503, _, _)): break
                    case (.timeout, .timeout(_, "total", _)): break
                    case (.malformed, .malformedResponse): break
                    case (.truncate, .truncatedStream) where streaming: break
                    case (.truncate, .connection) where !streaming: break
                    case (.reset, .connection): break
                    default: Issue.record("\(fault) (streaming \(streaming)) gave \(error)")
                    }
                }
            }
        }
    }

    @Test func retriesUntilTheServerRecovers() async throws {
        try await withSimulator({ $0.failFirstRequests = 2; $0.faults = [.serverError, .unavailable] }) { server in
            let attempts = AttemptLog()
            let resilient = ResilientProvider(simProvider(server), policy: quickPolicy)
            let completion = try await resilient.complete(chapterRequest, onAttempt: { attempts.add($0) })
            #expect(!completion.text.isEmpty)
            #expect(attempts.numbers == [1, 2, 3])
            #expect(server.statistics.requests == 3)
            // Two retries cost 5 each; the success refunds the last one's cost (AWS standard mode).
            #expect(resilient.retryBudgetAvailable == 495)
        }
    }

    @Test func retryAfterIsWaitedFor() async throws {
        try await withSimulator({ $0.failFirstRequests = 1; $0.faults = [.rateLimited]; $0.retryAfter = .milliseconds(300) }) { server in
            let started = ContinuousClock.now
            _ = try await ResilientProvider(simProvider(server), policy: quickPolicy).complete(chapterRequest)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(server.statistics.requests == 2)
        }
    }

    @Test func clientErrorsFailAtOnce() async throws {
        try await withSimulator { server in
            let attempts = AttemptLog()
            let bad = CompletionRequest(messages: [ChatMessage(.user, "x")], maxTokens: 0, task: .generate)
            await #expect(throws: LLMError.self) {
                try await ResilientProvider(simProvider(server), policy: quickPolicy).complete(bad, onAttempt: { attempts.add($0) })
            }
            #expect(attempts.numbers == [1])
            if case .http(_, 400, let message, _)? = attempts.errors.first { #expect(message.contains("max_tokens")) } else {
                Issue.record("expected a 400, got \(attempts.errors)")
            }
        }
    }

    @Test func fallsBackWhenTheFirstProviderIsDown() async throws {
        try await withSimulator { server in
            let down = OpenAICompatibleProvider(
                config: ProviderConfig(name: "down", kind: .openai, baseURL: "http://127.0.0.1:1/v1", model: "m"), environment: [:])
            let chain = FallbackProvider(task: .generate, chain: [
                ResilientProvider(down, policy: quickPolicy), ResilientProvider(simProvider(server, name: "backup"), policy: quickPolicy),
            ])
            let completion = try await chain.complete(chapterRequest)
            #expect(completion.provider == "backup")
        }
    }

    @Test func circuitOpensOnAFailingProvider() async throws {
        try await withSimulator({ $0.faultRate = 1; $0.faults = [.serverError] }) { server in
            var policy = quickPolicy
            policy.maxAttempts = 1
            let resilient = ResilientProvider(simProvider(server), policy: policy, breaker: CircuitBreaker(failureThreshold: 2, openDuration: .seconds(60)))
            for _ in 0..<2 { await #expect(throws: LLMError.self) { try await resilient.complete(chapterRequest) } }
            do {
                _ = try await resilient.complete(chapterRequest)
                Issue.record("the third call went through an open circuit")
            } catch LLMError.circuitOpen(let provider, let retryIn) {
                #expect(provider == "sim")
                #expect(retryIn > 50)
            }
            #expect(server.statistics.requests == 2, "an open circuit sends nothing")
        }
    }

    @Test func concurrencyCapIsHeld() async throws {
        try await withSimulator({ $0.timeToFirstToken = .milliseconds(150) }) { server in
            var config = simProvider(server).config
            config.maxConcurrent = 2
            let resilient = ResilientProvider(OpenAICompatibleProvider(config: config, environment: [:]), config: config, policy: quickPolicy)
            let started = ContinuousClock.now
            try await completeConcurrently(6, with: resilient)
            // Six calls of 150 ms, two at a time: at least three rounds.
            #expect(ContinuousClock.now - started >= .milliseconds(450))
        }
    }

    @Test func requestsPerMinuteAreHeld() async throws {
        try await withSimulator { server in
            var config = simProvider(server).config
            config.requestsPerMinute = 60  // one a second, after a minute's allowance at once
            let resilient = ResilientProvider(OpenAICompatibleProvider(config: config, environment: [:]), config: config, policy: quickPolicy)
            let started = ContinuousClock.now
            try await completeConcurrently(62, with: resilient, maxTokens: 20)
            // 60 go at once; the 61st and 62nd wait for the bucket to refill, ~1 s each.
            #expect(ContinuousClock.now - started >= .milliseconds(1900))
            #expect(server.statistics.requests == 62)
        }
    }

    @Test func cancellationLeavesNothingRunning() async throws {
        try await withSimulator({ $0.faultRate = 1; $0.faults = [.timeout] }) { server in
            let engine = CurlEngine()
            let provider = OpenAICompatibleProvider(config: simProvider(server).config, environment: [:], engine: engine)
            let task = Task { try await provider.complete(chapterRequest) }
            for _ in 0..<200 where engine.inFlight == 0 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(engine.inFlight == 1)
            task.cancel()
            await #expect(throws: LLMError.cancelled) { try await task.value }
            for _ in 0..<200 where engine.inFlight > 0 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(engine.inFlight == 0)
        }
    }

    @Test func manyRequestsInFlightAtOnce() async throws {
        try await withSimulator({ $0.timeToFirstToken = .milliseconds(100) }) { server in
            let provider = simProvider(server)
            let clock = ContinuousClock()
            let calls = try await withThrowingTaskGroup(of: (text: String, start: ContinuousClock.Instant, end: ContinuousClock.Instant).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        var request = chapterRequest
                        request.seed = UInt64(index)
                        request.maxTokens = 40
                        let start = clock.now
                        let text = try await provider.complete(request).text
                        return (text, start, clock.now)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(calls.count == 200)
            #expect(Set(calls.map(\.text)).count > 150, "different seeds, different answers")
            // 200 calls of 100 ms each did not go one after another: many were open at once.
            // (Counted from the calls' own intervals, not wall time, which a loaded machine stretches.)
            let overlap = calls.map { call in calls.filter { $0.start <= call.start && call.start < $0.end }.count }.max() ?? 0
            #expect(overlap >= 50, "at most \(overlap) calls were open at once")
        }
    }
}

/// Sends `count` different requests (seeds 0…count-1) at once and waits for all of them.
func completeConcurrently(_ count: Int, with provider: any LLMProvider, maxTokens: Int? = nil) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<count {
            group.addTask {
                var request = chapterRequest
                request.seed = UInt64(index)
                if let maxTokens { request.maxTokens = maxTokens }
                _ = try await provider.complete(request)
            }
        }
        try await group.waitForAll()
    }
}

/// Collects attempts from a @Sendable callback.
final class AttemptLog: Sendable {
    private let attempts = Mutex<[ResilientProvider.Attempt]>([])
    func add(_ attempt: ResilientProvider.Attempt) { attempts.withLock { $0.append(attempt) } }
    var numbers: [Int] { attempts.withLock { $0.map(\.number) } }
    var errors: [LLMError] { attempts.withLock { $0.compactMap(\.error) } }
}
