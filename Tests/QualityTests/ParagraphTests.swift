import Testing
@testable import Quality

/// One paragraph rule for the analyser and the enhancer (`Paragraphs`).
@Suite struct ParagraphTests {
    @Test func blankLinesWithCRLFOrSpacesSeparateParagraphs() {
        let text = "  First one.\r\nStill first.\r\n\r\nSecond.\r\n   \r\nThird here.\n \t\n\nFourth.  \n"
        let paragraphs = Paragraphs.split(text)
        #expect(paragraphs.map { String(text[$0.range]) } == ["First one.\r\nStill first.", "Second.", "Third here.", "Fourth."])
        #expect(paragraphs.map(\.line) == [1, 4, 6, 9])
        // Byte offsets and string ranges name the same span.
        let bytes = Array(text.utf8)
        for paragraph in paragraphs {
            #expect(String(decoding: bytes[paragraph.bytes], as: UTF8.self) == String(text[paragraph.range]))
        }
    }

    /// A block without a word (a scene break, a lone dash) belongs to no paragraph.
    @Test func aBlockWithoutAWordIsNoParagraph() {
        let text = "Before the break.\n\n* * *\n\nAfter it.\n\n—\n"
        #expect(Paragraphs.texts(text) == ["Before the break.", "After it."])
        #expect(TextScanner.scan(text).paragraphCount == 2)
    }

    @Test func replacingChangesOnlyThatParagraph() {
        let text = "One.\r\n\r\n  Two, indented.\r\n \r\nThree.\r\n"
        let second = Paragraphs.split(text)[1]
        #expect(Paragraphs.replacing(second, in: text, with: "Deux.") == "One.\r\n\r\n  Deux.\r\n \r\nThree.\r\n")
    }

    /// Since scorer heuristic-2 a block that opens with a quotation mark is a paragraph of
    /// its own (heuristic-1 ran it into the narration before it), and its dialogue is dialogue.
    @Test func aBlockOpeningWithAQuotationMarkIsAParagraph() {
        let text = "He waited by the door.\n\n\"Come in,\" she said.\n\n\u{201C}Now,\u{201D} he answered."
        let scanned = TextScanner.scan(text)
        #expect(scanned.paragraphCount == 3)
        #expect(scanned.paragraphLines == [1, 3, 5])
        // He waited by the door | Come in | she said | Now | he answered
        #expect(scanned.wordInDialogue == [false, false, false, false, false, true, true, false, false, true, false, false])
    }

    /// The analyser's paragraph numbers are the splitter's, whatever the line endings.
    @Test(arguments: [
        "A.\n\nB.\n\nC.",
        "A one.\r\n\r\nB two.\r\n\r\n\r\nC three.",
        "A.\n   \nB.\n\t\nC.\n \r\n D.",
        "\"Quoted,\" she said.\n\n\"Again.\"\n\n* * *\n\nPlain.",
        "Lines\nof one\nparagraph.\n\n\n\nAnd another.",
        "   \n\n  Leading blank lines.\n\nTrailing ones.\n\n  \n",
        "",
        "— … !!",
    ])
    func theScannerNumbersParagraphsLikeTheSplitter(text: String) {
        let scanned = TextScanner.scan(text)
        let paragraphs = Paragraphs.split(text)
        #expect(scanned.paragraphCount == paragraphs.count)
        #expect(scanned.paragraphLines.map(Int.init) == paragraphs.map(\.line))
        // Each paragraph's words are the words inside its span.
        for (index, paragraph) in paragraphs.enumerated() {
            let words = scanned.paragraphWords(index)
            #expect(words.allSatisfy { paragraph.bytes.contains(Int(scanned.wordStarts[$0])) })
            #expect(TextScanner.scan(String(text[paragraph.range])).wordCount == words.count)
        }
    }

    @Test func locatedIssuesPointAtTheSplittersParagraph() throws {
        // No sensory term anywhere; paragraph 3 is the only one long enough to be flagged.
        // The blank lines are CRLF and spaces.
        let bare = Array(repeating: "The committee reviewed the policy and the budget and the schedule for the year.", count: 5).joined(separator: " ")
        let text = "The committee met on Monday.\r\n\r\nShe read the minutes again.\r\n   \r\n" + bare + "\r\n\r\nThey adjourned."
        let report = QualityAnalyzer.analyze(text)
        let issue = try #require(report.issues.first { $0.metric == "detail_density" && $0.paragraph != nil })
        #expect(issue.paragraph == 3)
        #expect(String(text[Paragraphs.split(text)[2].range]) == bare)
    }
}
