import Foundation
import Style

/// A prompt's author-style block (`StylePrompt.render`), read back: the numbers the styled
/// writer follows, the exemplar passages it must not copy, and the prompt without the block
/// (so that nothing in the block — a number, an exemplar's "characters:" or "more dialogue" —
/// reaches the length, cast, obsession or knob readings).
struct StyleBlock: Sendable, Equatable {
    struct Habit: Sendable, Equatable {
        var word: String
        /// Uses per word (the block's rate per 1,000 words / 1,000).
        var rate: Double
    }

    var name: String
    var sentenceMean: Double
    var sentenceSD: Double
    var quartiles: (Double, Double, Double)
    /// 0–1.
    var dialogueShare: Double
    var paragraphSentences: Double
    var paragraphWords: Double
    var firstPerson: Bool
    var pastTense: Bool
    /// Per 1,000 words: commas, semicolons, dashes, ellipses, exclamation and question marks.
    var punctuation: [Double]
    var habits: [Habit]
    var exemplars: [String]
    /// The prompt with the block's lines taken out.
    var remainder: String

    static func == (a: StyleBlock, b: StyleBlock) -> Bool {
        a.name == b.name && a.sentenceMean == b.sentenceMean && a.sentenceSD == b.sentenceSD && a.quartiles == b.quartiles
            && a.dialogueShare == b.dialogueShare && a.paragraphSentences == b.paragraphSentences && a.paragraphWords == b.paragraphWords
            && a.firstPerson == b.firstPerson && a.pastTense == b.pastTense && a.punctuation == b.punctuation && a.habits == b.habits
            && a.exemplars == b.exemplars && a.remainder == b.remainder
    }

    /// Nil when no line starts with `StylePrompt.header`, or the block lacks its sentence,
    /// dialogue, paragraph or word-habit line: such a prompt is written as without a block.
    init?(prompt: String) {
        // Cheap reject first: the unstyled path must not pay for a line split.
        guard prompt.contains(StylePrompt.header) else { return nil }
        // A template that renders the block with `{{style}}` rather than `{{{style}}}` HTML-escapes
        // its quotation marks and apostrophes: read those lines as they were rendered.
        let raw = prompt.components(separatedBy: "\n")
        let lines = raw.map(Self.unescaped)
        guard let start = lines.firstIndex(where: { $0.hasPrefix(StylePrompt.header) }) else { return nil }
        var end = start + 1
        var fields: [String: String] = [:]
        while end < lines.count, lines[end].hasPrefix("- "), let colon = lines[end].range(of: ":") {
            fields[String(lines[end][lines[end].index(lines[end].startIndex, offsetBy: 2)..<colon.lowerBound])] = String(lines[end][colon.upperBound...])
            end += 1
        }
        var exemplars: [String] = []
        if end < lines.count, lines[end] == StylePrompt.exemplarsLine {
            end += 1
            while end < lines.count, lines[end] == "\"\"\"" {
                guard let close = lines[(end + 1)...].firstIndex(of: "\"\"\"") else { break }
                exemplars.append(lines[(end + 1)..<close].joined(separator: "\n"))
                end = close + 1
            }
        }
        guard let sentence = fields["Sentence length"].map(Self.numbers), sentence.count >= 5,
              let dialogue = fields["Dialogue"].map(Self.numbers), let share = dialogue.first,
              let paragraphs = fields["Paragraphs"].map(Self.numbers), paragraphs.count >= 2,
              let habitLine = fields["Word habits (uses per 1,000 words)"]
        else { return nil }
        let header = lines[start].dropFirst(StylePrompt.header.count).trimmingCharacters(in: .whitespaces)
        name = header.components(separatedBy: ". Measured").first ?? header
        sentenceMean = sentence[0]
        sentenceSD = sentence[1]
        quartiles = (sentence[2], sentence[3], sentence[4])
        dialogueShare = min(max(share / 100, 0), 1)
        paragraphSentences = max(1, paragraphs[0])
        paragraphWords = max(1, paragraphs[1])
        let voice = fields["Point of view and tense"] ?? ""
        firstPerson = voice.contains("first person")
        pastTense = !voice.contains("present tense")
        let marks = fields["Punctuation per 1,000 words"].map(Self.numbers) ?? []
        punctuation = marks.count == 6 ? marks : [Double](repeating: 0, count: 6)
        habits = habitLine.components(separatedBy: ", ").compactMap { entry in
            let parts = entry.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "."))).split(separator: " ")
            guard parts.count == 2, let rate = Double(parts[1]), rate > 0 else { return nil }
            return Habit(word: parts[0].lowercased(), rate: rate / 1000)
        }
        guard !habits.isEmpty else { return nil }
        self.exemplars = exemplars
        remainder = (raw[..<start] + raw[end...]).joined(separator: "\n")
    }

    static func unescaped(_ line: String) -> String {
        guard line.contains("&") else { return line }
        return line.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&#x27;", with: "'").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The numbers of a line, in order: "mean 17.5, sd 10.2; quartiles 9, 15, 23" → 17.5, 10.2, 9, 15, 23.
    static func numbers(_ text: String) -> [Double] {
        var result: [Double] = []
        var current = ""
        for character in text + " " {
            if character.isASCII, character.isNumber || (character == "." && !current.isEmpty && !current.contains(".")) {
                current.append(character)
            } else {
                if let value = Double(current.hasSuffix(".") ? String(current.dropLast()) : current) { result.append(value) }
                current = ""
            }
        }
        return result
    }
}
