import Foundation
import LLM
import Simulator
import Testing
import WorkbenchCore
@testable import Continuity

/// The LLM verifier on the rules' candidate pairs: a verdict counts only when it quotes both passages.
@Suite struct VerifierTests {
    /// The simulator's writer in process, as a provider.
    struct Writer: LLMProvider {
        var name = "sim"
        var model = "sim-1"
        let writer = SimulatorWriter(serverSeed: 0)
        func complete(_ request: CompletionRequest) async throws -> Completion {
            Completion(text: writer.respond(to: request).text, usage: TokenUsage(promptTokens: 1, completionTokens: 1), finishReason: .stop, provider: name, model: model, latency: .zero)
        }
        func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> { AsyncThrowingStream { $0.finish() } }
    }

    /// Answers every verdict request with the same text.
    struct Fixed: LLMProvider {
        var name = "stub"
        var model = "stub-1"
        var answer: String
        func complete(_ request: CompletionRequest) async throws -> Completion {
            Completion(text: answer, usage: TokenUsage(promptTokens: 1, completionTokens: 1), finishReason: .stop, provider: name, model: model, latency: .zero)
        }
        func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> { AsyncThrowingStream { $0.finish() } }
    }

    static let chapters = [ChapterText(number: 1, text: FixTests.chapterOne), ChapterText(number: 2, text: FixTests.chapterTwo)]

    @Test func aVerdictMustQuoteBothPassagesOrTheRulesStand() async throws {
        let violation = try #require(BookCheck(Self.chapters).violations.first)
        let prompt = ModelVerification.prompt(for: violation, chapters: Self.chapters, characters: nil)
        #expect(prompt.contains("\"\"\"\nMarcus Hale came to the mill. Marcus had grey eyes and a quiet voice.\n\"\"\"") && prompt.contains("Mr. Hale looked up"))
        let no = #"{"contradiction":false,"established_quote":"Marcus had grey eyes","contradicting_quote":"Marcus's blue eyes","reason":"the light changed"}"#
        let dismissed = try await ModelVerification.verify([violation], chapters: Self.chapters, characters: nil, provider: Fixed(answer: no), seed: 1)
        #expect(dismissed.kept.isEmpty && dismissed.dismissed.first?.reason == "the light changed" && dismissed.rejected.isEmpty)
        let yes = no.replacingOccurrences(of: "false", with: "true")
        #expect(try await ModelVerification.verify([violation], chapters: Self.chapters, characters: nil, provider: Fixed(answer: yes), seed: 1).kept.count == 1)
        // A "no" that misquotes either passage, or no JSON at all, is refused: the violation stays.
        for (answer, expected) in [
            (no.replacingOccurrences(of: "Marcus's blue eyes", with: "Marcus had green eyes"), "second"),
            (no.replacingOccurrences(of: "Marcus had grey eyes", with: "Marcus's blue eyes"), "first"),
            ("I think they agree.", "notJSON"),
        ] {
            let result = try await ModelVerification.verify([violation], chapters: Self.chapters, characters: nil, provider: Fixed(answer: answer), seed: 1)
            #expect(result.kept.count == 1 && result.dismissed.isEmpty && result.rejected.count == 1)
            switch result.rejected[0] {
            case .quoteNotFound(_, let side, _): #expect(side == expected)
            case .notJSON: #expect(expected == "notJSON")
            }
            #expect(result.rejected[0].exitStatus == .dataError && !result.rejected[0].message.isEmpty)
        }
    }

    /// On a simulated book a fifth of whose fact sentences are wrong, the simulator's verdicts
    /// keep what its own truth calls a contradiction and dismiss the rest.
    @Test func theSimulatorVerifiesTruthfully() async throws {
        let chapters = SimulatedBookTests.book(chapters: 10, contradictionRate: 0.2)
        let statements = SimulatedContinuity.audit(chapters: chapters.map(\.text), prompt: SimulatedBookTests.prompt)
        let wrong = statements.filter { !$0.isTrue }
        let violations = BookCheck(chapters).violations
        let result = try await ModelVerification.verify(violations, chapters: chapters, characters: "Mara, Tomas and Ines", provider: Writer(), seed: 1)
        func true_(_ violation: Violation) -> Bool {
            wrong.contains { SimulatedBookTests.overlaps(violation.contradicting.quote, $0) || SimulatedBookTests.overlaps(violation.established.quote, $0) }
        }
        let keptTrue = result.kept.filter(true_).count, dismissedTrue = result.dismissed.filter { true_($0.violation) }.count
        print("verifier on the simulator: \(violations.count) flagged, \(result.kept.count) kept (\(keptTrue) true), \(result.dismissed.count) dismissed (\(dismissedTrue) true), \(result.rejected.count) refused")
        #expect(result.rejected.isEmpty, "\(result.rejected.map(\.message))")
        #expect(!result.dismissed.isEmpty && keptTrue == result.kept.count, "every kept pair rests on a wrong statement")
        #expect(Double(dismissedTrue) <= 0.1 * Double(max(keptTrue + dismissedTrue, 1)), "at most a tenth of the true ones dismissed")
    }
}
