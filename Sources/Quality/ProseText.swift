import WorkbenchCore

/// A text as the perturbations edit it: its UTF-8 bytes, its paragraphs and each
/// paragraph's sentences, all as byte ranges into `bytes`.
///
/// A paragraph here is a block of lines between blank lines, as a reader sees it (a blank
/// line holds nothing but spaces, tabs or CR, as for `Paragraphs`). The analyser's
/// `Paragraphs` also joins a block that opens with a quotation mark or a dash to the one
/// before it, which makes a conversation one paragraph: shuffling those would move whole
/// conversations and leave an Austen chapter two or three paragraphs to shuffle.
struct ProseText {
    let bytes: [UInt8]
    let paragraphs: [Range<Int>]
    /// Per paragraph, its sentences in order; together with the separators between them
    /// (whitespace) they cover the paragraph. A paragraph without a word ("* * *") has none.
    let sentences: [[Range<Int>]]

    init(_ text: String) {
        let bytes = Array(text.utf8)
        self.bytes = bytes
        paragraphs = Self.blocks(bytes)
        sentences = paragraphs.map { paragraph in
            ProseBytes.words(bytes, in: paragraph).isEmpty ? [] : ProseBytes.sentences(bytes, in: paragraph)
        }
    }

    /// The blocks of non-blank lines, each from its first non-blank byte to its last.
    static func blocks(_ bytes: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var open: Range<Int>?
        var index = 0
        while index < bytes.count {
            var first = -1, last = -1
            while index < bytes.count, bytes[index] != 0x0A {
                if !Paragraphs.isBlank(bytes[index]) {
                    if first < 0 { first = index }
                    last = index
                }
                index += 1
            }
            index += 1  // the LF
            if first < 0 {
                if let block = open { result.append(block) }
                open = nil
            } else {
                open = (open?.lowerBound ?? first)..<(last + 1)
            }
        }
        if let block = open { result.append(block) }
        return result
    }

    /// Every sentence as (paragraph, index in it), in reading order.
    var sentenceIndex: [(paragraph: Int, sentence: Int)] {
        sentences.indices.flatMap { paragraph in sentences[paragraph].indices.map { (paragraph, $0) } }
    }

    func slice(_ range: Range<Int>) -> [UInt8] { Array(bytes[range]) }

    /// The whitespace between sentence j and j + 1 of `paragraph`.
    func separators(_ paragraph: Int) -> [[UInt8]] {
        let spans = sentences[paragraph]
        return spans.indices.dropLast().map { Array(bytes[spans[$0].upperBound..<spans[$0 + 1].lowerBound]) }
    }

    /// Paragraph `paragraph` rebuilt from `pieces`: piece j follows the original separator
    /// at position j − 1 (the layout stays where it was), or a space past the original count;
    /// what stood before the first sentence and after the last is kept.
    func paragraph(_ paragraph: Int, pieces: [[UInt8]]) -> [UInt8] {
        let spans = sentences[paragraph], range = paragraphs[paragraph]
        guard let first = spans.first, let last = spans.last else { return slice(range) }
        let gaps = separators(paragraph)
        var out = Array(bytes[range.lowerBound..<first.lowerBound])
        for (index, piece) in pieces.enumerated() {
            if index > 0 { out += index - 1 < gaps.count ? gaps[index - 1] : [0x20] }
            out += piece
        }
        out += bytes[last.upperBound..<range.upperBound]
        return out
    }

    /// The text with each paragraph's bytes replaced by `contents` (one per paragraph, in
    /// order); the bytes before, between and after paragraphs are kept.
    func assembled(_ contents: [[UInt8]]) -> [UInt8] {
        precondition(contents.count == paragraphs.count, "one content per paragraph")
        guard let first = paragraphs.first, let last = paragraphs.last else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 4)
        out += bytes[0..<first.lowerBound]
        for (index, content) in contents.enumerated() {
            if index > 0 { out += bytes[paragraphs[index - 1].upperBound..<paragraphs[index].lowerBound] }
            out += content
        }
        out += bytes[last.upperBound..<bytes.count]
        return out
    }
}

