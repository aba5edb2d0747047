import Foundation

/// The JSON-schema rules each API applies to the schemas it is sent, as their documentation
/// states them. A violation is the message the service answers with (400).
public enum SchemaRules {
    /// OpenAI Structured Outputs with `strict: true` (platform.openai.com/docs/guides/structured-outputs,
    /// "Supported schemas"): the root is an object, not `anyOf`; every object sets
    /// `additionalProperties: false` and lists every property in `required`; types are string,
    /// number, integer, boolean, object, array, null (or a list of them), `enum`, `const`,
    /// `anyOf`, `$ref`/`$defs`; besides those only these keywords: strings `pattern`, `format`
    /// (date-time, time, date, duration, email, hostname, ipv4, ipv6, uuid); numbers
    /// `multipleOf`, `maximum`, `exclusiveMaximum`, `minimum`, `exclusiveMinimum`; arrays
    /// `minItems`, `maxItems`. So `minLength`, `maxLength`, `minProperties`, `patternProperties`,
    /// `uniqueItems`, `allOf`, `not`, `if`/`then`/`else`, `oneOf` are refused. At most 5,000
    /// properties, 10 levels of nesting and 1,000 enum values.
    public static func openAIStrict(_ schema: Any, name: String) -> String? {
        var checker = OpenAIStrictChecker(name: name)
        guard let root = schema as? [String: Any] else { return "Invalid schema for response_format '\(name)': schema must be a JSON object." }
        if root["anyOf"] != nil || (root["type"] as? String) != "object" {
            let type = (root["type"] as? String) ?? (root["anyOf"] != nil ? "anyOf" : "none")
            return "Invalid schema for response_format '\(name)': schema must be a JSON Schema of 'type: \"object\"', got 'type: \"\(type)\"'."
        }
        checker.defs = (root["$defs"] as? [String: Any]) ?? (root["definitions"] as? [String: Any]) ?? [:]
        checker.check(root, path: [], depth: 0)
        for (defName, def) in checker.defs.sorted(by: { $0.key < $1.key }) where checker.problem == nil {
            checker.check(def, path: ["$defs", defName], depth: 0)
        }
        if checker.problem == nil, checker.properties > 5000 {
            checker.problem = "Invalid schema for response_format '\(name)': schema has \(checker.properties) object properties; at most 5000 are permitted."
        }
        if checker.problem == nil, checker.enumValues > 1000 {
            checker.problem = "Invalid schema for response_format '\(name)': schema has \(checker.enumValues) enum values; at most 1000 are permitted."
        }
        return checker.problem
    }

    /// Gemini `generationConfig.responseJsonSchema` (ai.google.dev, GenerationConfig): JSON
    /// Schema, of which only these keywords are supported: `$id`, `$defs`, `$ref`, `$anchor`,
    /// `type`, `format`, `title`, `description`, `enum` (strings and numbers), `items`,
    /// `prefixItems`, `minItems`, `maxItems`, `minimum`, `maximum`, `anyOf`, `oneOf`,
    /// `properties`, `additionalProperties`, `required`, and `propertyOrdering`. The service
    /// says "not all features are supported"; this fake refuses the rest, so that what the
    /// workbench sends is only what is documented to be honoured.
    public static func geminiJSONSchema(_ schema: Any) -> String? {
        let allowed: Set<String> = ["$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum", "items", "prefixItems",
                                    "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf", "properties", "additionalProperties",
                                    "required", "propertyOrdering"]
        return walk(schema, path: "generation_config.response_json_schema") { node, path in
            for key in node.keys.sorted() where !allowed.contains(key) {
                return "Invalid JSON payload received. Unsupported keyword \"\(key)\" at '\(path)' in response_json_schema."
            }
            if let values = node["enum"] as? [Any], values.contains(where: { !($0 is String) && !($0 is NSNumber) }) {
                return "Invalid JSON payload received. enum at '\(path)' must hold strings or numbers."
            }
            return nil
        }
    }

    /// Gemini `generationConfig.responseSchema`: the OpenAPI 3.0 subset (`Schema` object). One
    /// type per schema (nullable is `nullable: true`), and no `additionalProperties`.
    public static func geminiOpenAPISchema(_ schema: Any) -> String? {
        let allowed: Set<String> = ["type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties", "required",
                                    "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering",
                                    "default", "items", "minimum", "maximum"]
        return walk(schema, path: "generation_config.response_schema") { node, path in
            if node["type"] is [Any] { return "Invalid JSON payload received. Proto field is not repeating, cannot start list." }
            for key in node.keys.sorted() where !allowed.contains(key) {
                return "Invalid JSON payload received. Unknown name \"\(key)\" at '\(path)': Cannot find field."
            }
            return nil
        }
    }

    /// Anthropic tool `input_schema`: a JSON Schema whose root is `type: object`.
    public static func anthropicInputSchema(_ schema: Any, tool index: Int) -> String? {
        guard let root = schema as? [String: Any] else { return "tools.\(index).custom.input_schema: Input should be a valid dictionary" }
        guard root["type"] as? String == "object" else { return "tools.\(index).custom.input_schema.type: Input should be 'object'" }
        return nil
    }

