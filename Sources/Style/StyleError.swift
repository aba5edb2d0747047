import WorkbenchCore

/// Why a style profile cannot be built or loaded.
public enum StyleError: WorkbenchError, Equatable {
    /// The sample has fewer words than a profile needs.
    case sampleTooShort(file: String?, words: Int)
    /// A stored profile's fingerprint does not match its content: it was edited by hand or damaged.
    case fingerprintMismatch(stored: String, computed: String)
    /// A stored profile was written by another version of the profile format.
    case otherVersion(found: Int, supported: Int)

    public var message: String {
        switch self {
        case let .sampleTooShort(file, words):
            "\(file.map { "\($0): " } ?? "")the style sample has \(words) word\(words == 1 ? "" : "s"); a profile needs at least \(StyleProfile.minimumWords): Burrows' Delta is unreliable on samples shorter than about 5,000 words (Eder 2015, \"Does size matter?\")"
        case let .fingerprintMismatch(stored, computed):
            "the style profile's fingerprint \(stored.prefix(12)) does not match its content (\(computed.prefix(12))): it was edited or damaged"
        case let .otherVersion(found, supported):
            "the style profile has format version \(found); this workbench reads version \(supported)"
        }
    }

    public var fix: String? {
        switch self {
        case .sampleTooShort: "give a longer sample of the author's prose (5,000 words or more)"
        case .fingerprintMismatch, .otherVersion: "build the profile again from its sample"
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}
