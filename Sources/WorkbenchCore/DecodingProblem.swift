import Foundation

/// What a `DecodingError` says, for error messages that name the field: one reading for every
/// JSON file the workbench reads back (baselines, suites, libraries, style profiles).
public enum DecodingProblem {
    /// The dotted field a decoding error points at (`chapters[2].metrics.quality.mean`); empty
    /// for the document itself or another error.
    public static func field(of error: any Error) -> String {
        guard let error = error as? DecodingError else { return "" }
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        @unknown default: path = []
        }
        return path.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }

    /// What is wrong there.
    public static func problem(of error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .typeMismatch(let type, let context): return "expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, _): return "missing value (\(type))"
        case .keyNotFound: return "missing field"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            let underlying = (context.underlyingError as NSError?)?.localizedDescription
            return "not valid JSON" + (underlying.map { " (\($0))" } ?? "")
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.localizedDescription
            return context.debugDescription + (underlying.map { ": \($0)" } ?? "")
        @unknown default: return "\(error)"
        }
    }
}
