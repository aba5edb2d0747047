import Foundation
import Quality

/// Short passages of an author's sample to show a model: typical of the author's sentence
/// length and dialogue, spread through the sample, and for each chapter those furthest from
/// its content, so that the model takes the voice and not the events.
enum Exemplars {
    static let minimumWords = 60
    static let maximumWords = 180
    static let candidateCount = 12

    /// Runs of whole paragraphs of 60–180 words; per twelfth of the sample the one closest to
    /// the author's mean sentence length and dialogue share. Read off the profile's own scan
    /// (paragraphs, sentences and dialogue as Quality's scanner has them): only the chosen
    /// passages become strings.
    static func candidates(in tokens: Tokens, features: StyleFeatures, count: Int = candidateCount) -> [String] {
        let scanned = tokens.scanned
        var passages: [(paragraphs: Range<Int>, distance: Double)] = []
        var first = 0, runWords = 0
        func close(_ end: Int) {
            defer { first = end; runWords = 0 }
            guard runWords >= minimumWords, runWords <= maximumWords, end > first else { return }
            var sentences = 0, dialogue = 0
            for paragraph in first..<end {
                sentences += scanned.paragraphSentences(paragraph).count
                for word in scanned.paragraphWords(paragraph) where scanned.wordInDialogue[word] { dialogue += 1 }
            }
            let meanLength = Double(runWords) / Double(max(sentences, 1))
            let distance = abs(meanLength - features.sentenceLength.mean) / max(features.sentenceLength.sd, 1)
                + 2 * abs(Double(dialogue) / Double(runWords) - features.dialogueShare)
            passages.append((first..<end, distance))
        }
        for paragraph in 0..<scanned.paragraphCount {
            let words = scanned.paragraphWords(paragraph).count
            // A heading or a lone short line does not start a passage.
            if runWords == 0, words < 8 || isUppercase(paragraph, tokens) { first = paragraph + 1; continue }
            if runWords + words > maximumWords { close(paragraph) }
            if words > maximumWords { first = paragraph + 1; continue }
            runWords += words
            if runWords >= minimumWords * 2 { close(paragraph + 1) }
        }
        close(scanned.paragraphCount)
        guard !passages.isEmpty else { return [] }
        let segments = min(count, passages.count)
        return (0..<segments).compactMap { segment in
            let range = (segment * passages.count / segments)..<((segment + 1) * passages.count / segments)
            return passages[range].min { $0.distance < $1.distance }.map { text(of: $0.paragraphs, tokens) }
        }
    }

    /// Whether a paragraph has no lowercase letter ("CHAPTER XII.").
    static func isUppercase(_ paragraph: Int, _ tokens: Tokens) -> Bool {
        let words = tokens.scanned.paragraphWords(paragraph)
        for word in words {
            let start = Int(tokens.scanned.wordStarts[word])
            for byte in tokens.bytes[start..<(start + Int(tokens.scanned.wordLengths[word]))] where byte >= 0x61 && byte <= 0x7A { return false }
        }
        return true
    }

    /// The paragraphs' text: from the first's first byte to the end of the last's last word and
    /// the punctuation stuck to it (a closing quotation mark, a full stop).
    static func text(of paragraphs: Range<Int>, _ tokens: Tokens) -> String {
        let scanned = tokens.scanned
        let start = Int(scanned.paragraphByteStarts[paragraphs.lowerBound])
        let last = scanned.paragraphWords(paragraphs.upperBound - 1).upperBound - 1
        var end = Int(scanned.wordStarts[last]) + Int(scanned.wordLengths[last])
        while end < tokens.bytes.count, ![0x20, 0x09, 0x0A, 0x0D].contains(tokens.bytes[end]) { end += 1 }
        return String(decoding: tokens.bytes[start..<end], as: UTF8.self)
    }

    /// The `count` candidates sharing the fewest content words (words outside the profile's
    /// most frequent ones) with `content`, in the sample's order.
    static func farthest(from content: String, among candidates: [String], common: Set<String>, count: Int) -> [String] {
        let contentWords = Set(words(of: content)).subtracting(common)
        let overlaps = candidates.enumerated().map { index, candidate -> (index: Int, overlap: Double) in
            let own = Set(words(of: candidate)).subtracting(common)
            return (index, own.isEmpty ? 1 : Double(own.intersection(contentWords).count) / Double(own.count))
        }
        let chosen = overlaps.sorted { $0.overlap != $1.overlap ? $0.overlap < $1.overlap : $0.index < $1.index }.prefix(count)
        return chosen.map(\.index).sorted().map { candidates[$0] }
    }

    static func words(of text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0 == "'") }.map(String.init).filter { $0.count > 2 }
    }
}

extension StyleProfile {
    /// Two or three of the profile's exemplar passages, those furthest from `content` (a
    /// chapter's title, beats, setting and cast).
    public func exemplars(farFrom chapter: String, count: Int = 3) -> [String] {
        Exemplars.farthest(from: chapter, among: content.exemplars, common: Set(mostFrequent.map(\.word)), count: count)
    }
}
