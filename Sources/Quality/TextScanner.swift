/// One pass over UTF-8 prose that every metric reads: words (hashed, with syllables and
/// whether they stand inside dialogue), sentences, paragraphs and their line numbers.
/// Works on bytes, not Characters: analysis must run at tens of MB/s.
public struct ScannedText: Sendable {
    /// Per word, struct-of-arrays for cache-friendly passes.
    public internal(set) var wordHashes: [UInt64] = []
    public internal(set) var wordStarts: [Int32] = []
    public internal(set) var wordLengths: [UInt16] = []
    public internal(set) var wordSyllables: [UInt8] = []
    public internal(set) var wordInDialogue: [Bool] = []
    public internal(set) var wordCapitalized: [Bool] = []
    /// Word index where each sentence starts; a sentence runs to the next start.
    public internal(set) var sentenceStarts: [Int32] = []
    /// Sentence index where each paragraph starts, and the paragraph's first line (1-based).
    public internal(set) var paragraphSentenceStarts: [Int32] = []
    public internal(set) var paragraphLines: [Int32] = []
    /// Word index where each paragraph starts.
    public internal(set) var paragraphWordStarts: [Int32] = []
    /// Byte offset where each paragraph starts (its first non-blank byte).
    public internal(set) var paragraphByteStarts: [Int32] = []
    public internal(set) var byteCount = 0

    public var wordCount: Int { wordHashes.count }
    public var sentenceCount: Int { sentenceStarts.count }
    public var paragraphCount: Int { paragraphWordStarts.count }

    /// Words of sentence `index`.
    public func sentenceWords(_ index: Int) -> Range<Int> {
        Int(sentenceStarts[index])..<(index + 1 < sentenceStarts.count ? Int(sentenceStarts[index + 1]) : wordCount)
    }

    /// Words of paragraph `index`.
    public func paragraphWords(_ index: Int) -> Range<Int> {
        Int(paragraphWordStarts[index])..<(index + 1 < paragraphWordStarts.count ? Int(paragraphWordStarts[index + 1]) : wordCount)
    }

    /// Sentences of paragraph `index`.
    public func paragraphSentences(_ index: Int) -> Range<Int> {
        Int(paragraphSentenceStarts[index])..<(index + 1 < paragraphSentenceStarts.count ? Int(paragraphSentenceStarts[index + 1]) : sentenceCount)
    }

    /// The paragraph that holds word `word` (binary search).
    public func paragraph(ofWord word: Int) -> Int {
        var low = 0, high = paragraphWordStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if Int(paragraphWordStarts[middle]) <= word { low = middle } else { high = middle - 1 }
        }
        return low
    }
}

/// FNV-1a over lowercased bytes, the hash every lexicon lookup uses.
@inline(__always) func fnv1a<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash = (hash ^ UInt64(lowercase(byte))) &* 0x0000_0100_0000_01B3
    }
    return hash
}

