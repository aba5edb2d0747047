/// What kind of job a run was. Open-ended on purpose: a database written by a newer
/// workbench with a new kind still lists correctly in an older one.
public struct RunKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let generate = RunKind(rawValue: "generate")
    public static let abtest = RunKind(rawValue: "abtest")
    public static let regress = RunKind(rawValue: "regress")
    public static let baseline = RunKind(rawValue: "baseline")
    public static let optimize = RunKind(rawValue: "optimize")
    public static let train = RunKind(rawValue: "train")
}

/// Where a run is in its life. `interrupted` marks a run whose process died; it can be resumed.
public enum RunStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case running, succeeded, failed, interrupted, cancelled
    public var description: String { rawValue }
    public var isFinished: Bool { self != .running }
}

/// A run's identifier: `20261125-101305-a3f9c2` — UTC start time plus 24 random bits, so ids
/// sort by time, read well in a table and are unique across processes sharing a workspace.
public struct RunID: Hashable, Sendable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public let rawValue: String

    public init(startedAt secondsSince1970: Double, random: UInt32) {
        let suffix = String(random & 0xFF_FFFF, radix: 16)
        rawValue = CivilTime(secondsSince1970: secondsSince1970).compactStamp + "-"
            + String(repeating: "0", count: 6 - suffix.count) + suffix
    }

    /// Accepts only the canonical shape, so a typo is caught before any lookup.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 8, parts[1].count == 6, parts[2].count == 6,
              parts[0].allSatisfy(\.isASCIIDigit), parts[1].allSatisfy(\.isASCIIDigit),
              parts[2].allSatisfy(\.isLowercaseHexDigit)
        else { return nil }
        rawValue = text
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = RunID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a run id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isLowercaseHexDigit: Bool { isASCIIDigit || ("a"..."f").contains(self) }
}
