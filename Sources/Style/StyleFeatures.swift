import Foundation
import Quality

/// Punctuation marks per 1,000 words.
public struct PunctuationRates: Sendable, Codable, Equatable {
    public var comma: Double
    public var semicolon: Double
    /// `—` or a run of two or more hyphens (`--`), each run counted once.
    public var dash: Double
    /// `…` or a run of three or more periods, each run counted once.
    public var ellipsis: Double
    public var exclamation: Double
    public var question: Double

    public init(comma: Double = 0, semicolon: Double = 0, dash: Double = 0, ellipsis: Double = 0, exclamation: Double = 0, question: Double = 0) {
        self.comma = comma
        self.semicolon = semicolon
        self.dash = dash
        self.ellipsis = ellipsis
        self.exclamation = exclamation
        self.question = question
    }

    /// Mark by mark, `self − other`.
    public func minus(_ other: PunctuationRates) -> PunctuationRates {
        PunctuationRates(comma: comma - other.comma, semicolon: semicolon - other.semicolon, dash: dash - other.dash,
                         ellipsis: ellipsis - other.ellipsis, exclamation: exclamation - other.exclamation, question: question - other.question)
    }
}

/// Distribution of sentence lengths, in words.
public struct SentenceLengths: Sendable, Codable, Equatable {
    public var mean: Double
    public var sd: Double
    /// Coefficient of variation, sd / mean (0 when there are no sentences).
    public var cv: Double
    /// Quantiles 10, 25, 50, 75 and 90 (linear interpolation between order statistics).
    public var p10: Double, p25: Double, p50: Double, p75: Double, p90: Double
}

/// The measurable surface of a text's style: what `StyleFeatures.measure` reads in one pass of
/// Quality's scanner (sentences and paragraphs as Quality splits them, dialogue as words inside
/// straight or curly quotation marks).
public struct StyleFeatures: Sendable, Codable, Equatable {
    public var words: Int
    public var sentences: Int
    public var sentenceLength: SentenceLengths
    /// Paragraphs that hold at least one word: their length in sentences and in words.
    public var paragraphSentencesMedian: Double
    public var paragraphSentencesMean: Double
    public var paragraphWordsMedian: Double
    public var paragraphWordsMean: Double
    /// Share (0–1) of words inside quotation marks.
    public var dialogueShare: Double
    public var punctuation: PunctuationRates
    /// Contractions (n't, 'll, 're, 've, 'd, 'm, and 's after a pronoun or "that", "there",
    /// "what", "let", "here", "where", "who") per 1,000 words. Possessives are not counted.
    public var contractionsPer1000: Double
    /// Mean word length in UTF-8 bytes (letters, for ASCII prose).
    public var meanWordLength: Double
    /// Moving-average type-token ratio over windows of 500 words (the plain type-token ratio
    /// when the text is shorter than a window).
    public var mattr: Double
    /// Distinct first words of sentences / sentences.
    public var openerVariety: Double
    /// Point of view of the narration (words outside quotation marks), on the scale of Quality's
    /// voice reading: first-person pronouns / (2.5% of narration words), capped at 1
    /// (1 = first person, 0 = third).
    public var firstPersonShare: Double
    /// Past-tense markers (common past forms and words in -ed) among past and present markers
    /// (common present forms) in the narration; 1 when there are none.
    public var pastShare: Double

    /// The MATTR window.
    public static let mattrWindow = 500

    /// Measures `text` in one pass of Quality's scanner. Point of view and tense are a simple
    /// pronoun and verb count over the same scan, not Quality's `VoiceReading`: that one is
    /// internal to Quality, and reaching it through `Quality.StyleProfile.build` scans the text a
    /// second time with its lexicons (~22 MB/s on its own, which held this whole measure to ~13 MB/s).
    public static func measure(_ text: String) -> StyleFeatures {
        let tokens = Tokens(text)
        return measure(tokens, text: text)
    }

