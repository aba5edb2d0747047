import Foundation
import LLM
import Testing
@testable import Queue
import Store
import WorkbenchCore

/// The capacity planner's arithmetic: the tightest limit binds, costs from the price table,
/// history scaled to the book asked for, and the roadmap's targets checked.
@Suite struct CapacityPlanTests {
    let demand = BookDemand(requests: 100, promptTokens: 200_000, completionTokens: 100_000, basis: "test")

    func groq() -> ProviderConfig {
        ProviderConfig(name: "groq", kind: .openai, baseURL: "https://api.groq.com/openai/v1", model: "llama-3.1-8b-instant",
                       inputPricePerMillion: 0.05, outputPricePerMillion: 0.08, maxConcurrent: 16, requestsPerMinute: 30, tokensPerMinute: 6000)
    }

    @Test func theTightestLimitBindsAndTheBatchTimeFollows() {
        let estimate = CapacityEstimate.plan(books: 100, wordsPerBook: 80_000, demand: demand, provider: groq(), speed: nil, inFlight: 30,
                                             requestLimit: nil, tokenLimit: nil)
        // 6,000 tokens/minute over 300,000 tokens a book: 1.2 books an hour; 30 requests/minute over 100: 18.
        #expect(estimate.binding?.kind == .tokensPerMinute)
        #expect(abs((estimate.booksPerHour ?? 0) - 1.2) < 1e-9)
        #expect(abs((estimate.hours ?? 0) - 100 / 1.2) < 1e-9)
        #expect(abs(estimate.costPerBookUSD - (200_000 * 0.05 + 100_000 * 0.08) / 1_000_000) < 1e-12)
        #expect(estimate.meetsBooksPerDay == false && estimate.meetsCostPerBook)
        #expect(estimate.sentence.hasPrefix("groq's 6,000 tokens/minute: 100 80,000-word books take 3.5 days"), "\(estimate.sentence)")
        #expect(estimate.unknowns.contains { $0.contains("no measured speed") })
    }

    @Test func measuredSpeedAndGlobalLimitsAreConstraintsToo() {
        let speed = ProviderSpeedRecord(provider: "groq", calls: 50, meanLatencySeconds: 2, completionTokensPerSecond: 400)
        var fast = groq()
        fast.requestsPerMinute = nil
        fast.tokensPerMinute = nil
        let estimate = CapacityEstimate.plan(books: 10, wordsPerBook: 80_000, demand: demand, provider: fast, speed: speed, inFlight: 8,
                                             requestLimit: RateLimitSpec(amount: 600, period: .hour), tokenLimit: nil)
        // 8 calls at once (fewer than the 16 allowed) at 2 s each: 14,400 calls an hour, 144 books; --rate-limit: 6 books.
        #expect(estimate.constraints.map(\.kind) == [CapacityEstimate.Constraint.Kind.globalRequests, .concurrency])
        #expect(abs(estimate.constraints[1].booksPerHour - 144) < 1e-9)
        #expect(abs((estimate.booksPerHour ?? 0) - 6) < 1e-9)
        #expect(estimate.meetsBooksPerDay == true)
        #expect(estimate.unknowns.contains { $0.contains("declares no rate limits") })
    }

    @Test func historyIsScaledToTheBookAskedForAndPrefersTheSameExperiment() throws {
        let run = try #require(RunID("20261203-120000-abcdef"))
        let records = [
            BookDemandRecord(runID: run, experiment: "/a.yaml", chapters: 5, words: 6000, requests: 20, promptTokens: 12_000, completionTokens: 9000),
            BookDemandRecord(runID: run, experiment: "/b.yaml", chapters: 2, words: 1000, requests: 50, promptTokens: 1, completionTokens: 1),
        ]
        let scaled = try #require(BookDemand.history(records, experiment: "/a.yaml", chapters: 20, words: 3000))
        #expect(scaled.requests == 80 && scaled.promptTokens == 120_000 && scaled.completionTokens == 90_000)
        #expect(scaled.basis.contains("1 finished book") && scaled.basis.contains("under this experiment"))
        #expect(BookDemand.history(records, experiment: "/c.yaml", chapters: 1, words: 100)?.basis.contains("2 finished books") == true)
        #expect(BookDemand.history([], experiment: nil, chapters: 1, words: 100) == nil)
    }

    @Test func durationsReadAsAPersonSaysThem() {
        #expect(CapacityEstimate.duration(hours: 0.001) == "under a minute")
        #expect(CapacityEstimate.duration(hours: 0.5) == "30 min")
        #expect(CapacityEstimate.duration(hours: 30.2) == "30 h 12 min")
        #expect(CapacityEstimate.duration(hours: 72) == "3.0 days")
    }
}
