import Foundation
import WorkbenchCore

/// One fact sentence of the simulator's, read back from a text, judged against the truth.
public struct SimulatedStatement: Sendable, Equatable {
    /// 1-based: the position of the chapter in the audited list.
    public var chapter: Int
    /// The name as written ("Mara").
    public var subject: String
    public var predicate: SimulatedPredicate
    /// As the wire has it: "black", "34", "Dunmore", "brother of Mara".
    public var value: String
    /// Whether the statement agrees with the cast's truth (for colours: the same family).
    public var isTrue: Bool
    /// The whole sentence, exactly as in the chapter.
    public var sentence: String
    /// UTF-8 byte offsets of `sentence` in its chapter.
    public var bytes: Range<Int>
}

/// The independent ground truth for continuity checks on simulated books: it reads the
/// simulator's own fact sentences (its templates, exactly) and says which contradict the
/// cast's truth — with no use of the continuity module, so it can measure it.
/// It also answers `continuity_facts` extraction requests and `FIX_CONTINUITY` prompts.
public enum SimulatedContinuity {
    /// Every fact sentence in `chapters` about a cast member, judged against the prompt's cast.
    public static func audit(chapters: [String], prompt: String) -> [SimulatedStatement] {
        audit(chapters: chapters, cast: SimulatedCast(prompt: prompt))
    }

    public static func audit(chapters: [String], cast: SimulatedCast) -> [SimulatedStatement] {
        var result: [SimulatedStatement] = []
        for (index, text) in chapters.enumerated() {
            for found in SimulatedFacts.find(in: text) {
                guard let character = cast.character(named: found.subject) else { continue }
                let isTrue: Bool
                switch found.predicate {
                case .hairColour: isTrue = SimulatedFacts.family(found.value, hair: true) == SimulatedFacts.family(character.hair, hair: true)
                case .eyeColour: isTrue = SimulatedFacts.family(found.value, hair: false) == SimulatedFacts.family(character.eyes, hair: false)
                case .age: isTrue = Int(found.value) == character.age
                case .birthplace: isTrue = found.value == character.birthplace
                case .relationship:
                    guard let other = found.other, cast.character(named: other) != nil else { continue }
                    isTrue = cast.tie(found.subject, other).map { found.kin!.isCompatible(with: $0) } ?? false
                }
                result.append(statement(found, chapter: index + 1, text: text, isTrue: isTrue))
            }
        }
        return result
    }

    /// The statements of `chapters` that contradict the cast's truth, per 10,000 words: the
    /// book's consistency error density by the independent count (to compare a book before
    /// and after fixes with the same `prompt`).
    public static func contradictionDensity(chapters: [String], prompt: String) -> Double {
        let wrong = audit(chapters: chapters, prompt: prompt).filter { !$0.isTrue }.count
        let words = chapters.reduce(0) { $0 + $1.split(whereSeparator: \.isWhitespace).count }
        return words == 0 ? 0 : Double(wrong) * 10_000 / Double(words)
    }

    static func statement(_ found: SimulatedFacts.Found, chapter: Int, text: String, isTrue: Bool) -> SimulatedStatement {
        let (sentence, bytes) = utf8(found.sentence, in: text)
        return SimulatedStatement(chapter: chapter, subject: found.subject, predicate: found.predicate, value: found.value, isTrue: isTrue, sentence: sentence, bytes: bytes)
    }

    static func utf8(_ range: NSRange, in text: String) -> (String, Range<Int>) {
        let swiftRange = Range(range, in: text)!
        let start = text.utf8.distance(from: text.startIndex, to: swiftRange.lowerBound)
        let substring = String(text[swiftRange])
        return (substring, start..<(start + substring.utf8.count))
    }

    // MARK: Extraction answers

    /// The schema name of extraction requests the simulator answers from the quoted chapter.
    public static let extractionSchemaName = "continuity_facts"

