import Foundation
import Synchronization
import Testing
@testable import Engine
import LLM
import Quality
import Simulator
import Store
import WorkbenchCore

@Suite struct EnhancerParagraphTests {
    /// The enhancer rewrites the paragraph the analyser's issue names, and nothing else,
    /// when the text has CRLF line endings and blank lines that hold spaces.
    @Test func theIssuesParagraphIsTheOneRewrittenWithCRLFAndBlankLinesOfSpaces() async throws {
        let bare = Array(repeating: "The committee reviewed the policy and the budget and the schedule for the year.", count: 5).joined(separator: " ")
        let paragraphs = ["The committee met on Monday.", "She read the minutes again.", bare, "They adjourned."]
        let separators = ["\r\n\r\n", "\r\n   \r\n", "\r\n \t \r\n\r\n"]
        func joined(_ parts: [String]) -> String { parts[0] + separators[0] + parts[1] + separators[1] + parts[2] + separators[2] + parts[3] + "\r\n" }
        let text = joined(paragraphs)
        let stored = try StoredChapter(text: text, chapter: 1, targetWords: 80)
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 1
        config.enhancementIterations = 1
        config.judge = nil
        config.targets.quality = 10
        config.chapterRequirements = [:]
        let report = QualityAnalyzer.analyze(text, context: AnalysisContext(targetWords: 80, obsession: stored.outline.obsession, targets: config.targets(forChapter: 1)))
        let operation = try #require(Enhancement.choose(for: report))
        let number = operation.paragraph ?? 3  // none: the longest, paragraph 3
        try #require(number >= 2, "a paragraph after the first, so a wrong split shows")

        let enhancer = ClosureProvider { _ in rewrite }
        _ = try await stored.generator(config) { _, _ in enhancer }.writeChapter(stored.spec, outline: stored.outline, book: stored.book, run: stored.run)
        #expect(enhancer.requests.first?.messages.last?.content.contains(paragraphs[number - 1]) == true, "the passage sent is paragraph \(number)")
        let versions = try stored.database.chapterVersions(bookID: stored.book, chapter: 1)
        try #require(versions.count == 2)
        var expected = paragraphs
        expected[number - 1] = rewrite
        #expect(versions[1].text == joined(expected), "only paragraph \(number) changed, every other byte kept")
    }
}
