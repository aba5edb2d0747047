import Quality
import WorkbenchCore

/// The kinds of contradiction the rules find.
public enum ViolationType: String, Sendable, Codable, CaseIterable {
    case immutableChanged, actsAfterDeath, twoPlacesAtOnce, possessionWithoutAcquisition, ageArithmetic, knowledgeBeforeLearning, relationshipContradicted

    /// How much a reader minds: what breaks the story's facts is major, what a reader may
    /// explain away (an unseen walk, a key picked up off the page) is minor.
    public var severity: LocatedIssue.Severity {
        switch self {
        case .immutableChanged, .actsAfterDeath, .ageArithmetic, .relationshipContradicted: .major
        case .twoPlacesAtOnce, .possessionWithoutAcquisition, .knowledgeBeforeLearning: .minor
        }
    }
}

/// A contradiction between two facts of the book, each with its quote and location.
public struct Violation: Sendable, Codable, Hashable {
    public var type: ViolationType
    public var severity: LocatedIssue.Severity
    /// The fact the book set up first (its quote and origin).
    public var established: Fact
    /// The fact that contradicts it.
    public var contradicting: Fact
    /// What is wrong, naming the character ("Marcus Hale's eyes: blue here, grey before").
    public var summary: String
    /// The summary with both places and quotes, for a reader with no other view of them.
    public var message: String
    /// The smallest edit that would remove the contradiction.
    public var suggestedFix: String

    public init(type: ViolationType, established: Fact, contradicting: Fact, summary: String, suggestedFix: String) {
        self.type = type
        severity = type.severity
        self.established = established
        self.contradicting = contradicting
        self.summary = summary
        message = "\(summary) (\(contradicting.quote.place): \"\(contradicting.quote.text)\"; set up at \(established.quote.place): \"\(established.quote.text)\")"
        self.suggestedFix = suggestedFix
    }

    /// The established fact's source.
    public var origin: FactOrigin { established.origin }
}

/// Facts that a fact source returned and the book does not bear out.
public enum ContinuityError: WorkbenchError, Equatable {
    /// The fact names a chapter the book does not have.
    case unknownChapter(Int, chapters: Int)
    /// The fact's quote is not in its chapter at the bytes it claims.
    case quoteNotFound(quote: String, chapter: Int)
    /// The quote is there, but in another paragraph or line than the fact says.
    case quoteMisplaced(quote: String, chapter: Int, claimed: String, found: String)

    public var message: String {
        switch self {
        case let .unknownChapter(chapter, chapters): "a fact names chapter \(chapter); the book has \(chapters) chapter\(chapters == 1 ? "" : "s")"
        case let .quoteNotFound(quote, chapter): "a fact quotes \"\(quote)\", which is not in chapter \(chapter)"
        case let .quoteMisplaced(quote, chapter, claimed, found): "a fact places \"\(quote)\" at \(claimed) of chapter \(chapter); it is at \(found)"
        }
    }

    public var fix: String? { "the fact is not stored; the source must quote the chapter exactly" }
    public var exitStatus: ExitStatus { .dataError }
}

/// The gate every fact passes before it joins the graph: its chapter exists and its quote is
/// the chapter's text at the bytes, paragraph and line it claims.
public enum FactValidation {
    public static func validate(_ fact: Fact, in chapters: [ChapterText]) -> Result<Fact, ContinuityError> {
        guard let chapter = chapters.first(where: { $0.number == fact.quote.chapter }) else {
            return .failure(.unknownChapter(fact.quote.chapter, chapters: chapters.count))
        }
        return validate(fact, in: TokenizedChapter(number: chapter.number, text: chapter.text))
    }

    /// Every fact through the gate, each chapter cut into tokens once: the facts that pass, in
    /// their order, and why each other one was refused.
    public static func validate(_ facts: [Fact], in chapters: [ChapterText]) -> (valid: [Fact], rejected: [ContinuityError]) {
        var tokenized: [Int: TokenizedChapter] = [:]
        var valid: [Fact] = [], rejected: [ContinuityError] = []
        for fact in facts {
            let number = fact.quote.chapter
            if tokenized[number] == nil, let chapter = chapters.first(where: { $0.number == number }) {
                tokenized[number] = TokenizedChapter(number: chapter.number, text: chapter.text)
            }
            guard let chapter = tokenized[number] else {
                rejected.append(.unknownChapter(number, chapters: chapters.count))
                continue
            }
            switch validate(fact, in: chapter) {
            case .success(let fact): valid.append(fact)
            case .failure(let error): rejected.append(error)
            }
        }
        return (valid, rejected)
    }

    static func validate(_ fact: Fact, in tokenized: TokenizedChapter) -> Result<Fact, ContinuityError> {
        let bytes = tokenized.bytes, quote = fact.quote
        guard quote.bytes.lowerBound >= 0, quote.bytes.upperBound <= bytes.count, !quote.text.isEmpty,
              String(decoding: bytes[quote.bytes], as: UTF8.self) == quote.text else {
            return .failure(.quoteNotFound(quote: quote.text, chapter: tokenized.number))
        }
        let paragraph = tokenized.paragraphs.firstIndex { $0.bytes.contains(quote.bytes.lowerBound) }.map { $0 + 1 } ?? 0
        let line = tokenized.line(at: quote.bytes.lowerBound)
        guard paragraph == quote.paragraph, line == quote.line else {
            return .failure(.quoteMisplaced(quote: quote.text, chapter: tokenized.number, claimed: "paragraph \(quote.paragraph), line \(quote.line)", found: "paragraph \(paragraph), line \(line)"))
        }
        return .success(fact)
    }
}
