import Foundation
import WorkbenchCore
import Yams

/// The instructions the optimiser's mutation operators draw from: each a sentence a prompt
/// can carry, with the metrics it is meant to move (for reading the results; the search
/// itself learns what each one does).
public struct InstructionLibrary: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var id: String
        public var text: String
        public var aims: [String]

        public init(id: String, text: String, aims: [String] = []) {
            self.id = id
            self.text = text
            self.aims = aims
        }

        enum CodingKeys: String, CodingKey { case id, text, aims }

        /// `aims` may be left out: advice that no metric is meant to see.
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            text = try container.decode(String.self, forKey: .text)
            aims = try container.decodeIfPresent([String].self, forKey: .aims) ?? []
        }
    }

    public var instructions: [Entry]

    public init(instructions: [Entry]) { self.instructions = instructions }

    /// The built-in library: two phrasings for each craft the quality metrics measure, and
    /// sound advice the metrics do not see (the search must learn those do not pay).
    public static let standard = InstructionLibrary(instructions: [
        Entry(id: "vivid-detail", text: "Use vivid detail the reader can see, hear and touch.", aims: ["detail_density"]),
        Entry(id: "concrete-detail", text: "Ground every scene in concrete detail.", aims: ["detail_density"]),
        Entry(id: "include-dialogue", text: "Include dialogue: let the characters speak.", aims: ["dialogue_ratio"]),
        Entry(id: "through-dialogue", text: "Reveal the conflict through dialogue.", aims: ["dialogue_ratio"]),
        Entry(id: "deepen-emotion", text: "Deepen emotion in every scene.", aims: ["emotion"]),
        Entry(id: "interiority", text: "Give the point-of-view character interiority.", aims: ["emotion"]),
        Entry(id: "stay-with-obsession", text: "Stay with the obsession: come back to it in every scene.", aims: ["obsession_depth"]),
        Entry(id: "keep-obsession", text: "Keep the obsession at the centre of the chapter.", aims: ["obsession_depth"]),
        Entry(id: "avoid-repetition", text: "Avoid repetition of words and images.", aims: ["repetition"]),
        Entry(id: "vary-sentences", text: "Vary sentences in length and shape.", aims: ["repetition", "sentence_rhythm"]),
        Entry(id: "brisk-pacing", text: "Keep the pacing brisk."),
        Entry(id: "open-question", text: "End the chapter on an unresolved question."),
        Entry(id: "restrained-register", text: "Write in a restrained, literary register."),
        Entry(id: "weather-mood", text: "Let the weather mirror the mood."),
        Entry(id: "strong-verbs", text: "Prefer strong verbs to adverbs."),
        Entry(id: "close-pov", text: "Keep the point of view close and consistent."),
        Entry(id: "foreshadow", text: "Foreshadow the ending without naming it."),
        Entry(id: "minor-character", text: "Give a minor character one surprising gesture."),
    ])

    /// Every problem that makes the library unusable, each naming its field.
    public func problems() -> [String] {
        var problems: [String] = []
        if instructions.count < 2 { problems.append("instructions: the library needs at least 2 instructions, has \(instructions.count)") }
        var ids: Set<String> = [], texts: Set<String> = []
        for (index, entry) in instructions.enumerated() {
            let field = "instructions[\(index)]"
            if entry.id.isEmpty { problems.append("\(field).id is empty") }
            if !ids.insert(entry.id).inserted { problems.append("\(field).id `\(entry.id)` repeats") }
            let text = PromptCandidate.clean(entry.text)
            if text.isEmpty { problems.append("\(field).text is empty") }
            if text != entry.text.trimmingCharacters(in: .whitespacesAndNewlines) {
                problems.append("\(field).text must be one line without { or } (it goes into a Mustache template)")
            }
            if !texts.insert(PromptCandidate.normalized(text)).inserted { problems.append("\(field).text repeats an earlier instruction") }
        }
        return problems
    }

    public static func load(file: String) throws -> InstructionLibrary {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw OptimizeError.invalidLibrary(path: file, field: "", problem: "the file cannot be read") }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw OptimizeError.invalidLibrary(path: file, field: "", problem: "the file is empty")
        }
        let library: InstructionLibrary
        do {
            library = try YAMLDecoder().decode(InstructionLibrary.self, from: text)
        } catch {
            throw OptimizeError.invalidLibrary(path: file, field: DecodingProblem.field(of: error), problem: DecodingProblem.problem(of: error))
        }
        if let problem = library.problems().first { throw OptimizeError.invalidLibrary(path: file, field: "", problem: problem) }
        return library
    }

    /// The entry whose text this instruction is, if any.
    public func index(of instruction: String) -> Int? {
        let key = PromptCandidate.normalized(instruction)
        return instructions.firstIndex { PromptCandidate.normalized($0.text) == key }
    }
}
