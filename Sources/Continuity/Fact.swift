/// Where a fact or a violation stands in the book: the exact words, and the chapter,
/// paragraph and line they are on (the analyser's numbering: `Paragraphs.split`).
public struct Quote: Sendable, Codable, Hashable {
    /// The exact text, a substring of the chapter.
    public var text: String
    /// 1-based chapter, paragraph within it, and the line the quote starts on within the chapter.
    public var chapter: Int
    public var paragraph: Int
    public var line: Int
    /// UTF-8 byte offsets of `text` in the chapter: what a span edit replaces.
    public var bytes: Range<Int>

    public init(text: String, chapter: Int, paragraph: Int, line: Int, bytes: Range<Int>) {
        self.text = text
        self.chapter = chapter
        self.paragraph = paragraph
        self.line = line
        self.bytes = bytes
    }

    /// "chapter 3, paragraph 12, line 40", or "the outline's character sheet" (chapter 0).
    public var place: String { chapter == CharacterSheet.chapter ? "the outline's character sheet" : "chapter \(chapter), paragraph \(paragraph), line \(line)" }
}

/// A moment of story time. Until the graph reads dated events, story time is narrative order
/// cut into beats: a beat ends wherever the text moves someone or lets time pass ("went",
/// "later", "next morning"), so two facts in one beat happen at one story moment.
public struct StoryTime: Sendable, Codable, Hashable, Comparable {
    public var chapter: Int
    public var beat: Int
    public init(chapter: Int, beat: Int) {
        self.chapter = chapter
        self.beat = beat
    }
    public static func < (lhs: StoryTime, rhs: StoryTime) -> Bool { (lhs.chapter, lhs.beat) < (rhs.chapter, rhs.beat) }
}

/// When a fact holds: from `start` (nil: since before the story) to `end` (nil: still).
public struct StoryInterval: Sendable, Codable, Hashable {
    public var start: StoryTime?
    public var end: StoryTime?
    public init(start: StoryTime?, end: StoryTime?) {
        self.start = start
        self.end = end
    }
    /// Holds for the whole story (an immutable attribute).
    public static let always = StoryInterval(start: nil, end: nil)
    /// Holds at one moment only.
    public static func at(_ time: StoryTime) -> StoryInterval { StoryInterval(start: time, end: time) }
    /// Holds from `time` on.
    public static func from(_ time: StoryTime) -> StoryInterval { StoryInterval(start: time, end: nil) }
}

/// How an attribute may change over a story, which decides what contradicts it.
public enum AttributeClass: String, Sendable, Codable {
    /// Never changes: a second value is a contradiction.
    case immutable
    /// Only grows: a smaller later value is a contradiction.
    case monotonic
    /// Holds over intervals that events open and close.
    case state
    /// What a character knows: learnt once, then known.
    case knowledge
    /// A deed at one moment, which needs its doer alive and present.
    case action
}

/// What a fact says about its subject.
public enum Predicate: String, Sendable, Codable, CaseIterable {
    case eyeColour, hairColour, birthplace
    case age, scar
    case location, alive, possession, relationship
    case knowledge
    case action

    public var attributeClass: AttributeClass {
        switch self {
        case .eyeColour, .hairColour, .birthplace: .immutable
        case .age, .scar: .monotonic
        case .location, .alive, .possession, .relationship: .state
        case .knowledge: .knowledge
        case .action: .action
        }
    }
}

/// Colours the text gives eyes and hair, with the families that do not contradict each other.
public enum Colour: String, Sendable, Codable, CaseIterable {
    case blue, grey, green, brown, hazel, black, amber, violet
    case red, auburn, ginger, fair, blond, golden, flaxen, white, silver, chestnut

    /// Eye colours one reader would not call a contradiction: dark brown and black eyes, hazel and brown.
    var eyeFamily: Int? {
        switch self {
        case .blue: 1
        case .grey, .silver: 2
        case .green: 3
        case .brown, .hazel, .black, .chestnut, .amber: 4
        case .violet: 5
        default: nil
        }
    }

    /// Hair families; grey and white are what any colour may become with age.
    var hairFamily: Int? {
        switch self {
        case .red, .auburn, .ginger: 1
        case .fair, .blond, .golden, .flaxen: 2
        case .brown, .chestnut: 3
        case .black: 4
        case .grey, .white, .silver: 5
        default: nil
        }
    }

