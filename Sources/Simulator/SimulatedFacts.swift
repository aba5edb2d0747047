import Foundation
import WorkbenchCore

/// The continuity part of the response surface: how often the writer states a fact about a
/// cast member, and how often that fact is wrong. Off (nil in `SimulatorOptions`) by default,
/// and then the writer makes no draw for it, so every answer stays byte-identical.
///
/// On, each prose sentence is, with probability `factRate`, replaced by a fact sentence
/// (`SimulatedFacts.templates`) about a cast member: hair colour, eye colour, age, birthplace
/// or a family tie to another cast member. The truth per character is the prompt's
/// character sheet (`Characters: Mara (34, black hair, grey eyes, born in Dunmore; sister of
/// Tomas), …`) where it says, else derived from the name (`SimulatedCast`). With probability
/// `contradictionRate` the sentence states a wrong value of the kind the continuity rules
/// call a contradiction: an eye or hair colour of another family, an age 3–9 years below
/// the truth, another birthplace, a family tie that cannot hold beside the true one.
/// `SimulatedContinuity` reads these sentences back and says which are true.
public struct ContinuitySurface: Sendable, Equatable, Codable {
    /// Probability that a prose sentence is a fact sentence.
    public var factRate: Double
    /// Probability that a fact sentence states a wrong value.
    public var contradictionRate: Double

    public static let defaultFactRate = 0.06

    public init(factRate: Double = ContinuitySurface.defaultFactRate, contradictionRate: Double = 0) {
        self.factRate = factRate
        self.contradictionRate = contradictionRate
    }
}

/// What a simulator fact sentence says something about, with its name on the wire of the
/// `continuity_facts` answers.
public enum SimulatedPredicate: String, Sendable, CaseIterable, Codable {
    case hairColour = "hair_colour"
    case eyeColour = "eye_colour"
    case age
    case birthplace
    case relationship
}

/// Family ties as the simulator writes them: "the subject is the other's …".
public enum SimulatedKin: String, Sendable, CaseIterable, Codable {
    case sibling, parent, child, spouse, cousin, auntOrUncle, nieceOrNephew, grandparent, grandchild

    public var converse: SimulatedKin {
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

    /// The word for a subject of this gender ("sister", "brother").
    public func word(female: Bool) -> String {
        switch self {
        case .sibling: female ? "sister" : "brother"
        case .parent: female ? "mother" : "father"
        case .child: female ? "daughter" : "son"
        case .spouse: female ? "wife" : "husband"
        case .cousin: "cousin"
        case .auntOrUncle: female ? "aunt" : "uncle"
        case .nieceOrNephew: female ? "niece" : "nephew"
        case .grandparent: female ? "grandmother" : "grandfather"
        case .grandchild: female ? "granddaughter" : "grandson"
        }
    }

    static let words: [String: SimulatedKin] = {
        var words: [String: SimulatedKin] = [:]
        for kin in allCases { words[kin.word(female: true)] = kin; words[kin.word(female: false)] = kin }
        return words
    }()

    /// As the continuity rules have it: cousins may marry; nothing else combines.
    public func isCompatible(with other: SimulatedKin) -> Bool {
        self == other || Set([self, other]) == [.spouse, .cousin]
    }
}

/// One character's truth: what every true fact sentence about them says.
public struct SimulatedCharacter: Sendable, Equatable {
    /// As the prompt names them ("Mara", "Marcus Hale").
    public var name: String
    public var female: Bool
    public var hair: String
    public var eyes: String
    public var age: Int
    public var birthplace: String
    /// The character is `kin` of `other` (a cast name).
    public var ties: [(kin: SimulatedKin, other: String)]

    public static func == (a: SimulatedCharacter, b: SimulatedCharacter) -> Bool {
        a.name == b.name && a.female == b.female && a.hair == b.hair && a.eyes == b.eyes && a.age == b.age && a.birthplace == b.birthplace
            && a.ties.map { "\($0.kin.rawValue) \($0.other)" } == b.ties.map { "\($0.kin.rawValue) \($0.other)" }
    }

    /// The first word of the name.
    public var first: String { String(name.split(separator: " ").first ?? Substring(name)) }
}

/// The cast of a prompt with each character's truth: the character sheet's notes where they
/// say, else values derived from the name (a hash picks eye colour, hair colour, an age of
/// 20–60 and a birthplace from `SimulatedFacts.towns`); the first two cast members are kin
/// (sibling, spouse or cousin by the hash of their names) unless the sheet ties them.
public struct SimulatedCast: Sendable, Equatable {
    public var characters: [SimulatedCharacter]

