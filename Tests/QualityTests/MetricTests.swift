import Foundation
import Testing
@testable import Quality

/// Small passages whose answers can be counted by hand.
@Suite struct MetricTests {
    func analyze(_ text: String, _ context: AnalysisContext = AnalysisContext()) -> QualityReport {
        QualityAnalyzer.analyze(text, context: context)
    }

    @Test func wordCountAccuracyAndItsIssue() {
        let text = Array(repeating: "The rain fell on the roof.", count: 31).joined(separator: " ")  // 186 words
        let report = analyze(text, AnalysisContext(targetWords: 200))
        #expect(report["word_count"] == 186)
        #expect(report["word_count_accuracy"] == 93)
        #expect(report.issues.contains { $0.message == "Word count 7% below target (186 of 200)" })
    }

    @Test func detailDensityCountsRunsOfSensoryTerms() {
        // 21 words; "cold" "damp" within 4 words are one detail; "smell" is another: 2 details.
        let text = "She opened the cold damp door and walked in. Later the smell reached the hall where they sat together at last."
        let report = analyze(text)
        #expect(report["word_count"] == 21)
        #expect(abs((report["detail_density"] ?? 0) - 2 * 1000.0 / 21) < 0.01)
    }

    @Test func dialogueRatio() {
        let report = analyze("\"Come here now,\" she said. He did not move.")
        #expect(report["dialogue_ratio"] == 0.333)  // 3 of 9 words
    }

    @Test func readabilityFollowsFleschFromCounts() {
        // 2 sentences, 9 words, 11 syllables ("table" 2, "yellow" 2, the rest 1).
        let report = analyze("The cat sat on the table. A yellow dog.")
        let expected = 206.835 - 1.015 * (9.0 / 2) - 84.6 * (11.0 / 9)
        #expect(abs((report["readability"] ?? 0) - (expected * 100).rounded() / 100) < 1e-9)
    }

    @Test func sentenceRhythmIsTheCoefficientOfVariation() {
        // Sentences of 2, 4 and 6 words: mean 4, sample sd 2, CV 0.5.
        let report = analyze("He ran. She saw him go. They all stood by the door.")
        #expect(report["sentence_rhythm"] == 0.5)
    }

    @Test func clichesAreFoundAndLocated() {
        let report = analyze("It was quiet.\n\nThen time stood still and all hell broke loose.")
        #expect(report["cliche_density"]! > 0)
        let located = report.issues.filter { $0.metric == "cliche_density" }
        #expect(located.map(\.paragraph) == [2, 2])
        #expect(located.first?.message == "Cliché \u{201C}time stood still\u{201D} in paragraph 2")
        #expect(located.first?.line == 3)
    }

    @Test func mtldOfAPerfectlyRepetitiveTextIsLow() {
        let loop = String(repeating: "the cat the cat ", count: 50)
        let varied = "Every morning the old fisherman rowed past the harbour wall, counting gulls, mending nets, whistling tunes his father taught him long before the war changed everything along that grey northern coast."
        #expect(analyze(loop)["lexical_diversity"]! < 5)
        #expect(analyze(varied)["lexical_diversity"]! > 50)
    }

    @Test func obsessionNeedsItsKeywords() {
        let context = AnalysisContext(obsession: "the locked room")
        let with = analyze("She thought of the locked room. She feared the room and longed to unlock it. The room waited.", context)
        let without = analyze("She thought of the garden. She walked to the river and sat by the water.", context)
        #expect(with["obsession_depth"]! > without["obsession_depth"]!)
        #expect(analyze("Anything at all.")["obsession_depth"] == nil, "no obsession, no metric")
    }

    @Test func fluencyFlagsScrambledFunctionWords() {
        #expect(analyze("She walked into the room and sat down by the fire.")["fluency"] == 0)
        #expect(analyze("the of and but the a room she the walked")["fluency"]! > 100)
    }

    @Test func compositeIsGatedByLoopsAndSalad() {
        let prose = "The wind rose over the moor, cold and wet. Anna felt a sudden fear and hurried on. \"Wait,\" Bo called, his voice thin in the grey dusk. She did not stop."
        let looped = Array(repeating: prose, count: 10).joined(separator: "\n\n")
        #expect(analyze(prose).quality > 5)
        #expect(analyze(looped).quality < 1)
    }
}
