/// One chapter's text and its 1-based number in the book.
public struct ChapterText: Sendable, Hashable {
    public var number: Int
    public var text: String
    public init(number: Int, text: String) {
        self.number = number
        self.text = text
    }
}

/// Whatever reads facts out of a chapter: the deterministic patterns here, the model's
/// `extract` route later. Every fact it returns quotes the chapter exactly (see `FactValidation`).
public protocol FactSource: Sendable {
    func facts(in chapter: ChapterText, cast: Cast) async throws -> [Fact]
}

/// A book as the graph reads it: who is in it and what the text states about them.
public struct BookReading: Sendable {
    public var cast: Cast
    public var facts: [Fact]
}

/// The deterministic extractor: plain patterns over a chapter's tokens, for what they find
/// reliably (precision over recall). Pure and fast: a chapter takes milliseconds.
///
/// It reads narration only (dialogue states what a character says, not what is so), names as
/// `Quality`'s coherence reading finds them (capitalised words met away from a sentence start),
/// and a pronoun only when one character of its gender was named in its sentence or the one
/// before with no other person between.
public struct PatternExtractor: FactSource {
    public init() {}

    /// The cast of a book: every name form in its chapters, merged.
    public func cast(of chapters: [ChapterText]) -> Cast {
        Self.cast(of: chapters.map { TokenizedChapter(number: $0.number, text: $0.text) })
    }

    public func facts(in chapter: ChapterText, cast: Cast) -> [Fact] {
        let tokenized = TokenizedChapter(number: chapter.number, text: chapter.text)
        return ChapterReader(tokenized, cast: cast, mentions: tokenized.nameMentions(nameWords: cast.nameWords)).read()
    }

    /// The cast and every fact of the book, chapters in order.
    public func read(_ chapters: [ChapterText]) -> BookReading {
        let tokenized = chapters.map { TokenizedChapter(number: $0.number, text: $0.text) }
        let cast = Self.cast(of: tokenized)
        let words = cast.nameWords
        let facts = tokenized.flatMap { ChapterReader($0, cast: cast, mentions: $0.nameMentions(nameWords: words)).read() }
        return BookReading(cast: cast, facts: facts)
    }

    static func cast(of chapters: [TokenizedChapter]) -> Cast {
        var words = Set<String>()
        for chapter in chapters { chapter.nameWords(into: &words) }
        var evidence: [NameForm: NameEvidence] = [:]
        for chapter in chapters { chapter.nameEvidence(chapter.nameMentions(nameWords: words), into: &evidence) }
        return Cast(evidence: evidence)
    }
}

/// One pass of the patterns over one chapter.
struct ChapterReader {
    typealias Lexicon = PatternLexicon
    let chapter: TokenizedChapter
    let cast: Cast
    let tokens: [Token]
    let mentions: [NameMention]
    private var mentionEndingAt: [Int: Int] = [:]
    private var mentionStartingAt: [Int: Int] = [:]
    /// Story beat of each token: advances at every word that moves someone or lets time pass.
    private var beats: [Int] = []
    private var facts: [Fact] = []

    init(_ chapter: TokenizedChapter, cast: Cast, mentions: [NameMention]) {
        self.chapter = chapter
        self.cast = cast
        tokens = chapter.tokens
        self.mentions = mentions
        for (index, mention) in mentions.enumerated() {
            mentionEndingAt[mention.last] = index
            mentionStartingAt[mention.first] = index
        }
        var beat = 0
        beats = tokens.map { token in
            if token.isWord, Lexicon.beatBreaks.contains(token.lower) { beat += 1 }
            return beat
        }
    }

    consuming func read() -> [Fact] {
        for index in tokens.indices where tokens[index].isWord && !tokens[index].inDialogue {
            let word = tokens[index].lower
            switch word {
            case "eyes", "hair": colour(at: index, predicate: word == "eyes" ? .eyeColour : .hairColour)
            case "was", "is": age(at: index); location(at: index)
            case "born": birthplace(at: index)
            case "died", "dead", "killed", "murdered": death(at: index)
            case "scar": scar(at: index)
            case "did", "had": ignorance(at: index)
            case "told": telling(at: index)
            default: break
            }
            if Lexicon.deeds.contains(word) { deed(at: index) }
            if Lexicon.speechTags.contains(word) { speechTag(at: index) }
            if Lexicon.acquiring.contains(word) || Lexicon.releasing.contains(word) || Lexicon.using.contains(word) { possession(at: index) }
            if Lexicon.giving.contains(word) { giving(at: index) }
            if Lexicon.stateVerbs.contains(word) && word != "was" || Lexicon.motionVerbs.contains(word) || word == "entered" || word == "reached" { location(at: index) }
            if Lexicon.knowing.contains(word) || Lexicon.learning.contains(word) || word == "found" { knowledge(at: index) }
            if let kinship = Lexicon.kin[word] { relationship(at: index, kinship) }
        }
        return facts
    }

