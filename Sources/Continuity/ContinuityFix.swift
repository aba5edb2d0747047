import Foundation
import Quality

/// How much of a chapter a fix may rewrite: the sentence that holds the contradiction first;
/// after the rounds of sentence fixes, the whole paragraph (the scene's passage) it stands in.
public enum FixScope: String, Sendable, Codable, CaseIterable {
    case sentence, paragraph
}

/// The passage a fix replaces: where it is in its chapter, and its words.
public struct FixSpan: Sendable, Hashable {
    public var chapter: Int
    /// UTF-8 byte offsets in the chapter's text.
    public var bytes: Range<Int>
    public var text: String
    /// 1-based paragraph it stands in.
    public var paragraph: Int
    public var scope: FixScope

    /// The span of `scope` around the violation's contradicting quote (a later passage that
    /// disagrees with what the book set up first, so the established one stands).
    public static func around(_ violation: Violation, in text: String, scope: FixScope) -> FixSpan? {
        around(violation.contradicting.quote, in: text, scope: scope)
    }

    public static func around(_ quote: Quote, in text: String, scope: FixScope) -> FixSpan? {
        let bytes = Array(text.utf8)
        guard quote.bytes.lowerBound >= 0, quote.bytes.upperBound <= bytes.count, !quote.bytes.isEmpty else { return nil }
        let paragraphs = Paragraphs.split(text)
        guard let index = paragraphs.firstIndex(where: { byteRange(of: $0.range, in: text).contains(quote.bytes.lowerBound) }) else { return nil }
        let paragraph = byteRange(of: paragraphs[index].range, in: text)
        let range: Range<Int>
        switch scope {
        case .paragraph:
            range = paragraph
        case .sentence:
            let start = sentenceStart(bytes, before: quote.bytes.lowerBound, floor: paragraph.lowerBound)
            let end = sentenceEnd(bytes, after: quote.bytes.upperBound, ceiling: paragraph.upperBound)
            range = start..<max(end, quote.bytes.upperBound)
        }
        return FixSpan(chapter: quote.chapter, bytes: range, text: String(decoding: bytes[range], as: UTF8.self), paragraph: index + 1, scope: scope)
    }

    static func byteRange(of range: Range<String.Index>, in text: String) -> Range<Int> {
        let utf8 = text.utf8
        return utf8.distance(from: utf8.startIndex, to: range.lowerBound)..<utf8.distance(from: utf8.startIndex, to: range.upperBound)
    }

    /// Titles whose full stop ends no sentence ("Mr. Hale").
    static let titles: Set<String> = ["mr", "mrs", "ms", "dr", "st", "messrs", "mme", "mlle", "rev", "capt", "col", "gen", "lt", "sgt", "prof"]

    static func isTerminal(_ byte: UInt8) -> Bool { byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") }
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    /// Whether the terminal mark at `index` ends a sentence: followed by space (after any
    /// closing quotes or brackets) and not a title's full stop.
    static func endsSentence(_ bytes: [UInt8], at index: Int) -> Bool {
        guard isTerminal(bytes[index]) else { return false }
        var next = index + 1
        while next < bytes.count, isClosing(bytes, next) { next += closingLength(bytes, next) }
        guard next >= bytes.count || isSpace(bytes[next]) else { return false }
        if bytes[index] == UInt8(ascii: ".") {
            var start = index
            while start > 0, isLetter(bytes[start - 1]) { start -= 1 }
            let word = String(decoding: bytes[start..<index], as: UTF8.self).lowercased()
            if titles.contains(word) { return false }
        }
        return true
    }

    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }

    /// A closing quote or bracket at `index`: ASCII `"` `'` `)` or the UTF-8 right quotes ’ ”.
    static func isClosing(_ bytes: [UInt8], _ index: Int) -> Bool { closingLength(bytes, index) > 0 }

    static func closingLength(_ bytes: [UInt8], _ index: Int) -> Int {
        let byte = bytes[index]
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: ")") { return 1 }
        if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0x99 || bytes[index + 2] == 0x9D { return 3 }
        return 0
    }

    /// The first byte of the sentence holding `index`, not before `floor` (its paragraph's start).
    static func sentenceStart(_ bytes: [UInt8], before index: Int, floor: Int) -> Int {
        var cursor = index - 1
        while cursor >= floor {
            if endsSentence(bytes, at: cursor) {
                var start = cursor + 1
                while start < index, isClosing(bytes, start) { start += closingLength(bytes, start) }
                while start < index, isSpace(bytes[start]) { start += 1 }
                return start
            }
            cursor -= 1
        }
        return floor
    }

    /// One past the last byte of the sentence holding `index` (its closing quotes included),
    /// not after `ceiling` (its paragraph's end).
    static func sentenceEnd(_ bytes: [UInt8], after index: Int, ceiling: Int) -> Int {
        var cursor = max(index - 1, 0)
        while cursor < ceiling {
            if endsSentence(bytes, at: cursor) {
                var end = cursor + 1
                while end < ceiling, isClosing(bytes, end) { end += closingLength(bytes, end) }
                return end
            }
            cursor += 1
        }
        return ceiling
    }
}

/// A proposed edit: a span of a chapter and what replaces it.
public struct FixEdit: Sendable, Hashable {
    public var span: FixSpan
    public var replacement: String