    public init(characters: [SimulatedCharacter]) { self.characters = characters }

    /// From a prompt's `Characters:` line (the simulator's own cast when there is none).
    public init(prompt: String) {
        self.init(sheet: ResponseSurface.characterSheet(in: prompt))
    }

    public init(sheet: [(name: String, notes: [String])]) {
        var characters = sheet.map { Self.character($0.name, notes: $0.notes) }
        let names = characters.map(\.name)
        // Ties the sheet gives to someone not in the cast are dropped; the converse of every tie is added.
        for index in characters.indices {
            characters[index].ties = characters[index].ties.compactMap { tie in
                Self.resolve(tie.other, in: names).map { (kin: tie.kin, other: $0) }
            }
        }
        for index in characters.indices {
            for tie in characters[index].ties {
                guard let other = characters.firstIndex(where: { $0.name == tie.other }), other != index else { continue }
                if !characters[other].ties.contains(where: { $0.other == characters[index].name }) {
                    characters[other].ties.append((kin: tie.kin.converse, other: characters[index].name))
                }
            }
        }
        if characters.count >= 2, !characters[0].ties.contains(where: { $0.other == characters[1].name }) {
            let kin: SimulatedKin = [.sibling, .spouse, .cousin][Int(SimulatedFacts.hash(characters[0].name + "|" + characters[1].name) % 3)]
            characters[0].ties.append((kin: kin, other: characters[1].name))
            characters[1].ties.append((kin: kin.converse, other: characters[0].name))
        }
        self.characters = characters
    }

    static func resolve(_ name: String, in names: [String]) -> String? {
        names.first { $0 == name } ?? names.first { $0.split(separator: " ").first.map(String.init) == name.split(separator: " ").first.map(String.init) }
    }

    static func character(_ name: String, notes: [String]) -> SimulatedCharacter {
        let hash = SimulatedFacts.hash(name)
        let first = String(name.split(separator: " ").first ?? Substring(name))
        var character = SimulatedCharacter(
            name: name, female: SceneThread.isFemale(first),
            hair: SimulatedFacts.hairColours[Int(hash % UInt64(SimulatedFacts.hairColours.count))],
            eyes: SimulatedFacts.eyeColours[Int((hash >> 8) % UInt64(SimulatedFacts.eyeColours.count))],
            age: 20 + Int((hash >> 16) % 41),
            birthplace: SimulatedFacts.towns[Int((hash >> 24) % UInt64(SimulatedFacts.towns.count))],
            ties: [])
        for note in notes {
            let words = note.split(whereSeparator: { $0 == " " }).map(String.init)
            let lower = words.map { $0.lowercased() }
            if let number = lower.lazy.compactMap(SimulatedFacts.number).first, lower.count <= 3, !lower.contains("of") {
                if (2...110).contains(number) { character.age = number }
            } else if let hair = lower.firstIndex(of: "hair"), let colour = lower[..<hair].last(where: { SimulatedFacts.family($0, hair: true) != nil }) {
                character.hair = colour
            } else if let eyes = lower.firstIndex(of: "eyes"), let colour = lower[..<eyes].last(where: { SimulatedFacts.family($0, hair: false) != nil }) {
                character.eyes = colour
            } else if let born = lower.firstIndex(of: "born"), born + 2 < words.count, ["in", "at"].contains(lower[born + 1]) {
                character.birthplace = words[(born + 2)...].joined(separator: " ").trimmingCharacters(in: .punctuationCharacters)
            } else if let of = lower.firstIndex(of: "of"), of >= 1, let kin = SimulatedKin.words[lower[of - 1]], of + 1 < words.count {
                character.ties.append((kin: kin, other: words[(of + 1)...].joined(separator: " ").trimmingCharacters(in: .punctuationCharacters)))
            }
        }
        return character
    }

    /// The character a written name stands for: the whole name or its first word.
    public func character(named name: String) -> SimulatedCharacter? {
        characters.first { $0.name == name } ?? characters.first { $0.first == name || $0.name.hasPrefix(name + " ") }
            ?? characters.first { $0.first == name.split(separator: " ").first.map(String.init) }
    }

