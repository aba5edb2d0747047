import Foundation
import WorkbenchCore
import Yams

/// A node of a YAML configuration that remembers where it came from, so every error names
/// the file, the line and the field, and says how to fix it.
public struct ConfigNode: @unchecked Sendable {
    let node: Node
    public let file: String
    /// Dotted path from the document root, e.g. `providers.groq.model`.
    public let path: String

    /// Reads and parses a YAML file; a missing, unreadable, empty or malformed file is a `ConfigError`.
    public static func load(file: String) throws -> ConfigNode {
        guard FileManager.default.fileExists(atPath: file) else {
            throw ConfigError(file: file, line: nil, field: "", problem: "file not found", fix: "check the path")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigError(file: file, line: nil, field: "", problem: "cannot read the file", fix: "check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: file, line: nil, field: "", problem: "not UTF-8 text", fix: "save the file as UTF-8")
        }
        return try parse(text, file: file)
    }

    public static func parse(_ text: String, file: String) throws -> ConfigNode {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), field: "", problem: "not valid YAML: \(Self.problem(of: error))",
                              fix: "fix the YAML syntax at that line (indentation, a missing colon or quote)")
        }
        guard let node else {
            throw ConfigError(file: file, line: nil, field: "", problem: "the file is empty", fix: "see the documented example")
        }
        return ConfigNode(node: node, file: file, path: "")
    }

    public var line: Int? { node.mark.map(\.line) }

    /// An error about this node.
    public func error(_ problem: String, fix: String? = nil) -> ConfigError {
        ConfigError(file: file, line: line, field: path, problem: problem, fix: fix)
    }

    // MARK: Structure

    /// The entries of a mapping, in file order.
    public func entries() throws -> [(key: String, value: ConfigNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of fields, found \(kind)") }
        return try mapping.map { key, value in
            guard let name = key.string else { throw error("a key is not a string") }
            return (name, ConfigNode(node: value, file: file, path: path.isEmpty ? name : "\(path).\(name)"))
        }
    }

    public func items() throws -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, found \(kind)") }
        return sequence.enumerated().map { ConfigNode(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    public func optional(_ key: String) throws -> ConfigNode? {
        try entries().first { $0.key == key }?.value
    }

    public func required(_ key: String, fix: String? = nil) throws -> ConfigNode {
        guard let value = try optional(key) else {
            throw ConfigError(file: file, line: line, field: path.isEmpty ? key : "\(path).\(key)", problem: "missing", fix: fix ?? "add `\(key):`")
        }
        return value
    }

    /// Refuses fields nobody reads, which are nearly always typos; suggests the nearest known name.
    public func rejectUnknownKeys(_ allowed: [String]) throws {
        for (key, value) in try entries() where !allowed.contains(key) {
            let suggestion = allowed.min { editDistance(key, $0) < editDistance(key, $1) }
            let fix = suggestion.flatMap { editDistance(key, $0) <= 3 ? "did you mean `\($0)`?" : nil }
                ?? "known fields: \(allowed.joined(separator: ", "))"
            throw value.error("unknown field `\(key)`", fix: fix)
        }
    }

    // MARK: Scalars

    public func string() throws -> String {
        guard case .scalar(let scalar) = node else { throw error("expected text, found \(kind)") }
        return scalar.string
    }

    public func nonEmptyString() throws -> String {
        let value = try string().trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw error("must not be empty") }
        return value
    }

    public func double(in range: ClosedRange<Double>? = nil) throws -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else {
            throw error("expected a number, found \(describe)")
        }
        if let range, !range.contains(value) { throw error("\(value) is outside \(range.lowerBound)…\(range.upperBound)") }
        return value
    }

    public func int(in range: ClosedRange<Int>? = nil) throws -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error("expected a whole number, found \(describe)")
        }
        if let range, !range.contains(value) { throw error("\(value) is outside \(range.lowerBound)…\(range.upperBound)") }
        return value
    }

    public func bool() throws -> Bool {
        guard let value = node.bool else { throw error("expected true or false, found \(describe)") }
        return value
    }

    public func stringList() throws -> [String] {
        try items().map { try $0.nonEmptyString() }
    }

    /// The node as a JSON value (maps, lists, numbers, booleans, null, text), for free-form
    /// maps handed on to others (a plugin's `config:`).
    public func jsonValue() throws -> Any {
        switch node {
        case .mapping:
            var object: [String: Any] = [:]
            for (key, value) in try entries() { object[key] = try value.jsonValue() }
            return object
        case .sequence:
            return try items().map { try $0.jsonValue() }
        case .scalar(let scalar):
            if scalar.style != .plain { return scalar.string }
            if node.null != nil { return NSNull() }
            if let value = node.bool { return value }
            if let value = Int(scalar.string) { return value }
            if let value = Double(scalar.string), value.isFinite { return value }
            return scalar.string
        case .alias:
            throw error("aliases are not supported here", fix: "write the value out")
        }
    }

    // MARK: Descriptions

    private var kind: String {
        switch node {
        case .scalar: return "a single value"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private var describe: String {
        if case .scalar(let scalar) = node { return "`\(scalar.string)`" }
        return kind
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        case .duplicatedKeysInMapping(let duplicates, _): return "duplicated keys \(duplicates.joined(separator: ", "))"
        default: return "\(error)"
        }
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...max(1, b.count) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