    public init(span: FixSpan, replacement: String) {
        self.span = span
        self.replacement = replacement
    }

    /// The chapter with the span replaced; every other byte stays.
    public func applied(to text: String) -> String {
        var bytes = Array(text.utf8)
        bytes.replaceSubrange(span.bytes, with: Array(replacement.utf8))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Word tokens the edit changes: of the old and the new passage, the larger count of words
    /// not in their longest common subsequence (a one-word swap changes one).
    public var tokensChanged: Int { Self.tokensChanged(from: span.text, to: replacement) }

    public static func tokensChanged(from old: String, to new: String) -> Int {
        let a = words(old), b = words(new)
        return max(a.count, b.count) - commonSubsequence(a, b)
    }

    public static func words(_ text: String) -> [Substring] { text.split(whereSeparator: { $0.isWhitespace }) }

    static func commonSubsequence(_ a: [Substring], _ b: [Substring]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var previous = [Int](repeating: 0, count: b.count + 1), current = previous
        for i in 1...a.count {
            for j in 1...b.count {
                current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : max(previous[j], current[j - 1])
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// A violation's identity across edits: its rule, subject and both quotes' words and chapters
/// (byte offsets move when an earlier passage of the chapter changes; the words do not).
public struct ViolationKey: Sendable, Hashable {
    public var type: ViolationType
    public var subject: EntityID
    public var established: String
    public var establishedChapter: Int
    public var contradicting: String
    public var contradictingChapter: Int

    public init(_ violation: Violation) {
        type = violation.type
        subject = violation.contradicting.subject
        established = violation.established.quote.text
        establishedChapter = violation.established.quote.chapter
        contradicting = violation.contradicting.quote.text
        contradictingChapter = violation.contradicting.quote.chapter
    }

    /// The same problem, whichever later passage the rule reports for it: a rule reports the
    /// first deed after a death, so fixing that one shows the next.
    func sameProblem(as other: ViolationKey) -> Bool {
        type == other.type && subject == other.subject && established == other.established && establishedChapter == other.establishedChapter
    }
}

/// Why a fix was kept or refused.
public enum FixOutcome: String, Sendable, Codable, CaseIterable {
    /// The violation is gone, nothing new appeared and the chapter's quality held.
    case kept
    /// The rewrite left the contradiction in place.
    case violationRemains
    /// The rewrite made a contradiction that was not there.
    case newViolation
    /// The chapter's composite quality fell.
    case qualityDropped
    /// The rewrite changed more of the chapter than a sentence fix may (`FixPolicy.maxTokenShare`).
    case tooLarge
    /// The model answered nothing usable.
    case emptyAnswer

    public var isKept: Bool { self == .kept }
}

/// The rules a fix must pass to be kept.
public struct FixPolicy: Sendable {
    /// Share of the chapter's words a sentence fix may change (the issue's ≤ 2%), and the
    /// words it may change whatever the chapter's length.
    public var maxTokenShare: Double
    public var minTokens = 3
    /// Sentence rounds before the paragraph is rewritten.
    public var rounds: Int
    /// Whether to rewrite the paragraph of a violation the sentence rounds did not fix.
    public var rewriteScene: Bool

    public init(maxTokenShare: Double = 0.02, rounds: Int = 2, rewriteScene: Bool = true) {
        self.maxTokenShare = maxTokenShare
        self.rounds = rounds
        self.rewriteScene = rewriteScene
    }

    /// The verdict on an edit of `target`'s chapter: `before` and `after` are the whole
    /// book's violations without and with it; qualities are the chapter's composites.
    public func judge(_ edit: FixEdit, target: Violation, before: [Violation], after: [Violation],
                      chapterWords: Int, qualityBefore: Double, qualityAfter: Double) -> (outcome: FixOutcome, detail: String?) {
        let replacementWords = FixEdit.words(edit.replacement).count
        guard replacementWords > 0, edit.replacement != edit.span.text else { return (.emptyAnswer, nil) }
        if edit.span.scope == .sentence {
            // A very short chapter may still change a colour and its article.
            if edit.tokensChanged > max(minTokens, Int((maxTokenShare * Double(chapterWords)).rounded(.down))) {
                return (.tooLarge, "\(edit.tokensChanged) of \(chapterWords) words changed")
            }
        }
        let key = ViolationKey(target)
        let newRange = edit.span.bytes.lowerBound..<(edit.span.bytes.lowerBound + edit.replacement.utf8.count)
        // The target remains if its rule still finds the same problem inside the rewritten span.
        if let remaining = after.first(where: { ViolationKey($0).sameProblem(as: key) && $0.contradicting.quote.chapter == edit.span.chapter
                                             && newRange.overlaps($0.contradicting.quote.bytes) }) {
            return (.violationRemains, remaining.summary)
        }
        let known = Set(before.map(ViolationKey.init))
        if let fresh = after.first(where: { let candidate = ViolationKey($0); return !known.contains(candidate) && !candidate.sameProblem(as: key) }) {
            return (.newViolation, fresh.summary)
        }
        if qualityAfter < qualityBefore - 1e-9 {
            return (.qualityDropped, "quality \(Self.format(qualityBefore)) → \(Self.format(qualityAfter))")
        }
        return (.kept, nil)
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
