import Quality
import WorkbenchCore

/// A paragraph of a chapter, 1-based both.
public struct Site: Sendable, Hashable, Codable, CustomStringConvertible {
    public var chapter: Int
    public var paragraph: Int
    public init(chapter: Int, paragraph: Int) {
        self.chapter = chapter
        self.paragraph = paragraph
    }
    public var description: String { "\(chapter):\(paragraph)" }
}

/// One contradiction put into a book on purpose: its type and the two paragraphs that clash.
public struct InjectedContradiction: Sendable, Hashable, Codable {
    public var type: ViolationType
    public var established: Site
    public var contradicting: Site
    /// The sentence that contradicts.
    public var sentence: String

    /// Whether `violation` is this contradiction found: same type, same two paragraphs.
    public func isFound(by violation: Violation) -> Bool {
        let found: Set<Site> = [Site(chapter: violation.established.quote.chapter, paragraph: violation.established.quote.paragraph),
                                Site(chapter: violation.contradicting.quote.chapter, paragraph: violation.contradicting.quote.paragraph)]
        return violation.type == type && found == [established, contradicting]
    }
}

/// Clean chapters with contradictions put in, and where.
public struct InjectedBook: Sendable {
    public var chapters: [ChapterText]
    public var contradictions: [InjectedContradiction]
    /// Types asked for that the book had no place for (too few characters or chapters).
    public var skipped: [ViolationType]
}

/// Puts contradictions of each type into clean chapters at positions a seed fixes, as new
/// paragraphs about the book's own characters, and records where each one lands: the ground
/// truth that recall and precision are measured against.
///
/// It reads the clean book first, with the deterministic extractor, for who the characters are
/// (named characters of known gender that act in it) and what the book already states about
/// them: an eye colour or age the book sets up is contradicted rather than set up again. A
/// character is named by any form the book uses for them alone (full name, first name, title). Every sentence follows a pattern family the extractor reads, with named subjects or
/// pronouns; the measurement says how often the patterns find them among real prose.
public struct ContradictionInjector: Sendable {
    public let seed: UInt64
    public init(seed: UInt64) { self.seed = seed }

    struct Insertion {
        var chapter: Int
        /// 0-based paragraph of the clean chapter it follows; -1 before the first.
        var after: Int
        var sentence: String
        var contradiction: Int
        var isContradicting: Bool
    }

    struct Character {
        var id: EntityID
        /// Every form that names this character alone ("Elizabeth Bennet", "Elizabeth", "Lizzy").
        var names: [String]
        var name: String
        var gender: Gender
        var subject: String { gender == .male ? "he" : "she" }
        var possessive: String { gender == .male ? "his" : "her" }
    }

