import Foundation
import WorkbenchCore

/// The one JSON shape every `--json` output uses: pretty-printed, keys sorted, so the
/// output is stable enough to diff and to check in golden files.
public enum JSONOutput {
    /// A value JSON cannot hold, named by its path in the output (`chapters[2].quality`).
    public enum Failure: WorkbenchError, Equatable {
        /// NaN or an infinity: what the input data made of a figure (exit 65).
        case notFinite(field: String, value: Double)
        /// A value of a type JSON has no form for: a bug (exit 70).
        case notJSON(field: String, type: String)

        public var message: String {
            switch self {
            case .notFinite(let field, let value): return "the output's `\(field)` is \(value), which JSON cannot hold"
            case .notJSON(let field, let type): return "the output's `\(field)` is a \(type), which JSON cannot hold"
            }
        }

        public var fix: String? {
            switch self {
            case .notFinite: return "the input data drove this figure out of range: check it for extreme, corrupt or constant values, or run without --json"
            case .notJSON: return nil
            }
        }

        public var exitStatus: ExitStatus {
            switch self {
            case .notFinite: return .dataError
            case .notJSON: return .internalError
            }
        }
    }

    /// The object as JSON text; a non-finite number (or a value JSON has no type for) is
    /// refused with a typed error naming its field, never written and never a trap.
    public static func render(_ object: Any) throws -> String {
        if let problem = firstProblem(in: object, at: "") { throw problem }
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { throw Failure.notJSON(field: "(top level)", type: "\(type(of: object))") }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// `render(finite(object))`, for outputs where a missing figure is null by design: it
    /// cannot fail on a number, and a value of another type is written as its description.
    public static func renderWithNulls(_ object: Any) -> String {
        let cleaned = describingUnknown(finite(object))
        return (try? render(cleaned)) ?? "null\n"
    }

    /// The value with every non-finite number (a NaN correlation, say) as null, which JSON can hold.
    public static func finite(_ value: Any) -> Any {
        if let number = value as? Double { return number.isFinite ? number : NSNull() }
        if let array = value as? [Any] { return array.map(finite) }
        if let dictionary = value as? [String: Any] { return dictionary.mapValues(finite) }
        return value
    }

    /// The first value JSON cannot hold, depth first in key order (so the error is stable).
    static func firstProblem(in value: Any, at path: String) -> Failure? {
        if let dictionary = value as? [String: Any] {
            for key in dictionary.keys.sorted() {
                if let problem = firstProblem(in: dictionary[key]!, at: path.isEmpty ? key : "\(path).\(key)") { return problem }
            }
            return nil
        }
        if let array = value as? [Any] {
            for (index, element) in array.enumerated() {
                if let problem = firstProblem(in: element, at: "\(path)[\(index)]") { return problem }
            }
            return nil
        }
        let field = path.isEmpty ? "(top level)" : path
        if let number = value as? Double { return number.isFinite ? nil : .notFinite(field: field, value: number) }
        if let number = value as? Float { return number.isFinite ? nil : .notFinite(field: field, value: Double(number)) }
        return JSONSerialization.isValidJSONObject([value]) ? nil : .notJSON(field: field, type: "\(type(of: value))")
    }

    static func describingUnknown(_ value: Any) -> Any {
        if let dictionary = value as? [String: Any] { return dictionary.mapValues(describingUnknown) }
        if let array = value as? [Any] { return array.map(describingUnknown) }
        if case .notJSON? = firstProblem(in: value, at: "") { return "\(value)" }
        return value
    }
}
