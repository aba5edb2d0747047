import Foundation
import LLM
import Quality
import WorkbenchCore

/// Why a verifier's answer was not used (the rules' verdict then stands).
public enum VerificationRejection: WorkbenchError, Equatable {
    /// The answer is not the JSON object the schema asks for.
    case notJSON(summary: String, answer: String)
    /// A quote of the answer is not in the passage it should come from: the verifier must
    /// quote both passages.
    case quoteNotFound(summary: String, side: String, quote: String)

    public var message: String {
        switch self {
        case let .notJSON(summary, answer):
            "the verifier's answer on \"\(summary)\" is not the JSON the schema asks for: \"\(answer.prefix(80))\(answer.count > 80 ? "…" : "")\""
        case let .quoteNotFound(summary, side, quote): "the verifier's \(side) quote on \"\(summary)\" is not in that passage: \"\(quote.prefix(120))\""
        }
    }

    public var fix: String? { "the rules' verdict stands; the verifier must answer the schema and quote both passages exactly" }
    public var exitStatus: ExitStatus { .dataError }
}

/// A verifier's verdict on one candidate pair, with the words it rests on from each passage.
public struct VerifierVerdict: Sendable, Equatable {
    public var contradiction: Bool
    public var establishedQuote: String
    public var contradictingQuote: String
    public var reason: String
}

/// The LLM verifier over the rules' candidate pairs: each violation's two passages (their
/// paragraphs) go to a model, which says whether they truly contradict and must quote both.
/// A verdict whose quotes are not in their passages is refused and the rules' verdict stands;
/// a quoted "no" dismisses the violation.
public enum ModelVerification {
    public static let schemaName = "continuity_verdict"

    /// Valid in OpenAI's strict mode: every object closed, every property required.
    public static let schema = #"""
    {"type":"object","additionalProperties":false,"required":["contradiction","established_quote","contradicting_quote","reason"],"properties":{"contradiction":{"type":"boolean","description":"Whether the second passage states something about the story that cannot hold together with the first."},"established_quote":{"type":"string","description":"The exact words of the first passage the verdict rests on, copied character for character."},"contradicting_quote":{"type":"string","description":"The exact words of the second passage the verdict rests on, copied character for character."},"reason":{"type":"string","description":"One sentence."}}}
    """#

    /// The paragraph holding a fact's quote, or the quote itself (a fact of the outline).
    static func passage(of fact: Fact, in chapters: [ChapterText]) -> String {
        guard let chapter = chapters.first(where: { $0.number == fact.quote.chapter }),
              let span = FixSpan.around(fact.quote, in: chapter.text, scope: .paragraph) else { return fact.quote.text }
        return span.text
    }

    public static func prompt(for violation: Violation, chapters: [ChapterText], characters: String?) -> String {
        """
        A continuity checker flagged a possible contradiction in a novel: \(violation.summary).
        Decide whether the second passage states something about the story that cannot hold together with the first one \
        (not a change the story explains, not something a character only says or supposes). Quote the exact words of each \
        passage your verdict rests on.
        \(characters.map { "Characters: \($0)." } ?? "")
        First passage (\(violation.established.quote.place)):
        \"\"\"
        \(passage(of: violation.established, in: chapters))
        \"\"\"
        Second passage (\(violation.contradicting.quote.place)):
        \"\"\"
        \(passage(of: violation.contradicting, in: chapters))
        \"\"\"
        """
    }

    public static func request(for violation: Violation, chapters: [ChapterText], characters: String?, seed: UInt64?) -> CompletionRequest {
        CompletionRequest(messages: [ChatMessage(.user, prompt(for: violation, chapters: chapters, characters: characters))], temperature: 0, seed: seed,
                          responseFormat: .jsonSchema(name: schemaName, schema: schema), task: .judge)
    }

    /// The answer as a verdict whose quotes stand in their passages, or why not.
    public static func parse(answer: String, violation: Violation, chapters: [ChapterText]) -> Result<VerifierVerdict, VerificationRejection> {
        guard let data = JSONAnswer.object(in: answer), let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let contradiction = object["contradiction"] as? Bool, let established = object["established_quote"] as? String,
              let contradicting = object["contradicting_quote"] as? String else {
            return .failure(.notJSON(summary: violation.summary, answer: answer))
        }
        for (side, quote, fact) in [("first", established, violation.established), ("second", contradicting, violation.contradicting)] {
            let trimmed = quote.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, passage(of: fact, in: chapters).contains(trimmed) else {
                return .failure(.quoteNotFound(summary: violation.summary, side: side, quote: quote))
            }
        }
        return .success(VerifierVerdict(contradiction: contradiction, establishedQuote: established, contradictingQuote: contradicting,
                                        reason: object["reason"] as? String ?? ""))
    }

    /// Every violation through the verifier: those it confirms or could not judge stay, those
    /// it dismisses with both quotes go, each with its reason; refused answers are listed.
    public static func verify(_ violations: [Violation], chapters: [ChapterText], characters: String?, provider: any LLMProvider, seed: UInt64?) async throws
        -> (kept: [Violation], dismissed: [(violation: Violation, reason: String)], rejected: [VerificationRejection]) {
        var kept: [Violation] = [], dismissed: [(Violation, String)] = [], rejected: [VerificationRejection] = []
        for violation in violations {
            let completion = try await provider.complete(request(for: violation, chapters: chapters, characters: characters, seed: seed))
            switch parse(answer: completion.text, violation: violation, chapters: chapters) {
            case .success(let verdict) where !verdict.contradiction:
                dismissed.append((violation, verdict.reason.isEmpty ? "the verifier found no contradiction" : verdict.reason))
            case .success:
                kept.append(violation)
            case .failure(let rejection):
                rejected.append(rejection)
                kept.append(violation)
            }
        }
        return (kept, dismissed, rejected)
    }
}
