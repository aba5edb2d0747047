import Foundation
import Quality
import Testing
@testable import Reports
import Store
import WorkbenchCore

/// Chapters with targets of their own (`quality.chapter_requirements`): the report shows
/// them where they differ from the book's and flags a chapter that misses them.
@Suite struct ChapterTargetReportTests {
    /// Chapters 12 and 13 of a book whose run recorded chapter 13's requirements (quality 9,
    /// emotion 9) and chapter 12's quality 8 (the book's own target: nothing of its own).
    func storedBook(chapter13Quality: Double = 8.7) throws -> (WorkbenchDatabase, BookRecord) {
        let database = try WorkbenchDatabase.inMemory()
        let config = #"{"quality_target": 8.0, "targets": {"emotion": 7, "detail_density": 4}, "chapter_requirements": {"12": {"quality": 8.0}, "13": {"quality": 9.0, "emotion": 9.0}}}"#
        let run = try database.startRun(kind: .generate, configJSON: config, gitRevision: nil)
        let book = try database.createBook(runID: run.id, title: "Salt", chapterCount: 13)
        let scorer = QualityAnalyzer.scorer
        try database.addChapterVersion(bookID: book.id, chapter: 12, text: "twelve", wordCount: 1000, origin: "generate",
                                       scores: [(scorer, "quality", 8.2), (scorer, "emotion", 7.5), (scorer, "detail_density", 4.2)])
        // Detail density scores lowest (2.0), but emotion misses the chapter's own requirement.
        try database.addChapterVersion(bookID: book.id, chapter: 13, text: "thirteen", wordCount: 1000, origin: "generate",
                                       scores: [(scorer, "quality", chapter13Quality), (scorer, "emotion", 8.1), (scorer, "detail_density", 1.0)])
        return (database, book)
    }

    @Test func theRunsRequirementsAreLoadedAndScoredAgainst() throws {
        let (database, book) = try storedBook()
        let report = try BookReport.load(book, from: database)
        #expect(report.target == 8.0)
        let twelve = report.chapters[0], thirteen = report.chapters[1]
        #expect(twelve.requirements.isEmpty, "chapter 12's requirement is the book's target")
        #expect(thirteen.requirements == ["quality": 9.0, "emotion": 9.0])
        #expect(report.target(of: thirteen) == 9.0 && report.target(of: twelve) == 8.0)
        #expect(thirteen.scores["emotion"] == MetricCatalog.score("emotion", value: 8.1, target: 9), "scored against its own target")
        #expect(thirteen.missedRequirements == [BookReport.MissedRequirement(metric: "emotion", value: 8.1, required: 9.0)])
        #expect(report.missesTarget(thirteen) && !report.missesTarget(twelve))
        let messages = report.weakAreas.map(\.message)
        #expect(messages.contains("Chapter 13: below its target 9.0 (-0.3)"))
        #expect(messages.contains("Chapter 13: emotion 8.1 below its requirement 9.0"))
        #expect(!messages.contains { $0.hasPrefix("Chapter 12") })
        #expect(report.recommendations.first == "Re-enhance chapter 13 focusing on emotion (EXPAND_EMOTION; emotion 8.1 below its requirement 9.0)",
                "the missed requirement comes before the lower-scoring detail density")
    }

    @Test func aMissedMetricRequirementFlagsAChapterThatMeetsItsCompositeTarget() throws {
        let (database, book) = try storedBook(chapter13Quality: 9.2)
        let report = try BookReport.load(book, from: database)
        #expect(report.missesTarget(report.chapters[1]))
        #expect(!report.weakAreas.contains { $0.message.contains("below its target") })
        #expect(BookReportRenderer.render(report, as: .terminal).contains("9.2/10 (target 9.0; emotion ≥ 9.0) ⚠ emotion 8.1"))
    }

    @Test func everyFormatShowsTheChaptersOwnTargetsAndWhatItMisses() throws {
        let (database, book) = try storedBook()
        let report = try BookReport.load(book, from: database)

        let terminal = BookReportRenderer.render(report, as: .terminal)
        #expect(terminal.contains("Ch 13:  \(QualityText.bar(8.7)) 8.7/10 (target 9.0; emotion ≥ 9.0) ⚠ emotion 8.1\n"))
        #expect(terminal.contains("Ch 12:  \(QualityText.bar(8.2)) 8.2/10\n"), "no targets of its own, none shown")
        #expect(terminal.contains("- Chapter 13: emotion 8.1 below its requirement 9.0"))

        let markdown = BookReportRenderer.render(report, as: .md)
        #expect(markdown.contains("| chapter | quality | | own targets | words |"))
        #expect(markdown.contains("| 13 | 8.7 | `\(QualityText.bar(8.7))` ⚠️ | target 9.0; emotion ≥ 9.0 | 1000 |"))
        #expect(markdown.contains("| 12 | 8.2 | `\(QualityText.bar(8.2))` | – | 1000 |"))

        let html = BookReportRenderer.render(report, as: .html)
        #expect(html.contains("<th>own targets</th>"))
        #expect(html.contains("<td>target 9.0; emotion ≥ 9.0 <span class=\"warn\">⚠ quality 8.7 below its target 9.0; emotion 8.1 below its requirement 9.0</span></td>"))
        #expect(html.contains("<title>Chapter 13 target 9.0</title></line>"), "the chapter's own target across its bar")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(BookReportRenderer.render(report, as: .json).utf8)) as? [String: Any])
        let chapters = try #require(json["chapters"] as? [[String: Any]])
        #expect(chapters[0]["target"] as? Double == 8.0 && chapters[0]["meets_target"] as? Bool == true)
        #expect((chapters[0]["requirements"] as? [String: Any])?.isEmpty == true)
        #expect(chapters[1]["target"] as? Double == 9.0 && chapters[1]["meets_target"] as? Bool == false)
        #expect(chapters[1]["requirements"] as? [String: Double] == ["quality": 9.0, "emotion": 9.0])
        let missed = try #require(chapters[1]["missed_requirements"] as? [[String: Any]])
        #expect(missed.count == 1 && missed[0]["metric"] as? String == "emotion" && missed[0]["value"] as? Double == 8.1 && missed[0]["required"] as? Double == 9.0)
    }

    @Test func givenTargetsOverrideTheRecordedOnes() throws {
        let (database, book) = try storedBook()
        var targets = QualityTargets.standard
        targets.quality = 8.5
        let report = try BookReport.load(book, from: database, targets: targets, chapterRequirements: [:])
        #expect(report.target == 8.5)
        #expect(report.chapters.allSatisfy { $0.requirements.isEmpty })
        // A run that recorded no targets (an import): the standard ones.
        let (other, imported) = try { () throws -> (WorkbenchDatabase, BookRecord) in
            let database = try WorkbenchDatabase.inMemory()
            let run = try database.startRun(kind: RunKind(rawValue: "import"), configJSON: #"{"title": "x"}"#, gitRevision: nil)
            return (database, try database.createBook(runID: run.id, title: "x", chapterCount: 1))
        }()
        #expect(try BookReport.recordedTargets(of: imported, in: other).targets == .standard)
    }
}
