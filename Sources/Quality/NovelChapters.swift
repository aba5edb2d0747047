/// One chapter-sized piece of a novel.
public struct NovelChapter: Sendable, Equatable {
    /// The heading the piece followed ("CHAPTER IV."); nil for the text before the first
    /// heading and for pieces cut by length.
    public var title: String?
    /// The 1-based line of the novel where the piece's text starts.
    public var line: Int
    public var text: String
    /// Words as the analyser counts them.
    public var words: Int

    public init(title: String?, line: Int, text: String, words: Int) {
        self.title = title
        self.line = line
        self.text = text
        self.words = words
    }
}

/// Cuts a whole novel into chapter-sized pieces. Pure.
///
/// The Project Gutenberg header and licence are dropped when their `*** START OF` and
/// `*** END OF` lines are there, and so are `[Illustration …]` blocks. A heading is a line
/// after a blank line (or the first) that reads like one: a label and a number ("CHAPTER
/// IV.", "Chapter 12", "Letter 1", "BOOK ONE", "Book the Second--the Golden Thread",
/// "VOLUME II", "Stave III"), an ordinal and a label ("Second Epoch"), or, standing alone
/// between blank lines, a Roman or Arabic numeral ("XII", "7.") or a short line in capitals
/// ("THE STORY CONTINUED BY MARIAN HALCOMBE": two words or more, not ending in a comma, colon or semicolon). Up to two short lines directly under a
/// heading ("The Period") are its title, not text. The text between headings is a chapter;
/// one longer than three times `targetWords` is cut further by length (see `byLength`). Without two chapters
/// of `minimumWords` from headings, the novel is cut by length: consecutive paragraphs until
/// each piece has `targetWords` (a short last piece joins the one before). Pieces under
/// `minimumWords` (front matter, a table of contents, a short letter) are dropped.
public enum NovelChapters {
    public static func cut(_ text: String, targetWords: Int = 3000, minimumWords: Int = 800) -> [NovelChapter] {
        let target = max(1, targetWords), minimum = max(1, minimumWords)
        let lines = cleanedLines(text)
        let blank = lines.map { $0.allSatisfy(\.isWhitespace) }
        // Headings: (line index, title, first line of the text after it).
        var headings: [(line: Int, title: String, body: Int)] = []
        var index = 0
        while index < lines.count {
            defer { index += 1 }
            guard !blank[index], index == 0 || blank[index - 1] else { continue }
            let trimmed = lines[index].trimmingWhitespace
            let alone = index + 1 >= lines.count || blank[index + 1]
            guard let standalone = headingKind(trimmed), alone || !standalone else { continue }
            // A short line or two directly under the heading, then a blank line: its title.
            var body = index + 1
            var next = index + 1
            while next < lines.count, next - index <= 2, !blank[next], lines[next].count <= 60 { next += 1 }
            if next > index + 1, next >= lines.count || blank[next] { body = next }
            headings.append((index, trimmed, body))
            index = body - 1
        }
        var pieces: [NovelChapter] = []
        var segments: [(title: String?, lines: Range<Int>)] = [(nil, 0..<(headings.first?.line ?? lines.count))]
        for (number, heading) in headings.enumerated() {
            let end = number + 1 < headings.count ? headings[number + 1].line : lines.count
            segments.append((heading.title, heading.body..<max(heading.body, end)))
        }
        for segment in segments {
            guard let piece = piece(lines, blank, segment.lines, title: segment.title) else { continue }
            if piece.words > 3 * target {
                pieces += byLength(piece, target: target, minimum: minimum)
            } else if piece.words >= minimum {
                pieces.append(piece)
            }
        }
        if pieces.count >= 2 { return pieces }
        // By length, over the whole text without its headings.
        var body = lines, empty = blank
        for heading in headings {
            for line in heading.line..<heading.body {
                body[line] = ""
                empty[line] = true
            }
        }
        guard let whole = piece(body, empty, 0..<body.count, title: nil) else { return [] }
        return byLength(whole, target: target, minimum: minimum)
    }

