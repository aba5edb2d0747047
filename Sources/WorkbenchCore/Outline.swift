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

    enum CodingKeys: String, CodingKey { case name, attributes, relationships }

    /// Reads attributes and relationships as maps (`{"Tomas": "loves"}`, what outline files
    /// and stored outlines hold) or as the lists of pairs strict structured output asks
    /// models for (`[{"name": "Tomas", "relation": "loves"}]`); null values are left out.
    /// Written back as maps.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        attributes = try Self.map(in: container, forKey: .attributes)
        relationships = try Self.map(in: container, forKey: .relationships)
    }

    private static func map(in container: KeyedDecodingContainer<CodingKeys>, forKey key: CodingKeys) throws -> [String: String] {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return [:] }
        if let map = try? container.decode([String: String?].self, forKey: key) { return map.compactMapValues { $0 } }
        var result: [String: String] = [:]
        for pair in try container.decode([Pair].self, forKey: key) {
            if let value = pair.value { result[pair.key] = value }
        }
        return result
    }

    /// `{"name": …, "relation": …}`, or `{"key": …, "value": …}`.
    private struct Pair: Decodable {
        var key: String
        var value: String?

        private struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            func first(_ names: [String]) throws -> String? {
                for name in names where container.contains(AnyKey(stringValue: name)) {
                    if let value = try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: name)) { return value }
                }
                return nil
            }
            guard let key = try first(["name", "key"]) else {
                throw DecodingError.keyNotFound(AnyKey(stringValue: "name"), .init(codingPath: decoder.codingPath, debugDescription: "a pair needs a name (or key)"))
            }
            self.key = key
            value = try first(["relation", "value"])
        }
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

extension BookCharacter {
    /// "Mara (34, black hair, keeper; sister of Tomas), Tomas (…)": the cast with their
    /// attributes and relationships, as the chapter prompts (and the continuity verifier) carry it.
    public static func sheet(_ characters: [BookCharacter]) -> String {
        characters.map { character in
            let attributes = ["age", "hair", "occupation"].compactMap { character.attributes[$0] } + character.attributes.filter { !["age", "hair", "occupation"].contains($0.key) }.sorted { $0.key < $1.key }.map(\.value)
            let relationships = character.relationships.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            let details = [attributes.joined(separator: ", "), relationships.joined(separator: ", ")].filter { !$0.isEmpty }.joined(separator: "; ")
            return details.isEmpty ? character.name : "\(character.name) (\(details))"
        }.joined(separator: ", ")
    }
}
