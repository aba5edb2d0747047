import Foundation
import Testing
@testable import Store
import WorkbenchCore

/// A book's continuity graph in the store: replaced whole by each check, read by name or alias,
/// violations with both their facts; against an in-memory and an on-disk WAL database.
@Suite struct ContinuityGraphStoreTests {
    static func book(in database: WorkbenchDatabase) throws -> BookRecord {
        let run = try database.startRun(kind: RunKind(rawValue: "import"), configJSON: "{}", gitRevision: nil)
        return try database.createBook(runID: run.id, title: "The Mill", chapterCount: 2)
    }

    static func fact(_ subject: String, _ predicate: String, _ value: ContinuityFactValueRecord, chapter: Int, quote: String, at start: Int = 0) -> ContinuityFactRecord {
        ContinuityFactRecord(subject: subject, predicate: predicate, value: value, aspect: "holds", chapter: chapter, paragraph: 2, line: 3,
                             bytes: start..<(start + quote.utf8.count), quote: quote, storyTime: ContinuityStoryTimeRecord(chapter: chapter, beat: 0),
                             validFrom: nil, validUntil: nil, confidence: 0.9, origin: "pattern", originRule: "eyeColour.had")
    }

    static func graph(bookID: String, extraFacts: [ContinuityFactRecord] = []) -> ContinuityGraphRecord {
        let grey = fact("marcus-hale", "eyeColour", ContinuityFactValueRecord(kind: "colour", text: "grey"), chapter: 1, quote: "Marcus had grey eyes")
        let blue = fact("marcus-hale", "eyeColour", ContinuityFactValueRecord(kind: "colour", text: "blue"), chapter: 2, quote: "Marcus's blue eyes")
        let key = fact("clara-marsh", "possession", ContinuityFactValueRecord(kind: "entity", entity: "object:brass-key"), chapter: 1, quote: "Clara held the brass key", at: 40)
        return ContinuityGraphRecord(
            bookID: bookID, extractor: "pattern", chapters: [ContinuityCheckedChapter(chapter: 1, versionID: 1), ContinuityCheckedChapter(chapter: 2, versionID: 2)],
            wordCount: 5_000, checkedAt: Date(timeIntervalSince1970: 1_795_601_585),
            entities: [
                ContinuityEntityRecord(entityID: "marcus-hale", kind: "character", canonicalName: "Marcus Hale", aliases: ["Marcus", "Mr Hale"], gender: "male"),
                ContinuityEntityRecord(entityID: "clara-marsh", kind: "character", canonicalName: "Clara Marsh", aliases: ["Clara"], gender: "female"),
                ContinuityEntityRecord(entityID: "object:brass-key", kind: "object", canonicalName: "brass key"),
            ],
            facts: [grey, key, blue] + extraFacts,
            violations: [ContinuityViolationRecord(type: "immutableChanged", severity: "major", established: grey, contradicting: blue,
                                                   summary: "Marcus Hale's eyes: blue here, grey before", message: "Marcus Hale's eyes: blue here, grey before (…)",
                                                   suggestedFix: "Make Marcus Hale's eyes grey")])
    }

    @Test(arguments: DatabaseKind.allCases)
    func aCheckedGraphIsReadBackWhole(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        let book = try Self.book(in: database)
        #expect(try database.continuityGraph(bookID: book.id) == nil)
        let graph = Self.graph(bookID: book.id)
        try database.replaceContinuityGraph(graph)
        let stored = try #require(try database.continuityGraph(bookID: book.id))
        #expect(stored.entities.map(\.entityID) == ["clara-marsh", "marcus-hale", "object:brass-key"])
        #expect(stored.entities.first { $0.entityID == "marcus-hale" }?.aliases == ["Marcus", "Mr Hale"])
        #expect(stored.facts.map(\.quote) == ["Marcus had grey eyes", "Clara held the brass key", "Marcus's blue eyes"], "story order: chapter, then place")
        #expect(stored.facts.allSatisfy { $0.id != nil })
        #expect(stored.facts.map { var fact = $0; fact.id = nil; return fact } == graph.facts)
        #expect(stored.chapters == graph.chapters && stored.wordCount == 5_000 && stored.extractor == "pattern")
        let violation = try #require(stored.violations.first)
        #expect(stored.violations.count == 1 && violation.established.quote == "Marcus had grey eyes" && violation.contradicting.quote == "Marcus's blue eyes")
        #expect(violation.status == .open && violation.isMajor && violation.summary.hasPrefix("Marcus Hale's eyes"))
        #expect(stored.violationsPer10kWords == 2)
    }