    /// The novel's lines between the Gutenberg markers (when there are any), with the lines
    /// of `[Illustration …]` blocks made blank so that line numbers stay those of the file.
    static func cleanedLines(_ text: String) -> [Substring] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var start = 0, end = lines.count
        for (index, line) in lines.enumerated() where line.count < 200 && line.contains("***") {
            let upper = line.uppercased()
            guard upper.contains("PROJECT GUTENBERG") else { continue }
            if upper.contains("*** START OF"), index < end { start = index + 1 }
            if upper.contains("*** END OF"), index >= start { end = index; break }
        }
        var index = 0
        while index < lines.count {
            if index < start || index >= end {
                lines[index] = ""
                index += 1
                continue
            }
            guard lines[index].trimmingWhitespace.hasPrefix("[Illustration") else {
                index += 1
                continue
            }
            // Blank the block up to its closing bracket (at most 15 lines).
            var depth = 0, last = index
            scan: for line in index..<min(lines.count, index + 15) {
                for character in lines[line] {
                    if character == "[" { depth += 1 }
                    if character == "]" { depth -= 1 }
                }
                last = line
                if depth <= 0 { break scan }
            }
            for line in index...last { lines[line] = "" }
            index = last + 1
        }
        return lines
    }

    /// Lines `range` as one piece, without the blank lines around it; nil when all are blank.
    static func piece(_ lines: [Substring], _ blank: [Bool], _ range: Range<Int>, title: String?) -> NovelChapter? {
        guard let first = range.first(where: { !blank[$0] }), let last = range.last(where: { !blank[$0] }) else { return nil }
        let text = lines[first...last].joined(separator: "\n")
        return NovelChapter(title: title, line: first + 1, text: text, words: TextScanner.scan(text).wordCount)
    }

    /// `chapter` cut into consecutive runs of paragraphs of `target` words or more; a last
    /// run under `minimum` joins the one before, and a text under `minimum` gives nothing.
    /// A paragraph longer than three times `target` (a text without paragraph breaks) is
    /// cut at its sentences, and a sentence that long at its words, so that no piece is
    /// much longer than a chapter whatever the file holds.
    static func byLength(_ chapter: NovelChapter, target: Int, minimum: Int) -> [NovelChapter] {
        let text = chapter.text
        let bytes = Array(text.utf8)
        let paragraphs = Paragraphs.split(text)
        let scanned = TextScanner.scan(text)
        guard scanned.paragraphCount == paragraphs.count, !paragraphs.isEmpty else { return [] }
        // The units runs are made of, as byte ranges with their words.
        var units: [(bytes: Range<Int>, words: Int)] = []
        for (index, paragraph) in paragraphs.enumerated() {
            let words = scanned.paragraphWords(index).count
            guard words > 3 * target else {
                units.append((paragraph.bytes, words))
                continue
            }
            for sentence in ProseBytes.sentences(bytes, in: paragraph.bytes) {
                let words = ProseBytes.words(bytes, in: sentence)
                guard words.count > 3 * target else {
                    units.append((sentence, words.count))
                    continue
                }
                for start in stride(from: 0, to: words.count, by: target) {
                    let last = min(start + target, words.count) - 1
                    units.append((words[start].lowerBound..<words[last].upperBound, last - start + 1))
                }
            }
        }
        var runs: [(first: Int, last: Int, words: Int)] = []
        var first = 0, words = 0
        for index in units.indices {
            words += units[index].words
            if words >= target || index == units.count - 1 {
                runs.append((first, index, words))
                first = index + 1
                words = 0
            }
        }
        if runs.count >= 2, runs[runs.count - 1].words < minimum {
            let tail = runs.removeLast()
            runs[runs.count - 1].last = tail.last
            runs[runs.count - 1].words += tail.words
        }
        var pieces: [NovelChapter] = []
        var line = chapter.line, counted = 0  // line breaks counted up to byte `counted`
        for run in runs where run.words >= minimum {
            let start = units[run.first].bytes.lowerBound
            for byte in bytes[counted..<start] where byte == 0x0A { line += 1 }
            counted = start
            let piece = String(decoding: bytes[start..<units[run.last].bytes.upperBound], as: UTF8.self)
            pieces.append(NovelChapter(title: runs.count == 1 ? chapter.title : nil, line: line, text: piece, words: run.words))
        }
        return pieces
    }

    static let labels: Set<String> = ["chapter", "book", "volume", "part", "letter", "stave", "epoch", "section", "canto"]
    static let numberWords: Set<String> = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
        "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "first", "second", "third",
        "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "last", "final",
    ]

    static func isNumber(_ token: Substring) -> Bool {
        if token.allSatisfy(\.isNumber) { return token.count <= 4 }
        if token.count <= 7, token.uppercased().allSatisfy({ "IVXLCDM".contains($0) }) { return true }
        return numberWords.contains(token.lowercased())
    }

    /// Whether `line` (trimmed) reads as a heading: false for a labelled one ("CHAPTER I"),
    /// true for one that must stand alone between blank lines (a numeral, a line in
    /// capitals); nil when it is not a heading.
    static func headingKind(_ line: String) -> Bool? {
        guard let first = line.first, line.count <= 80 else { return nil }
        let tokens = line.split { !$0.isLetter && !$0.isNumber }
        if first.isUppercase, tokens.count >= 2 {
            let head = tokens[0].lowercased(), second = tokens[1]
            if labels.contains(head) {
                if isNumber(second) { return false }
                if second.lowercased() == "the", tokens.count >= 3, isNumber(tokens[2]) { return false }
            }
            if tokens.count == 2, numberWords.contains(head), labels.contains(second.lowercased()) { return false }
        }
        let body = line.hasSuffix(".") ? line.dropLast() : Substring(line)
        if !body.isEmpty, body.count <= 8, body.allSatisfy({ "IVXLCDM".contains($0) }) || body.allSatisfy(\.isNumber) { return true }
        let letters = line.filter(\.isLetter)
        if first.isLetter, line.count <= 60, letters.count >= 4, !letters.contains(where: \.isLowercase), (2...10).contains(tokens.count),
           !",;:".contains(line.last!) { return true }
        return nil
    }
}

extension Substring {
    var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
