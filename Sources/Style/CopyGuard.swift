import Foundation
import Quality
import WorkbenchCore

/// The copy guard: no run of eight words of the author's sample may appear in generated text.
/// Words are Quality's scanner's (lowercased, curly apostrophes straight), so punctuation,
/// case and line breaks do not hide a copy.
public struct CopyGuard: Sendable {
    /// What the guard holds.
    public enum Scope: String, Sendable, Codable {
        /// The whole sample the profile was built from.
        case sample
        /// Only the exemplar passages the prompts show (the sample's files were not found).
        case exemplars
    }

    public static let gram = 8

    public let scope: Scope
    /// SHA-256 of the guarded texts, so contexts with equal guards compare equal.
    public let identity: String
    let grams: Set<UInt64>

    public init(texts: [String], scope: Scope) {
        self.scope = scope
        identity = SHA256.hex(of: texts.joined(separator: "\u{0}"))
        var grams = Set<UInt64>()
        for text in texts {
            let hashes = TextScanner.scan(text).wordHashes
            guard hashes.count >= Self.gram else { continue }
            for start in 0...(hashes.count - Self.gram) { grams.insert(Self.hash(hashes[start..<(start + Self.gram)])) }
        }
        self.grams = grams
    }

    static func hash(_ words: ArraySlice<UInt64>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
        for word in words { hash = (hash ^ word) &* 0x0000_0100_0000_01B3 &+ 0x2545_F491 }
        return hash
    }

    /// One stretch of copied words.
    public struct Copy: Sendable, Equatable {
        /// 0-based paragraph (Quality's numbering) where the copy starts.
        public var paragraph: Int
        /// Words in the stretch (8 or more).
        public var words: Int
        /// The copied words as they stand in the text (the first 20 words of a longer stretch, then "…").
        public var quote: String
    }

    /// Every 8-gram of `text` found in the guarded texts (overlapping ones each counted), and the
    /// stretches they form.
    public func find(in text: String) -> (grams: Int, copies: [Copy]) {
        let bytes = Array(text.utf8)
        let scanned = bytes.withUnsafeBufferPointer { TextScanner.scan(bytes: $0) }
        return find(scanned, bytes: bytes)
    }

    func find(_ scanned: ScannedText, bytes: [UInt8]) -> (grams: Int, copies: [Copy]) {
        let hashes = scanned.wordHashes
        guard !grams.isEmpty, hashes.count >= Self.gram else { return (0, []) }
        var count = 0
        var copies: [Copy] = []
        var runStart: Int?, runEnd = 0
        func close() {
            guard let start = runStart else { return }
            let words = runEnd - start
            let shown = min(words, 20)
            let from = Int(scanned.wordStarts[start])
            let to = Int(scanned.wordStarts[start + shown - 1]) + Int(scanned.wordLengths[start + shown - 1])
            let quote = String(decoding: bytes[from..<to], as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
            copies.append(Copy(paragraph: scanned.paragraph(ofWord: start), words: words, quote: quote + (words > shown ? " …" : "")))
            runStart = nil
        }
        for start in 0...(hashes.count - Self.gram) where grams.contains(Self.hash(hashes[start..<(start + Self.gram)])) {
            count += 1
            if let _ = runStart, start <= runEnd - Self.gram + 1 {
                runEnd = start + Self.gram
            } else {
                close()
                runStart = start
                runEnd = start + Self.gram
            }
        }
        close()
        return (count, copies)
    }
}
