import Foundation
import Synchronization
import Testing
@testable import LLM
import Simulator
import Store
import WorkbenchCore

/// A provider whose every call runs `answer`: what the breaker, limiter and call log see.
private final class ScriptedProvider: LLMProvider {
    let name = "scripted"
    let model = "m"
    let answer: @Sendable (Int) async throws -> Completion
    let calls = Mutex(0)

    init(answer: @escaping @Sendable (Int) async throws -> Completion) { self.answer = answer }

    func complete(_ request: CompletionRequest) async throws -> Completion {
        let number = calls.withLock { $0 += 1; return $0 }
        return try await answer(number)
    }

    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            Task {
                do {
                    continuation.yield(.done(try await self.complete(request)))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }

    static func ok(_ name: String = "scripted") -> Completion {
        Completion(text: "fine", usage: TokenUsage(promptTokens: 1, completionTokens: 1), finishReason: .stop, provider: name, model: "m", latency: .zero)
    }
}

private let request = CompletionRequest(messages: [ChatMessage(.user, "hello")], maxTokens: 10, task: .generate)

@Suite struct CircuitBreakerTrustTests {
    @Test func aCancelledTrialDoesNotLeaveTheCircuitHalfOpen() async throws {
        let failing = Mutex(true)
        let provider = ScriptedProvider { _ in
            if failing.withLock({ $0 }) { throw LLMError.http(provider: "scripted", status: 503, message: "down", retryAfter: nil) }
            try await Task.sleep(for: .milliseconds(200))
            return ScriptedProvider.ok()
        }
        var policy = quickPolicy
        policy.maxAttempts = 1
        let resilient = ResilientProvider(provider, policy: policy, breaker: CircuitBreaker(failureThreshold: 2, openDuration: .milliseconds(50)))
        for _ in 0..<2 { await #expect(throws: LLMError.self) { try await resilient.complete(request) } }
        #expect(resilient.breakerState != .closed)
        try await Task.sleep(for: .milliseconds(80))
        failing.withLock { $0 = false }
        // The trial call is cancelled while it runs (a task group cancelled by a sibling's failure).
        let trial = Task { try await resilient.complete(request) }
        try await Task.sleep(for: .milliseconds(50))
        trial.cancel()
        _ = await trial.result
        // The next call is let through as the new trial and closes the circuit.
        let completion = try await resilient.complete(request)
        #expect(completion.text == "fine")
        #expect(resilient.breakerState == .closed)
    }

    @Test(arguments: [400, 401, 403, 404, 422])
    func clientErrorsDoNotTripTheBreaker(status: Int) async throws {
        let provider = ScriptedProvider { _ in throw LLMError.http(provider: "scripted", status: status, message: "no", retryAfter: nil) }
        let resilient = ResilientProvider(provider, policy: quickPolicy, breaker: CircuitBreaker(failureThreshold: 2, openDuration: .seconds(30)))
        for _ in 0..<6 { await #expect(throws: LLMError.self) { try await resilient.complete(request) } }
        #expect(resilient.breakerState == .closed)
        #expect(provider.calls.withLock { $0 } == 6, "no retries of a refused request, and no circuit-open refusals")
    }

    @Test func answersCutByLengthDoNotTripTheBreaker() async throws {
        let provider = ScriptedProvider { _ in throw LLMError.cutByLength(provider: "scripted", tokens: 10) }
        let resilient = ResilientProvider(provider, policy: quickPolicy, breaker: CircuitBreaker(failureThreshold: 2, openDuration: .seconds(30)))
        for _ in 0..<4 { await #expect(throws: LLMError.self) { try await resilient.complete(request) } }
        #expect(resilient.breakerState == .closed)
    }

    @Test func aPermanentFailureOfEveryProviderIsBadInputNotRetryLater() {
        let refused = LLMError.allProvidersFailed(task: .generate, failures: [
            .http(provider: "a", status: 401, message: "bad key", retryAfter: nil), .http(provider: "b", status: 400, message: "bad", retryAfter: nil),
        ])
        #expect(refused.exitStatus == .dataError)
        #expect(refused.fix != nil)
        let flaky = LLMError.allProvidersFailed(task: .generate, failures: [
            .http(provider: "a", status: 401, message: "bad key", retryAfter: nil), .http(provider: "b", status: 503, message: "down", retryAfter: nil),
        ])
        #expect(flaky.exitStatus == .temporaryFailure)
    }
}

/// Quick failures get six attempts; a call that has timed out stops after four in all, as
/// every call did before (each timed-out attempt may have waited the whole timeout).
@Suite fileprivate struct AttemptLimitTests {
    fileprivate static func failing(_ error: @escaping @Sendable (Int) -> LLMError?) -> ScriptedProvider {
        ScriptedProvider { number in
            if let error = error(number) { throw error }
            return ScriptedProvider.ok()
        }
    }

    static let unavailable = LLMError.http(provider: "scripted", status: 503, message: "busy", retryAfter: nil)
    static let timeout = LLMError.timeout(provider: "scripted", phase: "total", seconds: 1)

    @Test func quickFailuresAreRetriedUpToSixAttempts() async throws {
        #expect(RetryPolicy().maxAttempts == 6 && RetryPolicy().maxAttemptsAfterTimeout == 4)
        let recovers = Self.failing { $0 <= 5 ? Self.unavailable : nil }
        #expect(try await ResilientProvider(recovers, policy: quickPolicy).complete(request).text == "fine")
        #expect(recovers.calls.withLock { $0 } == 6)
        let down = Self.failing { _ in Self.unavailable }
        await #expect(throws: LLMError.self) { try await ResilientProvider(down, policy: quickPolicy).complete(request) }
        #expect(down.calls.withLock { $0 } == 6)
    }

    @Test(arguments: [
        // (which attempts time out, the policy's maxAttempts, attempts made)
        ([1, 2, 3, 4, 5, 6], 6, 4),
        ([3], 6, 4),   // two quick failures, then a timeout: four in all
        ([5], 6, 5),   // the timeout comes after the fourth attempt: that one ends it
        ([1, 2], 2, 2),  // a lower limit from providers.yaml still holds
        ([1, 2, 3, 4, 5, 6, 7, 8], 8, 4),
    ])
    func aTimeoutCapsTheAttemptsAtFour(timeouts: [Int], maxAttempts: Int, made: Int) async throws {
        let provider = Self.failing { timeouts.contains($0) ? Self.timeout : Self.unavailable }
        var policy = quickPolicy
        policy.maxAttempts = maxAttempts
        await #expect(throws: LLMError.self) { try await ResilientProvider(provider, policy: policy).complete(request) }
        #expect(provider.calls.withLock { $0 } == made)
    }
}

@Suite struct AdaptiveRateTests {
    @Test func a429SlowsAProviderWithNoConfiguredLimits() async throws {
        let provider = ScriptedProvider { number in
            if number == 1 { throw LLMError.http(provider: "scripted", status: 429, message: "slow down", retryAfter: 0.001) }
            return ScriptedProvider.ok()
        }
        let resilient = ResilientProvider(provider, policy: quickPolicy)
        #expect(!resilient.isRateLimited)
        _ = try await resilient.complete(request)
        #expect(resilient.isRateLimited, "a 429 starts a send-rate limit even without configured limits")
        #expect(resilient.sendRate < 1)
        #expect(resilient.concurrencyLimit < 1_000_000, "and lowers the concurrency")
    }

    @Test func aFullBucketDoesNotBurstRightAfterA429() {
        let t0 = ContinuousClock.now
        var limiter = RateLimiter(requestsPerMinute: 600, tokensPerMinute: nil, now: t0)
        #expect(limiter.acquire(estimatedTokens: 1, now: t0) == nil)
        limiter.throttled(now: t0)
        // 599 requests were saved up; after a 429 none of them goes at once.
        let wait = limiter.acquire(estimatedTokens: 1, now: t0)
        #expect(wait != nil && wait! > .zero)
        var sent = 0
        var now = t0
        while now < t0 + .seconds(10) {
            if limiter.acquire(estimatedTokens: 1, now: now) == nil { sent += 1 }
            now += .milliseconds(10)
        }
        #expect(sent <= 51, "at half of 10 a second, about 50 in 10 s, not a minute's allowance: \(sent)")
    }

    @Test func aLimiterWithoutLimitsLearnsTheRateItWasSending() {
        let t0 = ContinuousClock.now
        var limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, now: t0)
        for index in 0..<100 { _ = limiter.acquire(estimatedTokens: 1, now: t0 + .milliseconds(index * 50)) }  // 20 a second
        let then = t0 + .seconds(5)
        limiter.throttled(now: then)
        var sent = 0
        var now = then
        while now < then + .seconds(10) {
            if limiter.acquire(estimatedTokens: 1, now: now) == nil { sent += 1 }
            now += .milliseconds(5)
        }
        // Learnt: 100 requests sent over the last 5 s = 20/s; halved: about 10/s.
        #expect((90...110).contains(sent), "\(sent) in 10 s")
    }

    @Test func aLearntLimitGrowsWithSuccessAndIsDroppedAtTenTimes() {
        let t0 = ContinuousClock.now
        var limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, now: t0)
        limiter.throttled(now: t0)
        #expect(limiter.isLimited && limiter.rate == 0.5)
        // A second 429 at once is the same overload: no second halving.
        limiter.throttled(now: t0 + .milliseconds(100))
        #expect(limiter.rate == 0.5)
        for _ in 0..<10 { limiter.succeeded() }
        #expect(limiter.rate == 1)
        // At full rate, 2% a success: ten times the learnt rate after ~117 successes, then no limit.
        for _ in 0..<110 { limiter.succeeded() }
        #expect(limiter.isLimited)
        for _ in 0..<10 { limiter.succeeded() }
        #expect(!limiter.isLimited, "the server stopped saying no: the learnt limit is gone")
    }
}

@Suite struct ProviderFactoryTests {
    @Test func concurrentFirstUseBuildsOneProviderPerName() async throws {
        let factory = ProviderFactory(environment: [:], startSimulator: nil)
        let config = ProviderConfig(name: "remote", kind: .openai, baseURL: "http://127.0.0.1:9/v1", model: "m")
        let providers = try await withThrowingTaskGroup(of: ResilientProvider.self) { group in
            for _ in 0..<32 { group.addTask { try await factory.provider(for: config) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(providers.map(ObjectIdentifier.init)).count == 1)
    }

    @Test func theCacheKeyCoversBaseURLExtraBodyAndTheLocalModelFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model.gguf")
        try Data(repeating: 1, count: 3 << 20).write(to: model)
        let factory = ProviderFactory(environment: ["WORKBENCH_LOCAL_MODEL": model.path], startSimulator: nil)
        let base = ProviderConfig(name: "p", kind: .openai, baseURL: "http://a/v1", model: "m")
        var otherURL = base
        otherURL.baseURL = "http://b/v1"
        var otherBody = base
        otherBody.extraBodyJSON = #"{"repeat_penalty":1.3}"#
        let identities = [base, otherURL, otherBody].map(factory.cacheIdentity(of:))
        #expect(Set(identities).count == 3)
        let hashes = identities.map { RecordingProvider.requestHash(provider: "p", model: "m", identity: $0, request) }
        #expect(Set(hashes).count == 3)

        let local = ProviderConfig(name: "local", kind: .local, baseURL: "", model: "m")
        let before = factory.cacheIdentity(of: local)
        var bytes = try Data(contentsOf: model)
        bytes[bytes.count - 10] = 2  // a different model file of the same size
        try bytes.write(to: model)
        #expect(factory.cacheIdentity(of: local) != before)
    }
}

@Suite struct CallLogTrustTests {
    @Test func everyAttemptOfAStreamedCallIsLogged() async throws {
        let database = try WorkbenchDatabase.inMemory()
        try await withSimulator({ $0.failFirstRequests = 2; $0.faults = [.rateLimited, .serverError]; $0.retryAfter = .milliseconds(10) }) { server in
            let provider = RecordingProvider(ResilientProvider(simProvider(server), policy: quickPolicy), store: database, cache: .off)
            var text = ""
            for try await chunk in provider.stream(chapterRequest) { if case .text(let piece) = chunk { text += piece } }
            #expect(!text.isEmpty)
            let calls = try database.llmCalls()
            #expect(calls.map(\.outcome) == ["error:http-429", "error:http-500", "ok"])
            #expect(calls.map(\.attempt) == [1, 2, 3])
        }
    }