    static func measure(_ tokens: Tokens, text: String) -> StyleFeatures {
        let scanned = tokens.scanned
        let words = scanned.wordCount

        var sentenceLengths: [Double] = []
        sentenceLengths.reserveCapacity(scanned.sentenceCount)
        var openers = Set<UInt64>()
        for index in 0..<scanned.sentenceCount {
            let range = scanned.sentenceWords(index)
            guard !range.isEmpty else { continue }
            sentenceLengths.append(Double(range.count))
            openers.insert(scanned.wordHashes[range.lowerBound])
        }
        var paragraphSentences: [Double] = [], paragraphWords: [Double] = []
        for index in 0..<scanned.paragraphCount {
            let range = scanned.paragraphWords(index)
            guard !range.isEmpty else { continue }
            paragraphWords.append(Double(range.count))
            paragraphSentences.append(Double(scanned.paragraphSentences(index).count))
        }

        var dialogue = 0, lengthSum = 0
        for index in 0..<words {
            if scanned.wordInDialogue[index] { dialogue += 1 }
            lengthSum += Int(scanned.wordLengths[index])
        }

        let voice = tokens.voice()
        let perThousand = words == 0 ? 0 : 1000 / Double(words)
        var punctuation = tokens.punctuation
        punctuation.comma *= perThousand
        punctuation.semicolon *= perThousand
        punctuation.dash *= perThousand
        punctuation.ellipsis *= perThousand
        punctuation.exclamation *= perThousand
        punctuation.question *= perThousand

        let sorted = sentenceLengths.sorted()
        let mean = Self.mean(sentenceLengths)
        let sd = Self.sd(sentenceLengths, mean: mean)
        return StyleFeatures(
            words: words,
            sentences: sentenceLengths.count,
            sentenceLength: SentenceLengths(mean: mean, sd: sd, cv: mean == 0 ? 0 : sd / mean,
                                            p10: quantile(sorted, 0.10), p25: quantile(sorted, 0.25), p50: quantile(sorted, 0.50),
                                            p75: quantile(sorted, 0.75), p90: quantile(sorted, 0.90)),
            paragraphSentencesMedian: quantile(paragraphSentences.sorted(), 0.5),
            paragraphSentencesMean: Self.mean(paragraphSentences),
            paragraphWordsMedian: quantile(paragraphWords.sorted(), 0.5),
            paragraphWordsMean: Self.mean(paragraphWords),
            dialogueShare: words == 0 ? 0 : Double(dialogue) / Double(words),
            punctuation: punctuation,
            contractionsPer1000: Double(tokens.contractions) * perThousand,
            meanWordLength: words == 0 ? 0 : Double(lengthSum) / Double(words),
            mattr: mattr(tokens.ids, types: tokens.types.count, window: mattrWindow),
            openerVariety: sentenceLengths.isEmpty ? 0 : Double(openers.count) / Double(sentenceLengths.count),
            firstPersonShare: voice.firstPersonShare,
            pastShare: voice.pastShare)
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    /// Sample standard deviation (n − 1); 0 below two values.
    static func sd(_ values: [Double], mean: Double) -> Double {
        guard values.count > 1 else { return 0 }
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }

    /// Quantile `q` of sorted values, interpolating linearly between order statistics (R type 7).
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    /// Moving-average type-token ratio over dense word ids.
    static func mattr(_ ids: [Int32], types: Int, window: Int) -> Double {
        guard !ids.isEmpty else { return 0 }
        var counts = [Int32](repeating: 0, count: types)
        guard ids.count > window else {
            var distinct = 0
            for id in ids where counts[Int(id)] == 0 { counts[Int(id)] = 1; distinct += 1 }
            return Double(distinct) / Double(ids.count)
        }
        var distinct = 0
        for index in 0..<window {
            let id = Int(ids[index])
            if counts[id] == 0 { distinct += 1 }
            counts[id] += 1
        }
        var sum = Double(distinct)
        for index in window..<ids.count {
            let leaving = Int(ids[index - window]), entering = Int(ids[index])
            counts[leaving] -= 1
            if counts[leaving] == 0 { distinct -= 1 }
            if counts[entering] == 0 { distinct += 1 }
            counts[entering] += 1
            sum += Double(distinct)
        }
        return sum / Double(ids.count - window + 1) / Double(window)
    }
}

/// One scan of a text: Quality's scanned words plus dense word ids (lowercased words, curly
/// apostrophes read as straight), punctuation counts and contractions.
struct Tokens {
    let scanned: ScannedText
    /// Per word, its type's index in `types`.
    let ids: [Int32]
    /// Per type, its hash (Quality's `wordHash` of the lowercased word).
    let types: [UInt64]
    /// Per type, the index of its first occurrence.
    let firstOccurrence: [Int32]
    /// Raw counts (not yet per 1,000 words).
    let punctuation: PunctuationRates
    let contractions: Int
    let bytes: [UInt8]

    init(_ text: String) {
        let bytes = Array(text.utf8)
        self.bytes = bytes
        scanned = bytes.withUnsafeBufferPointer { TextScanner.scan(bytes: $0) }
        var index: [UInt64: Int32] = [:]
        index.reserveCapacity(scanned.wordCount / 8 + 16)
        var ids = [Int32](), types = [UInt64](), first = [Int32]()
        ids.reserveCapacity(scanned.wordCount)
        for (position, hash) in scanned.wordHashes.enumerated() {
            if let id = index[hash] {
                ids.append(id)
            } else {
                let id = Int32(types.count)
                index[hash] = id
                types.append(hash)
                first.append(Int32(position))
                ids.append(id)
            }
        }
        self.ids = ids
        self.types = types
        firstOccurrence = first
        punctuation = Self.countPunctuation(bytes)
        var contractions = 0
        for position in 0..<scanned.wordCount where Self.isContraction(bytes, start: Int(scanned.wordStarts[position]), length: Int(scanned.wordLengths[position])) {
            contractions += 1
        }
        self.contractions = contractions
    }

