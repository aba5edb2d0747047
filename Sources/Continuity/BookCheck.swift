import WorkbenchCore

/// One continuity check of a whole book: read the facts, pass each through the gate, run the
/// rules over the ones that passed. Pure: the chapters come in, the graph goes out.
public struct BookCheck: Sendable {
    public var cast: Cast
    /// The facts that passed `FactValidation`, in story order.
    public var facts: [Fact]
    /// Why each refused fact was refused (none, for a source that quotes exactly).
    public var rejected: [ContinuityError]
    public var violations: [Violation]

    public init(_ chapters: [ChapterText], extractor: PatternExtractor = PatternExtractor(), characters: [BookCharacter] = []) {
        self.init(chapters, extractor: extractor, modelFacts: [], usePatterns: true, characters: characters)
    }

    /// A check over facts from a model source (`ModelExtraction`) as well as the patterns, or
    /// instead of them (`usePatterns: false`; the cast still comes from the patterns' reading of
    /// names). A model fact that says what a pattern fact says (same subject, predicate and
    /// value, quotes overlapping in one chapter) counts once, as the pattern's. The outline's
    /// `characters` set facts before chapter 1 (`CharacterSheet`), which the chapters must agree with.
    public init(_ chapters: [ChapterText], extractor: PatternExtractor = PatternExtractor(), modelFacts: [Fact], usePatterns: Bool = true,
                characters: [BookCharacter] = []) {
        let reading = usePatterns ? extractor.read(chapters) : BookReading(cast: extractor.cast(of: chapters), facts: [])
        let merged = Self.merge(reading.facts, modelFacts)
        let gate = FactValidation.validate(merged, in: chapters)
        cast = reading.cast
        facts = CharacterSheet.facts(characters, cast: reading.cast) + gate.valid.sorted(by: Fact.inTextOrder)
        rejected = gate.rejected
        violations = ContinuityChecker(cast: reading.cast).check(facts)
    }

    /// `first`, then each fact of `second` that duplicates none before it.
    public static func merge(_ first: [Fact], _ second: [Fact]) -> [Fact] {
        var result = first
        for fact in second where !result.contains(where: { $0.duplicates(fact) }) { result.append(fact) }
        return result
    }

    /// Every entity the graph holds: the cast, and the places and objects facts point at that
    /// no name made an entity ("object:brass-key" is "brass key").
    public var entities: [Entity] {
        var entities = cast.entities
        var known = Set(entities.map(\.id))
        for fact in facts {
            for id in fact.value.entities where !known.contains(id) {
                known.insert(id)
                entities.append(Entity.named(by: id))
            }
        }
        return entities
    }
}

extension Fact {
    /// Says the same as `other` at the same place: one subject, predicate and value, quotes
    /// overlapping in one chapter.
    public func duplicates(_ other: Fact) -> Bool {
        subject == other.subject && predicate == other.predicate && value == other.value
            && quote.chapter == other.quote.chapter && quote.bytes.overlaps(other.quote.bytes)
    }
}

extension FactValue {
    /// The entities this value points at.
    public var entities: [EntityID] {
        switch self {
        case .entity(let id), .kin(_, let id): [id]
        case .colour, .years, .alive, .topic, .bodyPart, .deed: []
        }
    }
}

extension Entity {
    /// The entity an id stands for when no name in the text gave it one: its kind from the
    /// id's prefix, its name from the slug.
    static func named(by id: EntityID) -> Entity {
        let parts = id.rawValue.split(separator: ":", maxSplits: 1).map(String.init)
        let kind = parts.count == 2 ? EntityKind(rawValue: parts[0]) ?? .object : .character
        let slug = parts.last ?? id.rawValue
        return Entity(id: id, kind: kind, canonicalName: slug.replacingOccurrences(of: "-", with: " "))
    }
}
