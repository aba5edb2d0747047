import Quality
import WorkbenchCore

/// Recall and precision of the checks against injected contradictions.
public struct DetectionScore: Sendable, Equatable {
    public var injected = 0
    public var found = 0
    public var flags = 0
    /// Flags that are an injected contradiction (same type, same two paragraphs).
    public var correctFlags = 0
    /// Flags whose two quotes are both non-empty and are their chapters' text.
    public var flagsWithBothQuotes = 0
    public var injectedByType: [ViolationType: Int] = [:]
    public var foundByType: [ViolationType: Int] = [:]

    public init() {}

    public var recall: Double { injected == 0 ? 0 : Double(found) / Double(injected) }
    public var precision: Double { flags == 0 ? 1 : Double(correctFlags) / Double(flags) }

    public mutating func add(_ other: DetectionScore) {
        injected += other.injected
        found += other.found
        flags += other.flags
        correctFlags += other.correctFlags
        flagsWithBothQuotes += other.flagsWithBothQuotes
        for (type, count) in other.injectedByType { injectedByType[type, default: 0] += count }
        for (type, count) in other.foundByType { foundByType[type, default: 0] += count }
    }
}

/// The seeded measurement of the continuity checks and of alias merging.
public enum ContinuityMeasurement {
    /// Reads and checks an injected book and scores the flags against what was injected.
    /// Every flag that is not an injected contradiction counts against precision, whatever it
    /// is: the clean prose's own false alarms included.
    public static func score(_ book: InjectedBook) -> (score: DetectionScore, violations: [Violation]) {
        let reading = PatternExtractor().read(book.chapters)
        let violations = ContinuityChecker(cast: reading.cast).check(reading.facts)
        var score = DetectionScore()
        score.injected = book.contradictions.count
        score.flags = violations.count
        for contradiction in book.contradictions {
            score.injectedByType[contradiction.type, default: 0] += 1
            if violations.contains(where: contradiction.isFound) {
                score.found += 1
                score.foundByType[contradiction.type, default: 0] += 1
            }
        }
        score.correctFlags = violations.filter { violation in book.contradictions.contains { $0.isFound(by: violation) } }.count
        let texts = Dictionary(book.chapters.map { ($0.number, Array($0.text.utf8)) }, uniquingKeysWith: { a, _ in a })
        func quoted(_ quote: Quote) -> Bool {
            guard let bytes = texts[quote.chapter], !quote.text.isEmpty, quote.bytes.upperBound <= bytes.count else { return false }
            return String(decoding: bytes[quote.bytes], as: UTF8.self) == quote.text
        }
        score.flagsWithBothQuotes = violations.filter { quoted($0.established.quote) && quoted($0.contradicting.quote) }.count
        return (score, violations)
    }

    /// Books cut from novels: `books` windows of `chapters` consecutive chapters per novel at
    /// seeded offsets, each with one contradiction of every type injected.
    public static func corpus(novels: [String], seed: UInt64, books: Int = 5, chapters: Int = 5) -> DetectionScore {
        var total = DetectionScore()
        var random = SeededGenerator(seed: seed)
        for novel in novels {
            let pieces = NovelChapters.cut(novel)
            guard pieces.count >= chapters else { continue }
            for _ in 0..<books {
                let start = random.below(pieces.count - chapters + 1)
                let window = pieces[start..<(start + chapters)].enumerated().map { ChapterText(number: $0.offset + 1, text: $0.element.text) }
                let book = ContradictionInjector(seed: random.next()).inject(into: window)
                total.add(score(book).score)
            }
        }
        return total
    }

    // MARK: Alias merging