    static let firstPerson: Set<UInt64> = Set(["i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"].map(wordHash))
    static let pastForms: Set<UInt64> = Set(["was", "were", "had", "did", "said", "went", "came", "saw", "thought", "knew", "felt", "took", "made", "got", "told", "found", "gave", "left", "stood", "sat", "heard", "began", "ran", "could", "would"].map(wordHash))
    static let presentForms: Set<UInt64> = Set(["is", "are", "am", "has", "have", "does", "do", "says", "goes", "comes", "sees", "thinks", "knows", "feels", "takes", "makes", "gets", "tells", "finds", "gives", "stands", "sits", "hears", "begins", "runs", "can", "will"].map(wordHash))

    /// Point of view and tense of the narration (see `StyleFeatures.firstPersonShare`).
    func voice() -> (firstPersonShare: Double, pastShare: Double) {
        // Decide per type once, then count per word.
        var kind = [UInt8](repeating: 0, count: types.count)  // 1 first person, 2 past, 3 present
        for (type, hash) in types.enumerated() {
            if Self.firstPerson.contains(hash) {
                kind[type] = 1
            } else if Self.pastForms.contains(hash) {
                kind[type] = 2
            } else if Self.presentForms.contains(hash) {
                kind[type] = 3
            } else {
                let position = Int(firstOccurrence[type])
                let start = Int(scanned.wordStarts[position]), length = Int(scanned.wordLengths[position])
                if length > 3, bytes[start + length - 2] | 0x20 == 0x65, bytes[start + length - 1] | 0x20 == 0x64 { kind[type] = 2 }
            }
        }
        var narration = 0, first = 0, past = 0, present = 0
        for (position, id) in ids.enumerated() where !scanned.wordInDialogue[position] {
            narration += 1
            switch kind[Int(id)] {
            case 1: first += 1
            case 2: past += 1
            case 3: present += 1
            default: break
            }
        }
        let person = narration == 0 ? 0 : min(1, Double(first) / (Double(narration) * 0.025))
        return (person, past + present == 0 ? 1 : Double(past) / Double(past + present))
    }

    /// The lowercased word of type `id`, with ’ written as '.
    func word(ofType id: Int) -> String {
        let position = Int(firstOccurrence[id])
        return Self.normalizedWord(bytes, start: Int(scanned.wordStarts[position]), length: Int(scanned.wordLengths[position]))
    }

    static func normalizedWord(_ bytes: [UInt8], start: Int, length: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(length)
        var index = start
        while index < start + length {
            let byte = bytes[index]
            if byte == 0xE2, index + 2 < start + length, bytes[index + 1] == 0x80, bytes[index + 2] == 0x99 {
                out.append(0x27)
                index += 3
                continue
            }
            out.append((byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let sPronouns: Set<String> = ["it", "he", "she", "that", "there", "what", "let", "here", "where", "who", "how", "this"]

    static func isContraction(_ bytes: [UInt8], start: Int, length: Int) -> Bool {
        // Cheap reject: no apostrophe byte (' or the tail of ’) in the word.
        var hasApostrophe = false
        for index in start..<(start + length) where bytes[index] == 0x27 || bytes[index] == 0x99 {
            hasApostrophe = true
            break
        }
        guard hasApostrophe else { return false }
        let word = normalizedWord(bytes, start: start, length: length)
        for suffix in ["n't", "'ll", "'re", "'ve", "'d", "'m"] where word.hasSuffix(suffix) && word.count > suffix.count { return true }
        if word.hasSuffix("'s") { return sPronouns.contains(String(word.dropLast(2))) }
        return false
    }

    static func countPunctuation(_ bytes: [UInt8]) -> PunctuationRates {
        var rates = PunctuationRates()
        var index = 0
        let count = bytes.count
        while index < count {
            switch bytes[index] {
            case 0x2C: rates.comma += 1
            case 0x3B: rates.semicolon += 1
            case 0x21: rates.exclamation += 1
            case 0x3F: rates.question += 1
            case 0x2D:
                var end = index + 1
                while end < count, bytes[end] == 0x2D { end += 1 }
                if end - index >= 2 { rates.dash += 1 }
                index = end
                continue
            case 0x2E:
                var end = index + 1
                while end < count, bytes[end] == 0x2E { end += 1 }
                if end - index >= 3 { rates.ellipsis += 1 }
                index = end
                continue
            case 0xE2 where index + 2 < count && bytes[index + 1] == 0x80:
                if bytes[index + 2] == 0x94 { rates.dash += 1 } else if bytes[index + 2] == 0xA6 { rates.ellipsis += 1 }
                index += 3
                continue
            default: break
            }
            index += 1
        }
        return rates
    }
}