/// One replacement of a byte range.
struct ByteEdit {
    var range: Range<Int>
    var replacement: [UInt8]

    /// `bytes` with the edits applied; an edit overlapping an earlier one is dropped.
    static func apply(_ edits: [ByteEdit], to bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + edits.count * 8)
        var cursor = 0
        for edit in edits.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) where edit.range.lowerBound >= cursor {
            out += bytes[cursor..<edit.range.lowerBound]
            out += edit.replacement
            cursor = edit.range.upperBound
        }
        out += bytes[cursor..<bytes.count]
        return out
    }
}

/// Byte-level reading of UTF-8 prose: words, sentences, case.
enum ProseBytes {
    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C
    }

    @inline(__always) static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    @inline(__always) static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    @inline(__always) static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }

    /// Bytes of the code point that `byte` starts (1 for a stray continuation byte).
    @inline(__always) static func width(_ byte: UInt8) -> Int {
        byte < 0xC0 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
    }

    /// Whether a letter or digit starts at `index`: ASCII, or a non-ASCII letter by the
    /// scanner's rule (general punctuation, E2 80/81 xx, and Latin-1 punctuation, C2 xx, are not).
    @inline(__always) static func startsWord(_ bytes: [UInt8], _ index: Int) -> Bool {
        let byte = bytes[index]
        if byte < 0x80 { return isASCIILetter(byte) || (byte >= 0x30 && byte <= 0x39) }
        if byte == 0xE2, index + 1 < bytes.count, bytes[index + 1] == 0x80 || bytes[index + 1] == 0x81 { return false }
        return byte >= 0xC3 && byte < 0xF8
    }

    /// The width of an apostrophe (' or ’) at `index`, or 0.
    @inline(__always) static func apostrophe(_ bytes: [UInt8], _ index: Int) -> Int {
        if bytes[index] == 0x27 { return 1 }
        if bytes[index] == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0x99 { return 3 }
        return 0
    }

    /// The word starting at `start` (which starts a word), up to `end`: letters and digits,
    /// with an apostrophe between letters ("don't", "Emma’s") but not a hyphen.
    static func word(_ bytes: [UInt8], at start: Int, end: Int) -> Range<Int> {
        var index = min(end, start + width(bytes[start]))
        while index < end {
            if startsWord(bytes, index) {
                index = min(end, index + width(bytes[index]))
                continue
            }
            let mark = apostrophe(bytes, index)
            if mark > 0, index + mark < end, startsWord(bytes, index + mark) {
                index += mark
                continue
            }
            break
        }
        return start..<index
    }

    /// Every word of `bytes[range]`, in order.
    static func words(_ bytes: [UInt8], in range: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var index = range.lowerBound
        while index < range.upperBound {
            if startsWord(bytes, index) {
                let word = word(bytes, at: index, end: range.upperBound)
                result.append(word)
                index = word.upperBound
            } else {
                index += width(bytes[index])
            }
        }
        return result
    }

    /// A word as a lookup key: ASCII lowercased, ’ as '.
    static func key(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            if apostrophe(bytes, index) == 3 {
                out.append(0x27)
                index += 3
                continue
            }
            let byte = bytes[index]
            out.append(isUpper(byte) ? byte | 0x20 : byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `replacement` in the case of `original`: all capitals (two letters or more) stay all
    /// capitals, a capital first letter stays capital, anything else takes the replacement as written.
    static func matchingCase(_ replacement: String, of original: ArraySlice<UInt8>) -> [UInt8] {
        let letters = original.filter(isASCIILetter)
        var out = Array(replacement.utf8)
        if letters.count > 1, letters.allSatisfy(isUpper) {
            return out.map { isLower($0) ? $0 - 0x20 : $0 }
        }
        if let first = letters.first, isUpper(first), let head = out.first, isLower(head) { out[0] = head - 0x20 }
        return out
    }

    /// Periods after these (lowercase) do not end a sentence.
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "st", "sr", "jr", "messrs", "mme", "mlle", "prof", "rev", "col", "gen", "capt", "lt", "sgt",
        "vs", "esq", "hon", "viz", "cf", "ibid",
    ]

    /// . ! ? (1) or … (3) at `index`, else 0.
    @inline(__always) static func terminator(_ bytes: [UInt8], _ index: Int) -> Int {
        let byte = bytes[index]
        if byte == 0x2E || byte == 0x21 || byte == 0x3F { return 1 }
        if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA6 { return 3 }
        return 0
    }

    /// A mark that closes what a terminator ended: " ' ) ] _ ’ ” (width, or 0).
    @inline(__always) static func closer(_ bytes: [UInt8], _ index: Int) -> Int {
        switch bytes[index] {
        case 0x22, 0x27, 0x29, 0x5D, 0x5F, 0x2A: return 1
        case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0x99 || bytes[index + 2] == 0x9D): return 3
        default: return 0
        }
    }

    /// Whether what follows a terminator continues the sentence: a lowercase letter ("“Is
    /// it?” she asked", "Oh! how kind"), or a comma, semicolon, colon or dash.
    @inline(__always) static func continues(_ bytes: [UInt8], _ index: Int) -> Bool {
        let byte = bytes[index]
        if isLower(byte) || byte == 0x2C || byte == 0x3B || byte == 0x3A { return true }
        return byte == 0xE2 && index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0x94 || bytes[index + 2] == 0x93)
    }

    /// The sentences of `bytes[range]`, each from its first non-blank byte to the end of its
    /// closing marks. A sentence ends at . ! ? or … (and the quotation marks or brackets
    /// after it) followed by white space, unless the period follows an abbreviation ("Mr.")
    /// or an initial, or the next word starts in lowercase or with a comma or dash. A piece
    /// without a letter or digit ("* * *") joins the sentence before it.
    static func sentences(_ bytes: [UInt8], in range: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        let end = range.upperBound
        var start = -1, lastEnd = range.lowerBound
        var lastWord: Range<Int>?
        var index = range.lowerBound
        while index < end {
            let byte = bytes[index]
            if isSpace(byte) {
                index += 1
                continue
            }
            if start < 0 { start = index }
            if startsWord(bytes, index) {
                let word = word(bytes, at: index, end: end)
                lastWord = word
                index = word.upperBound
                lastEnd = index
                continue
            }
            guard terminator(bytes, index) > 0 else {
                index = min(end, index + width(byte))
                lastEnd = index
                continue
            }
            var after = index
            while after < end, case let mark = terminator(bytes, after), mark > 0 { after += mark }
            let marks = after - index
            while after < end, case let mark = closer(bytes, after), mark > 0 { after += mark }
            lastEnd = after
            var ends = after == end || isSpace(bytes[after])
            if ends, byte == 0x2E, marks == 1, after == index + 1, let word = lastWord, word.upperBound == index {
                let text = key(bytes, word)
                let initial = word.count == 1 && isUpper(bytes[word.lowerBound]) && bytes[word.lowerBound] != 0x49  // not "I"
                if initial || abbreviations.contains(text) { ends = false }
            }
            if ends {
                var next = after
                while next < end, isSpace(bytes[next]) { next += 1 }
                if next < end, continues(bytes, next) { ends = false }
            }
            if ends {
                result.append(start..<after)
                start = -1
            }
            index = after
        }
        if start >= 0 { result.append(start..<lastEnd) }
        // A piece with no word joins the sentence before it (the first one, the sentence after it).
        var merged: [Range<Int>] = []
        var firstIsWordless = false
        for sentence in result {
            let hasWord = sentence.contains { startsWord(bytes, $0) }
            if let last = merged.last, !hasWord || (merged.count == 1 && firstIsWordless) {
                merged[merged.count - 1] = last.lowerBound..<sentence.upperBound
                firstIsWordless = firstIsWordless && !hasWord
            } else {
                merged.append(sentence)
                firstIsWordless = !hasWord
            }
        }
        return merged
    }
}