    @Test(arguments: DatabaseKind.allCases)
    func checkingAgainReplacesRatherThanAdds(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        let book = try Self.book(in: database)
        try database.replaceContinuityGraph(Self.graph(bookID: book.id))
        try database.replaceContinuityGraph(Self.graph(bookID: book.id))
        let counts = try database.read { db in
            try ["continuity_checks", "continuity_entities", "continuity_aliases", "continuity_facts", "continuity_violations"].map {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1
            }
        }
        #expect(counts == [1, 3, 3, 3, 1])
        // Another book's graph is its own.
        let other = try Self.book(in: database)
        try database.replaceContinuityGraph(Self.graph(bookID: other.id))
        try database.replaceContinuityGraph(Self.graph(bookID: book.id))
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM continuity_facts") } == 6)
        #expect(try database.continuityViolations(bookID: other.id).count == 1)
    }

    @Test(arguments: DatabaseKind.allCases)
    func aFailedReplacementKeepsTheOldGraph(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        let book = try Self.book(in: database)
        try database.replaceContinuityGraph(Self.graph(bookID: book.id))
        // A fact about an entity the graph does not hold breaks a foreign key: nothing changes.
        let stray = Self.fact("nobody", "age", ContinuityFactValueRecord(kind: "years", number: 30), chapter: 2, quote: "Nobody was 30", at: 90)
        #expect(throws: StoreError.self) { try database.replaceContinuityGraph(Self.graph(bookID: book.id, extraFacts: [stray])) }
        #expect(try database.continuityGraph(bookID: book.id)?.facts.count == 3)
    }

    @Test(arguments: DatabaseKind.allCases)
    func factsAreFoundByAnyNameOfTheirEntity(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        let book = try Self.book(in: database)
        try database.replaceContinuityGraph(Self.graph(bookID: book.id))
        for name in ["Marcus Hale", "marcus", "MR HALE", "marcus-hale"] {
            #expect(try database.continuityEntities(bookID: book.id, named: name).map(\.entityID) == ["marcus-hale"], "\(name)")
        }
        #expect(try database.continuityEntities(bookID: book.id, named: "Hale").isEmpty)
        #expect(try database.continuityFacts(bookID: book.id, about: "marcus-hale").map(\.chapter) == [1, 2])
        // An object's facts are the ones it is the value of.
        #expect(try database.continuityFacts(bookID: book.id, about: "object:brass-key").map(\.quote) == ["Clara held the brass key"])
    }

    @Test func aBookFoundByItsRunToo() throws {
        let database = try WorkbenchDatabase.inMemory()
        let book = try Self.book(in: database)
        #expect(try database.book(matchingBookOrRun: book.runID.rawValue).id == book.id)
        #expect(try database.book(matchingBookOrRun: book.id).id == book.id)
        #expect(throws: StoreError.bookNotFound(id: "nope", path: ":memory:")) { try database.book(matchingBookOrRun: "nope") }
    }

    @Test func deletingTheBookDeletesItsGraph() throws {
        let database = try WorkbenchDatabase.inMemory()
        let book = try Self.book(in: database)
        try database.replaceContinuityGraph(Self.graph(bookID: book.id))
        try database.write { db in try db.execute(sql: "DELETE FROM books WHERE id = ?", arguments: [book.id]) }
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM continuity_facts") } == 0)
    }
}
