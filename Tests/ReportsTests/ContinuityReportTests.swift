import Foundation
import Store
import Testing
@testable import Reports

/// What `workbench continuity` prints, from stored rows.
@Suite struct ContinuityReportTests {
    static func fact(_ quote: String, chapter: Int, id: Int64) -> ContinuityFactRecord {
        ContinuityFactRecord(id: id, subject: "darcy", predicate: "action", value: ContinuityFactValueRecord(kind: "deed", text: "said"), aspect: "holds",
                             chapter: chapter, paragraph: 4, line: 10, bytes: 0..<quote.utf8.count, quote: quote,
                             storyTime: ContinuityStoryTimeRecord(chapter: chapter, beat: 0), validFrom: nil, validUntil: nil,
                             confidence: 0.9, origin: "pattern", originRule: "action.speech-tag")
    }

    static let graph = ContinuityGraphRecord(
        bookID: "b-1", extractor: "pattern", chapters: [ContinuityCheckedChapter(chapter: 1, versionID: 1)], wordCount: 20_000, checkedAt: Date(timeIntervalSince1970: 0),
        entities: [ContinuityEntityRecord(entityID: "darcy", kind: "character", canonicalName: "Mr \"Fitz\" Darcy", aliases: ["Darcy"], gender: "male")],
        facts: [fact("said Mr.\nDarcy", chapter: 1, id: 1)], violations: [])

    @Test func quotesOverALineBreakPrintOnOneLineAndStayExactInJSON() throws {
        let text = ContinuityReport.facts(Self.graph.facts, about: Self.graph.entities[0], in: Self.graph)
        #expect(text.contains("\"said Mr. Darcy\"") && !text.contains("Mr.\n"), "\(text)")
        let json = try ContinuityReport.factsJSON(Self.graph.facts, about: Self.graph.entities[0], in: Self.graph)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((object["facts"] as? [[String: Any]])?.first?["quote"] as? String == "said Mr.\nDarcy")
    }

    @Test func dotQuotesNamesAndTheSummaryCountsPer10kWords() {
        #expect(ContinuityReport.graphDOT(Self.graph).contains("\"darcy\" [label=\"Mr \\\"Fitz\\\" Darcy\", shape=ellipse];"))
        #expect(ContinuityReport.summaryLine(Self.graph) == "No violations; 0.00 per 10,000 words (CED)")
        var two = Self.graph
        let established = Self.fact("Darcy said", chapter: 1, id: 1), contradicting = Self.fact("Darcy said", chapter: 2, id: 2)
        two.violations = [
            ContinuityViolationRecord(type: "actsAfterDeath", severity: "major", established: established, contradicting: contradicting, summary: "s", message: "m", suggestedFix: "f"),
            ContinuityViolationRecord(type: "twoPlacesAtOnce", severity: "minor", established: established, contradicting: contradicting, summary: "s", message: "m", suggestedFix: "f"),
        ]
        #expect(ContinuityReport.summaryLine(two) == "2 violations (1 major, 1 minor); 1.00 per 10,000 words (CED)")
        #expect(ContinuityReport.grouped(1_234_567) == "1,234,567" && ContinuityReport.grouped(999) == "999")
    }
}
