import Foundation
import LLM
import WorkbenchCore

/// Why an item of a model's extraction answer (or the whole answer) was not stored as a fact.
public enum ExtractionRejection: WorkbenchError, Equatable {
    /// The answer is not the JSON object the schema asks for: nothing of it is stored.
    case notJSON(chapter: Int, answer: String)
    /// An item names a chapter the book does not have.
    case unknownChapter(Int, asked: Int, chapters: Int)
    /// An item's quote is not in the chapter's text.
    case quoteNotFound(quote: String, chapter: Int)
    /// An item's predicate is none the graph knows.
    case unknownPredicate(String, chapter: Int, quote: String)
    /// An item's value cannot be read as its predicate's kind of value.
    case unreadableValue(predicate: String, value: String, chapter: Int, quote: String)
    /// The fact was built but the gate (`FactValidation`) refused it.
    case refused(ContinuityError)

    public var message: String {
        switch self {
        case let .notJSON(chapter, answer):
            "the extraction answer for chapter \(chapter) is not the JSON the schema asks for: \"\(answer.prefix(80))\(answer.count > 80 ? "…" : "")\""
        case let .unknownChapter(chapter, asked, chapters):
            "an extracted fact names chapter \(chapter) (chapter \(asked) was asked); the book has \(chapters) chapter\(chapters == 1 ? "" : "s")"
        case let .quoteNotFound(quote, chapter): "an extracted fact quotes \"\(quote)\", which is not in chapter \(chapter)"
        case let .unknownPredicate(predicate, chapter, quote): "an extracted fact in chapter \(chapter) has the unknown predicate `\(predicate)` (\"\(quote)\")"
        case let .unreadableValue(predicate, value, chapter, quote): "an extracted \(predicate) in chapter \(chapter) has the unreadable value \"\(value)\" (\"\(quote)\")"
        case .refused(let error): error.message
        }
    }

    public var fix: String? { "the fact is not stored; the model must answer the schema and quote the chapter exactly" }
    public var exitStatus: ExitStatus { .dataError }
}

/// Which facts a check reads: the deterministic patterns, the model's `extract` route, or both.
public enum ExtractorChoice: String, Sendable, CaseIterable, Codable {
    case pattern, model, both

    public var usesPatterns: Bool { self != .model }
    public var usesModel: Bool { self != .pattern }
}

/// Fact extraction by a model: one JSON-schema request per chapter, each answer item checked
/// and turned into a `Fact` whose quote is found in the chapter, never taken on trust.
public enum ModelExtraction {
    /// The wire's predicates and the graph's.
    public static let predicates: [String: Predicate] = [
        "eye_colour": .eyeColour, "hair_colour": .hairColour, "birthplace": .birthplace, "age": .age,
        "relationship": .relationship, "alive": .alive, "location": .location, "possession": .possession,
    ]

    /// How sure a model fact is taken to be (a pattern fact with a named subject is 0.9).
    public static let confidence = 0.8

    public static let schemaName = "continuity_facts"

