import Testing
@testable import Quality

@Suite struct ScannerTests {
    @Test func countsWordsSentencesAndParagraphsByHand() {
        let text = """
            Mr. Bennet smiled. "Don't go," she said; it was well-known—
            and the rain fell!

            A new paragraph… with 3 words? Yes.
            """
        let scanned = TextScanner.scan(text)
        // Mr Bennet smiled | Don't go she said it was well-known and the rain fell | A new paragraph | with words | Yes
        #expect(scanned.wordCount == 21)
        #expect(scanned.paragraphCount == 2)
        #expect(scanned.sentenceCount == 5)
        #expect(scanned.sentenceWords(0) == 0..<3, "the period after Mr. ends no sentence")
        #expect(scanned.paragraphLines == [1, 4])
        // "Don't go" are inside the quotation, "she said" outside.
        #expect(scanned.wordInDialogue[3] && scanned.wordInDialogue[4])
        #expect(!scanned.wordInDialogue[5] && !scanned.wordInDialogue[6])
        #expect(scanned.wordHashes[3] == wordHash("don't"))
        #expect(scanned.wordHashes[9] == wordHash("well-known"))
    }

    @Test func curlyQuotesApostrophesAndNonASCIILetters() {
        let scanned = TextScanner.scan("“I’m café-bound,” said Zoë.")
        #expect(scanned.wordCount == 4)  // I'm | café-bound | said | Zoë
        #expect(scanned.wordHashes[0] == wordHash("i'm"), "’ inside a word is an apostrophe")
        #expect(scanned.wordHashes[1] == wordHash("café-bound"))
        #expect(scanned.wordInDialogue[0] && scanned.wordInDialogue[1])
        #expect(!scanned.wordInDialogue[2])
        #expect(scanned.wordHashes[3] == wordHash("zoë"))
    }

    @Test(arguments: [("cat", 1), ("table", 2), ("make", 1), ("beautiful", 3), ("rhythm", 1), ("the", 1), ("ocean", 2), ("yellow", 2)])
    func syllables(word: String, expected: Int) {
        #expect(Int(TextScanner.scan(word).wordSyllables[0]) == expected)
    }

    @Test func emptyAndPunctuationOnly() {
        #expect(TextScanner.scan("").wordCount == 0)
        #expect(TextScanner.scan("— … !!").wordCount == 0)
    }
}