    @Test func aStreamCutAfterItsTextIsBilled() async throws {
        let database = try WorkbenchDatabase.inMemory()
        try await withSimulator({ $0.failFirstRequests = 1; $0.faults = [.truncate] }) { server in
            let provider = RecordingProvider(ResilientProvider(simProvider(server), policy: quickPolicy), store: database, cache: .off)
            // Text already reached the caller, so it is not retried, but it was paid for.
            await #expect(throws: LLMError.self) {
                for try await _ in provider.stream(chapterRequest) {}
            }
            let calls = try database.llmCalls()
            #expect(calls.count == 1)
            let failed = try #require(calls.first)
            #expect(failed.outcome == "error:truncated")
            #expect((failed.promptTokens ?? 0) > 0 && (failed.completionTokens ?? 0) > 0, "what was generated before the cut was paid for")
            #expect(failed.costUSD > 0)
            #expect(failed.tokensEstimated, "usage the server never sent is estimated, and marked so")
        }
    }

    @Test func aMalformedAnswerIsBilledAndRetried() async throws {
        let database = try WorkbenchDatabase.inMemory()
        try await withSimulator({ $0.failFirstRequests = 1; $0.faults = [.malformed] }) { server in
            let provider = RecordingProvider(ResilientProvider(simProvider(server), policy: quickPolicy), store: database, cache: .off)
            let completion = try await provider.complete(chapterRequest)
            let calls = try database.llmCalls()
            #expect(calls.map(\.outcome) == ["error:malformed", "ok"])
            #expect(calls[0].costUSD > 0 && calls[0].tokensEstimated)
            #expect(calls.map(\.costUSD).reduce(0, +) > completion.costUSD, "the run's cost counts the failed attempt too")
        }
    }
}
