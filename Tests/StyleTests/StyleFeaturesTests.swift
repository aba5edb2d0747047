import Foundation
import Style
import Testing
import WorkbenchCore

@Suite struct StyleFeaturesTests {
    /// Three paragraphs whose sentences, dialogue and marks can be counted by hand.
    static let handmade = """
        The cat sat. The dog ran away fast.

        "Come here," she said. "Now!"

        Wait -- is it? I don't know... It's late; we'll go—now.
        """

    @Test func sentenceAndParagraphLengths() {
        let features = StyleFeatures.measure(Self.handmade)
        // Sentences of 3, 5 | 4, 1 | 3, 3, 5 words.
        #expect(features.words == 24)
        #expect(features.sentences == 7)
        #expect(abs(features.sentenceLength.mean - 24.0 / 7) < 1e-12)
        let lengths = [3.0, 5, 4, 1, 3, 3, 5], mean = 24.0 / 7
        let sd = (lengths.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6).squareRoot()
        #expect(abs(features.sentenceLength.sd - sd) < 1e-12)
        #expect(abs(features.sentenceLength.cv - sd / mean) < 1e-12)
        // Sorted 1 3 3 3 4 5 5: type-7 quantiles.
        #expect(abs(features.sentenceLength.p10 - 2.2) < 1e-12)
        #expect(features.sentenceLength.p25 == 3)
        #expect(features.sentenceLength.p50 == 3)
        #expect(features.sentenceLength.p75 == 4.5)
        #expect(features.sentenceLength.p90 == 5)
        #expect(features.paragraphSentencesMedian == 2)
        #expect(abs(features.paragraphSentencesMean - 7.0 / 3) < 1e-12)
        #expect(features.paragraphWordsMedian == 8)
        #expect(features.paragraphWordsMean == 8)
        // Openers: The, The, Come, Now, Wait, I, It's.
        #expect(abs(features.openerVariety - 6.0 / 7) < 1e-12)
    }

    @Test func dialoguePunctuationAndContractions() {
        let features = StyleFeatures.measure(Self.handmade)
        #expect(abs(features.dialogueShare - 3.0 / 24) < 1e-12)
        let perWord = 1000.0 / 24
        #expect(features.punctuation == PunctuationRates(comma: perWord, semicolon: perWord, dash: 2 * perWord, ellipsis: perWord, exclamation: perWord, question: perWord))
        // don't, It's, we'll.
        #expect(abs(features.contractionsPer1000 - 3 * perWord) < 1e-9)
    }

    @Test func curlyQuotesAndMarks() {
        let features = StyleFeatures.measure("“Go away,” he said… “Really?”\n\nShe’s gone. John’s hat fell.")
        // Go away | he said (the sentence ends at …) | Really | She's gone | John's hat fell.
        #expect(features.words == 10)
        #expect(abs(features.dialogueShare - 3.0 / 10) < 1e-12)
        #expect(features.punctuation.ellipsis == 100)
        #expect(features.punctuation.question == 100)
        // She’s is a contraction; John’s is a possessive.
        #expect(features.contractionsPer1000 == 100)
    }

    @Test func lexicalDiversityAndVoice() {
        let repeated = String(repeating: "I walked to the shop. ", count: 200)
        let features = StyleFeatures.measure(repeated)
        // Five types in every 500-word window.
        #expect(abs(features.mattr - 5.0 / 500) < 1e-12)
        #expect(features.firstPersonShare > 0.5)
        #expect(features.pastShare > 0.5)
        #expect(abs(features.meanWordLength - 16.0 / 5) < 1e-12)
    }
}
