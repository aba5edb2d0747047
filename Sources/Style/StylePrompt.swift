import Foundation

/// The `{{style}}` prompt variable: a profile as concrete, measurable constraints, then a few
/// exemplar passages. The simulator reads these lines back (its response surface documents how),
/// so their wording is a format: change it with `StylePrompt.header` and the simulator together.
///
/// ```
/// Write in the style of NAME. Measured habits of the author's prose, to match:
/// - Sentence length: mean 17.5, sd 10.2; quartiles 9, 15, 23 (in words).
/// - Dialogue: 31% of all words inside quotation marks.
/// - Paragraphs: median 3 sentences, median 58 in words.
/// - Point of view and tense: third person, past tense.
/// - Punctuation per 1,000 words: 62.0 commas, 4.1 semicolons, 3.0 dashes, 1.2 ellipses, 2.4 exclamation marks, 5.3 question marks.
/// - Word habits (uses per 1,000 words): the 52.1, and 31.0, to 27.3, ...
/// Passages by the author, for the voice only: never copy their words, names or events.
/// """
/// ...
/// """
/// ```
/// Sentence and paragraph lengths are never written "N words" (prompts name a chapter's length
/// that way); the rates say "per 1,000 words", so templates put the block after the length they
/// ask for, and the simulator reads the length with the block taken out.
public enum StylePrompt {
    public static let header = "Write in the style of"
    public static let exemplarsLine = "Passages by the author, for the voice only: never copy their words, names or events."

    public static func render(_ profile: StyleProfile, exemplars: [String]) -> String {
        let features = profile.features
        let sentences = features.sentenceLength
        let marks = features.punctuation
        func one(_ value: Double) -> String { String(format: "%.1f", value) }
        func whole(_ value: Double) -> String { String(Int(value.rounded())) }
        let person = features.firstPersonShare > 0.5 ? "first person" : "third person"
        let tense = features.pastShare >= 0.5 ? "past tense" : "present tense"
        let habits = profile.mostFrequent.map { "\($0.word) \(one($0.mean * 1000))" }.joined(separator: ", ")
        var lines = [
            "\(header) \(profile.name). Measured habits of the author's prose, to match:",
            "- Sentence length: mean \(one(sentences.mean)), sd \(one(sentences.sd)); quartiles \(whole(sentences.p25)), \(whole(sentences.p50)), \(whole(sentences.p75)) (in words).",
            "- Dialogue: \(whole(features.dialogueShare * 100))% of all words inside quotation marks.",
            "- Paragraphs: median \(whole(features.paragraphSentencesMedian)) sentences, median \(whole(features.paragraphWordsMedian)) in words.",
            "- Point of view and tense: \(person), \(tense).",
            "- Punctuation per 1,000 words: \(one(marks.comma)) commas, \(one(marks.semicolon)) semicolons, \(one(marks.dash)) dashes, "
                + "\(one(marks.ellipsis)) ellipses, \(one(marks.exclamation)) exclamation marks, \(one(marks.question)) question marks.",
            "- Word habits (uses per 1,000 words): \(habits).",
        ]
        if !exemplars.isEmpty {
            lines.append(exemplarsLine)
            for passage in exemplars { lines += ["\"\"\"", passage, "\"\"\""] }
        }
        return lines.joined(separator: "\n")
    }
}

/// What to change in a text to come closer to a profile, feature by feature.
public struct StyleAdvice: Sendable, Codable, Equatable {
    public enum Feature: String, Sendable, Codable {
        case sentenceLength = "sentence_length", rhythm, dialogue, paragraphs, punctuation
    }
    public var feature: Feature
    public var message: String
}

extension StyleMatch {
    /// The features that differ enough to act on, largest difference first: sentence length
    /// more than 15% of the author's mean off, rhythm (CV) 0.15, dialogue 8 points, paragraph
    /// length 30% of the author's median words, a punctuation mark half the author's rate (and 2
    /// per 1,000 words).
    public func advice(against own: StyleFeatures) -> [StyleAdvice] {
        var found: [(weight: Double, advice: StyleAdvice)] = []
        let sentence = featureDeltas.sentenceLengthMean, ownMean = max(own.sentenceLength.mean, 1)
        if abs(sentence) > 0.15 * ownMean {
            found.append((abs(sentence) / ownMean, StyleAdvice(feature: .sentenceLength, message: String(
                format: "sentences average %.1f words against the author's %.1f: %@", features.sentenceLength.mean, own.sentenceLength.mean,
                sentence > 0 ? "shorten them" : "lengthen them"))))
        }
        if abs(featureDeltas.sentenceLengthCV) > 0.15 {
            found.append((abs(featureDeltas.sentenceLengthCV), StyleAdvice(feature: .rhythm, message: String(
                format: "sentence lengths vary by %.2f (CV) against the author's %.2f: %@", features.sentenceLength.cv, own.sentenceLength.cv,
                featureDeltas.sentenceLengthCV > 0 ? "make them steadier" : "mix short and long ones"))))
        }
        if abs(featureDeltas.dialogueShare) > 0.08 {
            found.append((abs(featureDeltas.dialogueShare) * 3, StyleAdvice(feature: .dialogue, message: String(
                format: "%.0f%% of the words are speech against the author's %.0f%%: %@", features.dialogueShare * 100, own.dialogueShare * 100,
                featureDeltas.dialogueShare > 0 ? "tell more in narration" : "let the characters speak"))))
        }
        let ownParagraph = max(own.paragraphWordsMedian, 1)
        if abs(featureDeltas.paragraphWordsMedian) > 0.3 * ownParagraph {
            found.append((abs(featureDeltas.paragraphWordsMedian) / ownParagraph, StyleAdvice(feature: .paragraphs, message: String(
                format: "paragraphs run %.0f words (median) against the author's %.0f: %@", features.paragraphWordsMedian, own.paragraphWordsMedian,
                featureDeltas.paragraphWordsMedian > 0 ? "split them" : "join them"))))
        }
        let marks: [(String, Double, Double)] = [
            ("commas", features.punctuation.comma, own.punctuation.comma), ("semicolons", features.punctuation.semicolon, own.punctuation.semicolon),
            ("dashes", features.punctuation.dash, own.punctuation.dash), ("ellipses", features.punctuation.ellipsis, own.punctuation.ellipsis),
            ("exclamation marks", features.punctuation.exclamation, own.punctuation.exclamation),
            ("question marks", features.punctuation.question, own.punctuation.question),
        ]
        let punctuation = marks.filter { abs($0.1 - $0.2) > max(2, 0.5 * $0.2) }.max { abs($0.1 - $0.2) / max($0.2, 1) < abs($1.1 - $1.2) / max($1.2, 1) }
        if let (name, text, author) = punctuation {
            found.append((min(1, abs(text - author) / max(author, 1)) * 0.5, StyleAdvice(feature: .punctuation, message: String(
                format: "%.1f %@ per 1,000 words against the author's %.1f: use %@", text, name, author, text > author ? "fewer" : "more"))))
        }
        return found.sorted { $0.weight > $1.weight }.map(\.advice)
    }
}
