import Foundation
import GRDB
import WorkbenchCore

// The rows of a book's continuity graph. The Store sits below `Continuity`, so kinds,
// predicates and types are held as the raw values `Continuity`'s enums give them; the
// `Continuity` module turns its graph into these and they are what reports render.

/// One entity of a book's graph with every other name it goes by.
public struct ContinuityEntityRecord: Sendable, Equatable, Codable {
    /// The entity's key ("marcus-hale", "object:brass-key").
    public var entityID: String
    /// character, place, object, organisation or event.
    public var kind: String
    public var canonicalName: String
    public var aliases: [String]
    /// male or female where the text shows it.
    public var gender: String?

    public init(entityID: String, kind: String, canonicalName: String, aliases: [String] = [], gender: String? = nil) {
        self.entityID = entityID
        self.kind = kind
        self.canonicalName = canonicalName
        self.aliases = aliases
        self.gender = gender
    }

    /// The canonical name and the aliases.
    public var names: [String] { [canonicalName] + aliases }
}

/// A fact's value as the typed columns hold it: which kind it is, and the one or two fields that kind uses.
public struct ContinuityFactValueRecord: Sendable, Hashable, Codable {
    /// colour, years, entity, alive, kin, topic, bodyPart or deed.
    public var kind: String
    /// The colour, kinship, topic, body part or deed.
    public var text: String?
    /// Years, or alive as 1 / 0.
    public var number: Int?
    /// The entity (a place, an object), or a kinship's other person.
    public var entity: String?

    public init(kind: String, text: String? = nil, number: Int? = nil, entity: String? = nil) {
        self.kind = kind
        self.text = text
        self.number = number
        self.entity = entity
    }
}

/// A moment of story time: a chapter and a beat within it.
public struct ContinuityStoryTimeRecord: Sendable, Hashable, Codable {
    public var chapter: Int
    public var beat: Int
    public init(chapter: Int, beat: Int) {
        self.chapter = chapter
        self.beat = beat
    }
}

/// One statement the book makes about an entity, with its exact quote and place.
public struct ContinuityFactRecord: Sendable, Hashable, Codable {
    /// The row id; nil until stored.
    public var id: Int64?
    public var subject: String
    public var predicate: String
    public var value: ContinuityFactValueRecord
    /// holds, begins, ends or lacks.
    public var aspect: String
    /// 1-based chapter, paragraph within it and the line the quote starts on in the chapter.
    public var chapter: Int
    public var paragraph: Int
    public var line: Int
    /// UTF-8 byte offsets of the quote in the chapter's text.
    public var bytes: Range<Int>
    public var quote: String
    public var storyTime: ContinuityStoryTimeRecord
    /// When the fact holds; nil ends are open (since before the story, still).
    public var validFrom: ContinuityStoryTimeRecord?
    public var validUntil: ContinuityStoryTimeRecord?
    public var confidence: Double
    /// The fact source ("pattern") and the rule of it that read the fact.
    public var origin: String
    public var originRule: String

    public init(id: Int64? = nil, subject: String, predicate: String, value: ContinuityFactValueRecord, aspect: String, chapter: Int, paragraph: Int, line: Int,
                bytes: Range<Int>, quote: String, storyTime: ContinuityStoryTimeRecord, validFrom: ContinuityStoryTimeRecord?, validUntil: ContinuityStoryTimeRecord?,
                confidence: Double, origin: String, originRule: String) {
        self.id = id
        self.subject = subject
        self.predicate = predicate
        self.value = value
        self.aspect = aspect
        self.chapter = chapter
        self.paragraph = paragraph
        self.line = line
        self.bytes = bytes
        self.quote = quote
        self.storyTime = storyTime
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.confidence = confidence
        self.origin = origin
        self.originRule = originRule
    }

    /// "chapter 3, paragraph 12, line 40", or "the outline's character sheet" for a fact the
    /// outline set (chapter 0).
    public var place: String { chapter == 0 ? "the outline's character sheet" : "chapter \(chapter), paragraph \(paragraph), line \(line)" }