    /// Calls `check` on every sub-schema (properties, items, anyOf/oneOf members, $defs).
    static func walk(_ schema: Any, path: String, _ check: ([String: Any], String) -> String?) -> String? {
        guard let node = schema as? [String: Any] else { return "Invalid JSON payload received. Expected an object at '\(path)'." }
        if let problem = check(node, path) { return problem }
        var children: [(Any, String)] = []
        for (name, child) in ((node["properties"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) {
            children.append((child, "\(path).properties[\(name)].value"))
        }
        if let items = node["items"] { children.append((items, "\(path).items")) }
        for key in ["anyOf", "oneOf", "prefixItems"] {
            for (index, member) in ((node[key] as? [Any]) ?? []).enumerated() { children.append((member, "\(path).\(key)[\(index)]")) }
        }
        for (name, def) in ((node["$defs"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) { children.append((def, "\(path).$defs[\(name)]")) }
        if let additional = node["additionalProperties"] as? [String: Any] { children.append((additional, "\(path).additionalProperties")) }
        for (child, childPath) in children {
            if let problem = walk(child, path: childPath, check) { return problem }
        }
        return nil
    }
}

struct OpenAIStrictChecker {
    let name: String
    var defs: [String: Any] = [:]
    var problem: String?
    var properties = 0
    var enumValues = 0

    static let types: Set<String> = ["string", "number", "integer", "boolean", "object", "array", "null"]
    static let general: Set<String> = ["type", "description", "title", "enum", "const", "anyOf", "$ref", "$defs", "definitions"]
    static let byType: [String: Set<String>] = [
        "object": ["properties", "required", "additionalProperties"],
        "array": ["items", "minItems", "maxItems"],
        "string": ["pattern", "format"],
        "number": ["multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"],
        "integer": ["multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"],
        "boolean": [], "null": [],
    ]
    static let formats: Set<String> = ["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"]

    /// Python's repr of the path tuple, as the service prints it: `('properties', 'a')`, `('x',)`, `()`.
    static func context(_ path: [String]) -> String {
        let items = path.map { "'\($0)'" }
        return items.count == 1 ? "(\(items[0]),)" : "(\(items.joined(separator: ", ")))"
    }

    mutating func fail(_ path: [String], _ message: String) {
        if problem == nil { problem = "Invalid schema for response_format '\(name)': In context=\(Self.context(path)), \(message)" }
    }

    mutating func check(_ schema: Any, path: [String], depth: Int) {
        guard problem == nil else { return }
        guard let node = schema as? [String: Any] else { return fail(path, "schema must be a JSON object.") }
        if depth > 10 { return fail(path, "schema nesting depth exceeds 10 levels.") }
        if let ref = node["$ref"] as? String {
            if ref != "#", !ref.hasPrefix("#/$defs/"), !ref.hasPrefix("#/definitions/") { return fail(path, "reference '\(ref)' is not supported.") }
            let target = ref.split(separator: "/").last.map(String.init) ?? ""
            if ref != "#", defs[target] == nil { return fail(path, "reference '\(ref)' can't be resolved.") }
            return
        }
        if let members = node["anyOf"] as? [Any] {
            for (index, member) in members.enumerated() { check(member, path: path + ["anyOf", String(index)], depth: depth + 1) }
            return
        }
        let types: [String]
        if let single = node["type"] as? String {
            types = [single]
        } else if let list = node["type"] as? [String] {
            types = list
        } else if node["enum"] != nil || node["const"] != nil {
            types = []
        } else {
            return fail(path, "schema must have a 'type' key.")
        }
        for type in types where !Self.types.contains(type) { return fail(path, "type '\(type)' is not supported.") }
        let permitted = types.reduce(into: Self.general) { $0.formUnion(Self.byType[$1] ?? []) }
        for key in node.keys.sorted() where !permitted.contains(key) {
            return fail(path, "'\(key)' is not permitted.")
        }
        if let format = node["format"] as? String, !Self.formats.contains(format) { return fail(path, "format '\(format)' is not supported.") }
        if let values = node["enum"] as? [Any] { enumValues += values.count }
        if types.contains("object") {
            guard let properties = node["properties"] as? [String: Any] else { return fail(path, "object schema missing properties.") }
            guard node["additionalProperties"] as? Bool == false else {
                return fail(path, "'additionalProperties' is required to be supplied and to be false.")
            }
            let required = node["required"] as? [String] ?? []
            if let missing = properties.keys.sorted().first(where: { !required.contains($0) }) {
                return fail(path, "'required' is required to be supplied and to be an array including every key in properties. Missing '\(missing)'.")
            }
            if let extra = required.first(where: { properties[$0] == nil }) { return fail(path, "Extra required key '\(extra)' supplied.") }
            self.properties += properties.count
            for (key, child) in properties.sorted(by: { $0.key < $1.key }) {
                check(child, path: path + ["properties", key], depth: depth + 1)
            }
        }
        if types.contains("array") {
            guard let items = node["items"] else { return fail(path, "array schema missing items.") }
            check(items, path: path + ["items"], depth: depth + 1)
        }
    }
}