    // MARK: Reading helpers

    func word(_ index: Int) -> String? {
        index >= 0 && index < tokens.count && tokens[index].isWord ? tokens[index].lower : nil
    }

    /// The character a mention names, if it names exactly one.
    func character(_ mention: NameMention) -> EntityID? {
        guard let id = cast.entityID(for: mention.form), cast.entity(id)?.kind == .character else { return nil }
        return id
    }

    /// The character whose name or pronoun ends right before `index`, and where it starts.
    func subject(before index: Int) -> (id: EntityID, start: Int, named: Bool)? {
        let last = index - 1
        guard last >= 0 else { return nil }
        if let mention = mentionEndingAt[last].map({ mentions[$0] }) {
            guard let id = character(mention), last + 1 >= tokens.count || tokens[last + 1].kind != .possessive else { return nil }
            return (id, mention.first, true)
        }
        if let word = word(last), word == "he" || word == "she" {
            return resolvePronoun(at: last).map { ($0, last, false) }
        }
        return nil
    }

    /// The character a possessive ending right before `index` belongs to ("Hale's", "his").
    func possessor(before index: Int) -> (id: EntityID, start: Int, named: Bool)? {
        let last = index - 1
        guard last >= 1 else { return nil }
        if tokens[last].kind == .possessive, let mention = mentionEndingAt[last - 1].map({ mentions[$0] }), let id = character(mention) {
            return (id, mention.first, true)
        }
        if let word = word(last), word == "his" || word == "her" {
            return resolvePronoun(at: last).map { ($0, last, false) }
        }
        return nil
    }

    /// The one character a pronoun can mean: named in narration in its sentence or the one
    /// before, of a gender that fits, with no ambiguous name or person noun in between.
    func resolvePronoun(at index: Int) -> EntityID? {
        let gender: Gender = Lexicon.pronounsMale.contains(tokens[index].lower) ? .male : .female
        let sentence = tokens[index].sentence, paragraph = tokens[index].paragraph
        var candidates = Set<EntityID>()
        var cursor = index - 1
        while cursor >= 0, tokens[cursor].paragraph == paragraph, tokens[cursor].sentence >= sentence - 1 {
            if let position = mentionEndingAt[cursor] {
                let mention = mentions[position]
                if !tokens[mention.first].inDialogue {
                    if cast.ambiguous[mention.form] != nil { return nil }
                    if let id = character(mention) {
                        let known = cast.entity(id)?.gender
                        if known == nil || known == gender { candidates.insert(id) }
                    }
                }
                cursor = mention.first - 1
                continue
            }
            if tokens[cursor].isWord, Lexicon.personNouns.contains(tokens[cursor].lower), candidates.isEmpty { return nil }
            cursor -= 1
        }
        return candidates.count == 1 ? candidates.first : nil
    }

    /// Whether the sentence around `index` holds any of `words`.
    func sentenceHolds(_ index: Int, anyOf words: Set<String>) -> Bool {
        chapter.sentenceSpan(of: index).contains { tokens[$0].isWord && words.contains(tokens[$0].lower) }
    }

    mutating func record(_ subject: EntityID, _ predicate: Predicate, _ value: FactValue, _ aspect: Aspect, from first: Int, through last: Int, named: Bool, rule: String) {
        let time = StoryTime(chapter: chapter.number, beat: beats[last])
        let interval: StoryInterval
        switch (predicate.attributeClass, aspect) {
        case (.immutable, _): interval = .always
        case (_, .begins): interval = .from(time)
        default: interval = predicate == .relationship ? .always : .at(time)
        }
        facts.append(Fact(subject: subject, predicate: predicate, value: value, aspect: aspect, quote: chapter.quote(first, last), time: time, interval: interval, confidence: named ? 0.9 : 0.7, origin: .pattern(rule)))
    }

    // MARK: Immutable attributes