    /// The same fact without its row id: what identifies it while a graph is being stored.
    var unstored: ContinuityFactRecord {
        var copy = self
        copy.id = nil
        return copy
    }
}

/// A contradiction between two facts of the graph.
public struct ContinuityViolationRecord: Sendable, Hashable, Codable {
    /// Where a violation stands: `open` as a check finds it; a fix attempt leaves it `fixed`
    /// (the chapter was rewritten and the contradiction is gone) or `unfixed` (it was tried
    /// and the contradiction remains).
    public enum Status: String, Sendable, Codable, CaseIterable {
        case open, fixed, unfixed
    }

    public var id: Int64?
    public var type: String
    /// minor or major.
    public var severity: String
    public var established: ContinuityFactRecord
    public var contradicting: ContinuityFactRecord
    /// What is wrong, naming the entity; `message` adds both places and quotes.
    public var summary: String
    public var message: String
    public var suggestedFix: String
    public var status: Status

    public init(id: Int64? = nil, type: String, severity: String, established: ContinuityFactRecord, contradicting: ContinuityFactRecord,
                summary: String, message: String, suggestedFix: String, status: Status = .open) {
        self.id = id
        self.type = type
        self.severity = severity
        self.established = established
        self.contradicting = contradicting
        self.summary = summary
        self.message = message
        self.suggestedFix = suggestedFix
        self.status = status
    }

    public var isMajor: Bool { severity == "major" }
}

/// The chapter version a check read.
public struct ContinuityCheckedChapter: Sendable, Hashable, Codable {
    public var chapter: Int
    public var versionID: Int64
    public init(chapter: Int, versionID: Int64) {
        self.chapter = chapter
        self.versionID = versionID
    }

    enum CodingKeys: String, CodingKey {
        case chapter
        case versionID = "version_id"
    }
}

/// A book's whole continuity graph as one check leaves it.
public struct ContinuityGraphRecord: Sendable, Equatable {
    public var bookID: String
    /// The fact source that read the chapters ("pattern").
    public var extractor: String
    public var chapters: [ContinuityCheckedChapter]
    /// Words in the chapters read: what violations per 10,000 words is counted over.
    public var wordCount: Int
    public var checkedAt: Date
    public var entities: [ContinuityEntityRecord]
    /// In story order (chapter, then place in it).
    public var facts: [ContinuityFactRecord]
    /// In the order of their contradicting facts.
    public var violations: [ContinuityViolationRecord]

    public init(bookID: String, extractor: String, chapters: [ContinuityCheckedChapter], wordCount: Int, checkedAt: Date,
                entities: [ContinuityEntityRecord], facts: [ContinuityFactRecord], violations: [ContinuityViolationRecord]) {
        self.bookID = bookID
        self.extractor = extractor
        self.chapters = chapters
        self.wordCount = wordCount
        self.checkedAt = checkedAt
        self.entities = entities
        self.facts = facts
        self.violations = violations
    }

    public var majorViolations: Int { violations.filter(\.isMajor).count }

    /// Violations per 10,000 words: ConStory-Bench's consistency error density (CED).
    public var violationsPer10kWords: Double { Self.density(violations: violations.count, words: wordCount) }

    /// Violations per 10,000 words (0 for no words).
    public static func density(violations: Int, words: Int) -> Double {
        words == 0 ? 0 : Double(violations) * 10_000 / Double(words)
    }

    /// The chapters whose kept version is not the one this graph was read from (`latest`:
    /// chapter → its kept version's id): a chapter enhanced, added or removed since the check.
    public func staleChapters(latest: [Int: Int64]) -> [Int] {
        let checked = Dictionary(chapters.map { ($0.chapter, $0.versionID) }, uniquingKeysWith: { a, _ in a })
        return Set(checked.keys).union(latest.keys).filter { checked[$0] != latest[$0] }.sorted()
    }
}
