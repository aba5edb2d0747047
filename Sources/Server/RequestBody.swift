import Foundation

/// A request's JSON object, read strictly: every field known to the route, each of its type
/// and range, or an `APIError` naming the field and the fix. Nothing is written before the
/// whole body has passed.
struct RequestObject {
    let fields: [String: Any]

    /// Parses `data` as one JSON object whose keys are all in `allowed`.
    init(_ data: Data, allowed: [String]) throws {
        guard !data.isEmpty else { throw APIError.invalidJSON(detail: "the body is empty") }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw APIError.invalidJSON(detail: Self.describe(error))
        }
        guard let object = parsed as? [String: Any] else { throw APIError.invalidJSON(detail: "the body is \(Self.typeName(parsed)), not an object") }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.unknownField(field: unknown, allowed: allowed)
        }
        fields = object
    }

    func has(_ key: String) -> Bool { fields[key] != nil && !(fields[key] is NSNull) }

    func string(_ key: String, maxLength: Int = 100_000) throws -> String? {
        guard has(key) else { return nil }
        guard let value = fields[key] as? String else { throw APIError.wrongType(field: key, expected: "a string") }
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.invalidValue(field: key, message: "is empty", fix: "give \(key) some text, or leave it out")
        }
        guard value.utf8.count <= maxLength else {
            throw APIError.invalidValue(field: key, message: "is longer than \(maxLength) bytes", fix: "shorten \(key)")
        }
        return value
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard has(key) else { return nil }
        // JSON booleans are NSNumbers too: refuse them as numbers.
        guard let number = fields[key] as? NSNumber, !Self.isBoolean(number) else { throw APIError.wrongType(field: key, expected: "a whole number") }
        let double = number.doubleValue
        guard double.rounded() == double, double.isFinite else { throw APIError.wrongType(field: key, expected: "a whole number") }
        guard double >= Double(range.lowerBound), double <= Double(range.upperBound) else {
            throw APIError.invalidValue(field: key, message: "\(number) is out of range", fix: "give \(key) from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(double)
    }

    func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard has(key) else { return nil }
        guard let number = fields[key] as? NSNumber, !Self.isBoolean(number), number.doubleValue.isFinite else {
            throw APIError.wrongType(field: key, expected: "a number")
        }
        guard range.contains(number.doubleValue) else {
            throw APIError.invalidValue(field: key, message: "\(number) is out of range", fix: "give \(key) from \(range.lowerBound) to \(range.upperBound)")
        }
        return number.doubleValue
    }

    func bool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        guard let number = fields[key] as? NSNumber, Self.isBoolean(number) else { throw APIError.wrongType(field: key, expected: "true or false") }
        return number.boolValue
    }

    /// A non-empty array of non-empty strings, at most `maxCount` of at most `maxLength` bytes each.
    func strings(_ key: String, maxCount: Int = 100, maxLength: Int = 200) throws -> [String]? {
        guard has(key) else { return nil }
        guard let values = fields[key] as? [Any] else { throw APIError.wrongType(field: key, expected: "an array of strings") }
        guard !values.isEmpty, values.count <= maxCount else {
            throw APIError.invalidValue(field: key, message: "has \(values.count) items", fix: "give 1 to \(maxCount) items, or leave \(key) out")
        }
        return try values.enumerated().map { index, value in
            guard let text = value as? String else { throw APIError.wrongType(field: "\(key)[\(index)]", expected: "a string") }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.utf8.count <= maxLength else {
                throw APIError.invalidValue(field: "\(key)[\(index)]", message: "is empty or longer than \(maxLength) bytes", fix: "give a name")
            }
            return text
        }
    }

    func object(_ key: String) throws -> [String: Any]? {
        guard has(key) else { return nil }
        guard let value = fields[key] as? [String: Any] else { throw APIError.wrongType(field: key, expected: "an object") }
        return value
    }

    static func isBoolean(_ number: NSNumber) -> Bool {
        // JSON true/false arrive as NSNumbers of C type `c`.
        String(cString: number.objCType) == "c"
    }

    static func typeName(_ value: Any) -> String {
        switch value {
        case is [Any]: "an array"
        case is String: "a string"
        case let number as NSNumber: isBoolean(number) ? "a boolean" : "a number"
        case is NSNull: "null"
        default: "not an object"
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
        return String(text.prefix(200))
    }
}
