import Foundation
import Testing
@testable import Quality

/// `analyze --obsession` rescanned a mention's whole sentence for every mention: a text
/// without sentence breaks (one sentence) was quadratic, and 10 MB did not finish in 30 s.
/// Each sentence is now scanned once; these pin the linear path and the unchanged scores.
@Suite struct ObsessionScalingTests {
    static let unit = "the key turned again and the bell rang and "

    static func depth(_ text: String, obsession: String = "the key") -> Double? {
        QualityAnalyzer.analyze(text, context: AnalysisContext(obsession: obsession)).metrics.first { $0.name == "obsession_depth" }?.value
    }

    @Test func theUnitCarriesNoFeelingAndAfraidDoes() {
        let feeling = LexiconIndex.interiority | LexiconIndex.emotionMask | LexiconIndex.physical
        let words = Self.unit.split(separator: " ").map { wordHash(String($0)) }
        #expect(LexiconIndex.shared.flags(words).allSatisfy { $0 & feeling == 0 })
        #expect(LexiconIndex.shared.flags([wordHash("afraid")])[0] & feeling != 0)
    }

    /// 2 MB in one sentence, ~22,000 mentions of the key: quadratic, this was ~10¹⁰ word
    /// visits. Every mention shares the one sentence, so depth is 0 without a feeling word
    /// and 1 with one at the very end (the worst place for the old scan): recurrence 0.4 and
    /// spread 0.25 of the 10 points, depth 0.25, no escalation.
    @Test func twoMegabytesWithoutASentenceBreak() {
        let repeats = 2_000_000 / Self.unit.utf8.count
        let plain = String(repeating: Self.unit, count: repeats)
        #expect(Self.depth(plain) == 6.5)
        #expect(Self.depth(plain + "afraid") == 9)
    }

    /// Scores from before the change (the quadratic scan), on chapters of the simulator
    /// baseline as it shipped then (kept in Tests/Fixtures/obsession-scaling: the baseline has
    /// since been made again) and on short texts whose sentences mix feeling and none,
    /// several mentions in one.
    @Test(arguments: [
        ("keeper-opening/1.md", "the sealed letter", 5.92),
        ("keeper-climax/3.md", "the sealed letter", 8.48),
        ("orchard-chase/1.md", "the burnt key", 6.0),
        ("orchard-ending/2.md", "the burnt key", 4.33),
    ])
    func baselineChaptersScoreAsBefore(chapter: String, obsession: String, expected: Double) throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/obsession-scaling/\(chapter)").standardized
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(Self.depth(text, obsession: obsession) == expected)
    }

    @Test func mixedSentencesScoreAsBefore() {
        let text = """
            The key lay on the table. She felt afraid of the key, and the key was cold in her hand. The key turned. Nobody spoke of the key again.

            Morning came grey over the harbour. The key hung on its nail and she did not look at it. Her heart ached when the key rattled, but the door held.

            In the end the key was only a key. She laughed, and buried the key under the stones.

            """
        #expect(Self.depth(text) == 7)
        #expect(Self.depth(String(repeating: Self.unit, count: 200)) == 6.5)
        #expect(Self.depth(String(repeating: Self.unit, count: 200) + "afraid") == 9)
    }
}