    /// Valid in OpenAI's strict mode: every object closed, every property required.
    public static let schema = #"""
    {"type":"object","additionalProperties":false,"required":["facts"],"properties":{"facts":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["chapter","subject","predicate","value","quote"],"properties":{"chapter":{"type":"integer","description":"The chapter number given in the prompt."},"subject":{"type":"string","description":"The character the fact is about, as named in the text."},"predicate":{"type":"string","enum":["eye_colour","hair_colour","birthplace","age","relationship","alive","location","possession"]},"value":{"type":"string","description":"eye_colour, hair_colour: the colour; age: the number of years; birthplace, location: the place; relationship: e.g. \"sister of Tomas\"; alive: \"dead\" or \"alive\"; possession: the object."},"quote":{"type":"string","description":"The exact words of the chapter that state the fact, copied character for character."}}}}}}
    """#

    /// The prompt for one chapter: its number, the cast's names, the chapter between `"""` lines.
    public static func prompt(for chapter: ChapterText, cast: Cast) -> String {
        let names = cast.entities.filter { $0.kind == .character }.map(\.canonicalName)
        return """
            List every fact Chapter \(chapter.number) of a novel states in its narration about its characters: eye colour, \
            hair colour, birthplace, age, family ties (relationship, e.g. "sister of Tomas"), death (alive: "dead"), where \
            someone is (location) and what someone holds (possession). Leave out what a character only says or supposes.
            Characters: \(names.isEmpty ? "(none known)" : names.joined(separator: ", ")).
            For each fact give the chapter number \(chapter.number), the subject's name, the predicate, the value, and a quote: \
            the exact words of the chapter that state it, copied character for character, one sentence at most.

            Chapter \(chapter.number):
            \"\"\"
            \(chapter.text)
            \"\"\"
            """
    }

    public static func request(for chapter: ChapterText, cast: Cast, seed: UInt64?, model: String? = nil) -> CompletionRequest {
        CompletionRequest(messages: [ChatMessage(.user, prompt(for: chapter, cast: cast))], model: model, temperature: 0, seed: seed,
                          responseFormat: .jsonSchema(name: schemaName, schema: schema), task: .extract)
    }

    /// One request per chapter through `provider`, each answer parsed: the facts that passed
    /// the gate and every rejection with its reason. `model` names the facts' origin (the
    /// provider's model when nil).
    public static func extract(chapters: [ChapterText], cast: Cast, provider: any LLMProvider, seed: UInt64?, model: String? = nil) async throws -> (facts: [Fact], rejected: [ExtractionRejection]) {
        var facts: [Fact] = [], rejected: [ExtractionRejection] = []
        for chapter in chapters {
            let completion = try await provider.complete(request(for: chapter, cast: cast, seed: seed))
            let parsed = parse(answer: completion.text, chapter: chapter, chapters: chapters, cast: cast, model: model ?? completion.model)
            facts += parsed.facts
            rejected += parsed.rejected
        }
        return (facts, rejected)
    }

    /// The answer's items as facts of `chapter` (or of the chapter an item names), each quote
    /// located in the text: UTF-8 bytes, paragraph and line as `FactValidation` counts them.
    public static func parse(answer: String, chapter: ChapterText, chapters: [ChapterText], cast: Cast, model: String = "model") -> (facts: [Fact], rejected: [ExtractionRejection]) {
        guard let data = JSONAnswer.object(in: answer),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let items = object["facts"] as? [Any] else {
            return ([], [.notJSON(chapter: chapter.number, answer: answer)])
        }
        var facts: [Fact] = [], rejected: [ExtractionRejection] = []
        var tokenized: [Int: TokenizedChapter] = [:]
        var taken: [Int: Set<Int>] = [:]
        for raw in items {
            guard let item = raw as? [String: Any] else {
                rejected.append(.notJSON(chapter: chapter.number, answer: "\(raw)"))
                continue
            }
            let quote = item["quote"] as? String ?? ""
            let number = (item["chapter"] as? NSNumber)?.intValue ?? chapter.number
            guard let text = chapters.first(where: { $0.number == number }) ?? (number == chapter.number ? chapter : nil) else {
                rejected.append(.unknownChapter(number, asked: chapter.number, chapters: chapters.count))
                continue
            }
            let predicateName = (item["predicate"] as? String ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            guard let predicate = predicates[predicateName] else {
                rejected.append(.unknownPredicate(predicateName, chapter: number, quote: quote))
                continue
            }
            if tokenized[number] == nil { tokenized[number] = TokenizedChapter(number: number, text: text.text) }
            let reading = tokenized[number]!
            guard !quote.isEmpty, let bytes = locate(quote, in: reading.bytes, avoiding: taken[number] ?? []) else {
                rejected.append(.quoteNotFound(quote: quote, chapter: number))
                continue
            }
            let valueText = (item["value"] as? String) ?? (item["value"] as? NSNumber)?.stringValue ?? ""
            guard let (value, aspect) = value(valueText, predicate: predicate, cast: cast) else {
                rejected.append(.unreadableValue(predicate: predicateName, value: valueText, chapter: number, quote: quote))
                continue
            }
            let subjectName = (item["subject"] as? String ?? "").trimmingCharacters(in: .whitespaces)
            guard !subjectName.isEmpty else {
                rejected.append(.unreadableValue(predicate: "subject", value: subjectName, chapter: number, quote: quote))
                continue
            }
            let subject = cast.entity(named: subjectName)?.id ?? EntityID.slug(subjectName, kind: .character)
            let paragraph = reading.paragraphs.firstIndex { $0.bytes.contains(bytes.lowerBound) }.map { $0 + 1 } ?? 0
            let place = Quote(text: quote, chapter: number, paragraph: paragraph, line: reading.line(at: bytes.lowerBound), bytes: bytes)
            let time = StoryTime(chapter: number, beat: beat(before: bytes.upperBound, in: reading))
            let interval: StoryInterval
            switch (predicate.attributeClass, aspect) {
            case (.immutable, _): interval = .always
            case (_, .begins): interval = .from(time)
            default: interval = predicate == .relationship ? .always : .at(time)
            }
            let fact = Fact(subject: subject, predicate: predicate, value: value, aspect: aspect, quote: place, time: time, interval: interval,
                            confidence: confidence, origin: .model(model))
            switch FactValidation.validate(fact, in: reading) {
            case .success(let fact):
                facts.append(fact)
                taken[number, default: []].insert(bytes.lowerBound)
            case .failure(let error):
                rejected.append(.refused(error))
            }
        }
        return (facts, rejected)
    }

    /// The first occurrence of `quote` in `bytes` whose start no earlier fact took.
    static func locate(_ quote: String, in bytes: [UInt8], avoiding taken: Set<Int>) -> Range<Int>? {
        let needle = Array(quote.utf8)
        guard !needle.isEmpty, needle.count <= bytes.count else { return nil }
        var first: Range<Int>?
        var start = 0
        while start + needle.count <= bytes.count {
            if bytes[start] == needle[0], bytes[start..<(start + needle.count)].elementsEqual(needle) {
                let range = start..<(start + needle.count)
                if !taken.contains(start) { return range }
                if first == nil { first = range }
            }
            start += 1
        }
        return first
    }

    /// The story beat at `offset`: the beat-breaking words of narration before it.
    static func beat(before offset: Int, in chapter: TokenizedChapter) -> Int {
        chapter.tokens.reduce(0) { count, token in
            token.bytes.lowerBound < offset && token.isWord && PatternLexicon.beatBreaks.contains(token.lower) ? count + 1 : count
        }
    }

    /// The typed value of a wire value for `predicate`, and the aspect it implies.
    static func value(_ text: String, predicate: Predicate, cast: Cast) -> (FactValue, Aspect)? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ".\"")))
        let words = trimmed.lowercased().split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        func place(_ kind: EntityKind) -> FactValue? {
            var parts = trimmed.split(separator: " ").map(String.init)
            while let first = parts.first, PatternLexicon.articles.contains(first.lowercased()) { parts.removeFirst() }
            guard !parts.isEmpty else { return nil }
            return .entity(EntityID.slug(parts.joined(separator: " "), kind: kind))
        }
        switch predicate {
        case .eyeColour, .hairColour:
            let colours = words.compactMap(Colour.reading).filter { (predicate == .eyeColour ? $0.eyeFamily : $0.hairFamily) != nil }
            guard colours.count == 1 else { return nil }
            return (.colour(colours[0]), .holds)
        case .age:
            guard let years = words.lazy.compactMap(PatternLexicon.number).first, (0...130).contains(years) else { return nil }
            return (.years(years), .holds)
        case .birthplace:
            return place(.place).map { ($0, .holds) }
        case .location:
            return place(.place).map { ($0, .holds) }
        case .possession:
            return place(.object).map { ($0, .holds) }
        case .alive:
            switch words.first {
            case "dead", "died", "false", "no": return (.alive(false), .begins)
            case "alive", "living", "true", "yes": return (.alive(true), .holds)
            default: return nil
            }
        case .relationship:
            guard let of = words.firstIndex(of: "of"), of >= 1, let kin = PatternLexicon.kin[words[of - 1]], of + 1 < words.count else { return nil }
            let name = trimmed.split(separator: " ").dropFirst(of + 1).joined(separator: " ")
            let other = cast.entity(named: name)?.id ?? EntityID.slug(name, kind: .character)
            return (.kin(kin, of: other), .holds)
        case .scar, .knowledge, .action:
            return nil
        }
    }
}
