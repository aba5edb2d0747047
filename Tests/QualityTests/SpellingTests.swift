import Foundation
import Testing
@testable import Quality

/// Reading through typos: a slip in a listed word or a frequent name is read as the word
/// meant, and real words near listed ones are left alone.
@Suite struct SpellingTests {
    static func slip(_ word: String, _ target: String) -> Slip? {
        Array(word.utf8).withUnsafeBufferPointer { Slip.between($0, Array(target.utf8)[...]) }
    }

    @Test func slipsAreToldApart() {
        #expect(Self.slip("siad", "said") == .swapped)
        #expect(Self.slip("hartight", "hartright") == .dropped)
        #expect(Self.slip("writes", "write") == nil)  // a letter added at the end: an inflection
        #expect(Self.slip("wrrite", "write") == .added)
        #expect(Self.slip("wtite", "write") == .changed)
        #expect(Self.slip("odor", "door") == nil)      // the first letter moved
        #expect(Self.slip("door", "doors") == nil)     // the last letter dropped: an inflection
        #expect(Self.slip("bitter", "butter") == .changed)
        #expect(Self.slip("write", "write") == nil)
        #expect(Self.slip("wirtes", "write") == nil)
    }

    @Test func aSwappedSensoryWordStillCounts() {
        let clean = "The lamp cast a yellow glare across the wet stones of the yard, and the rain went on."
        let typo = "The lamp cast a yellow glaer across the wet stones of the yard, and the rain went on."
        #expect(QualityAnalyzer.analyze(clean)["detail_density"] == QualityAnalyzer.analyze(typo)["detail_density"])
        #expect(QualityAnalyzer.analyze(clean)["detail_density"]! > 0)
    }

    @Test func aMisspeltNameIsReadAsTheNameNotAStranger() {
        let names = "Walter Hartright opened the gate. Hartright waited by the wall while the carriage passed. Then Hartright walked on toward the house."
        let clean = names + " The lawyer spoke to Hartright at the door of the study."
        let typo = names + " The lawyer spoke to Hartrigth at the door of the study."
        let dropped = names + " The lawyer spoke to Hartight at the door of the study."
        let stray = CoherenceFeature.allCases.firstIndex(of: .strayNames)!
        let expected = QualityAnalyzer.coherenceFeatures(clean)[stray]
        #expect(QualityAnalyzer.coherenceFeatures(typo)[stray] == expected)
        #expect(QualityAnalyzer.coherenceFeatures(dropped)[stray] == expected)
    }

    @Test func realWordsNearListedOnesAreLeftAlone() {
        // "better" is one changed letter from "bitter", "course" from "coarse", "head" one
        // dropped letter from "heard": none is a typo, none may count as a sense or a feeling.
        let text = "It was better, of course, to keep his head down and say nothing at all about it."
        #expect(QualityAnalyzer.analyze(text)["detail_density"] == 0)
    }

    @Test func aWordUsedTwiceIsNotATypo() {
        // "glaer" twice is a word of this text's, not a slip.
        let text = "The glaer of the marsh was known to all. Nobody walked on the glaer after dark, and the yard stayed wet."
        let swapped = text.replacingOccurrences(of: "glaer", with: "glare")
        #expect(QualityAnalyzer.analyze(text)["detail_density"]! < QualityAnalyzer.analyze(swapped)["detail_density"]!)
    }

    @Test func typosInAStoryMoveTheCompositeLittle() throws {
        let story = CoherenceTests.story.joined(separator: "\n\n")
        guard case .success(let typed) = Perturbation.typos.apply(to: story, seed: 7) else {
            Issue.record("typos did not apply")
            return
        }
        #expect(typed != story)
        let a = QualityAnalyzer.analyze(story), b = QualityAnalyzer.analyze(typed)
        #expect(abs(a.quality - b.quality) <= 0.2)
    }
}