    /// The true tie of `subject` to `other`, as "subject is kin of other".
    public func tie(_ subject: String, _ other: String) -> SimulatedKin? {
        guard let a = character(named: subject), let b = character(named: other) else { return nil }
        return a.ties.first { $0.other == b.name }?.kin ?? b.ties.first { $0.other == a.name }?.kin.converse
    }
}

extension ResponseSurface {
    /// The `Characters:` line with each name's parenthesised notes, split on commas and
    /// semicolons: "Mara (34, black hair; sister of Tomas)" is Mara with ["34", "black hair",
    /// "sister of Tomas"]. The simulator's own cast, without notes, when there is no such line.
    public static func characterSheet(in prompt: String) -> [(name: String, notes: [String])] {
        for line in prompt.split(whereSeparator: \.isNewline) {
            let lowered = line.lowercased()
            guard let range = lowered.range(of: "characters:") else { continue }
            let rest = line[line.index(line.startIndex, offsetBy: lowered.distance(from: lowered.startIndex, to: range.upperBound))...]
            var entries: [(name: String, notes: [String])] = []
            var name = "", note = "", notes: [String] = []
            var depth = 0
            func closeName() {
                for part in name.replacingOccurrences(of: " and ", with: ",").split(separator: ",") {
                    let trimmed = part.trimmingCharacters(in: .whitespaces.union(.punctuationCharacters))
                    if !trimmed.isEmpty { entries.append((trimmed, [])) }
                }
                name = ""
            }
            for character in rest {
                if character == ".", depth == 0 { break }
                if character == "(" {
                    depth += 1
                    if depth == 1 { closeName(); notes = [] ; continue }
                } else if character == ")" {
                    depth = max(0, depth - 1)
                    if depth == 0 {
                        notes.append(note)
                        note = ""
                        if !entries.isEmpty { entries[entries.count - 1].notes = notes.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
                        continue
                    }
                }
                if depth > 0 {
                    if character == "," || character == ";" { notes.append(note); note = "" } else { note.append(character) }
                } else {
                    name.append(character)
                }
            }
            closeName()
            if !entries.isEmpty { return entries }
        }
        return ["Mara", "Elias", "Ines"].map { ($0, []) }
    }
}

/// The simulator's fact sentences: the templates it writes them with, and their values.
public enum SimulatedFacts {
    /// Eye colours with the families the continuity rules keep apart (dark brown and hazel are one).
    public static let eyeColours = ["blue", "grey", "green", "brown", "hazel"]
    public static let hairColours = ["black", "brown", "red", "auburn", "fair", "blond"]
    /// Birthplaces for characters the sheet gives none.
    public static let towns = ["Dunmore", "Kelby", "Ashcombe", "Holbeck", "Carrick", "Stanmoor", "Penhallow", "Brackwater", "Wexcombe", "Orrin Cross"]

    /// The colour family, or nil for a word that is no colour of eyes (or of hair).
    public static func family(_ colour: String, hair: Bool) -> Int? {
        if hair {
            switch colour {
            case "red", "auburn", "ginger": return 1
            case "fair", "blond", "blonde", "golden", "flaxen": return 2
            case "brown", "chestnut": return 3
            case "black": return 4
            case "grey", "gray", "white", "silver": return 5
            default: return nil
            }
        }
        switch colour {
        case "blue": return 1
        case "grey", "gray", "silver": return 2
        case "green": return 3
        case "brown", "hazel", "black", "amber", "chestnut": return 4
        case "violet": return 5
        default: return nil
        }
    }

    /// One way of stating a fact. `{N}` the subject's name, `{P}` its possessive pronoun, `{V}`
    /// the value, `{O}` the other character of a tie and `{K}` the subject's kin word.
    public struct Template: Sendable, Equatable {
        public var predicate: SimulatedPredicate
        public var text: String
    }

