import Foundation

/// A character of the book, as the outline describes them.
public struct BookCharacter: Sendable, Codable, Equatable {
    public var name: String
    /// Free attributes: age, hair, occupation, …
    public var attributes: [String: String]
    /// Other character's name → relationship ("loves", "sister of").
    public var relationships: [String: String]

    public init(name: String, attributes: [String: String] = [:], relationships: [String: String] = [:]) {
        self.name = name
        self.attributes = attributes
        self.relationships = relationships
    }
}

/// What one chapter must do.
public struct ChapterSpec: Sendable, Codable, Equatable {
    public var number: Int
    public var title: String
    public var beats: [String]
    public var targetWords: Int

    /// The words a chapter may ask for: the range an experiment's `words_per_chapter` and
    /// `generate --words` take. Beyond it a chapter is no chapter, and word arithmetic
    /// (tokens per word, words still to write) is no longer safe.
    public static let targetWordsRange = 50...20_000

    public init(number: Int, title: String, beats: [String], targetWords: Int) {
        self.number = number
        self.title = title
        self.beats = beats
        self.targetWords = targetWords
    }

    enum CodingKeys: String, CodingKey {
        case number, title, beats
        case targetWords = "target_words"
    }
}

/// The plan of a book: made by the planner from a premise, or written by hand in YAML.
public struct Outline: Sendable, Codable, Equatable {
    public var title: String
    public var logline: String
    /// The central obsession or desire the book keeps returning to.
    public var obsession: String
    public var setting: String
    public var characters: [BookCharacter]
    public var chapters: [ChapterSpec]

    public init(title: String, logline: String, obsession: String, setting: String, characters: [BookCharacter], chapters: [ChapterSpec]) {
        self.title = title
        self.logline = logline
        self.obsession = obsession
        self.setting = setting
        self.characters = characters
        self.chapters = chapters
    }

    /// Problems that make the outline unusable, each naming the field.
    public func problems(expectedChapters: Int?) -> [String] {
        var problems: [String] = []
        if title.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("title is empty") }
        if obsession.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("obsession is empty") }
        if characters.isEmpty { problems.append("characters is empty") }
        if chapters.isEmpty { problems.append("chapters is empty") }
        if let expectedChapters, chapters.count != expectedChapters { problems.append("chapters has \(chapters.count) entries, \(expectedChapters) expected") }
        for (index, chapter) in chapters.enumerated() {
            if chapter.number != index + 1 { problems.append("chapters[\(index)].number is \(chapter.number), \(index + 1) expected") }
            if chapter.beats.isEmpty { problems.append("chapters[\(index)].beats is empty") }
            if chapter.targetWords < ChapterSpec.targetWordsRange.lowerBound {
                problems.append("chapters[\(index)].target_words is \(chapter.targetWords), at least \(ChapterSpec.targetWordsRange.lowerBound) expected")
            } else if chapter.targetWords > ChapterSpec.targetWordsRange.upperBound {
                problems.append("chapters[\(index)].target_words is \(chapter.targetWords), at most \(ChapterSpec.targetWordsRange.upperBound) expected")
            }
        }
        return problems
    }
}