    /// A seeded cast of families and the sentences that name them: full names, first names,
    /// titles with surnames, bare surnames, and couples and siblings who share a surname.
    /// `gold` maps each name form to its character, or to nil where the form fits two
    /// characters and must stay unmerged.
    public static func aliasSet(seed: UInt64) -> (chapters: [ChapterText], gold: [String: Int?]) {
        var random = SeededGenerator(seed: seed)
        // Shuffled by the seed's own permutation, so the set is the same whatever the standard library's shuffle does.
        func shuffled(_ names: [String]) -> [String] { random.permutation(names.count).map { names[$0] } }
        let surnames = shuffled(["Hale", "Marsh", "Crane", "Whitlow", "Penrose", "Ashby", "Thorne", "Calloway", "Dunmore", "Fairfax", "Grenville", "Harrow"])
        let men = shuffled(["Marcus", "Edward", "Thomas", "Henry", "Arthur", "Walter", "Philip", "Robert", "Samuel", "Oliver", "Francis", "Hugh"])
        let women = shuffled(["Margaret", "Clara", "Agnes", "Eleanor", "Harriet", "Lucy", "Beatrice", "Rose", "Edith", "Julia", "Alice", "Laura"])
        struct Person { var first: String; var last: String; var gender: Gender; var titled: String }
        var people: [Person] = []
        var man = 0, woman = 0
        for (index, surname) in surnames.prefix(8).enumerated() {
            // Some families are one person; some a couple; some a couple and a daughter.
            let size = 1 + index % 3
            people.append(Person(first: men[man], last: surname, gender: .male, titled: "Mr \(surname)")); man += 1
            if size >= 2 { people.append(Person(first: women[woman], last: surname, gender: .female, titled: "Mrs \(surname)")); woman += 1 }
            if size >= 3 { people.append(Person(first: women[woman], last: surname, gender: .female, titled: "Miss \(surname)")); woman += 1 }
        }
        var gold: [String: Int?] = [:]
        var sentences: [String] = []
        let deeds = ["walked to the window", "smiled at the fire", "opened the door", "sat down by the lamp", "turned the page", "looked at the clock"]
        for (index, person) in people.enumerated() {
            let family = people.filter { $0.last == person.last }
            let pronoun = person.gender == .male ? "he" : "she"
            // Forms: the full name, the first name, the title with the surname; the bare surname
            // only where the family is one person.
            var forms = ["\(person.first) \(person.last)", person.first, person.titled]
            if family.count == 1 { forms.append(person.last) }
            for form in forms { gold[form] = index }
            for form in forms {
                for _ in 0..<(2 + random.below(3)) {
                    sentences.append("After a while \(form) \(deeds[random.below(deeds.count)]), and \(pronoun) waited.")
                }
            }
        }
        // A bare surname shared by a family: ambiguous, never to be merged into one of them.
        for surname in Set(people.map(\.last)) where people.filter({ $0.last == surname }).count > 1 {
            gold[surname] = .some(nil)
            sentences.append("Then \(surname) \(deeds[random.below(deeds.count)]).")
        }
        var order = random.permutation(sentences.count).map { sentences[$0] }
        var chapters: [ChapterText] = []
        var number = 1
        while !order.isEmpty {
            let piece = order.prefix(40)
            order.removeFirst(piece.count)
            chapters.append(ChapterText(number: number, text: stride(from: 0, to: piece.count, by: 4).map { piece[piece.startIndex + $0..<min(piece.endIndex, piece.startIndex + $0 + 4)].joined(separator: " ") }.joined(separator: "\n\n")))
            number += 1
        }
        return (chapters, gold)
    }

    /// Pairwise F1 of the merges: over pairs of gold forms, a pair is merged when the cast maps
    /// both forms to one entity, and should be when gold gives both one character.
    public static func aliasF1(cast: Cast, gold: [String: Int?]) -> (precision: Double, recall: Double, f1: Double) {
        let forms = gold.keys.sorted()
        var truePairs = 0, predicted = 0, actual = 0
        for (i, a) in forms.enumerated() {
            for b in forms[(i + 1)...] {
                let same = gold[a]!.map { x in gold[b]! == x } ?? false
                let merged: Bool = {
                    guard let x = cast.entityID(for: NameForm(parsing: a)), let y = cast.entityID(for: NameForm(parsing: b)) else { return false }
                    return x == y
                }()
                if same { actual += 1 }
                if merged { predicted += 1 }
                if same && merged { truePairs += 1 }
            }
        }
        let precision = predicted == 0 ? 1 : Double(truePairs) / Double(predicted)
        let recall = actual == 0 ? 1 : Double(truePairs) / Double(actual)
        return (precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall))
    }
}
