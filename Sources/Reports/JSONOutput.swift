import Foundation

/// The one JSON shape every `--json` output uses: pretty-printed, keys sorted, so the
/// output is stable enough to diff and to check in golden files.
public enum JSONOutput {
    public static func render(_ object: Any) -> String {
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { preconditionFailure("JSONOutput.render got a value JSON cannot hold: \(object)") }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The value with every non-finite number (a NaN correlation, say) as null, which JSON can hold.
    public static func finite(_ value: Any) -> Any {
        if let number = value as? Double { return number.isFinite ? number : NSNull() }
        if let array = value as? [Any] { return array.map(finite) }
        if let dictionary = value as? [String: Any] { return dictionary.mapValues(finite) }
        return value
    }
}
