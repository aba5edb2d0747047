/// What an entity of the book's knowledge graph is.
public enum EntityKind: String, Sendable, Codable, CaseIterable {
    case character, place, object, organisation, event
}

/// A stable, readable key for an entity: its canonical name as a slug ("marcus-hale"),
/// prefixed by its kind for things that are not characters ("object:silver-key").
public struct EntityID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: EntityID, rhs: EntityID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The slug of `name` for an entity of `kind`: lowercase letters and digits, runs of anything else as one dash.
    public static func slug(_ name: String, kind: EntityKind) -> EntityID {
        var slug = ""
        var dash = false
        for scalar in name.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if dash, !slug.isEmpty { slug.append("-") }
                slug.unicodeScalars.append(scalar)
                dash = false
            } else {
                dash = true
            }
        }
        return EntityID(kind == .character ? slug : "\(kind.rawValue):\(slug)")
    }
}

/// Grammatical gender as the text shows it (titles, pronouns); nil where it does not.
public enum Gender: String, Sendable, Codable { case male, female }

/// One thing the book talks about, under every name it goes by.
public struct Entity: Sendable, Codable, Equatable, Identifiable {
    public var id: EntityID
    public var kind: EntityKind
    /// The fullest name the text gives it ("Marcus Hale"; "Mrs Hale" when no first name is known).
    public var canonicalName: String
    /// Every other form that names it ("Marcus", "Mr Hale", "Hale"), titles without their stop.
    public var aliases: [String]
    public var gender: Gender?

    public init(id: EntityID, kind: EntityKind, canonicalName: String, aliases: [String] = [], gender: Gender? = nil) {
        self.id = id
        self.kind = kind
        self.canonicalName = canonicalName
        self.aliases = aliases
        self.gender = gender
    }

    /// The canonical name and the aliases.
    public var names: [String] { [canonicalName] + aliases }
}