    /// "her grey eyes", "Hale's red hair", "Hale had grey eyes", "Hale's eyes were grey".
    mutating func colour(at index: Int, predicate: Predicate) {
        func reading(_ word: String) -> Colour? {
            guard let colour = Colour.reading(word) else { return nil }
            return (predicate == .eyeColour ? colour.eyeFamily : colour.hairFamily) == nil ? nil : colour
        }
        // Up to two words before the noun, one of them a colour.
        var start = index
        var found: Colour?
        var colours = 0
        while start - 1 >= 0, index - start < 2, let word = word(start - 1), !["his", "her", "had", "has"].contains(word), tokens[start - 1].kind == .word, tokens[start - 1].bytes.lowerBound > 0 {
            if tokens[start - 1].capitalised { break }
            if let colour = reading(word) { found = colour; colours += 1 }
            start -= 1
        }
        if let colour = found, colours == 1, start < index {
            if let owner = possessor(before: start) {
                record(owner.id, predicate, .colour(colour), .holds, from: owner.start, through: index, named: owner.named, rule: "\(predicate.rawValue).possessive")
                return
            }
            if let verb = word(start - 1), verb == "had" || verb == "has", let owner = subject(before: start - 1) {
                record(owner.id, predicate, .colour(colour), .holds, from: owner.start, through: index, named: owner.named, rule: "\(predicate.rawValue).had")
                return
            }
        }
        // "Hale's eyes were grey."
        if start == index, let owner = possessor(before: index), let verb = word(index + 1), verb == "were" || verb == "was",
           let colourWord = word(index + 2), let colour = reading(colourWord), index + 3 < tokens.count, tokens[index + 3].endsClause {
            record(owner.id, predicate, .colour(colour), .holds, from: owner.start, through: index + 2, named: owner.named, rule: "\(predicate.rawValue).were")
        }
    }

    /// "Hale was born in Bath", "Hale had been born at Leeds".
    mutating func birthplace(at index: Int) {
        var verb = index - 1
        if word(verb) == "been", word(verb - 1) == "had" { verb -= 1 } else if word(verb) != "was" { return }
        guard let owner = subject(before: verb), let preposition = word(index + 1), preposition == "in" || preposition == "at" else { return }
        guard let place = namedPlace(at: index + 2) else { return }
        record(owner.id, .birthplace, .entity(place.id), .holds, from: owner.start, through: place.last, named: owner.named, rule: "birthplace.born-in")
    }

    /// A capitalised place name starting at `index` that is no character: its id and last token.
    func namedPlace(at index: Int) -> (id: EntityID, last: Int)? {
        guard index < tokens.count, tokens[index].isWord, tokens[index].capitalised, Title.reading(tokens[index].lower) == nil else { return nil }
        if let mention = mentionStartingAt[index].map({ mentions[$0] }), character(mention) != nil || cast.ambiguous[mention.form] != nil { return nil }
        var last = index
        while last + 1 < tokens.count, tokens[last + 1].isWord, tokens[last + 1].capitalised, last - index < 3 { last += 1 }
        let name = (index...last).map { String(decoding: chapter.bytes[tokens[$0].bytes], as: UTF8.self) }.joined(separator: " ")
        return (EntityID.slug(name, kind: .place), last)
    }

    // MARK: Age and scars

    /// "Hale was 28", "she was twenty-eight years old", "Hale was 30 that year", "Hale was five and twenty": narration
    /// in the present of the story (no "when", "since", "ago" in the sentence).
    mutating func age(at index: Int) {
        guard let owner = subject(before: index), let (years, last) = number(at: index + 1), (2...110).contains(years) else { return }
        var end = last
        if word(last + 1) == "years", let next = word(last + 2), next == "old" || next == "of" {
            end = next == "old" ? last + 2 : last + 3
        } else if word(last + 1) == "that", let when = word(last + 2), ["year", "spring", "summer", "autumn", "winter"].contains(when) {
            end = last + 2
        } else if !(last + 1 < tokens.count && (tokens[last + 1].endsClause || word(last + 1) == "and")) {
            return
        }
        if sentenceHolds(index, anyOf: Lexicon.backstory.union(Lexicon.hedges).subtracting(["said", "as", "no"])) { return }
        record(owner.id, .age, .years(years), .holds, from: owner.start, through: end, named: owner.named, rule: "age.was")
    }

    /// A number at `index` in digits or words, with "five and twenty" read as 25.
    func number(at index: Int) -> (Int, Int)? {
        guard index < tokens.count, tokens[index].kind == .word || tokens[index].kind == .number, let value = Lexicon.number(tokens[index].lower) else { return nil }
        if value < 10, word(index + 1) == "and", let tens = word(index + 2).flatMap(Lexicon.number), tens >= 20, tens % 10 == 0 {
            return (tens + value, index + 2)
        }
        return (value, index)
    }

