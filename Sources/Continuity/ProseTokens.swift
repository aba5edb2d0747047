import Quality

/// One word, number or mark of a chapter, as the extractor's patterns read it.
struct Token: Sendable {
    enum Kind: UInt8, Sendable {
        case word, number
        /// "'s" after a word ("Hale's"), split off so a name stays a name.
        case possessive
        case period, comma, semicolon, colon, exclamation, question, dash, openQuote, closeQuote, other
    }
    var kind: Kind
    /// UTF-8 byte offsets in the chapter.
    var bytes: Range<Int>
    /// Words and numbers lowercased, with typographic apostrophes as ASCII; empty for marks.
    var lower: String
    var capitalised: Bool
    /// The first word of its sentence (or of a quotation): capitals there say nothing about names.
    var sentenceStart: Bool
    var inDialogue: Bool
    /// 0-based paragraph of the chapter (`Paragraphs.split`) and chapter-wide sentence.
    var paragraph: Int
    var sentence: Int

    var isWord: Bool { kind == .word }
    /// A mark that ends a clause: what a pattern stops at.
    var endsClause: Bool {
        switch kind {
        case .period, .comma, .semicolon, .colon, .exclamation, .question, .dash, .openQuote, .closeQuote: true
        default: false
        }
    }
}

/// A chapter cut into tokens over its paragraphs, with the arithmetic that turns a token
/// span into a located `Quote`. Works on UTF-8 bytes: the graph is updated as each chapter is written.
struct TokenizedChapter: Sendable {
    let number: Int
    let text: String
    let bytes: [UInt8]
    let paragraphs: [Paragraph]
    private(set) var tokens: [Token] = []
    private let lineStarts: [Int]

    /// Words whose stop does not end a sentence.
    static let abbreviations: Set<String> = ["mr", "mrs", "ms", "dr", "st", "messrs", "mme", "mlle", "prof", "rev", "col", "gen", "capt", "lt", "sgt", "esq", "hon", "jr", "sr", "no", "vs", "etc"]

    init(number: Int, text: String) {
        self.number = number
        self.text = text
        let bytes = Array(text.utf8)
        self.bytes = bytes
        paragraphs = Paragraphs.split(text)
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == 0x0A { starts.append(offset + 1) }
        lineStarts = starts
        var sentence = -1
        for (index, paragraph) in paragraphs.enumerated() {
            tokenize(paragraph.bytes, paragraph: index, sentence: &sentence)
        }
    }

    /// The 1-based line of the chapter that holds byte `offset`.
    func line(at offset: Int) -> Int {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low + 1
    }

    /// The exact text from token `first` through token `last`, located.
    func quote(_ first: Int, _ last: Int) -> Quote {
        let span = tokens[first].bytes.lowerBound..<tokens[last].bytes.upperBound
        return Quote(text: String(decoding: bytes[span], as: UTF8.self), chapter: number, paragraph: tokens[first].paragraph + 1, line: line(at: span.lowerBound), bytes: span)
    }

    /// The whole sentence around token `index`, from its first to its last token (marks included).
    func sentenceSpan(of index: Int) -> ClosedRange<Int> {
        let sentence = tokens[index].sentence
        var first = index, last = index
        while first > 0, tokens[first - 1].sentence == sentence { first -= 1 }
        while last + 1 < tokens.count, tokens[last + 1].sentence == sentence { last += 1 }
        return first...last
    }

    // MARK: Cutting

