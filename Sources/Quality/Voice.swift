import Foundation

/// Point of view and tense of the narration (words outside dialogue), per paragraph and
/// for the whole text.
public struct VoiceReading: Sendable {
    /// 1 when the narration is in the first person, 0 in the third (≥ 2.5% first-person
    /// singular/plural pronouns counts as first person).
    public let firstPersonShare: Double
    /// Past-tense markers among past and present markers.
    public let pastShare: Double
    /// 0–1: how closely paragraphs keep the text's point of view and tense (1 = always).
    public let consistency: Double
    /// Paragraphs (0-based) that break the text's voice, with what changes.
    public let shifts: [(Int, String)]

    init(_ scanned: ScannedText, flags: [UInt32]) {
        struct Paragraph { var narration = 0, first = 0, past = 0, present = 0 }
        var paragraphs = [Paragraph](repeating: Paragraph(), count: scanned.paragraphCount)
        var total = Paragraph()
        for index in 0..<scanned.paragraphCount {
            for word in scanned.paragraphWords(index) where !scanned.wordInDialogue[word] {
                let word = flags[word]
                paragraphs[index].narration += 1
                if word & LexiconIndex.firstPerson != 0 { paragraphs[index].first += 1 }
                if word & LexiconIndex.past != 0 { paragraphs[index].past += 1 }
                if word & LexiconIndex.present != 0 { paragraphs[index].present += 1 }
            }
            total.narration += paragraphs[index].narration
            total.first += paragraphs[index].first
            total.past += paragraphs[index].past
            total.present += paragraphs[index].present
        }
        func person(_ p: Paragraph) -> Double { p.narration == 0 ? 0 : min(1, Double(p.first) / (Double(p.narration) * 0.025)) }
        func tense(_ p: Paragraph) -> Double? { p.past + p.present < 3 ? nil : Double(p.past) / Double(p.past + p.present) }
        // The text's point of view is the paragraphs' majority, weighted by narration, so a
        // few first-person paragraphs in a third-person chapter read as shifts, not as its voice.
        var personSum = 0.0, personWeight = 0.0
        for paragraph in paragraphs where paragraph.narration >= 20 {
            personSum += person(paragraph) * Double(paragraph.narration)
            personWeight += Double(paragraph.narration)
        }
        let chapterPerson = personWeight == 0 ? person(total) : personSum / personWeight
        let chapterTense = tense(total) ?? 1
        firstPersonShare = chapterPerson
        pastShare = chapterTense

        var weighted = 0.0, weights = 0.0
        var shifts: [(Int, String)] = []
        for (index, paragraph) in paragraphs.enumerated() where paragraph.narration >= 20 {
            let personGap = abs(person(paragraph) - chapterPerson)
            let tenseGap = tense(paragraph).map { abs($0 - chapterTense) } ?? 0
            weighted += max(personGap, tenseGap) * Double(paragraph.narration)
            weights += Double(paragraph.narration)
            if personGap > 0.6 {
                shifts.append((index, chapterPerson < 0.5 ? "Point of view shifts to the first person" : "Point of view shifts to the third person"))
            } else if tenseGap > 0.6, paragraph.past + paragraph.present >= 5 {
                shifts.append((index, chapterTense > 0.5 ? "Tense shifts to the present" : "Tense shifts to the past"))
            }
        }
        consistency = weights == 0 ? 1 : 1 - weighted / weights
        self.shifts = shifts
    }
}

/// A book's style, to hold a chapter against: point of view, tense, and the relative
/// frequencies of the reference corpus's 100 most frequent words.
public struct VoiceProfile: Sendable, Codable, Equatable {
    public var firstPersonShare: Double
    public var pastShare: Double
    public var mfwFrequencies: [Double]
    public var words: Int

    /// The profile of a text: a book's earlier chapters, or an author's sample.
    public static func build(from text: String) -> VoiceProfile {
        var copy = text
        return copy.withUTF8 { bytes in build(scanned: TextScanner.scan(bytes: bytes), bytes: bytes) }
    }

    /// The profile of a text already scanned (`bytes` are the text's UTF-8).
    public static func build(scanned: ScannedText, bytes: UnsafeBufferPointer<UInt8>) -> VoiceProfile {
        var scanned = scanned
        let flags = TypoReading.flags(&scanned, bytes: bytes)
        let reading = VoiceReading(scanned, flags: flags)
        return VoiceProfile(firstPersonShare: reading.firstPersonShare, pastShare: reading.pastShare,
                            mfwFrequencies: mfw(flags: flags, words: scanned.wordCount), words: scanned.wordCount)
    }

    /// Relative frequencies of the reference's most frequent words.
    static func mfw(flags: [UInt32], words: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: MFWReference.words.count)
        for word in flags {
            let slot = Int(word >> LexiconIndex.mfwShift)
            if slot > 0 { counts[slot - 1] += 1 }
        }
        let total = Double(max(words, 1))
        return counts.map { $0 / total }
    }

    /// Cosine delta (Smith & Aldridge 2011): cosine of the z-scored MFW frequency vectors.
    /// Around 0.4–0.7 for two samples of one author, near 0 for unrelated styles.
    public func cosineDelta(with frequencies: [Double]) -> Double {
        var dot = 0.0, left = 0.0, right = 0.0
        for index in mfwFrequencies.indices {
            let sd = max(MFWReference.deviations[index], 1e-9), mean = MFWReference.means[index]
            let a = (mfwFrequencies[index] - mean) / sd, b = (frequencies[index] - mean) / sd
            dot += a * b
            left += a * a
            right += b * b
        }
        return left == 0 || right == 0 ? 0 : dot / (left.squareRoot() * right.squareRoot())
    }

    /// 0–1: 1 for the same point of view, tense and word habits. A full change of point of
    /// view or tense halves it; word habits move it by at most a quarter.
    func similarity(to reading: VoiceReading, frequencies: [Double]) -> Double {
        let person = 1 - 0.5 * abs(reading.firstPersonShare - firstPersonShare)
        let tense = 1 - 0.5 * abs(reading.pastShare - pastShare)
        let style = 0.75 + 0.25 * max(0, cosineDelta(with: frequencies))
        return person * tense * style
    }
}
