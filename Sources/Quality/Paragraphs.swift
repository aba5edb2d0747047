import Foundation

/// One paragraph of a text, where it lies and where it starts.
public struct Paragraph: Sendable, Equatable {
    /// UTF-8 byte offsets of the paragraph's text: from its first non-blank byte to the end
    /// of its last one, so the blank lines, indentation and line endings around it are not part of it.
    public var bytes: Range<Int>
    /// The same span as indices of the text it was split from.
    public var range: Range<String.Index>
    /// The line it starts on, 1-based (lines end at LF; a CR before it belongs to the ending).
    public var line: Int
}

/// The one paragraph rule of the workbench: the analyser numbers paragraphs with it (the
/// `paragraph` of a located issue), and the enhancer rewrites the paragraph so numbered.
///
/// A line is blank when it holds nothing but spaces, tabs or CR, so CRLF endings and "blank"
/// lines holding spaces separate paragraphs like "\n\n" does. A paragraph is a block of
/// non-blank lines between blank ones that holds a word, whatever it opens with (dialogue
/// after a quotation mark or a dash is a paragraph of its own); a block without a word (a
/// scene break such as "* * *") belongs to no paragraph.
public enum Paragraphs {
    /// Every paragraph of `text`, in order.
    public static func split(_ text: String) -> [Paragraph] {
        var copy = text
        let found = copy.withUTF8 { Self.spans(bytes: $0) }
        let utf8 = text.utf8
        var result: [Paragraph] = []
        result.reserveCapacity(found.count)
        var cursor = utf8.startIndex, offset = 0
        for span in found {
            // Walk forward once: offsetting a String index is linear in general.
            let start = utf8.index(cursor, offsetBy: span.bytes.lowerBound - offset)
            let end = utf8.index(start, offsetBy: span.bytes.count)
            result.append(Paragraph(bytes: span.bytes, range: start..<end, line: span.line))
            cursor = end
            offset = span.bytes.upperBound
        }
        return result
    }

    /// The paragraphs' texts, in order.
    public static func texts(_ text: String) -> [Substring] {
        split(text).map { text[$0.range] }
    }

    /// `text` with `paragraph` (split from it) replaced by `replacement`; every other byte,
    /// the separators and line endings included, stays as it was.
    public static func replacing(_ paragraph: Paragraph, in text: String, with replacement: String) -> String {
        var result = text
        result.replaceSubrange(paragraph.range, with: replacement)
        return result
    }

    /// Byte spans and first lines of the paragraphs, for the scanner and `split`.
    ///
    /// A block (non-blank lines after a blank one) with a word starts a paragraph. Scorer
    /// `heuristic-1` let a block opening with punctuation continue the paragraph before it,
    /// which ran a novel's dialogue into its narration; `heuristic-2` numbers by this rule.
    static func spans(bytes: UnsafeBufferPointer<UInt8>) -> [(bytes: Range<Int>, line: Int)] {
        var result: [(bytes: Range<Int>, line: Int)] = []
        let count = bytes.count
        let classes = TextScanner.byteClasses
        func startsWord(_ index: Int) -> Bool {
            let byte = bytes[index]
            return classes[Int(byte)] & TextScanner.asciiWord != 0 || (byte >= 0x80 && TextScanner.isWordStart(byte, bytes, index))
        }
        var index = 0, line = 1
        var current: (start: Int, end: Int, line: Int)?
        var blankSeen = false
        guard let base = bytes.baseAddress else { return result }
        while index < count {
            // The line's end by memchr; its first and last non-blank bytes from either end.
            let lineEnd = memchr(base + index, 0x0A, count - index).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? count
            var first = index
            while first < lineEnd, isBlank(bytes[first]) { first += 1 }
            if first == lineEnd {
                if current != nil { blankSeen = true }
            } else {
                var last = lineEnd - 1
                while isBlank(bytes[last]) { last -= 1 }
                func hasWord() -> Bool {
                    for position in first...last where startsWord(position) { return true }
                    return false
                }
                if let open = current {
                    if blankSeen {
                        // A block without a word ("* * *") between blank lines belongs to no paragraph.
                        if hasWord() {
                            result.append((open.start..<open.end, open.line))
                            current = (first, last + 1, line)
                            blankSeen = false
                        }
                    } else {
                        current = (open.start, last + 1, open.line)
                    }
                } else if hasWord() {
                    current = (first, last + 1, line)
                }
            }
            index = lineEnd + 1  // past the LF
            line += 1
        }
        if let open = current { result.append((open.start..<open.end, open.line)) }
        return result
    }

    /// Space, tab, CR: what a blank line may hold (as the scanner has always counted it).
    @inline(__always) static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D
    }
}
