import Foundation

/// The JSON object in a model's answer, for providers that do not constrain their output:
/// they wrap it in a code fence, or put a sentence before it ("Here is the outline:") or
/// after it. Schema-constrained answers are plain JSON and come back as they are.
public enum JSONAnswer {
    /// The first complete JSON object in `text`, as UTF-8 JSON, or nil when there is none.
    public static func object(in text: String) -> Data? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let data = parsesAsObject(Substring(trimmed)) { return data }
        // Inside a code fence first: prose around it may hold braces of its own.
        for candidate in [fenced(trimmed), Substring(trimmed)].compactMap({ $0 }) {
            var start = candidate.startIndex
            while let open = candidate[start...].firstIndex(of: "{") {
                if let close = matchingBrace(in: candidate, from: open), let data = parsesAsObject(candidate[open...close]) { return data }
                start = candidate.index(after: open)
            }
        }
        return nil
    }

    /// Decodes the answer's JSON object as `T`; nil when there is none or it has another shape.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) -> T? {
        guard let data = object(in: text) else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }

    private static func parsesAsObject(_ text: Substring) -> Data? {
        let data = Data(text.utf8)
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else { return nil }
        return data
    }

    /// The body of the first ``` fence (its language tag dropped), if the text has one.
    private static func fenced(_ text: String) -> Substring? {
        guard let open = text.range(of: "```") else { return nil }
        var body = text[open.upperBound...]
        // A language tag (```json) fills the rest of the fence's line.
        if let newline = body.firstIndex(of: "\n"), !body[..<newline].contains("{") { body = body[body.index(after: newline)...] }
        guard let close = body.range(of: "```") else { return body }
        return body[..<close.lowerBound]
    }

    /// The index of the `}` that closes the `{` at `open`, skipping braces inside strings.
    private static func matchingBrace(in text: Substring, from open: Substring.Index) -> Substring.Index? {
        var depth = 0
        var inString = false
        var escaped = false
        var index = open
        while index < text.endIndex {
            let character = text[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "{" {
                depth += 1
            } else if character == "}" {
                depth -= 1
                if depth == 0 { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }
}