@inline(__always) func lowercase(_ byte: UInt8) -> UInt8 { (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte }

/// The hash of a word or phrase as written in a lexicon (lowercase, ASCII apostrophes).
public func wordHash(_ word: String) -> UInt64 { fnv1a(Array(word.utf8)) }

public enum TextScanner {
    /// Abbreviations whose period does not end a sentence.
    static let abbreviations: Set<UInt64> = Set(["mr", "mrs", "ms", "dr", "st", "sr", "jr", "messrs", "mme", "mlle", "prof", "rev", "col", "gen", "capt", "lt", "sgt", "no", "vs", "etc", "esq", "hon"].map(wordHash))

    public static func scan(_ text: String) -> ScannedText {
        var copy = text
        return copy.withUTF8 { scan(bytes: $0) }
    }

    public static func scan(bytes: UnsafeBufferPointer<UInt8>) -> ScannedText {
        // The class table as a local pointer: a static is re-checked for initialisation on every access.
        byteClasses.withUnsafeBufferPointer { classes in scan(bytes: bytes, classes: classes) }
    }

    private static func scan(bytes: UnsafeBufferPointer<UInt8>, classes: UnsafeBufferPointer<UInt8>) -> ScannedText {
        var result = ScannedText()
        let count = bytes.count
        result.byteCount = count
        let estimate = count / 4 + 16  // English runs ~5.5 bytes a word: no regrowth
        // Local arrays, moved into the result at the end: appending to a struct's fields
        // through `inout` paid a uniqueness check per append.
        var wordHashes: [UInt64] = [], wordStarts: [Int32] = [], wordLengths: [UInt16] = []
        var wordSyllables: [UInt8] = [], wordInDialogue: [Bool] = [], wordCapitalized: [Bool] = []
        wordHashes.reserveCapacity(estimate)
        wordStarts.reserveCapacity(estimate)
        wordLengths.reserveCapacity(estimate)
        wordSyllables.reserveCapacity(estimate)
        wordInDialogue.reserveCapacity(estimate)
        wordCapitalized.reserveCapacity(estimate)

        var index = 0
        var inQuote = false
        var sentenceOpen = false
        var lastWordHash: UInt64 = 0
        var lastWordLength = 0
        // Paragraphs follow the one rule the enhancer also splits by (`Paragraphs`): each
        // starts at its first non-blank byte, which closes the sentence and any quotation
        // left open before it (an opening quotation mark then opens a new one).
        let paragraphs = Paragraphs.spans(bytes: bytes)
        var nextParagraph = 0
        var nextParagraphStart = paragraphs.first?.bytes.lowerBound ?? Int.max

        while index < count {
            if index >= nextParagraphStart {
                sentenceOpen = false
                inQuote = false
                result.paragraphWordStarts.append(Int32(wordHashes.count))
                result.paragraphSentenceStarts.append(Int32(result.sentenceStarts.count))
                result.paragraphLines.append(Int32(paragraphs[nextParagraph].line))
                result.paragraphByteStarts.append(Int32(paragraphs[nextParagraph].bytes.lowerBound))
                nextParagraph += 1
                nextParagraphStart = nextParagraph < paragraphs.count ? paragraphs[nextParagraph].bytes.lowerBound : Int.max
            }
            let byte = bytes[index]
            if classes[Int(byte)] & Self.asciiWord != 0 || (byte >= 0x80 && isWordStart(byte, bytes, index)) {
                if !sentenceOpen {
                    sentenceOpen = true
                    result.sentenceStarts.append(Int32(wordHashes.count))
                }
                let start = index
                var hash: UInt64 = 0xCBF2_9CE4_8422_2325
                var syllables = 0
                var previousVowel = false
                var lastLetter: UInt8 = 0
                var beforeLast: UInt8 = 0
                var letters = 0
                while index < count {
                    var current = bytes[index]  // lowercased in place on the fast path
                    let byteClass = classes[Int(current)]
                    if byteClass & Self.asciiWord != 0 {
                        // The common case, an ASCII letter or digit, decided by one table load.
                        if byteClass & Self.asciiLetter != 0 {
                            current |= 0x20
                            let vowel = byteClass & Self.vowel != 0 || (byteClass & Self.letterY != 0 && letters > 0)
                            if vowel && !previousVowel { syllables += 1 }
                            previousVowel = vowel
                            beforeLast = lastLetter
                            lastLetter = current
                            letters += 1
                        } else {
                            previousVowel = false
                        }
                        hash = (hash ^ UInt64(current)) &* 0x0000_0100_0000_01B3
                        index += 1
                        continue
                    }
                    if current == 0xE2, index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] == 0x99 {
                        // ’ inside a word is an apostrophe: hash it as '.
                        guard index + 3 < count, isLetterByte(bytes[index + 3]) else { break }
                        hash = (hash ^ 0x27) &* 0x0000_0100_0000_01B3
                        index += 3
                        previousVowel = false
                        continue
                    }
                    if current == 0x27 || current == 0x2D {
                        // ' and single - join letters ("don't", "well-known"); "--" is a dash.
                        guard index + 1 < count, isLetterByte(bytes[index + 1]), letters > 0 else { break }
                    } else if !isWordByte(current, bytes, index) {
                        break
                    }
                    // Here only an apostrophe, a hyphen or a byte of a non-ASCII letter: ASCII
                    // letters and digits took the fast path above.
                    hash = (hash ^ UInt64(current)) &* 0x0000_0100_0000_01B3
                    previousVowel = false
                    if current >= 0x80 { letters += 1 }
                    index += 1
                }
                // Silent final e ("make"), but not "-le" after a consonant ("table").
                if lastLetter == 0x65, syllables > 1, !(beforeLast == 0x6C && letters > 2) { syllables -= 1 }
                let length = index - start
                wordHashes.append(hash)
                wordStarts.append(Int32(start))
                wordLengths.append(UInt16(min(length, Int(UInt16.max))))
                wordSyllables.append(UInt8(min(max(syllables, 1), 255)))
                wordInDialogue.append(inQuote)
                wordCapitalized.append(bytes[start] >= 0x41 && bytes[start] <= 0x5A)
                lastWordHash = hash
                lastWordLength = length
                continue
            }
            switch byte {
            case 0x0A, 0x0D, 0x20, 0x09:
                break
            case 0x22:  // "
                inQuote.toggle()
            case 0x2E, 0x21, 0x3F:  // . ! ?
                let isAbbreviation = byte == 0x2E && (abbreviations.contains(lastWordHash) || lastWordLength == 1)
                // The period of "Mr." or an initial, or one inside "3.5" or "...x", ends nothing.
                let next = index + 1 < count ? bytes[index + 1] : 0x20
                let endsHere = next == 0x20 || next == 0x0A || next == 0x0D || next == 0x22 || next == 0xE2 || next == 0x29 || next == 0x5F || next == 0x09
                if sentenceOpen, endsHere, !isAbbreviation { sentenceOpen = false }
            case 0xE2 where index + 2 < count && bytes[index + 1] == 0x80:
                switch bytes[index + 2] {
                case 0x9C: inQuote = true  // “
                case 0x9D: inQuote = false  // ”
                case 0xA6: if sentenceOpen { sentenceOpen = false }  // … ends a sentence
                default: break
                }
                index += 2
            default:
                // Skip the rest of a multi-byte character that is not a letter (C2 xx punctuation, symbols).
                if byte >= 0xC0 { index += byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : 1 }
            }
            index += 1
        }
        result.wordHashes = wordHashes
        result.wordStarts = wordStarts
        result.wordLengths = wordLengths
        result.wordSyllables = wordSyllables
        result.wordInDialogue = wordInDialogue
        result.wordCapitalized = wordCapitalized
        return result
    }

    static let asciiWord: UInt8 = 1, asciiLetter: UInt8 = 2, vowel: UInt8 = 4, letterY: UInt8 = 8

    /// What each byte value is, for the scanner's inner loop.
    static let byteClasses: [UInt8] = (0..<256).map { value in
        let byte = UInt8(value)
        var classes: UInt8 = 0
        let lower = byte | 0x20
        if (lower >= 0x61 && lower <= 0x7A) && ((byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)) {
            classes |= asciiWord | asciiLetter
            if [0x61, 0x65, 0x69, 0x6F, 0x75].contains(lower) { classes |= vowel }
            if lower == 0x79 { classes |= letterY }
        }
        if byte >= 0x30 && byte <= 0x39 { classes |= asciiWord }
        return classes
    }

    /// A word starts at an ASCII letter or digit, or a non-ASCII letter's lead byte.
    @inline(__always) static func isWordStart(_ byte: UInt8, _ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        if byte < 0x80 {
            return (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
        }
        if byte == 0xE2, index + 1 < bytes.count, bytes[index + 1] == 0x80 || bytes[index + 1] == 0x81 { return false }
        return byte >= 0xC3 && byte < 0xF8
    }

    @inline(__always) static func isLetterByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte >= 0xC0
    }

    /// Letters, digits and non-ASCII letters; general punctuation (E2 80 xx) is not.
    @inline(__always) static func isWordByte(_ byte: UInt8, _ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        if byte < 0x80 {
            return (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
        }
        if byte == 0xE2, index + 1 < bytes.count, bytes[index + 1] == 0x80 || bytes[index + 1] == 0x81 { return false }
        if byte == 0xC2 { return false }  // Latin-1 punctuation and no-break space
        return byte >= 0xC3 || (byte >= 0x80 && byte < 0xC0)
    }
}