    /// "Hale had a scar on his cheek".
    mutating func scar(at index: Int) {
        guard word(index - 1) == "a", word(index - 2) == "had", let owner = subject(before: index - 2),
              let preposition = word(index + 1), preposition == "on" || preposition == "across",
              let pronoun = word(index + 2), pronoun == "his" || pronoun == "her", let part = word(index + 3), Lexicon.bodyParts.contains(part) else { return }
        record(owner.id, .scar, .bodyPart(part), .begins, from: owner.start, through: index + 3, named: owner.named, rule: "scar.had")
    }

    // MARK: Life and deeds

    /// "Hale died", "Hale was dead", "Hale was killed", "Hale had been murdered", "killed Hale":
    /// never in a sentence that hedges ("if", "thought", "nearly", "not").
    mutating func death(at index: Int) {
        let word = tokens[index].lower
        var subjectEnd = index
        switch word {
        case "died":
            if let next = self.word(index + 1), ["away", "down", "out", "off"].contains(next) { return }
            if self.word(index - 1) == "had" { subjectEnd = index - 1 }
        case "dead":
            guard let verb = self.word(index - 1), verb == "was" || verb == "lay" else { return }
            if let next = self.word(index + 1), ["to", "tired", "asleep", "drunk"].contains(next) { return }
            subjectEnd = index - 1
        default:
            if self.word(index - 1) == "was" {
                subjectEnd = index - 1
            } else if self.word(index - 1) == "been", self.word(index - 2) == "had" {
                subjectEnd = index - 2
            } else if let mention = mentionStartingAt[index + 1].map({ mentions[$0] }), let id = character(mention), !sentenceHolds(index, anyOf: Lexicon.hedges) {
                // "… killed Hale": the victim follows.
                record(id, .alive, .alive(false), .begins, from: index, through: mention.last, named: true, rule: "death.killed-object")
                return
            } else {
                return
            }
        }
        guard let owner = subject(before: subjectEnd), !sentenceHolds(index, anyOf: Lexicon.hedges) else { return }
        record(owner.id, .alive, .alive(false), .begins, from: owner.start, through: index, named: owner.named, rule: "death.\(word)")
    }

    /// "Hale said", "Hale walked": a named character doing something.
    mutating func deed(at index: Int) {
        guard let mention = mentionEndingAt[index - 1].map({ mentions[$0] }), let id = character(mention) else { return }
        record(id, .action, .deed(tokens[index].lower), .holds, from: mention.first, through: index, named: true, rule: "action.subject")
    }

    /// "…,” said Hale": the speaker after the tag verb.
    mutating func speechTag(at index: Int) {
        guard index >= 1, tokens[index - 1].kind == .closeQuote || tokens[index - 1].kind == .comma,
              let mention = mentionStartingAt[index + 1].map({ mentions[$0] }), let id = character(mention),
              mention.last + 1 >= tokens.count || tokens[mention.last + 1].kind != .possessive else { return }
        record(id, .action, .deed(tokens[index].lower), .holds, from: index, through: mention.last, named: true, rule: "action.speech-tag")
    }

    // MARK: Possessions

    /// "the [adjective] key" at `index`: the object's id and last token.
    func object(at index: Int) -> (id: EntityID, last: Int)? {
        guard word(index) == "the" else { return nil }
        if let noun = word(index + 1), Lexicon.objects.contains(noun) {
            return (EntityID.slug(noun, kind: .object), index + 1)
        }
        if let adjective = word(index + 1), !tokens[index + 1].capitalised, !Lexicon.articles.contains(adjective),
           let noun = word(index + 2), Lexicon.objects.contains(noun) {
            return (EntityID.slug("\(adjective) \(noun)", kind: .object), index + 2)
        }
        return nil
    }

