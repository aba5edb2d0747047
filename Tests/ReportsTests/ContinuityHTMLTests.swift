import Foundation
import Quality
import Store
import Testing
@testable import Reports
import WorkbenchCore

/// The continuity graph as one HTML page, and the book report's continuity section.
@Suite struct ContinuityHTMLTests {
    static func fact(_ quote: String, chapter: Int, id: Int64, subject: String = "hale", colour: String = "blue") -> ContinuityFactRecord {
        ContinuityFactRecord(id: id, subject: subject, predicate: "eyeColour", value: ContinuityFactValueRecord(kind: "colour", text: colour), aspect: "holds",
                             chapter: chapter, paragraph: 2, line: 3, bytes: 0..<quote.utf8.count, quote: quote,
                             storyTime: ContinuityStoryTimeRecord(chapter: chapter, beat: 0), validFrom: nil, validUntil: nil,
                             confidence: 0.9, origin: "pattern", originRule: "eyeColour.had")
    }

    /// A graph whose names, quotes and fix hold `<`, `&` and `"`, with one major violation of chapter 2 against chapter 1.
    static func graph(chapters: [ContinuityCheckedChapter] = [.init(chapter: 1, versionID: 1), .init(chapter: 2, versionID: 2)],
                      status: ContinuityViolationRecord.Status = .open) -> ContinuityGraphRecord {
        let blue = fact("Hale's <i>eyes</i> were \"blue\" & cold", chapter: 1, id: 11)
        let grey = fact("Hale's eyes were grey", chapter: 2, id: 12, colour: "grey")
        let other = fact("Ann had green eyes", chapter: 2, id: 13, subject: "ann", colour: "green")
        return ContinuityGraphRecord(
            bookID: "b-1", extractor: "pattern", chapters: chapters, wordCount: 5_000, checkedAt: Date(timeIntervalSince1970: 0),
            entities: [ContinuityEntityRecord(entityID: "hale", kind: "character", canonicalName: "Mr <Hale> & \"Son\"", aliases: ["Hale"], gender: "male"),
                       ContinuityEntityRecord(entityID: "ann", kind: "character", canonicalName: "Ann", gender: "female")],
            facts: [blue, grey, other],
            violations: [ContinuityViolationRecord(id: 1, type: "immutableChanged", severity: "major", established: blue, contradicting: grey,
                                                   summary: "Mr <Hale>'s eyes: grey here, blue before", message: "Mr <Hale>'s eyes: grey here, blue before (chapter 2, …)",
                                                   suggestedFix: "Make the eyes \"blue\" & keep <them>", status: status)])
    }

    @Test func theHTMLPageEscapesEveryTextAndLinksViolationsToTheirHighlightedFacts() {
        let html = ContinuityHTML.render(Self.graph(), title: "The <b>\"Book\"</b> & Co", staleChapters: [2])
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(html.contains("<h1>Continuity: The &lt;b&gt;&quot;Book&quot;&lt;/b&gt; &amp; Co</h1>"))
        #expect(html.contains("Mr &lt;Hale&gt; &amp; &quot;Son&quot;") && html.contains("Hale&#39;s") == false)
        #expect(html.contains("<q>Hale's &lt;i&gt;eyes&lt;/i&gt; were &quot;blue&quot; &amp; cold</q>"))
        #expect(html.contains("Make the eyes &quot;blue&quot; &amp; keep &lt;them&gt;"))
        #expect(!html.contains("<i>eyes") && !html.contains("<Hale>") && !html.contains("<them>"))
        // Self-contained: no script, nothing fetched.
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://") && !html.contains("src="))
        // The violation links to both facts; both rows are highlighted and link back; the other fact is not.
        #expect(html.contains("<a href=\"#f11\">chapter 1, paragraph 2, line 3</a>") && html.contains("<a href=\"#f12\">chapter 2, paragraph 2, line 3</a>"))
        #expect(html.contains("<tr id=\"f11\" class=\"violated\">") && html.contains("<tr id=\"f12\" class=\"violated\">") && html.contains("<tr id=\"f13\"><td>"))
        #expect(html.contains("<a href=\"#v1\">#1</a>"))
        // Header figures, the violated entity marked, chapters in story order, the stale note.
        #expect(html.contains("2 chapters, 5,000 words; 2 entities, 3 facts") && html.contains("CED 2.00"))
        #expect(html.contains("<tr class=\"violated\"><td class=\"text in-violation\" id=\"e-hale\">"))
        #expect(html.range(of: "id=\"chapter-1\"")!.lowerBound < html.range(of: "id=\"chapter-2\"")!.lowerBound)
        #expect(html.contains("class=\"stale\">Chapter 2 changed since this check"))
    }

    @Test func aGraphWithoutViolationsSaysSo() {
        var graph = Self.graph()
        graph.violations = []
        let html = ContinuityHTML.render(graph, title: "T")
        #expect(html.contains("<h2 id=\"violations\">Violations (0)</h2>\n<p>No violations") && !html.contains("class=\"violated\""))
    }

    // MARK: The book report's section

    /// A stored book of two chapters, checked (a graph stored) when `checked`.
    static func storedBook(checked: Bool, status: ContinuityViolationRecord.Status = .open) throws -> (WorkbenchDatabase, BookRecord) {
        let database = try WorkbenchDatabase.inMemory()
        let run = try database.startRun(kind: RunKind(rawValue: "import"), configJSON: "{}", gitRevision: nil)
        let book = try database.createBook(runID: run.id, title: "Book", chapterCount: 2)
        for chapter in 1...2 {
            try database.addChapterVersion(bookID: book.id, chapter: chapter, text: "text", wordCount: 2_500, origin: "import",
                                           scores: [(QualityAnalyzer.scorer, "quality", 8)])
        }
        if checked {
            let versions = try database.latestChapterVersions(bookID: book.id)
            var graph = Self.graph(chapters: versions.map { ContinuityCheckedChapter(chapter: $0.chapter, versionID: $0.id!) }, status: status)
            graph.bookID = book.id
            try database.replaceContinuityGraph(graph)
        }
        return (database, book)
    }