    private mutating func tokenize(_ range: Range<Int>, paragraph: Int, sentence: inout Int) {
        var index = range.lowerBound
        let end = range.upperBound
        var inDialogue = false
        var newSentence = true
        var afterOpeningQuote = false
        func isLetter(_ i: Int) -> Bool {
            guard i < end else { return false }
            let byte = bytes[i]
            if byte < 0x80 { return (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
            // Latin letters with accents (lead bytes C3–C5); other multibyte sequences are marks.
            return byte >= 0xC3 && byte <= 0xC5
        }
        func isRightSingleQuote(_ i: Int) -> Bool { i + 2 < end && bytes[i] == 0xE2 && bytes[i + 1] == 0x80 && bytes[i + 2] == 0x99 }
        func append(_ kind: Token.Kind, _ span: Range<Int>, lower: String = "", capitalised: Bool = false) {
            var start = false
            if kind == .word || kind == .number {
                if newSentence { sentence += 1 }
                start = newSentence || afterOpeningQuote
                newSentence = false
                afterOpeningQuote = false
            } else if sentence < 0 {
                sentence = 0
            }
            tokens.append(Token(kind: kind, bytes: span, lower: lower, capitalised: capitalised, sentenceStart: start, inDialogue: inDialogue, paragraph: paragraph, sentence: max(sentence, 0)))
        }
        while index < end {
            let byte = bytes[index]
            if isLetter(index) {
                let start = index
                var lower: [UInt8] = []
                while index < end {
                    if isLetter(index) {
                        let b = bytes[index]
                        if b < 0x80 {
                            lower.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
                            index += 1
                        } else {
                            lower.append(b)
                            if index + 1 < end { lower.append(bytes[index + 1]) }
                            index += 2
                        }
                    } else if index < end, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                        lower.append(bytes[index])
                        index += 1
                    } else if (bytes[index] == 0x27 && isLetter(index + 1)) || (isRightSingleQuote(index) && isLetter(index + 3)) {
                        let width = bytes[index] == 0x27 ? 1 : 3
                        // "'s" closing the word is a possessive of its own.
                        let afterS = index + width + 1
                        if (bytes[index + width] | 0x20) == 0x73, !isLetter(afterS) { break }
                        lower.append(0x27)
                        index += width
                    } else if bytes[index] == 0x2D, isLetter(index + 1), !(index > start && bytes[index - 1] == 0x2D) {
                        lower.append(0x2D)
                        index += 1
                    } else {
                        break
                    }
                }
                let first = bytes[start]
                append(.word, start..<index, lower: String(decoding: lower, as: UTF8.self), capitalised: first >= 0x41 && first <= 0x5A)
                // A possessive "'s" right after.
                if index < end, bytes[index] == 0x27 || isRightSingleQuote(index) {
                    let width = bytes[index] == 0x27 ? 1 : 3
                    if index + width < end, (bytes[index + width] | 0x20) == 0x73, !isLetter(index + width + 1) {
                        tokens.append(Token(kind: .possessive, bytes: index..<(index + width + 1), lower: "'s", capitalised: false, sentenceStart: false, inDialogue: inDialogue, paragraph: paragraph, sentence: max(sentence, 0)))
                        index += width + 1
                    }
                }
                continue
            }
            if byte >= 0x30, byte <= 0x39 {
                let start = index
                while index < end, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
                append(.number, start..<index, lower: String(decoding: bytes[start..<index], as: UTF8.self))
                continue
            }
            switch byte {
            case 0x2E:
                append(.period, index..<index + 1)
                let previous = tokens.count >= 2 ? tokens[tokens.count - 2] : nil
                let isAbbreviation = previous.map { $0.isWord && (Self.abbreviations.contains($0.lower) || ($0.lower.utf8.count == 1 && $0.capitalised)) } ?? false
                if !isAbbreviation { newSentence = true }
                index += 1
            case 0x21, 0x3F:
                append(byte == 0x21 ? .exclamation : .question, index..<index + 1)
                newSentence = true
                index += 1
            case 0x2C: append(.comma, index..<index + 1); index += 1
            case 0x3B: append(.semicolon, index..<index + 1); index += 1
            case 0x3A: append(.colon, index..<index + 1); index += 1
            case 0x22:
                // A straight quote opens after a space, a line start or a bracket; otherwise it closes.
                let before: UInt8 = index > range.lowerBound ? bytes[index - 1] : 0x20
                let opening = before == 0x20 || before == 0x0A || before == 0x09 || before == 0x28 || before == 0x2D || before == 0x0D
                if opening { inDialogue = true; append(.openQuote, index..<index + 1); afterOpeningQuote = true } else { append(.closeQuote, index..<index + 1); inDialogue = false }
                index += 1
            case 0x2D:
                if index + 1 < end, bytes[index + 1] == 0x2D {
                    var stop = index
                    while stop < end, bytes[stop] == 0x2D { stop += 1 }
                    append(.dash, index..<stop)
                    index = stop
                } else {
                    index += 1
                }
            case 0xE2 where index + 2 < end && bytes[index + 1] == 0x80:
                let third = bytes[index + 2]
                switch third {
                case 0x9C:
                    inDialogue = true
                    append(.openQuote, index..<index + 3)
                    afterOpeningQuote = true
                case 0x9D:
                    append(.closeQuote, index..<index + 3)
                    inDialogue = false
                case 0x93, 0x94: append(.dash, index..<index + 3)
                default: append(.other, index..<index + 3)
                }
                index += 3
            case 0x20, 0x09, 0x0A, 0x0D, 0x5F, 0x2A:
                index += 1
            default:
                if byte >= 0x80 {
                    // Skip the rest of a multibyte sequence.
                    var stop = index + 1
                    while stop < end, bytes[stop] & 0xC0 == 0x80 { stop += 1 }
                    append(.other, index..<stop)
                    index = stop
                } else {
                    append(.other, index..<index + 1)
                    index += 1
                }
            }
        }
    }
}