    /// "Hale took the key", "Hale picked up the key", "Hale lost the key", "Hale turned the key".
    mutating func possession(at index: Int) {
        let verb = tokens[index].lower
        guard let owner = subject(before: index) else { return }
        var objectStart = index + 1
        if let particle = word(objectStart), Lexicon.particles.contains(particle) { objectStart += 1 }
        guard let thing = object(at: objectStart), !sentenceHolds(index, anyOf: ["not", "never", "if", "would", "could", "might"]) else { return }
        let aspect: Aspect = Lexicon.acquiring.contains(verb) ? .begins : Lexicon.releasing.contains(verb) ? .ends : .holds
        // "picked" and "caught" acquire only with "up".
        if verb == "picked" || verb == "caught", word(index + 1) != "up" { return }
        if verb == "threw", word(index + 1) != "away" { return }
        record(owner.id, .possession, .entity(thing.id), aspect, from: owner.start, through: thing.last, named: owner.named, rule: "possession.\(aspect.rawValue)")
    }

    /// "Hale gave Ann the key", "Hale gave the key to Ann": the giver lets go, the receiver has it.
    mutating func giving(at index: Int) {
        guard let giver = subject(before: index), !sentenceHolds(index, anyOf: ["not", "never", "if", "would", "could", "might"]) else { return }
        var receiver: (id: EntityID, last: Int)?
        var thing: (id: EntityID, last: Int)?
        if let mention = mentionStartingAt[index + 1].map({ mentions[$0] }), let id = character(mention), let found = object(at: mention.last + 1) {
            receiver = (id, mention.last)
            thing = found
        } else if let found = object(at: index + 1), word(found.last + 1) == "to" || word(found.last + 1) == "back" && word(found.last + 2) == "to" {
            let at = word(found.last + 1) == "to" ? found.last + 2 : found.last + 3
            if let mention = mentionStartingAt[at].map({ mentions[$0] }), let id = character(mention) {
                receiver = (id, mention.last)
                thing = found
            }
        }
        guard let receiver, let thing, receiver.id != giver.id else { return }
        let last = max(receiver.last, thing.last)
        record(giver.id, .possession, .entity(thing.id), .ends, from: giver.start, through: last, named: giver.named, rule: "possession.gave")
        record(receiver.id, .possession, .entity(thing.id), .begins, from: giver.start, through: last, named: giver.named, rule: "possession.received")
    }

    // MARK: Location

    /// "Hale was in the kitchen", "Hale sat in the library", "Hale was at Netherfield" (states);
    /// "Hale walked to the garden", "Hale arrived at Bath", "Hale entered the study" (arrivals).
    mutating func location(at index: Int) {
        let verb = tokens[index].lower
        guard let owner = subject(before: index) else { return }
        var cursor = index + 1
        let arriving = Lexicon.motionVerbs.contains(verb) || verb == "entered" || verb == "reached"
        if verb != "entered", verb != "reached" {
            guard let preposition = word(cursor) else { return }
            let fits = arriving ? ["to", "into", "at", "in"].contains(preposition) : ["in", "at"].contains(preposition)
            guard fits else { return }
            cursor += 1
        }
        var place: (id: EntityID, last: Int)?
        if word(cursor) == "the" {
            var last = cursor + 1
            if let first = word(last), !Lexicon.places.contains(first), !tokens[last].capitalised, let second = word(last + 1), Lexicon.places.contains(second) { last += 1 }
            // "the kitchen garden": the last place noun of a run is the head.
            while let next = word(last + 1), Lexicon.places.contains(next), let here = word(last), Lexicon.places.contains(here) { last += 1 }
            if let head = word(last), Lexicon.places.contains(head), last + 1 >= tokens.count || tokens[last + 1].kind != .possessive {
                let words = ((cursor + 1)...last).compactMap { word($0) }.filter { Lexicon.places.contains($0) }
                place = (EntityID.slug(words.joined(separator: " "), kind: .place), last)
            }
        } else {
            place = namedPlace(at: cursor)
        }
        guard let place, !sentenceHolds(index, anyOf: ["not", "never", "if", "would", "could", "might", "when", "wished"]) else { return }
        record(owner.id, .location, .entity(place.id), arriving ? .begins : .holds, from: owner.start, through: place.last, named: owner.named, rule: arriving ? "location.arrived" : "location.in")
    }

    // MARK: Knowledge

    /// The normalised words of what is known, from `index` to the clause's end (2–12 words).
    func topic(at index: Int) -> (String, Int)? {
        var words: [String] = []
        var cursor = index
        while cursor < tokens.count, !tokens[cursor].endsClause, words.count < 13 {
            if tokens[cursor].kind == .word || tokens[cursor].kind == .number { words.append(tokens[cursor].lower) }
            if tokens[cursor].kind == .possessive { words[words.count - 1] += "'s" }
            cursor += 1
        }
        while let first = words.first, Lexicon.articles.contains(first) { words.removeFirst() }
        guard (2...12).contains(words.count) else { return nil }
        return (words.joined(separator: " "), cursor - 1)
    }