    /// Every template, in the forms the pattern extractor reads; none uses a word of the
    /// Quality lexicons besides the colour itself.
    public static let templates: [Template] = [
        Template(predicate: .hairColour, text: "{N} had {V} hair."),
        Template(predicate: .hairColour, text: "{N}'s {V} hair was tied back with string."),
        Template(predicate: .hairColour, text: "{N}'s hair was {V}."),
        Template(predicate: .hairColour, text: "{N} pushed {P} {V} hair back."),
        Template(predicate: .eyeColour, text: "{N} had {V} eyes."),
        Template(predicate: .eyeColour, text: "{N}'s eyes were {V}."),
        Template(predicate: .eyeColour, text: "{N}'s {V} eyes turned to the door."),
        Template(predicate: .age, text: "{N} was {V}."),
        Template(predicate: .age, text: "{N} was {V} years old."),
        Template(predicate: .age, text: "{N} was {V} that year."),
        Template(predicate: .birthplace, text: "{N} was born in {V}."),
        Template(predicate: .birthplace, text: "{N} had been born in {V}."),
        Template(predicate: .birthplace, text: "{N} had been born at {V}, far to the north."),
        Template(predicate: .relationship, text: "{N}, {O}'s {K}, kept to one side."),
        Template(predicate: .relationship, text: "{O}'s {K} {N} came in last."),
        Template(predicate: .relationship, text: "{N} was {O}'s {K}."),
        Template(predicate: .relationship, text: "{N}, the {K} of {O}, said nothing."),
    ]

    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.lowercased().utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        // Mix, so neighbouring bits of short names differ.
        hash ^= hash >> 29
        hash = hash &* 0xBF58_476D_1CE4_E5B9
        return hash ^ (hash >> 32)
    }

    static let units = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
                        "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

    /// "34", "thirty-four", "thirty".
    static func number(_ word: String) -> Int? {
        if let value = Int(word) { return value }
        if let unit = units.firstIndex(of: word) { return unit }
        if let ten = tens.firstIndex(of: word), ten >= 2 { return ten * 10 }
        let pieces = word.split(separator: "-").map(String.init)
        if pieces.count == 2, let ten = tens.firstIndex(of: pieces[0]), ten >= 2, let unit = units.firstIndex(of: pieces[1]), (1...9).contains(unit) { return ten * 10 + unit }
        return nil
    }

    static func words(_ value: Int) -> String {
        if value < 20 { return units[max(0, value)] }
        if value >= 100 { return String(value) }
        let unit = value % 10
        return unit == 0 ? tens[value / 10] : "\(tens[value / 10])-\(units[unit])"
    }

    // MARK: Writing

    /// One fact sentence about a random cast member: true, or with probability
    /// `contradictionRate` wrong. Every draw comes from `random`.
    static func sentence(cast: SimulatedCast, surface: ContinuitySurface, random: inout SeededGenerator) -> String {
        let character = cast.characters[random.below(cast.characters.count)]
        var predicates: [SimulatedPredicate] = [.hairColour, .eyeColour, .age, .birthplace]
        if !character.ties.isEmpty { predicates.append(.relationship) }
        let predicate = predicates[random.below(predicates.count)]
        let forms = templates.filter { $0.predicate == predicate }
        let template = forms[random.below(forms.count)]
        let wrong = random.nextUnit() < surface.contradictionRate
        var fill: [String: String] = ["N": character.name, "P": character.female ? "her" : "his"]
        switch predicate {
        case .hairColour:
            fill["V"] = wrong ? otherFamily(character.hair, among: hairColours, hair: true, &random) : character.hair
        case .eyeColour:
            fill["V"] = wrong ? otherFamily(character.eyes, among: eyeColours, hair: false, &random) : character.eyes
        case .age:
            let age = wrong ? character.age - 3 - random.below(7) : character.age
            fill["V"] = random.below(2) == 0 ? String(age) : words(age)
        case .birthplace:
            if wrong {
                let others = towns.filter { $0 != character.birthplace }
                fill["V"] = others[random.below(others.count)]
            } else {
                fill["V"] = character.birthplace
            }
        case .relationship:
            let tie = character.ties[random.below(character.ties.count)]
            let kin = wrong ? (tie.kin == .sibling ? SimulatedKin.spouse : .sibling) : tie.kin
            fill["O"] = tie.other
            fill["K"] = kin.word(female: character.female)
        }
        return render(template, fill)
    }

    static func otherFamily(_ value: String, among bank: [String], hair: Bool, _ random: inout SeededGenerator) -> String {
        let family = Self.family(value, hair: hair)
        let others = bank.filter { Self.family($0, hair: hair) != family }
        return others[random.below(others.count)]
    }