    @Test func aBookNeverCheckedSaysHowToCheckIt() throws {
        let (database, book) = try Self.storedBook(checked: false)
        let report = try BookReport.load(book, from: database)
        #expect(report.continuity?.checked == false)
        let terminal = BookReportRenderer.render(report, as: .terminal)
        #expect(terminal.contains("Continuity:\n- Not checked for continuity: `workbench continuity check \(book.id)`"), "\(terminal)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(BookReportRenderer.render(report, as: .json).utf8)) as? [String: Any])
        let continuity = try #require(json["continuity"] as? [String: Any])
        #expect(continuity["checked"] as? Bool == false && continuity["ced"] is NSNull && continuity["how_to_check"] as? String == "workbench continuity check \(book.id)")
        // A report made from scores alone has no section at all.
        #expect(!BookReportRenderer.render(BookReport(title: "t", book: "b", target: 8, targetWords: nil, chapters: []), as: .terminal).contains("Continuity"))
    }

    @Test func aCheckedBookShowsCEDCountsAndEachViolationAsALocatedIssueInEveryFormat() throws {
        let (database, book) = try Self.storedBook(checked: true)
        let report = try BookReport.load(book, from: database)
        let continuity = try #require(report.continuity)
        #expect(continuity.checked && continuity.staleChapters.isEmpty)
        #expect(continuity.ced == 2 && continuity.major == 1 && continuity.minor == 0)
        let issues = continuity.issues(chapter: 2)
        #expect(issues.count == 1 && continuity.issues(chapter: 1).isEmpty)
        #expect(issues[0].metric == "continuity" && issues[0].paragraph == 2 && issues[0].line == 3 && issues[0].severity == .major)
        #expect(issues[0].message.hasPrefix("immutableChanged: Mr <Hale>'s eyes") && issues[0].message.contains("fix: Make the eyes"))

        let terminal = BookReportRenderer.render(report, as: .terminal)
        #expect(terminal.contains("- 1 violation (1 major, 0 minor); CED 2.00 per 10,000 words (pattern extractor, 5,000 words"), "\(terminal)")
        #expect(terminal.contains("- By type: immutableChanged 1\n- By chapter: chapter 2: 1 (1 major)\n- Fixed: none yet (1 open)"), "\(terminal)")
        #expect(terminal.contains("  Chapter 2, paragraph 2, line 3 (major) immutableChanged: Mr <Hale>'s eyes"))
        let markdown = BookReportRenderer.render(report, as: .md)
        #expect(markdown.contains("## Continuity") && markdown.contains("| 2 | 2 | 3 | major | immutableChanged | open |"), "\(markdown)")
        let html = BookReportRenderer.render(report, as: .html)
        #expect(html.contains("<h2>Continuity</h2>") && html.contains("Mr &lt;Hale&gt;") && !html.contains("<Hale>"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(BookReportRenderer.render(report, as: .json).utf8)) as? [String: Any])
        let object = try #require(json["continuity"] as? [String: Any])
        #expect(object["ced"] as? Double == 2 && object["violations"] as? Int == 1 && object["major"] as? Int == 1)
        #expect((object["by_type"] as? [String: Int]) == ["immutableChanged": 1])
        #expect((object["by_status"] as? [String: Int]) == ["open": 1, "fixed": 0, "unfixed": 0])
        let chapters = try #require(json["chapters"] as? [[String: Any]])
        #expect((chapters[1]["issues"] as? [[String: Any]])?.first?["metric"] as? String == "continuity")
        #expect((chapters[0]["issues"] as? [Any])?.isEmpty == true)
    }

    @Test func fixedViolationsAreCountedAndMarked() throws {
        let (database, book) = try Self.storedBook(checked: true, status: .fixed)
        let report = try BookReport.load(book, from: database)
        let terminal = BookReportRenderer.render(report, as: .terminal)
        #expect(terminal.contains("- Fixed: 1 of 1") && terminal.contains("line 3 (major, fixed) immutableChanged"), "\(terminal)")
        #expect(report.continuity?.issues(chapter: 2).first?.message.hasPrefix("immutableChanged (fixed): ") == true)
        let (unfixedDatabase, unfixedBook) = try Self.storedBook(checked: true, status: .unfixed)
        #expect(BookReportRenderer.render(try BookReport.load(unfixedBook, from: unfixedDatabase), as: .terminal).contains("- Fixed: 0 of 1; 1 tried and still there"))
    }

    @Test func aChapterChangedSinceTheCheckIsNamed() throws {
        let (database, book) = try Self.storedBook(checked: true)
        try database.addChapterVersion(bookID: book.id, chapter: 2, text: "rewritten", wordCount: 2_400, origin: "enhance:TIGHTEN",
                                       scores: [(QualityAnalyzer.scorer, "quality", 8.2)])
        let report = try BookReport.load(book, from: database)
        #expect(report.continuity?.staleChapters == [2])
        #expect(BookReportRenderer.render(report, as: .terminal).contains("- Chapter 2 changed since the check"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(BookReportRenderer.render(report, as: .json).utf8)) as? [String: Any])
        #expect((json["continuity"] as? [String: Any])?["stale_chapters"] as? [Int] == [2])
    }
}