    /// `{"facts":[…]}` listing every fact sentence of the simulator's templates in the chapter
    /// quoted between `"""` lines, as the text states it (wrong values included), with the
    /// chapter number from the prompt's `Chapter N` (1 when it says none).
    public static func extractionAnswer(prompt: String) -> String {
        let reading = SimulatedJudge.read(prompt)
        let chapter = chapterNumber(in: prompt) ?? 1
        let text = reading.chapters.first ?? ""
        let items: [[String: Any]] = SimulatedFacts.find(in: text).map { found -> [String: Any] in
            ["chapter": chapter, "subject": found.subject, "predicate": found.predicate.rawValue, "value": found.value,
             "quote": (text as NSString).substring(with: found.sentence)]
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["facts": items], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{\"facts\":[]}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The N of the first "Chapter N" outside the quoted text.
    static func chapterNumber(in prompt: String) -> Int? {
        var outside = ""
        var inside = false
        for line in prompt.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces) == "\"\"\"" { inside.toggle(); continue }
            if !inside { outside += line + "\n" }
        }
        guard let regex = try? NSRegularExpression(pattern: "\\bChapter ([0-9]+)\\b"),
              let match = regex.firstMatch(in: outside, range: NSRange(location: 0, length: (outside as NSString).length)) else { return nil }
        return Int((outside as NSString).substring(with: match.range(at: 1)))
    }

    // MARK: Verifier answers

    /// The schema name of a verifier's request (`ModelVerification`) the simulator answers.
    public static let verdictSchemaName = "continuity_verdict"

    /// The verdict on two quoted passages (first, then second, between `"""` lines), truthful
    /// by the simulator's own templates: a contradiction when a fact sentence of the second
    /// disagrees with a fact the first states (its template sentence, or a character-sheet
    /// item), each quote the sentence it rests on. Passages holding no such pair — the default
    /// writer's unconnected sentences — are no contradiction it wrote.
    public static func verdictAnswer(prompt: String) -> String {
        let passages = SimulatedJudge.read(prompt).chapters
        let cast = SimulatedCast(prompt: prompt)
        let first = passages.first ?? "", second = passages.count > 1 ? passages[1] : ""
        func sentence(_ range: NSRange, of text: String) -> String { (text as NSString).substring(with: range) }
        let stated = SimulatedFacts.find(in: first).map { ($0.established, sentence($0.sentence, of: first)) }
        let facts = stated.isEmpty ? established(from: first, cast: cast).map { ($0, first) } : stated
        var verdict: [String: Any] = ["contradiction": false, "reason": "no fact of the story differs between the passages",
                                      "established_quote": firstLine(first), "contradicting_quote": firstLine(second)]
        for (fact, quote) in facts where fixed(second, fact, cast: cast) != second {
            let broken = SimulatedFacts.find(in: second).first { $0.predicate == fact.predicate }
            verdict = ["contradiction": true, "reason": "\(fact.subject)'s \(fact.predicate.rawValue) differs",
                       "established_quote": quote, "contradicting_quote": broken.map { sentence($0.sentence, of: second) } ?? firstLine(second)]
            break
        }
        let data = (try? JSONSerialization.data(withJSONObject: verdict, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func firstLine(_ text: String) -> String {
        String(text.split(whereSeparator: \.isNewline).first ?? Substring(text)).trimmingCharacters(in: .whitespaces)
    }

    // MARK: Fix answers

    /// The word that marks a fix prompt.
    public static let fixMarker = "FIX_CONTINUITY"

    /// What a fix prompt establishes: a subject's value of one predicate.
    struct Established {
        var predicate: SimulatedPredicate
        var subject: String
        var value: String
        var other: String?
        var kin: SimulatedKin?
    }

    /// The answer to a `FIX_CONTINUITY` prompt: with probability `ResponseSurface.fixSuccess`
    /// the passage (between `"""` lines) with every fact sentence that disagrees with the line
    /// `Established: "…"` (same subject and predicate) re-rendered with the established value,
    /// every other byte unchanged; otherwise the passage unchanged. Nil when the prompt is no fix prompt.
    public static func fixAnswer(prompt: String, random: inout SeededGenerator) -> String? {
        guard prompt.contains(fixMarker), let passage = SimulatedJudge.read(prompt).chapters.first else { return nil }
        guard random.nextUnit() < ResponseSurface.fixSuccess, let quote = establishedQuote(in: prompt) else { return passage }
        let cast = SimulatedCast(prompt: prompt)
        return established(from: quote, cast: cast).reduce(passage) { text, established in fixed(text, established, cast: cast) }
    }

    static func establishedQuote(in prompt: String) -> String? {
        for line in prompt.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("Established:") else { continue }
            var value = trimmed.dropFirst("Established:".count).trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// A fact sentence of the templates, else a loose reading of every fact it names: a
    /// character-sheet item ("Mara (34, black hair; sister of Tomas)") or a part of a
    /// sentence ("Mara's grey eyes").
    static func established(from quote: String, cast: SimulatedCast) -> [Established] {
        // A whole fact sentence, or one quoted without its stop.
        for text in [quote, quote + "."] {
            if let found = SimulatedFacts.find(in: text).first, found.sentence.length == (text as NSString).length {
                return [found.established]
            }
        }
        let words = quote.split(whereSeparator: { " ,;()'’.:".contains($0) }).map(String.init)
        guard let subject = words.first(where: { cast.character(named: $0) != nil }) ?? words.first(where: { $0.first?.isUppercase == true }) else { return [] }
        let lower = words.map { $0.lowercased() }
        var result: [Established] = []
        if let index = lower.firstIndex(of: "hair"), let colour = lower[..<index].last(where: { SimulatedFacts.family($0, hair: true) != nil }) ?? lower[(index + 1)...].first(where: { SimulatedFacts.family($0, hair: true) != nil }) {
            result.append(Established(predicate: .hairColour, subject: subject, value: colour))
        }
        if let index = lower.firstIndex(of: "eyes"), let colour = lower[..<index].last(where: { SimulatedFacts.family($0, hair: false) != nil }) ?? lower[(index + 1)...].first(where: { SimulatedFacts.family($0, hair: false) != nil }) {
            result.append(Established(predicate: .eyeColour, subject: subject, value: colour))
        }
        if let index = lower.firstIndex(of: "born"), index + 2 < words.count, ["in", "at"].contains(lower[index + 1]) {
            result.append(Established(predicate: .birthplace, subject: subject, value: words[index + 2]))
        }
        // "sister of Tomas": the subject is kin of Tomas.
        for (index, word) in lower.enumerated() {
            guard let kin = SimulatedKin.words[word], index + 2 < words.count, lower[index + 1] == "of", words[index + 2].first?.isUppercase == true else { continue }
            result.append(Established(predicate: .relationship, subject: subject, value: "", other: words[index + 2], kin: kin))
        }
        // "Mara's brother Tomas", "Tomas, Mara's brother", "Tomas was Mara's brother": the other named name is kin of the possessor.
        if let possessive = words.indices.first(where: { index in
            index + 1 < words.count && SimulatedKin.words[lower[index + 1]] != nil && quote.contains(words[index] + "'s " + words[index + 1]) }),
           let kin = SimulatedKin.words[lower[possessive + 1]],
           let named = words.indices.first(where: { $0 != possessive && words[$0].first?.isUppercase == true && cast.character(named: words[$0]) != nil && words[$0] != words[possessive] }) {
            result.append(Established(predicate: .relationship, subject: words[named], value: "", other: words[possessive], kin: kin))
        }
        if let years = lower.lazy.compactMap({ Int($0) }).first(where: { (2...110).contains($0) })
            ?? (result.isEmpty ? lower.lazy.compactMap(SimulatedFacts.number).first(where: { (2...110).contains($0) }) : nil) {
            result.append(Established(predicate: .age, subject: subject, value: String(years)))
        }
        return result
    }

    static func sameCharacter(_ a: String, _ b: String, cast: SimulatedCast) -> Bool {
        if a == b { return true }
        let first = { (name: String) in name.split(separator: " ").first.map(String.init) ?? name }
        return first(a) == first(b)
    }

    static func fixed(_ passage: String, _ established: Established, cast: SimulatedCast) -> String {
        var edits: [(NSRange, String)] = []
        for found in SimulatedFacts.find(in: passage) where found.predicate == established.predicate {
            switch found.predicate {
            case .hairColour, .eyeColour:
                let hair = found.predicate == .hairColour
                guard sameCharacter(found.subject, established.subject, cast: cast),
                      SimulatedFacts.family(found.value, hair: hair) != SimulatedFacts.family(established.value, hair: hair) else { continue }
                edits.append((found.valueRange, established.value))
            case .age:
                guard sameCharacter(found.subject, established.subject, cast: cast), found.value != established.value, let years = Int(established.value) else { continue }
                let written = (passage as NSString).substring(with: found.valueRange)
                edits.append((found.valueRange, Int(written) != nil ? String(years) : SimulatedFacts.words(years)))
            case .birthplace:
                guard sameCharacter(found.subject, established.subject, cast: cast), found.value != established.value else { continue }
                edits.append((found.valueRange, established.value))
            case .relationship:
                guard let kin = established.kin, let other = established.other, let foundOther = found.other, let foundKin = found.kin else { continue }
                // The established tie as this sentence's subject sees it.
                let wanted: SimulatedKin
                if sameCharacter(found.subject, established.subject, cast: cast), sameCharacter(foundOther, other, cast: cast) {
                    wanted = kin
                } else if sameCharacter(found.subject, other, cast: cast), sameCharacter(foundOther, established.subject, cast: cast) {
                    wanted = kin.converse
                } else {
                    continue
                }
                guard !foundKin.isCompatible(with: wanted) else { continue }
                let female = cast.character(named: found.subject)?.female ?? SceneThread.isFemale(found.subject)
                edits.append((found.valueRange, wanted.word(female: female)))
            }
        }
        let result = NSMutableString(string: passage)
        for (range, text) in edits.sorted(by: { $0.0.location > $1.0.location }) { result.replaceCharacters(in: range, with: text) }
        return result as String
    }
}