    /// "Hale knew that …" (knows), "Hale learned of …", "Hale found out that …" (learns).
    mutating func knowledge(at index: Int) {
        let verb = tokens[index].lower
        var connector = index + 1
        if verb == "found" {
            guard word(index + 1) == "out" else { return }
            connector += 1
        }
        guard let owner = subject(before: index), let link = word(connector), Lexicon.connectors.contains(link),
              let (topic, last) = topic(at: connector + 1), !sentenceHolds(index, anyOf: ["if", "would", "might", "whether", "never"]) else { return }
        let aspect: Aspect = Lexicon.knowing.contains(verb) ? .holds : .begins
        record(owner.id, .knowledge, .topic(topic), aspect, from: owner.start, through: last, named: owner.named, rule: aspect == .holds ? "knowledge.knew" : "knowledge.learned")
    }

    /// "Hale did not know that …", "Hale had no idea that …": not known yet.
    mutating func ignorance(at index: Int) {
        let connector: Int
        if word(index) == "did", word(index + 1) == "not", word(index + 2) == "know" { connector = index + 3 }
        else if word(index) == "had", word(index + 1) == "no", word(index + 2) == "idea" { connector = index + 3 }
        else { return }
        guard let owner = subject(before: index), let link = word(connector), Lexicon.connectors.contains(link), let (topic, last) = topic(at: connector + 1) else { return }
        record(owner.id, .knowledge, .topic(topic), .lacks, from: owner.start, through: last, named: owner.named, rule: "knowledge.did-not-know")
    }

    /// "Hale told Ann that …": the teller knows, the listener learns.
    mutating func telling(at index: Int) {
        guard let teller = subject(before: index), let mention = mentionStartingAt[index + 1].map({ mentions[$0] }), let listener = character(mention),
              let link = word(mention.last + 1), Lexicon.connectors.contains(link), let (topic, last) = topic(at: mention.last + 2),
              !sentenceHolds(index, anyOf: ["if", "would", "might", "whether", "never", "not"]) else { return }
        record(teller.id, .knowledge, .topic(topic), .holds, from: teller.start, through: last, named: teller.named, rule: "knowledge.told")
        record(listener, .knowledge, .topic(topic), .begins, from: teller.start, through: last, named: teller.named, rule: "knowledge.was-told")
    }

    // MARK: Relationships

    /// "Ann's sister Jane", "Jane, Ann's sister", "Jane was Ann's sister", "Jane, the sister of Ann".
    mutating func relationship(at index: Int, _ kinship: Kinship) {
        func named(endingAt last: Int) -> (EntityID, Int)? {
            guard let mention = mentionEndingAt[last].map({ mentions[$0] }), let id = character(mention) else { return nil }
            return (id, mention.first)
        }
        if index >= 2, tokens[index - 1].kind == .possessive, let (elder, elderStart) = named(endingAt: index - 2) {
            // "Ann's sister Jane" / "Ann's sister, Jane"
            var at = index + 1
            if at < tokens.count, tokens[at].kind == .comma { at += 1 }
            if let mention = mentionStartingAt[at].map({ mentions[$0] }), let id = character(mention), id != elder,
               mention.last + 1 >= tokens.count || tokens[mention.last + 1].kind != .possessive {
                record(id, .relationship, .kin(kinship, of: elder), .holds, from: elderStart, through: mention.last, named: true, rule: "relationship.possessive-apposition")
                return
            }
            // "Jane, Ann's sister" / "Jane was Ann's sister"
            let before = elderStart - 1
            if before >= 1, tokens[before].kind == .comma || word(before) == "was", let (id, start) = named(endingAt: before - 1), id != elder {
                record(id, .relationship, .kin(kinship, of: elder), .holds, from: start, through: index, named: true, rule: "relationship.was-possessive")
            }
            return
        }
        // "Jane, the sister of Ann" / "Jane was the sister of Ann"
        if word(index - 1) == "the", word(index + 1) == "of", let mention = mentionStartingAt[index + 2].map({ mentions[$0] }), let elder = character(mention),
           index >= 3, tokens[index - 2].kind == .comma || word(index - 2) == "was", let (id, start) = named(endingAt: index - 3), id != elder {
            record(id, .relationship, .kin(kinship, of: elder), .holds, from: start, through: mention.last, named: true, rule: "relationship.the-of")
        }
    }
}
