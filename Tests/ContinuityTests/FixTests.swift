import Testing
@testable import Continuity
import WorkbenchCore

/// The pure half of fixing: the span a fix may rewrite, what an edit changes, and the verdict.
@Suite struct FixTests {
    static let chapterOne = "Marcus Hale came to the mill. Marcus had grey eyes and a quiet voice.\n\nHe walked to the river."
    static let chapterTwo = "The winter was long. Mr. Hale looked up, and Marcus's blue eyes were wet. He said nothing.\n\nNight fell."

    static func check(_ texts: [String]) -> BookCheck {
        BookCheck(texts.enumerated().map { ChapterText(number: $0.offset + 1, text: $0.element) })
    }

    @Test func theSentenceSpanHoldsTheQuoteAndStopsAtItsSentence() throws {
        let violation = try #require(Self.check([Self.chapterOne, Self.chapterTwo]).violations.first)
        let sentence = try #require(FixSpan.around(violation, in: Self.chapterTwo, scope: .sentence))
        // "Mr." ends no sentence; the span runs to the full stop after the quote.
        #expect(sentence.text == "Mr. Hale looked up, and Marcus's blue eyes were wet.")
        #expect(sentence.paragraph == 1 && sentence.chapter == 2)
        let paragraph = try #require(FixSpan.around(violation, in: Self.chapterTwo, scope: .paragraph))
        #expect(paragraph.text == "The winter was long. Mr. Hale looked up, and Marcus's blue eyes were wet. He said nothing.")
    }

    @Test func anEditChangesOnlyItsSpanAndCountsTheWordsItChanges() throws {
        let violation = try #require(Self.check([Self.chapterOne, Self.chapterTwo]).violations.first)
        let span = try #require(FixSpan.around(violation, in: Self.chapterTwo, scope: .sentence))
        let edit = FixEdit(span: span, replacement: "Mr. Hale looked up, and Marcus's grey eyes were wet.")
        #expect(edit.applied(to: Self.chapterTwo) == Self.chapterTwo.replacingOccurrences(of: "blue", with: "grey"))
        #expect(edit.tokensChanged == 1)
        #expect(FixEdit.tokensChanged(from: "a b c d", to: "a x c d e") == 2)
        #expect(FixEdit.tokensChanged(from: "", to: "") == 0)
    }

    @Test func theVerdictKeepsOnlyAnEditThatRemovesTheViolationAndNothingElse() throws {
        let before = Self.check([Self.chapterOne, Self.chapterTwo]).violations
        let target = try #require(before.first)
        let span = try #require(FixSpan.around(target, in: Self.chapterTwo, scope: .sentence))
        let policy = FixPolicy()
        func verdict(_ replacement: String, quality: Double = 7) -> FixOutcome {
            let edit = FixEdit(span: span, replacement: replacement)
            let after = Self.check([Self.chapterOne, edit.applied(to: Self.chapterTwo)]).violations
            return policy.judge(edit, target: target, before: before, after: after, chapterWords: 100, qualityBefore: 7, qualityAfter: quality).outcome
        }
        #expect(verdict("Mr. Hale looked up, and Marcus's grey eyes were wet.") == .kept)
        #expect(verdict("Mr. Hale looked up, and Marcus's green eyes were wet.") == .violationRemains)
        #expect(verdict("Mr. Hale looked up, and Marcus's grey eyes were wet.", quality: 6.9) == .kept, "a drop within the tolerance is noise")
        #expect(verdict("Mr. Hale looked up, and Marcus's grey eyes were wet.", quality: 6.5) == .qualityDropped)
        #expect(verdict(span.text) == .emptyAnswer)
        #expect(verdict("") == .emptyAnswer)
        #expect(verdict("Mr. Hale looked up, and Marcus's grey eyes were wet and he went home to sleep for a long while.") == .tooLarge)
        // A fix that removes the contradiction but kills a man who acts later.
        let killing = FixEdit(span: span, replacement: "Mr. Hale looked up, and Marcus's grey eyes were wet. Marcus died.")
        let afterKilling = Self.check([Self.chapterOne, killing.applied(to: Self.chapterTwo) + " Marcus smiled."]).violations
        #expect(policy.judge(killing, target: target, before: before, after: afterKilling, chapterWords: 1000, qualityBefore: 7, qualityAfter: 7).outcome == .newViolation)
    }

    @Test func theSheetDecidesWhichPassageIsWrong() throws {
        let characters = [BookCharacter(name: "Marcus Hale", attributes: ["eyes": "blue eyes", "age": "40"])]
        let check = BookCheck([Self.chapterOne, Self.chapterTwo].enumerated().map { ChapterText(number: $0.offset + 1, text: $0.element) }, characters: characters)
        let sheet = check.facts.filter { $0.quote.chapter == CharacterSheet.chapter }
        #expect(sheet.map(\.predicate) == [.age, .eyeColour] && sheet[1].quote.place == "the outline's character sheet")
        // The sheet says blue: chapter 1's "grey" is the one at odds with it.
        let violation = try #require(check.violations.first { $0.established.quote.chapter == 1 } ?? check.violations.first)
        let target = violation.fixTarget(sheet: sheet)
        #expect(target.wrong.quote.text == "Marcus had grey eyes" && target.right.quote.chapter == CharacterSheet.chapter)
        // Without a sheet the later passage is the one to change.
        let plain = try #require(Self.check([Self.chapterOne, Self.chapterTwo]).violations.first)
        #expect(plain.fixTarget(sheet: []).wrong.quote.text == "Marcus's blue eyes")
    }
}
