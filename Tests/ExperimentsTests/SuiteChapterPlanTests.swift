import Foundation
import Testing
@testable import Experiments
import Quality
import WorkbenchCore

/// A suite chapter's scoring context carries its outline chapter's plan, so baselines made
/// now measure `outline_adherence`; a context stored before has none and scores without it.
@Suite struct SuiteChapterPlanTests {
    @Test func aNewContextCarriesThePlanAndAnOldOneScoresWithoutIt() throws {
        let suite = StandardSuite.suite
        let chapter = suite.chapters[0]
        let context = SuiteScores.context(suite: suite, chapter: chapter, base: .standard)
        let (outline, spec) = suite.outline(for: chapter)
        #expect(context.chapterPlan == ChapterPlan(outline: outline, chapter: spec))
        #expect(context.analysis.chapterPlan?.beats == spec.beats)

        // Stored and read back, as a baseline's scores.json holds it.
        let encoded = try JSONEncoder().encode(context)
        #expect(String(decoding: encoded, as: UTF8.self).contains("\"chapter_plan\""))
        #expect(try JSONDecoder().decode(SuiteScores.Context.self, from: encoded) == context)

        // A context from before the metric: no `chapter_plan`, no outline_adherence, and
        // written back without the key (a re-encoded old baseline is unchanged).
        var old = context
        old.chapterPlan = nil
        let oldJSON = try JSONEncoder().encode(old)
        #expect(!String(decoding: oldJSON, as: UTF8.self).contains("chapter_plan"))
        let decoded = try JSONDecoder().decode(SuiteScores.Context.self, from: oldJSON)
        #expect(decoded.chapterPlan == nil)
        let text = "Mara trimmed the lamp at dusk and found the letter under a loose stone in the stair."
        #expect(QualityAnalyzer.analyze(text, context: decoded.analysis)["outline_adherence"] == nil)
        #expect(QualityAnalyzer.analyze(text, context: context.analysis)["outline_adherence"] != nil)
    }
}
