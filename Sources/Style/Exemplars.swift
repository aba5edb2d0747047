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
    /// the author's mean sentence length and dialogue share.
    static func candidates(in text: String, features: StyleFeatures, count: Int = candidateCount) -> [String] {
        var passages: [(text: String, distance: Double)] = []
        var run: [Substring] = []
        var runWords = 0
        func close() {
            defer { run = []; runWords = 0 }
            guard runWords >= minimumWords, runWords <= maximumWords else { return }
            let passage = run.joined(separator: "\n\n")
            let measured = StyleFeatures.measure(passage)
            let distance = abs(measured.sentenceLength.mean - features.sentenceLength.mean) / max(features.sentenceLength.sd, 1)
                + 2 * abs(measured.dialogueShare - features.dialogueShare)
            passages.append((passage, distance))
        }
        for paragraph in Paragraphs.texts(text) {
            let words = TextScanner.scan(String(paragraph)).wordCount
            // A heading or a lone short line does not start a passage.
            if run.isEmpty, words < 8 || paragraph.uppercased() == paragraph { continue }
            if runWords + words > maximumWords { close() }
            if words > maximumWords { continue }
            run.append(paragraph)
            runWords += words
            if runWords >= minimumWords * 2 { close() }
        }
        close()
        guard !passages.isEmpty else { return [] }
        let segments = min(count, passages.count)
        return (0..<segments).compactMap { segment in
            let range = (segment * passages.count / segments)..<((segment + 1) * passages.count / segments)
            return passages[range].min { $0.distance < $1.distance }?.text
        }
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
