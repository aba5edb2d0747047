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
}
