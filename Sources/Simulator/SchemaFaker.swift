import Foundation
import WorkbenchCore

/// Makes a JSON value that satisfies a JSON Schema (the subset structured-output APIs accept:
/// object, array, string with enum, number, integer with bounds, boolean, null, `anyOf`, and
/// a list of types such as `["string", "null"]`, of which it takes the first non-null one),
/// so outline planning and judge scoring run offline. Deterministic for a given generator.
public enum SchemaFaker {
    public enum Failure: Error { case notJSON, unsupported(String) }

    public static func value(forSchema schema: String, random: inout SeededGenerator, prompt: String) throws -> String {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(schema.utf8)) else { throw Failure.notJSON }
        let value = try make(parsed, random: &random, key: "value", depth: 0, prompt: prompt)
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    static func make(_ schema: Any, random: inout SeededGenerator, key: String, depth: Int, prompt: String = "") throws -> Any {
        guard let schema = schema as? [String: Any], depth < 12 else { return NSNull() }
        if let options = (schema["anyOf"] ?? schema["oneOf"]) as? [Any], !options.isEmpty {
            return try make(options[Int(random.next() % UInt64(options.count))], random: &random, key: key, depth: depth + 1, prompt: prompt)
        }
        if let choices = schema["enum"] as? [Any], !choices.isEmpty { return choices[Int(random.next() % UInt64(choices.count))] }
        if let constant = schema["const"] { return constant }
        var type = schema["type"] as? String
        if type == nil, let types = schema["type"] as? [String] { type = types.first { $0 != "null" } ?? "null" }
        switch type ?? (schema["properties"] != nil ? "object" : "string") {
        case "object":
            var object: [String: Any] = [:]
            // Sorted: the draws must come in the same order every time for the same answer.
            let properties = (schema["properties"] as? [String: Any]) ?? [:]
            for name in properties.keys.sorted() {
                object[name] = try make(properties[name]!, random: &random, key: name, depth: depth + 1, prompt: prompt)
            }
            return object
        case "array":
            let low = (schema["minItems"] as? Int) ?? 1
            let high = max(low, (schema["maxItems"] as? Int) ?? max(low, 3))
            let count = low + Int(random.next() % UInt64(high - low + 1))
            return try (0..<count).map { _ in try make(schema["items"] ?? [:], random: &random, key: key, depth: depth + 1, prompt: prompt) }
        case "integer":
            let low = (schema["minimum"] as? Int) ?? 1
            let high = max(low, (schema["maximum"] as? Int) ?? max(low, 10))
            let drawn = low + Int(random.next() % UInt64(high - low + 1))
            // A word count (`target_words`) is the one the prompt asks for ("about N words"),
            // as a model following it would answer, within the schema's bounds.
            if key.lowercased().contains("words"), let requested = ResponseSurface.requestedWords(in: prompt) {
                return min(max(requested, low), (schema["maximum"] as? Int) ?? Int.max)
            }
            return drawn
        case "number":
            let low = (schema["minimum"] as? Double) ?? 0
            let high = max(low, (schema["maximum"] as? Double) ?? max(low, 10))
            return ((low + random.nextUnit() * (high - low)) * 10).rounded() / 10
        case "boolean":
            return random.next() % 2 == 0
        case "null":
            return NSNull()
        case "string":
            var text = string(forKey: key, random: &random)
            if let maxLength = schema["maxLength"] as? Int, text.count > maxLength { text = String(text.prefix(maxLength)) }
            if let minLength = schema["minLength"] as? Int, text.count < minLength { text += String(repeating: ".", count: minLength - text.count) }
            return text
        default:
            throw Failure.unsupported(type ?? "?")
        }
    }

    static let names = ["Mara", "Tomas", "Ines", "Elias", "Anna", "Jonah", "Clara", "Felix", "Ruth", "Osric", "Nell", "Adrian"]
    static let titleWords = ["Salt", "Lantern", "Harbour", "Ashes", "Winter", "Tide", "Letters", "Glass", "Orchard", "Bells"]

    /// A string that reads like what its key names: a name, a title, an obsession, a sentence.
    static func string(forKey key: String, random: inout SeededGenerator) -> String {
        switch key.lowercased() {
        case "name", "character", "speaker":
            return Lexicon.pick(names, &random)
        case "title", "chapter_title":
            return "The \(Lexicon.pick(titleWords, &random)) of the \(Lexicon.pick(titleWords, &random))"
        case "obsession", "desire":
            return Lexicon.pick(Lexicon.objects, &random).replacingOccurrences(of: "a ", with: "the ")
        case "age":
            return String(18 + Int(random.next() % 60))
        case "hair":
            return Lexicon.pick(["black", "grey", "red", "fair", "brown", "white"], &random)
        case "occupation":
            return Lexicon.pick(["keeper", "clerk", "ferryman", "doctor", "teacher", "baker", "sailor", "widow"], &random)
        case "relation", "relationship":
            return Lexicon.pick(["sister of", "brother of", "daughter of", "loves", "owes", "distrusts", "works for"], &random)
        default:
            // A sentence: a plain action with one sensory clause.
            let name = Lexicon.pick(names, &random)
            return "\(Lexicon.plain(name: name, cast: names, random: &random)), \(Lexicon.sensory(&random))"
        }
    }
}
