import Foundation
import Learning
import WorkbenchCore

/// A prompt variant the optimiser tries: the base prompts with these instructions in the
/// templates' `{{instructions}}` slot. Everything else about the prompts stays the base's,
/// so the search varies one thing and a winner is a prompt folder like any other.
public struct PromptCandidate: Sendable, Equatable, Hashable {
    public var instructions: [String]

    public init(_ instructions: [String]) { self.instructions = instructions.map(Self.clean).filter { !$0.isEmpty } }

    /// The slot's text: the instructions in order, each ending its sentence.
    public var text: String {
        instructions.map { $0.last.map { ".!?".contains($0) } == true ? $0 : $0 + "." }.joined(separator: " ")
    }

    /// Order-free identity: two candidates with the same instructions are one candidate.
    public var key: String { instructions.map(Self.normalized).sorted().joined(separator: "\n") }

    /// One line, no Mustache braces, at most 240 characters: what an instruction may be.
    public static func clean(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")
            .components(separatedBy: .newlines).joined(separator: " ")
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        return String(flat.prefix(240))
    }

    static func normalized(_ text: String) -> String {
        clean(text).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".!? "))
    }

    /// Whether `instructions` already hold `instruction` (compared as `key` compares them).
    static func list(_ instructions: [String], holds instruction: String) -> Bool {
        let wanted = normalized(instruction)
        return instructions.contains { normalized($0) == wanted }
    }

    // MARK: Prompt folders

    /// `{{instructions}}`, spaces inside the braces allowed.
    static let slot = try! NSRegularExpression(pattern: #"\{\{\s*instructions\s*\}\}"#)

    /// Whether a template folder can be optimised: its chapter template has the slot.
    public static func checkSlot(base folder: String) throws {
        let path = folder + "/chapter.mustache"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw OptimizeError.invalidPrompts(path: path, problem: "the chapter template cannot be read") }
        guard slot.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil else {
            throw OptimizeError.noInstructionSlot(path: path)
        }
    }

    /// Writes the base folder's templates into `folder` with the slot filled (and the
    /// instructions beside them in `instructions.txt`, for people), replacing what was there.
    public func materialize(base: String, into folder: String) throws {
        let manager = FileManager.default
        let names = ((try? manager.contentsOfDirectory(atPath: base)) ?? []).filter { $0.hasSuffix(".mustache") }.sorted()
        guard !names.isEmpty else { throw OptimizeError.invalidPrompts(path: base, problem: "the folder holds no .mustache templates") }
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            // The replacement is a template for NSRegularExpression: escape its $ and \.
            let replacement = NSRegularExpression.escapedTemplate(for: text)
            for name in names {
                let source = try String(contentsOfFile: base + "/" + name, encoding: .utf8)
                let filled = Self.slot.stringByReplacingMatches(in: source, range: NSRange(source.startIndex..., in: source), withTemplate: replacement)
                try Data(filled.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
            }
            try Data((instructions.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/instructions.txt"))
        } catch {
            throw OptimizeError.cannotWrite(path: folder, detail: error.localizedDescription)
        }
    }

    // MARK: Surrogate features

    /// Width of the hashed-word block of the features.
    public static let hashedWords = 32

    /// One indicator per library instruction, then hashed content words (unit length), so an
    /// instruction written by an LLM shares what it has in words with the library's.
    public func features(library: InstructionLibrary) -> [Double] {
        var row = [Double](repeating: 0, count: library.instructions.count + Self.hashedWords)
        var words = [Double](repeating: 0, count: Self.hashedWords)
        for instruction in instructions {
            if let index = library.index(of: instruction) { row[index] = 1 }
            for word in instruction.lowercased().split(whereSeparator: { !$0.isLetter }) where word.count >= 4 {
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for byte in word.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                words[Int(hash % UInt64(Self.hashedWords))] += 1
            }
        }
        let length = words.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for index in words.indices where length > 0 { row[library.instructions.count + index] = words[index] / length }
        return row
    }
}
