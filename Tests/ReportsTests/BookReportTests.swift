import Foundation
import Quality
import Testing
@testable import Reports
import Store
import WorkbenchCore

@Suite struct BookReportTests {
    /// A stored book of five chapters with chosen qualities and emotion falling over 3–5.
    func storedBook() throws -> (WorkbenchDatabase, BookRecord) {
        let database = try WorkbenchDatabase.inMemory()
        let run = try database.startRun(kind: RunKind(rawValue: "import"), configJSON: "{}", gitRevision: nil)
        let book = try database.createBook(runID: run.id, title: "Threads of <Fire>", chapterCount: 5)
        let qualities = [8.1, 8.5, 7.9, 8.4, 8.6]
        let emotions = [7.5, 7.8, 8.4, 7.2, 6.1]
        for chapter in 1...5 {
            let scorer = QualityAnalyzer.scorer
            try database.addChapterVersion(bookID: book.id, chapter: chapter, text: "draft", wordCount: 3000, origin: "generate",
                                           scores: [(scorer, "quality", 5), (scorer, "emotion", 5)])
            try database.addChapterVersion(bookID: book.id, chapter: chapter, text: "enhanced", wordCount: 3200 + chapter * 10, origin: "enhance:ADD_DEPTH",
                                           scores: [(scorer, "quality", qualities[chapter - 1]), (scorer, "emotion", emotions[chapter - 1]),
                                                    (scorer, "detail_density", 4 + Double(chapter) / 10), (scorer, "voice", 9.4),
                                                    (scorer, "word_count_accuracy", 96)])
        }
        return (database, book)
    }

    @Test func loadsTheNewestVersionOfEachChapter() throws {
        let (database, book) = try storedBook()
        let report = try BookReport.load(book, from: database)
        #expect(report.chapters.map(\.number) == [1, 2, 3, 4, 5])
        #expect(report.chapters.allSatisfy { $0.version == 2 })
        #expect(report.chapters.map(\.quality) == [8.1, 8.5, 7.9, 8.4, 8.6])
        #expect(abs(report.overall - 8.3) < 1e-9)
        #expect(report.chapters[0].scores["emotion"] == MetricCatalog.score("emotion", value: 7.5, target: 7))
        #expect(abs((report.voiceConsistency ?? 0) - 94) < 1e-9)
        #expect(report.wordCountAccuracy == 96)
    }

    @Test func weakAreasAndRecommendations() throws {
        let (database, book) = try storedBook()
        let report = try BookReport.load(book, from: database)
        let messages = report.weakAreas.map(\.message)
        #expect(messages.contains("Chapter 3: below target (-0.1)"))
        #expect(messages.contains("Chapters 3–5: declining emotional impact"))
        #expect(report.recommendations.contains { $0.hasPrefix("Re-enhance chapter 3 ") })
        #expect(report.recommendations.contains("Review chapters 3–5 for pacing: declining emotional impact"))
    }

    @Test func judgeScoresStoredBesideHeuristicsShowDisagreements() throws {
        let (database, book) = try storedBook()
        let versions = try database.latestChapterVersions(bookID: book.id)
        try database.addScores(versionID: versions[1].id!, [("judge:sim@v1", "overall", 4.0), ("judge:sim@v1", "emotion", 8.0)])
        let report = try BookReport.load(book, from: database)
        #expect(report.chapters[1].judge == ["overall": 4.0, "emotion": 8.0])
        // Chapter 2: overall 8.5 vs judge 4 disagrees; emotion 7.8 scores 8.9 vs judge 8 agrees.
        #expect(report.disagreements == [BookReport.Disagreement(chapter: 2, dimension: "overall", judge: 4, heuristic: 8.5)])
        let text = BookReportRenderer.render(report, as: .terminal)
        #expect(text.contains("Judges and heuristics disagree:\n- Chapter 2, overall: judge 4.0, heuristic 8.5"))
        #expect(BookReportRenderer.render(report, as: .html).contains("<h2>Judges and heuristics disagree</h2>"))
    }

