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
    /// How far the chapter's composite may fall before a fix is refused for it: a one-word
    /// correction moves the repetition and lexical metrics by a few hundredths (measured up to
    /// 0.26 on the simulator), which is noise, not a worse chapter; half of `regress`'s
    /// per-chapter threshold (0.5) is the line.
    public var qualityTolerance = 0.25
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
        // The target remains if its rule still finds a problem of its subject in the rewritten span.
        func inSpan(_ fact: Fact) -> Bool { fact.quote.chapter == edit.span.chapter && newRange.overlaps(fact.quote.bytes) }
        if let remaining = after.first(where: { $0.type == target.type && $0.contradicting.subject == target.contradicting.subject
                                             && (inSpan($0.contradicting) || inSpan($0.established)) }) {
            return (.violationRemains, remaining.summary)
        }
        let known = Set(before.map(ViolationKey.init))
        if let fresh = after.first(where: { let candidate = ViolationKey($0); return !known.contains(candidate) && !candidate.sameProblem(as: key) }) {
            return (.newViolation, fresh.summary)
        }
        if qualityAfter < qualityBefore - qualityTolerance {
            return (.qualityDropped, "quality \(Self.format(qualityBefore)) → \(Self.format(qualityAfter))")
        }
        return (.kept, nil)
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

extension Violation {
    /// Which passage a fix rewrites, and what it must agree with: the contradicting one against
    /// the established, unless the outline's sheet shows the established passage is the wrong
    /// one (the sheet agrees with the later passage and not with the earlier) — then the
    /// earlier, against the sheet.
    public func fixTarget(sheet: [Fact]) -> (wrong: Fact, right: Fact) {
        guard established.quote.chapter != CharacterSheet.chapter,
              let truth = sheet.first(where: { $0.subject == established.subject && $0.predicate == established.predicate && Self.comparable($0.value, established.value) }),
              Self.agrees(truth, contradicting) == true, Self.agrees(truth, established) == false else {
            return (contradicting, established)
        }
        return (established, truth)
    }

    static func comparable(_ a: FactValue, _ b: FactValue) -> Bool {
        if case .kin(_, let x) = a, case .kin(_, let y) = b { return x == y }
        return true
    }

    /// Whether two facts of one subject and predicate agree; nil when they cannot be compared.
    static func agrees(_ a: Fact, _ b: Fact) -> Bool? {
        guard a.subject == b.subject, a.predicate == b.predicate else { return nil }
        switch (a.value, b.value) {
        case (.colour, .colour): return ContinuityChecker.agrees(a.value, b.value, a.predicate)
        case let (.years(x), .years(y)): return abs(x - y) <= 1
        case let (.kin(k1, x), .kin(k2, y)): return x == y ? k1.isCompatible(with: k2) : nil
        default: return a.value == b.value
        }
    }
}
