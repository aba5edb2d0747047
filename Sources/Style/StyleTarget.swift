import Foundation
import Quality

/// A book's author style as the analysis sees it (`AnalysisContext.style`): the profile to
/// measure chapters against and the copy guard over the author's sample.
public struct StyleTarget: StyleReference {
    public let profile: StyleProfile
    public let copyGuard: CopyGuard

    public init(profile: StyleProfile, copyGuard: CopyGuard) {
        self.profile = profile
        self.copyGuard = copyGuard
    }

    public var identity: String { profile.fingerprint + "|" + copyGuard.identity }
    public var voice: VoiceProfile { profile.content.voice }

    /// The most outlying paragraphs listed as issues.
    static let paragraphIssues = 3

    public func assess(_ text: String) -> StyleAssessment {
        let tokens = Tokens(text)
        let match = profile.match(tokens, text: text)
        let copied = copyGuard.find(tokens.scanned, bytes: tokens.bytes)
        var issues: [StyleAssessment.Issue] = []
        if !match.matches, tokens.ids.count > 0 {
            let advice = match.advice(against: profile.features).prefix(3).map(\.message)
            let reading = String(format: "Style drifts from %@: Delta %.2f, beyond the author's own %.0fth percentile %.2f", profile.name, match.delta, 90.0, match.threshold)
            issues.append(.init(paragraph: nil, message: reading + (advice.isEmpty ? "" : "; " + advice.joined(separator: "; ")), major: match.score < 4))
        }
        issues += outlierParagraphs(tokens.scanned)
        for copy in copied.copies {
            issues.append(.init(paragraph: copy.paragraph, message: "Copies \(copy.words) words of the author's \(copyGuard.scope == .sample ? "sample" : "exemplars") in paragraph \(copy.paragraph + 1): \"\(copy.quote)\"", major: true))
        }
        return StyleAssessment(score: match.score, delta: match.delta, percentile: match.percentile, copied: copied.grams, issues: issues)
    }

    /// Paragraphs whose sentences are far from the author's length (mean more than 3 standard
    /// errors off, over 2+ sentences and 30+ words) or that run over three times the author's
    /// median paragraph (and 150 words): what `FIX_STYLE` rewrites, the most outlying first.
    func outlierParagraphs(_ scanned: ScannedText) -> [StyleAssessment.Issue] {
        let own = profile.features
        var found: [(paragraph: Int, weight: Double, message: String)] = []
        for paragraph in 0..<scanned.paragraphCount {
            let words = scanned.paragraphWords(paragraph).count
            let sentences = scanned.paragraphSentences(paragraph)
            let lengths = sentences.map { Double(scanned.sentenceWords($0).count) }
            if lengths.count >= 2, words >= 30, own.sentenceLength.sd > 0 {
                let mean = lengths.reduce(0, +) / Double(lengths.count)
                let z = (mean - own.sentenceLength.mean) / (own.sentenceLength.sd / Double(lengths.count).squareRoot())
                if abs(z) > 3 {
                    found.append((paragraph, abs(z), String(format: "Paragraph %d's sentences average %.1f words against the author's %.1f: %@",
                                                            paragraph + 1, mean, own.sentenceLength.mean, z > 0 ? "shorten them" : "lengthen them")))
                    continue
                }
            }
            if own.paragraphWordsMedian > 0, Double(words) > 3 * own.paragraphWordsMedian, words >= 150 {
                found.append((paragraph, Double(words) / own.paragraphWordsMedian, String(format: "Paragraph %d runs %d words against the author's median %.0f: split it",
                                                                                         paragraph + 1, words, own.paragraphWordsMedian)))
            }
        }
        return found.sorted { $0.weight > $1.weight }.prefix(Self.paragraphIssues).sorted { $0.paragraph < $1.paragraph }
            .map { .init(paragraph: $0.paragraph, message: $0.message, major: false) }
    }
}