    var isAgedHair: Bool { hairFamily == 5 }

    /// Spellings the text uses for each colour.
    static func reading(_ word: String) -> Colour? {
        switch word {
        case "gray": .grey
        case "blonde": .blond
        case "raven", "jet": .black
        case "sandy", "carroty": .ginger
        case "hoary": .white
        default: Colour(rawValue: word)
        }
    }
}

/// Family ties, as "the subject is the other's …".
public enum Kinship: String, Sendable, Codable, CaseIterable {
    case sibling, parent, child, spouse, cousin, auntOrUncle, nieceOrNephew, grandparent, grandchild

    /// The tie seen from the other side.
    public var converse: Kinship {
        switch self {
        case .parent: .child
        case .child: .parent
        case .auntOrUncle: .nieceOrNephew
        case .nieceOrNephew: .auntOrUncle
        case .grandparent: .grandchild
        case .grandchild: .grandparent
        case .sibling, .spouse, .cousin: self
        }
    }

    /// Whether one pair of people can stand in both ties (cousins may marry; nothing else here combines).
    public func isCompatible(with other: Kinship) -> Bool {
        if self == other { return true }
        let pair: Set<Kinship> = [self, other]
        return pair == [.spouse, .cousin]
    }
}

/// The object of a fact: an entity or a typed value.
public enum FactValue: Sendable, Codable, Hashable {
    case colour(Colour)
    case years(Int)
    /// A place, an object, or another character.
    case entity(EntityID)
    case alive(Bool)
    /// The subject is `other`'s kin of this kind.
    case kin(Kinship, of: EntityID)
    /// What is known, as its normalised words ("the will had been forged").
    case topic(String)
    /// A part of the body (a scar's place).
    case bodyPart(String)
    /// A deed, by its verb ("said", "walked").
    case deed(String)
}

/// How a fact bears on its state at its moment.
public enum Aspect: String, Sendable, Codable {
    /// The state is observed to hold ("was in the kitchen", "knew that …", "held the key").
    case holds
    /// The state starts here ("took the key", "learned that …", "died", "arrived at").
    case begins
    /// The state ends here ("lost the key", "gave away the key").
    case ends
    /// The state is said not to hold here ("did not know that …").
    case lacks
}

/// Where a fact came from, for a violation to name and a reader to judge.
public enum FactOrigin: Sendable, Codable, Hashable, CustomStringConvertible {
    /// A pattern of the deterministic extractor, by name ("eyes.possessive").
    case pattern(String)
    /// A model's extraction answer, by the model's name.
    case model(String)
    /// The outline's character sheet, by the attribute's key ("hair") or "relationship".
    case outline(String)

    public var description: String {
        switch self {
        case .pattern(let name): "pattern \(name)"
        case .model(let name): "model \(name)"
        case .outline(let key): "the outline's character sheet (\(key))"
        }
    }
}

/// One statement the book makes: subject, predicate, value, where and when.
public struct Fact: Sendable, Codable, Hashable {
    public var subject: EntityID
    public var predicate: Predicate
    public var value: FactValue
    public var aspect: Aspect
    public var quote: Quote
    public var time: StoryTime
    public var interval: StoryInterval
    /// 0–1: how sure the source is that the text says this.
    public var confidence: Double
    public var origin: FactOrigin

    public init(subject: EntityID, predicate: Predicate, value: FactValue, aspect: Aspect, quote: Quote, time: StoryTime, interval: StoryInterval, confidence: Double, origin: FactOrigin) {
        self.subject = subject
        self.predicate = predicate
        self.value = value
        self.aspect = aspect
        self.quote = quote
        self.time = time
        self.interval = interval
        self.confidence = confidence
        self.origin = origin
    }

    /// Narrative order: chapter, then position in it.
    static func inTextOrder(_ a: Fact, _ b: Fact) -> Bool {
        (a.quote.chapter, a.quote.bytes.lowerBound) < (b.quote.chapter, b.quote.bytes.lowerBound)
    }

    func isBefore(_ other: Fact) -> Bool { Self.inTextOrder(self, other) }
}