    static func render(_ template: Template, _ fill: [String: String]) -> String {
        var text = template.text
        for (key, value) in fill { text = text.replacingOccurrences(of: "{\(key)}", with: value) }
        return text
    }

    // MARK: Reading

    /// A template as a regular expression anchored at a sentence start, and its placeholders in group order.
    struct Pattern {
        var template: Template
        var regex: NSRegularExpression
        var groups: [String]
    }

    static let name = "[A-Z][a-z]+(?: [A-Z][a-z]+)?"
    /// NSRegularExpression matches from any thread; the patterns are never mutated.
    nonisolated(unsafe) static let patterns: [Pattern] = templates.map { template in
        var pattern = "(?:^|(?<=[.!?] )|(?<=[.!?]\" ))"
        var groups: [String] = []
        var rest = Substring(template.text)
        while let open = rest.firstIndex(of: "{") {
            pattern += NSRegularExpression.escapedPattern(for: String(rest[..<open]))
            let key = String(rest[rest.index(after: open)])
            rest = rest[rest.index(open, offsetBy: 3)...]
            switch key {
            case "N", "O": pattern += "(\(name))"
            case "P": pattern += "(her|his)"
            case "K": pattern += "(\(SimulatedKin.words.keys.sorted().joined(separator: "|")))"
            default:
                switch template.predicate {
                case .hairColour, .eyeColour: pattern += "([a-z]+)"
                case .age: pattern += "([0-9]{1,3}|[a-z]+(?:-[a-z]+)?)"
                default: pattern += "([A-Z][a-z]+(?: [A-Z][a-z]+)?)"
                }
            }
            groups.append(key)
        }
        pattern += NSRegularExpression.escapedPattern(for: String(rest))
        // The patterns are fixed text: a failure here is a bug in `templates`.
        return Pattern(template: template, regex: try! NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]), groups: groups)
    }

    /// One fact sentence found in a text: what it says, where, and the spans of its parts.
    struct Found {
        var predicate: SimulatedPredicate
        var subject: String
        var value: String
        var other: String?
        var kin: SimulatedKin?
        /// The whole sentence and, for the value (or kin word), its span: UTF-16 ranges of the text.
        var sentence: NSRange
        var valueRange: NSRange

        /// What the sentence states, without where.
        var established: SimulatedContinuity.Established {
            SimulatedContinuity.Established(predicate: predicate, subject: subject, value: value, other: other, kin: kin)
        }
    }

    /// Every fact sentence of the templates in `text`, in text order (one per sentence).
    static func find(in text: String) -> [Found] {
        let string = text as NSString
        var found: [Found] = []
        for pattern in patterns {
            for match in pattern.regex.matches(in: text, range: NSRange(location: 0, length: string.length)) {
                var parts: [String: (String, NSRange)] = [:]
                for (index, key) in pattern.groups.enumerated() {
                    let range = match.range(at: index + 1)
                    parts[key] = (string.substring(with: range), range)
                }
                guard let subject = parts["N"]?.0 else { continue }
                var item = Found(predicate: pattern.template.predicate, subject: subject, value: "", sentence: match.range, valueRange: match.range)
                switch pattern.template.predicate {
                case .hairColour, .eyeColour:
                    guard let (value, range) = parts["V"], family(value, hair: pattern.template.predicate == .hairColour) != nil else { continue }
                    item.value = value
                    item.valueRange = range
                case .age:
                    guard let (value, range) = parts["V"], let years = number(value), (2...110).contains(years) else { continue }
                    item.value = String(years)
                    item.valueRange = range
                case .birthplace:
                    guard let (value, range) = parts["V"] else { continue }
                    item.value = value
                    item.valueRange = range
                case .relationship:
                    guard let (word, range) = parts["K"], let kin = SimulatedKin.words[word], let other = parts["O"]?.0, other != subject else { continue }
                    item.kin = kin
                    item.other = other
                    item.value = "\(word) of \(other)"
                    item.valueRange = range
                }
                found.append(item)
            }
        }
        // Two templates can match one sentence ("{N} was {V}." inside none other, but be safe): keep the longest.
        found.sort { ($0.sentence.location, -$0.sentence.length) < ($1.sentence.location, -$1.sentence.length) }
        var result: [Found] = []
        for item in found where !(result.last.map { NSLocationInRange(item.sentence.location, $0.sentence) } ?? false) { result.append(item) }
        return result
    }
}
