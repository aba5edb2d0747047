import Foundation

/// One byte-exact JSON form per value (sorted keys, no escaped slashes), so equal
/// configurations always hash equal whatever order their YAML or JSON source had.
public enum CanonicalJSON {
    public static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Re-serialises arbitrary JSON text canonically. Throws when the text is not JSON.
    public static func normalize(_ json: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    /// The SHA-256 hex of the canonical form: what `runs.config_hash` holds.
    public static func fingerprint(ofJSON json: String) throws -> String {
        SHA256.hex(of: try normalize(json))
    }
}
