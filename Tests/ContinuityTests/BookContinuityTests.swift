import Foundation
import Store
import Testing
@testable import Continuity

/// A whole book checked, through the gate, and stored in a workspace database.
@Suite struct BookContinuityTests {
    static let chapters = [
        castLine + "\n\nMarcus had grey eyes. Clara took the brass key.",
        castLine + "\n\nMarcus's blue eyes narrowed.",
    ]

    @Test func theGateRefusesFactsThatMisquoteTheirChapter() throws {
        let texts = Self.chapters.enumerated().map { ChapterText(number: $0.offset + 1, text: $0.element) }
        let facts = PatternExtractor().read(texts).facts
        let good = try #require(facts.first)
        var moved = good
        moved.quote.line += 1
        var elsewhere = good
        elsewhere.quote.chapter = 9
        var misquoted = good
        misquoted.quote.text = "Marcus had green eyes"
        let gate = FactValidation.validate([good, moved, elsewhere, misquoted], in: texts)
        #expect(gate.valid == [good])
        #expect(gate.rejected.map(\.exitStatus) == [.dataError, .dataError, .dataError])
        #expect(gate.rejected[1] == .unknownChapter(9, chapters: 2))
        // The batch gate agrees with the one-fact gate on every fact the extractor reads.
        #expect(FactValidation.validate(facts, in: texts).valid == facts.filter { (try? FactValidation.validate($0, in: texts).get()) != nil })
    }

    @Test func aBookCheckHoldsTheObjectsItsFactsPointAt() throws {
        let check = BookCheck(Self.chapters.enumerated().map { ChapterText(number: $0.offset + 1, text: $0.element) })
        #expect(check.rejected.isEmpty)
        #expect(check.violations.map(\.type) == [.immutableChanged])
        #expect(check.violations[0].summary == "Marcus Hale's eyes: blue here, grey before")
        #expect(check.violations[0].message.hasPrefix(check.violations[0].summary + " (chapter 2, paragraph 2, line 3: \"Marcus's blue eyes\""))
        let key = try #require(check.entities.first { $0.id == EntityID("object:brass-key") })
        #expect(key.kind == .object && key.canonicalName == "brass key")
    }

    @Test func aStoredBookIsCheckedAndItsGraphStored() throws {
        let database = try WorkbenchDatabase.inMemory()
        let run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        let book = try database.createBook(runID: run.id, title: "The Mill", chapterCount: 2)
        #expect(throws: BookContinuityError.noChapters(bookID: book.id, title: "The Mill")) { try BookContinuity.check(book, in: database) }
        #expect(throws: BookContinuityError.notChecked(bookID: book.id)) { try BookContinuity.graph(of: book, in: database) }
        for (index, text) in Self.chapters.enumerated() {
            try database.addChapterVersion(bookID: book.id, chapter: index + 1, text: text, wordCount: 40, origin: "generate")
        }
        let (graph, rejected) = try BookContinuity.check(book, in: database)
        #expect(rejected.isEmpty && graph.wordCount == 80 && graph.chapters.map(\.chapter) == [1, 2])
        #expect(graph.violations.map(\.type) == ["immutableChanged"] && graph.majorViolations == 1)
        #expect(graph.violations[0].established.quote == "Marcus had grey eyes")
        let (entity, facts) = try BookContinuity.facts(about: "Mr. Hale", of: book, in: database)
        #expect(entity.canonicalName == "Marcus Hale" && facts.map(\.predicate).contains("eyeColour"))
        #expect(try BookContinuity.facts(about: "brass key", of: book, in: database).facts.map(\.quote) == ["Clara took the brass key"])
        #expect(throws: BookContinuityError.unknownEntity(name: "Mr Smith", bookID: book.id, similar: [], characters: ["Clara Marsh", "Marcus Hale"])) {
            try BookContinuity.facts(about: "Mr Smith", of: book, in: database)
        }
        #expect(throws: BookContinuityError.unknownEntity(name: "Hale", bookID: book.id, similar: ["Marcus Hale", "Mr Hale"], characters: ["Clara Marsh", "Marcus Hale"])) {
            try BookContinuity.facts(about: "Hale", of: book, in: database)
        }
        #expect(try BookContinuity.graph(of: book, in: database).staleChapters.isEmpty)
        try database.addChapterVersion(bookID: book.id, chapter: 3, text: castLine, wordCount: 30, origin: "generate")
        #expect(try BookContinuity.graph(of: book, in: database).staleChapters == [3])
    }
}