    public func inject(into chapters: [ChapterText], types: [ViolationType] = ViolationType.allCases) -> InjectedBook {
        var random = SeededGenerator(seed: seed)
        let reading = PatternExtractor().read(chapters)
        let paragraphCounts = chapters.map { Paragraphs.split($0.text).count }
        // Characters that act in the book and whose name and gender the cast is sure of.
        var deeds: [EntityID: Int] = [:]
        for fact in reading.facts where fact.predicate == .action { deeds[fact.subject, default: 0] += 1 }
        var cast: [Character] = reading.cast.entities.compactMap { entity in
            guard entity.kind == .character, let gender = entity.gender, deeds[entity.id, default: 0] >= 2,
                  reading.cast.entity(named: entity.canonicalName)?.id == entity.id else { return nil }
            let names = entity.names.filter { reading.cast.entity(named: $0)?.id == entity.id }
            return Character(id: entity.id, names: names, name: entity.canonicalName, gender: gender)
        }
        cast = random.permutation(cast.count).map { cast[$0] }
        var insertions: [Insertion] = []
        var contradictions: [(type: ViolationType, established: Site?, sentence: String)] = []
        var skipped: [ViolationType] = []
        var next = 0
        func pick(_ count: Int) -> [Character]? {
            guard cast.count >= count else { return nil }
            // Each sentence names its character by any form the book uses for them alone.
            let chosen = (0..<count).map { offset in
                var person = cast[(next + offset) % cast.count]
                person.name = person.names[random.below(person.names.count)]
                return person
            }
            next += count
            return chosen
        }
        func site(in chapter: Int) -> Int { random.below(paragraphCounts[chapter - 1] + 1) - 1 }
        /// Two chapters, the second later when the book has two.
        func chapterPair() -> (Int, Int) {
            let count = chapters.count
            guard count >= 2 else { return (chapters[0].number, chapters[0].number) }
            let first = 1 + random.below(count - 1)
            return (first, first + 1 + random.below(count - first))
        }
        func choose<T>(_ options: [T]) -> T { options[random.below(options.count)] }
        func add(_ type: ViolationType, _ established: (chapter: Int, after: Int, sentence: String)?, existing: Site? = nil, _ contradicting: (chapter: Int, after: Int, sentence: String)) {
            let index = contradictions.count
            contradictions.append((type, existing, contradicting.sentence))
            if let established { insertions.append(Insertion(chapter: established.chapter, after: established.after, sentence: established.sentence, contradiction: index, isContradicting: false)) }
            insertions.append(Insertion(chapter: contradicting.chapter, after: contradicting.after, sentence: contradicting.sentence, contradiction: index, isContradicting: true))
        }
        func existing(_ predicate: Predicate, of id: EntityID) -> Fact? { reading.facts.first { $0.subject == id && $0.predicate == predicate } }
        func siteOf(_ fact: Fact) -> Site { Site(chapter: fact.quote.chapter, paragraph: fact.quote.paragraph) }
        /// The clean paragraph index a fact sits in, to insert after it.
        func after(_ fact: Fact) -> Int { fact.quote.paragraph - 1 }

        for type in types {
            guard !chapters.isEmpty, let people = pick(type == .possessionWithoutAcquisition || type == .relationshipContradicted || type == .knowledgeBeforeLearning ? 2 : 1) else {
                skipped.append(type)
                continue
            }
            let person = people[0], name = person.name
            var (early, late) = chapterPair()
            switch type {
            case .immutableChanged:
                let attribute = random.below(3)
                if attribute < 2 {
                    let predicate: Predicate = attribute == 0 ? .eyeColour : .hairColour
                    let noun = attribute == 0 ? "eyes" : "hair"
                    let palette: [Colour] = attribute == 0 ? [.blue, .grey, .green, .brown] : [.red, .fair, .brown, .black]
                    var set = choose(palette)
                    var establishing: (Int, Int, String)?
                    var existingSite: Site?
                    if let fact = existing(predicate, of: person.id), case .colour(let colour) = fact.value {
                        set = colour
                        existingSite = siteOf(fact)
                        late = fact.quote.chapter
                        early = late
                    } else {
                        establishing = (early, site(in: early), choose(["\(name) had \(set.rawValue) \(noun).", "\(name)'s \(set.rawValue) \(noun) caught the light."]))
                    }
                    let family = { (c: Colour) in attribute == 0 ? c.eyeFamily : c.hairFamily }
                    let other = choose(palette.filter { family($0) != family(set) })
                    let lateSite = existingSite.map { late == $0.chapter ? max(site(in: late), $0.paragraph - 1) : site(in: late) } ?? site(in: late)
                    add(type, establishing.map { ($0.0, $0.1, $0.2) }, existing: existingSite, (late, lateSite, choose([
                        "\(name)'s \(other.rawValue) \(noun) were dark with weariness.".replacingOccurrences(of: "hair were", with: "hair was"),
                        "\(name) looked up. \(person.possessive.capitalized) \(other.rawValue) \(noun) gave nothing away.",
                        "\(name) had \(other.rawValue) \(noun), like all that family.",
                    ])))
                } else {
                    let towns = ["Leeds", "Exeter", "Norwich", "Durham", "Chester", "Lincoln", "Bristol", "Dover"]
                    let born = choose(towns), other = choose(towns.filter { $0 != born })
                    add(type, (early, site(in: early), "\(name) had been born in \(born)."), (late, site(in: late), choose(["\(name) was born in \(other), far from here.", "\(name) had been born at \(other)."])))
                }
            case .actsAfterDeath:
                // The deed lands before the character's first deed after the death, so it is the one to report.
                let chapter = early, deathAfter = site(in: chapter)
                let firstDeed = reading.facts.first { $0.subject == person.id && $0.predicate == .action && $0.quote.chapter == chapter && $0.quote.paragraph - 1 > deathAfter }
                let limit = firstDeed.map { $0.quote.paragraph - 2 } ?? paragraphCounts[chapter - 1] - 1
                let deedAfter = deathAfter + random.below(max(1, min(limit, deathAfter + 8) - deathAfter + 1))
                add(type, (chapter, deathAfter, choose(["\(name) died that night.", "\(name) was dead before morning.", "\(name) was killed on the road."])),
                    (chapter, deedAfter, choose(["\u{201C}Not yet,\u{201D} said \(name).", "\(name) smiled at the fire.", "\(name) walked to the window and waited."])))
            case .twoPlacesAtOnce:
                let rooms = ["kitchen", "library", "garden", "study", "cellar", "parlour", "attic", "chapel", "stable", "orchard"]
                let first = choose(rooms), second = choose(rooms.filter { $0 != first })
                let at = site(in: late)
                add(type, (late, at, choose(["\(name) was in the \(first), alone.", "\(name) sat in the \(first) with a book."])),
                    (late, at, choose(["\(name) stood in the \(second), listening.", "\(name) was in the \(second) at that moment."])))
            case .possessionWithoutAcquisition:
                let other = people[1]
                let thing = "\(choose(["silver", "brass", "little", "iron", "golden", "tarnished"])) \(choose(["key", "locket", "ring", "knife", "watch", "compass"]))"
                let letGo = random.below(2) == 0 ? "\(name) gave the \(thing) to \(other.name)." : "\(name) lost the \(thing) in the snow."
                add(type, (early, site(in: early), letGo), (late, site(in: late), choose([
                    "\(name) turned the \(thing) over in \(person.possessive) fingers.", "\(name) held the \(thing) up to the lamp.",
                    "\(name) looked at the fire. \(person.subject.capitalized) held the \(thing) tightly.",
                ])))
            case .ageArithmetic:
                var age = 20 + random.below(40)
                var establishing: (Int, Int, String)?
                var existingSite: Site?
                if let fact = existing(.age, of: person.id), case .years(let years) = fact.value, years >= 8 {
                    age = years
                    existingSite = siteOf(fact)
                    early = fact.quote.chapter
                    late = min(chapters.count, early + random.below(chapters.count - early + 1))
                } else {
                    establishing = (early, site(in: early), choose(["\(name) was \(PatternLexicon.words(age)) years old.", "\(name) was \(age) that year."]))
                }
                let younger = max(2, age - 2 - random.below(7))
                let lateSite = existingSite.map { late == $0.chapter ? max(site(in: late), $0.paragraph - 1) : site(in: late) } ?? (late == early ? max(site(in: late), establishing!.1) : site(in: late))
                add(type, establishing.map { ($0.0, $0.1, $0.2) }, existing: existingSite, (late, lateSite, choose([
                    "\(name) was \(PatternLexicon.words(younger)).", "\(name) was \(younger) years old.", "\(name) looked out at the rain. \(person.subject.capitalized) was \(PatternLexicon.words(younger)), and tired.",
                ])))
            case .knowledgeBeforeLearning:
                let secret = "\(choose(["the mill", "the house", "the farm", "the shop", "the old boat"])) had been \(choose(["sold", "mortgaged", "burned", "searched", "promised"])) \(choose(["in secret", "to a stranger", "last winter", "without a word", "for a song"]))"
                let teller = people[1]
                let learns = random.below(2) == 0 ? "\(name) learned that \(secret)." : "\(teller.name) told \(name) that \(secret)."
                add(type, (early, site(in: early), "\(name) knew that \(secret)."), (late, site(in: late), learns))
            case .relationshipContradicted:
                let other = people[1]
                func word(_ kinship: Kinship, _ gender: Gender) -> String {
                    switch kinship {
                    case .sibling: gender == .male ? "brother" : "sister"
                    case .child: gender == .male ? "son" : "daughter"
                    case .spouse: gender == .male ? "husband" : "wife"
                    default: "cousin"
                    }
                }
                let ties: [Kinship] = [.sibling, .child, .spouse, .cousin]
                let first = choose(ties), second = choose(ties.filter { !$0.isCompatible(with: first) })
                add(type, (early, site(in: early), choose(["\(name) was \(other.name)'s \(word(first, person.gender)).", "\(other.name)'s \(word(first, person.gender)), \(name), said nothing."])),
                    (late, site(in: late), choose(["\(name), \(other.name)'s \(word(second, person.gender)), came in.", "\(name) was \(other.name)'s \(word(second, person.gender))."])))
            }
        }

        // Rebuild the chapters with every insertion as a paragraph of its own, then read off where each landed.
        var texts = chapters
        var sitesOf: [Int: (established: Site?, contradicting: Site?)] = [:]
        for (position, chapter) in chapters.enumerated() {
            let own = insertions.enumerated().filter { $0.element.chapter == chapter.number }
            guard !own.isEmpty else { continue }
            let paragraphs = Paragraphs.split(chapter.text)
            let bytes = Array(chapter.text.utf8)
            var output: [UInt8] = []
            var landed: [(insertion: Insertion, offset: Int)] = []
            var cursor = 0
            func put(after: Int) {
                for (_, insertion) in own where insertion.after == after {
                    output += Array("\n\n".utf8)
                    landed.append((insertion, output.count))
                    output += Array(insertion.sentence.utf8)
                    output += Array("\n\n".utf8)
                }
            }
            put(after: -1)
            for (index, paragraph) in paragraphs.enumerated() {
                output += bytes[cursor..<paragraph.bytes.upperBound]
                cursor = paragraph.bytes.upperBound
                put(after: index)
            }
            output += bytes[cursor...]
            let text = String(decoding: output, as: UTF8.self)
            texts[position].text = text
            let split = Paragraphs.split(text)
            for (insertion, offset) in landed {
                guard let number = split.firstIndex(where: { $0.bytes.contains(offset) }) else { continue }
                let site = Site(chapter: chapter.number, paragraph: number + 1)
                var entry = sitesOf[insertion.contradiction] ?? (nil, nil)
                if insertion.isContradicting { entry.contradicting = site } else { entry.established = site }
                sitesOf[insertion.contradiction] = entry
            }
        }
        // An established fact the clean book held moves down by the paragraphs inserted before it.
        var result: [InjectedContradiction] = []
        for (index, contradiction) in contradictions.enumerated() {
            guard let contradicting = sitesOf[index]?.contradicting else { continue }
            var established = sitesOf[index]?.established
            if established == nil, let clean = contradiction.established {
                let before = insertions.filter { $0.chapter == clean.chapter && $0.after <= clean.paragraph - 2 }.count
                established = Site(chapter: clean.chapter, paragraph: clean.paragraph + before)
            }
            guard let established else { continue }
            result.append(InjectedContradiction(type: contradiction.type, established: established, contradicting: contradicting, sentence: contradiction.sentence))
        }
        return InjectedBook(chapters: texts, contradictions: result, skipped: skipped)
    }
}