    @Test func pluginMetricsStoredAsScoresAreShownInEveryFormat() throws {
        let (database, book) = try storedBook()
        let versions = try database.latestChapterVersions(bookID: book.id)
        try database.addScores(versionID: versions[0].id!, [("plugin:romance@1.0.0", "plugin.romance.tension", 2.5)])
        try database.addScores(versionID: versions[2].id!, [("plugin:romance@1.0.0", "plugin.romance.tension", 7.25)])
        let report = try BookReport.load(book, from: database)
        #expect(report.pluginMetrics == ["plugin.romance.tension"])
        #expect(report.chapters.map { $0.plugins["plugin.romance.tension"] } == [2.5, nil, 7.25, nil, nil])
        #expect(report.chapters[0].values["plugin.romance.tension"] == nil, "not mixed with the analyser's values")
        #expect(BookReportRenderer.render(report, as: .terminal).contains("Plugin metrics:\n- plugin.romance.tension: ch1 2.50, ch2 –, ch3 7.25, ch4 –, ch5 –"))
        #expect(BookReportRenderer.render(report, as: .md).contains("| chapter | plugin.romance.tension |\n|---:|---:|\n| 1 | 2.50 |\n| 2 | – |\n| 3 | 7.25 |"))
        #expect(BookReportRenderer.render(report, as: .html).contains("<h2>Plugin metrics</h2>"))
        let json = try JSONSerialization.jsonObject(with: Data(BookReportRenderer.render(report, as: .json).utf8)) as? [String: Any]
        let chapters = json?["chapters"] as? [[String: Any]]
        #expect((chapters?[2]["plugins"] as? [String: Double]) == ["plugin.romance.tension": 7.25])
    }

    @Test func decliningRunsNeedThreeChaptersAndATenPercentFall() {
        #expect(BookReport.decliningRuns([9, 8, 7, 8]) == [0...2])
        #expect(BookReport.decliningRuns([9, 8.9, 8.8]) == [], "a 2% drift is no decline")
        #expect(BookReport.decliningRuns([9, 8]) == [])
        #expect(BookReport.decliningRuns([nil, 9, 8, 7]) == [1...3])
    }

    @Test func terminalFollowsTheRoadmapLayout() throws {
        let (database, book) = try storedBook()
        let text = BookReportRenderer.render(try BookReport.load(book, from: database), as: .terminal)
        #expect(text.hasPrefix("BOOK QUALITY REPORT: \"Threads of <Fire>\"\n"))
        #expect(text.contains("Overall Quality: 8.3/10 (TARGET: 8.0) ✓"))
        #expect(text.contains("Ch 3:  ████████░░ 7.9/10 ⚠"))
        #expect(text.contains("- Voice consistency: 94% ✓"))
        for section in ["Chapter Breakdown:", "Consistency Metrics:", "Weak Areas:", "Recommendations:"] { #expect(text.contains(section)) }
    }

    @Test func markdownHasATableAndSections() throws {
        let (database, book) = try storedBook()
        let text = BookReportRenderer.render(try BookReport.load(book, from: database), as: .md)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "# Book quality report: Threads of <Fire>")
        let header = try #require(lines.firstIndex { $0.hasPrefix("| chapter | quality |") })
        #expect(lines[header + 1].hasPrefix("|---:|---:|"))
        #expect(lines[(header + 2)...].prefix(5).allSatisfy { $0.hasPrefix("| ") })
        for section in ["## Consistency", "## Weak areas", "## Recommendations"] { #expect(lines.contains(Substring(section))) }
    }

    @Test func htmlIsSelfContainedWithCharts() throws {
        let (database, book) = try storedBook()
        let html = BookReportRenderer.render(try BookReport.load(book, from: database), as: .html)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>Quality report: Threads of &lt;Fire&gt;</title>"), "titles are escaped")
        #expect(!html.contains("<Fire>"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 3, "bars, trends, distribution")
        #expect(html.components(separatedBy: "<rect ").count - 1 >= 5 + 10)
        #expect(!html.contains("<script"), "reads without JavaScript")
        #expect(!html.contains("http://") && !html.contains("https://"), "no external resources")
        // Every opened element is closed.
        for tag in ["svg", "table", "ul", "ol", "html", "body", "head"] {
            #expect(html.components(separatedBy: "<\(tag)").count == html.components(separatedBy: "</\(tag)>").count, "\(tag)")
        }
    }

    @Test func jsonCarriesTheSameFigures() throws {
        let (database, book) = try storedBook()
        let text = BookReportRenderer.render(try BookReport.load(book, from: database), as: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["overall"] as? Double == 8.3)
        #expect(object["meets_target"] as? Bool == true)
        #expect((object["chapters"] as? [Any])?.count == 5)
        #expect((object["weak_areas"] as? [[String: Any]])?.contains { $0["message"] as? String == "Chapters 3–5: declining emotional impact" } == true)
    }
}
