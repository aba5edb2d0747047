/// A title before a name, with the gender it implies and whether it takes a first name
/// ("Sir William", "Miss Jane") as well as a surname ("Mr Hale").
public enum Title: String, Sendable, Codable, CaseIterable {
    case mr, mrs, miss, ms, dr, sir, lady, lord, master, captain, colonel, major, professor, monsieur, madame, mademoiselle

    public var gender: Gender? {
        switch self {
        case .mr, .sir, .lord, .master, .monsieur: .male
        case .mrs, .miss, .ms, .lady, .madame, .mademoiselle: .female
        case .dr, .captain, .colonel, .major, .professor: nil
        }
    }

    var takesFirstName: Bool {
        switch self {
        case .sir, .lady, .lord, .miss, .master, .mademoiselle: true
        default: false
        }
    }

    /// As written in a name, without a stop: "Mr", "Dr", "Lady".
    public var written: String {
        switch self {
        case .mr: "Mr"
        case .mrs: "Mrs"
        case .ms: "Ms"
        case .dr: "Dr"
        default: rawValue.prefix(1).uppercased() + rawValue.dropFirst()
        }
    }

    static func reading(_ lower: String) -> Title? {
        switch lower {
        case "doctor": .dr
        case "mme": .madame
        case "mlle": .mademoiselle
        case "capt": .captain
        case "col": .colonel
        case "prof": .professor
        default: Title(rawValue: lower)
        }
    }

    /// Two titles one person can carry: the same, or one without a gender of its own.
    /// "Mrs" and "Miss" are two women (a married one and an unmarried one).
    func fits(_ other: Title) -> Bool {
        if self == other { return true }
        guard let a = gender, let b = other.gender else { return true }
        if a != b { return false }
        let married: Set<Title> = [.mrs, .madame], unmarried: Set<Title> = [.miss, .mademoiselle]
        return !(married.contains(self) && unmarried.contains(other) || unmarried.contains(self) && married.contains(other))
    }
}

/// A way the text names someone: an optional title and the capitalised words after it.
public struct NameForm: Hashable, Sendable, Codable, CustomStringConvertible {
    public var title: Title?
    public var parts: [String]

    public init(title: Title?, parts: [String]) {
        self.title = title
        self.parts = parts
    }

    /// Reads "Mr. Marcus Hale", "Hale", "Lady Catherine" (a leading title word becomes the title).
    public init(parsing text: String) {
        var words = text.split(whereSeparator: { $0 == " " }).map { $0.hasSuffix(".") ? String($0.dropLast()) : String($0) }
        if words.count > 1, let title = Title.reading(words[0].lowercased()) {
            self.title = title
            words.removeFirst()
        } else {
            title = nil
        }
        parts = words
    }

    /// "Mr Marcus Hale".
    public var description: String { ((title.map { [$0.written] } ?? []) + parts).joined(separator: " ") }
}

/// What the text shows about one name form: how often it appears and what it appears as.
public struct NameEvidence: Sendable, Codable, Equatable {
    public var mentions = 0
    /// He/she pronouns that follow a mention in its sentence with no other name between.
    public var male = 0
    public var female = 0
    /// Mentions as the doer of a deed or a speaker ("Hale said", "said Hale").
    public var asPerson = 0
    /// Mentions after "in", "at", "to", "from", "near".
    public var asPlace = 0

    public init(mentions: Int = 0, male: Int = 0, female: Int = 0, asPerson: Int = 0, asPlace: Int = 0) {
        self.mentions = mentions
        self.male = male
        self.female = female
        self.asPerson = asPerson
        self.asPlace = asPlace
    }

    /// The pronouns' verdict when they agree (three or more, four in five the same way).
    var pronounGender: Gender? {
        let total = male + female
        guard total >= 3 else { return nil }
        if Double(male) >= 0.8 * Double(total) { return .male }
        if Double(female) >= 0.8 * Double(total) { return .female }
        return nil
    }

    mutating func add(_ other: NameEvidence) {
        mentions += other.mentions
        male += other.male
        female += other.female
        asPerson += other.asPerson
        asPlace += other.asPlace
    }
}

/// Common English given names by gender: the fallback when neither a title nor pronouns
/// say whether "Caroline Bingley" is the Bingley called Mr.
enum GivenNames {
    static let male: Set<String> = [
        "adam", "albert", "alexander", "alfred", "andrew", "anthony", "arthur", "benjamin", "charles", "christopher", "daniel", "david",
        "edward", "edmund", "edgar", "ernest", "francis", "frank", "frederick", "george", "gerald", "harold", "harry", "henry", "hugh",
        "isaac", "jack", "jacob", "james", "john", "jonathan", "joseph", "lewis", "louis", "marcus", "mark", "matthew", "michael",
        "nathaniel", "nicholas", "oliver", "patrick", "paul", "peter", "philip", "ralph", "richard", "robert", "samuel", "simon",
        "stephen", "thomas", "timothy", "tom", "victor", "walter", "william", "alan", "ben", "carl", "dan", "eli", "felix", "gabriel",
        "hector", "ivan", "julian", "leo", "martin", "max", "noah", "owen", "rupert", "sebastian", "theo", "tomas", "vincent",
    ]
    static let female: Set<String> = [
        "agnes", "alice", "amelia", "anna", "anne", "beatrice", "catherine", "caroline", "charlotte", "clara", "dorothy", "edith",
        "eleanor", "elizabeth", "ellen", "emily", "emma", "esther", "florence", "frances", "georgiana", "grace", "hannah", "harriet",
        "helen", "isabel", "isabella", "jane", "jessica", "julia", "kate", "katherine", "laura", "lucy", "lydia", "margaret",
        "maria", "marian", "marianne", "martha", "mary", "matilda", "nancy", "rachel", "rebecca", "rose", "ruth", "sarah", "sophia",
        "susan", "victoria", "ada", "bella", "claire", "diana", "eva", "fiona", "gemma", "hazel", "iris", "june", "kitty", "lena",
        "mara", "nina", "olivia", "paula", "rosa", "sofia", "tess", "vera", "zoe",
    ]
    static func gender(_ name: String) -> Gender? {
        let lower = name.lowercased()
        if male.contains(lower) { return .male }
        if female.contains(lower) { return .female }
        return nil
    }
}
