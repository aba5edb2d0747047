import Foundation
import Synchronization
import Testing
@testable import Engine
import LLM
import Quality
import Simulator
import Store
import WorkbenchCore

@Suite struct ChapterRequirementTests {
    /// Emotion just under chapter 13's own requirement of 9.0, detail density far lower.
    static let emotional = """
        She felt afraid, and her heart pounded. She was angry and ashamed, and she wept with grief. \
        She hoped, she loved him, she dreaded the morning. Her chest tightened with fear and her hands trembled. \
        She wondered whether he knew; she remembered his anger and felt a hot shame rise in her throat.
        """

    func config(requirements: [Int: [String: Double]], quality: Double) throws -> ExperimentConfig {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 13
        config.enhancementIterations = 1
        config.judge = nil
        config.targets.quality = quality
        config.chapterRequirements = requirements
        return config
    }

    @Test func aMetricBelowItsChapterRequirementChoosesTheOperation() {
        // Detail density scores lowest, but the chapter requires emotion 9.0 and has 8.0.
        let report = QualityReport(metrics: [
            MetricValue(name: "detail_density", value: 1, score: 2, target: 4),
            MetricValue(name: "emotion", value: 8, score: 8 * 8 / 9, target: 9),
            MetricValue(name: "voice", value: 9, score: 9, target: 8),
        ], quality: 6, issues: [LocatedIssue(metric: "emotion", paragraph: 4, line: 9, message: "Flat emotional register in paragraph 4")],
            scorer: QualityAnalyzer.scorer, lexicon: Lexicons.version)
        #expect(Enhancement.choose(for: report)?.name == "ADD_DEPTH", "without requirements: the weakest metric")
        let chosen = Enhancement.choose(for: report, requirements: ["emotion": 9, "quality": 9])
        #expect(chosen?.name == "EXPAND_EMOTION")
        #expect(chosen?.paragraph == 4)
        // A requirement that is met changes nothing; of two missed ones the lower score wins.
        #expect(Enhancement.choose(for: report, requirements: ["voice": 8.5])?.name == "ADD_DEPTH")
        #expect(Enhancement.choose(for: report, requirements: ["emotion": 9, "detail_density": 3])?.name == "ADD_DEPTH")
    }

    @Test func chapter13sEmotionRequirementDrivesItsEnhancement() async throws {
        let stored = try StoredChapter(text: Self.emotional, chapter: 13, targetWords: 60)
        let config = try config(requirements: [13: ["emotion": 9.0]], quality: 0)  // the composite target is met
        let before = QualityAnalyzer.analyze(Self.emotional, context: AnalysisContext(targetWords: 60, obsession: stored.outline.obsession, targets: config.targets(forChapter: 13)))
        let emotion = try #require(before.metric("emotion"))
        try #require(emotion.value < 9, "the text misses the requirement: \(emotion.value)")
        try #require(before.metrics.contains { Enhancement.byMetric[$0.name] != nil && ($0.score ?? 10) < emotion.score! }, "another metric scores lower")

        let enhancer = ClosureProvider { _ in rewrite }
        let log = EventLog()
        _ = try await stored.generator(config, log: log) { _, _ in enhancer }.writeChapter(stored.spec, outline: stored.outline, book: stored.book, run: stored.run)
        #expect(enhancer.requests.count == 1, "a missed requirement is enhanced even when the composite meets its target")
        let operations = log.all.compactMap { event -> String? in if case .enhancing(_, let operation, _) = event { return operation } else { return nil } }
        #expect(operations == ["EXPAND_EMOTION"])
        // Chapter 12 has no requirement of its own: nothing to enhance at a met composite target.
        let other = try StoredChapter(text: Self.emotional, chapter: 12, targetWords: 60)
        let quiet = ClosureProvider { _ in rewrite }
        _ = try await other.generator(config) { _, _ in quiet }.writeChapter(other.spec, outline: other.outline, book: other.book, run: other.run)
        #expect(quiet.requests.isEmpty)
    }
}
