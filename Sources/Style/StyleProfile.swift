import Foundation
import Quality
import WorkbenchCore

/// One of a profile's most frequent words: its relative frequency's mean and standard deviation
/// across the sample's 5,000-word bags.
public struct WordStatistic: Sendable, Codable, Equatable {
    public var word: String
    public var mean: Double
    public var sd: Double
}

/// One file a profile was built from.
public struct SampleSource: Sendable, Codable, Equatable {
    /// The path as given to `style extract` (made absolute by the command).
    public var file: String
    public var words: Int
    /// SHA-256 of the file's text: the copy guard reads the file again only when it still matches.
    public var sha256: String
}

/// One part of an author's sample, as read from a file.
public struct StyleSample: Sendable {
    /// The file it came from, for errors and the profile's sources; nil for text given directly.
    public var file: String?
    public var text: String
    public init(file: String?, text: String) {
        self.file = file
        self.text = text
    }
}

/// Deltas of the author's own windows of one length against the profile.
public struct LengthSpread: Sendable, Codable, Equatable {
    /// Words per window.
    public var words: Int
    /// Sorted ascending.
    public var deltas: [Double]
}

/// What a profile holds apart from its version and fingerprint: the fingerprint is the SHA-256
/// of this value's canonical JSON.
public struct StyleProfileContent: Sendable, Codable, Equatable {
    /// The author or style's name (`--name`, else the first sample's file name).
    public var name: String
    /// The files the sample was read from, in order.
    public var sources: [SampleSource]
    /// Words in the sample.
    public var words: Int
    /// Words per bag (5,000).
    public var bagWords: Int
    /// Bags the word statistics were read from.
    public var bags: Int
    /// The sample's surface features.
    public var features: StyleFeatures
    /// Point of view, tense and Quality's reference word frequencies: what `voice` measures against.
    public var voice: VoiceProfile
    /// The sample's most frequent words, most frequent first.
    public var mostFrequent: [WordStatistic]
    /// The author's own spread, per window length (250, 500, 1,000, 2,000, 3,000 and 5,000 words):
    /// Delta of seeded random windows of the sample against the profile's centroid with that
    /// window's words taken out of the means (the sds and the word list still include them, so
    /// the spread stays a little optimistic: on the shared corpus 34 of 41 held-out 5,000-word
    /// bags fell inside their own 90th percentile, not ~37). A text is judged against the spread
    /// of the longest window not longer than it: Delta grows as texts get shorter.
    public var spreads: [LengthSpread]
    /// Short passages of the sample (whole paragraphs, 60–180 words) spread through it and
    /// typical of its sentence length and dialogue: the prompts' exemplars are chosen from these.
    public var exemplars: [String]
}

/// An author's style: surface features plus a Burrows' Delta profile of the most frequent words.
///
/// **The Delta used here.** Burrows' Delta z-scores word frequencies against the means and
/// standard deviations of a reference corpus of several authors. A profile here has only its own
/// sample, and a fixed shared reference would tie every profile to one word list. So each profile
/// is its own reference: for its N most frequent words it keeps the mean and the sd of their
/// relative frequencies across consecutive 5,000-word bags of the sample; a text's z-score on a
/// word is (text frequency − profile mean) / profile sd, and Delta is the mean |z| over the N words
/// (the profile's centroid has z = 0 everywhere, so this is mean |z_text − z_profile|). Because the
/// sd is the author's own bag-to-bag variation, Delta reads in the same unit for every profile:
/// a 5,000-word bag of the author lands near 0.8 (E|z| of a normal), another author well above.
/// That is what makes Deltas against different profiles comparable in `nearest`.
/// The sd is floored at the binomial sd of a 5,000-word bag, √(p(1−p)/5000), so that samples with
/// few bags, or words that hardly vary, do not blow a z-score up. Texts much longer than a bag
/// vary less than a bag does, so their Delta is lower than a bag's; `match` is meant for texts of
/// roughly bag size (a chapter or a few).
public struct StyleProfile: Sendable, Codable, Equatable {
    /// The format version this code reads and writes.
    public static let currentVersion = 1
    /// The shortest sample a profile accepts.
    public static let minimumWords = 5_000
    public static let defaultWordCount = 150
    public static let defaultBagWords = 5_000
    /// Windows drawn for the author's spread, per length.
    public static let spreadBags = 25
    /// The window lengths of the spread.
    public static let spreadLengths = [250, 500, 1_000, 2_000, 3_000, 5_000]

    public let version: Int
    /// SHA-256 hex of the canonical JSON of `content`.
    public let fingerprint: String
    public let content: StyleProfileContent

    public var name: String { content.name }
    public var features: StyleFeatures { content.features }
    public var mostFrequent: [WordStatistic] { content.mostFrequent }
    /// The spread of 5,000-word windows.
    public var spread: [Double] { spread(forWords: Self.defaultBagWords) }

    /// The spread a text of `words` words is judged against: that of the longest window not
    /// longer than the text (the shortest window for shorter texts).
    public func spread(forWords words: Int) -> [Double] { window(forWords: words)?.deltas ?? [] }

    /// The windows of the author's spread a text of `words` words is judged against.
    public func window(forWords words: Int) -> LengthSpread? {
        content.spreads.filter { $0.words <= words }.max { $0.words < $1.words } ?? content.spreads.min { $0.words < $1.words }
    }

    /// Builds a profile from an author's sample. `file` only names the sample in errors.
    public static func build(from text: String, file: String? = nil, name: String? = nil, words count: Int = defaultWordCount, seed: UInt64 = 1) throws(StyleError) -> StyleProfile {
        try build(samples: [StyleSample(file: file, text: text)], name: name, words: count, seed: seed)
    }

    /// Builds a profile from the parts of an author's sample (their texts joined by a blank line).
    public static func build(samples: [StyleSample], name: String? = nil, words count: Int = defaultWordCount, seed: UInt64 = 1) throws(StyleError) -> StyleProfile {
        let text = samples.map(\.text).joined(separator: "\n\n")
        let tokens = Tokens(text)
        let total = tokens.ids.count
        let file = samples.compactMap(\.file).joined(separator: ", ")
        guard total >= minimumWords else { throw .sampleTooShort(file: file.isEmpty ? nil : file, words: total) }
        let bagWords = defaultBagWords

        // The N most frequent types, ties broken by first occurrence (deterministic).
        var typeCounts = [Int](repeating: 0, count: tokens.types.count)
        for id in tokens.ids { typeCounts[Int(id)] += 1 }
        let top = typeCounts.indices.sorted { typeCounts[$0] != typeCounts[$1] ? typeCounts[$0] > typeCounts[$1] : $0 < $1 }.prefix(count)
        var slotOfType = [Int32](repeating: -1, count: tokens.types.count)
        for (slot, type) in top.enumerated() { slotOfType[type] = Int32(slot) }

        // Per consecutive bag, the top words' relative frequencies.
        let bags = max(1, total / bagWords)
        var frequencies: [[Double]] = []
        for bag in 0..<bags {
            frequencies.append(Self.frequencies(tokens.ids[(bag * bagWords)..<min(total, (bag + 1) * bagWords)], slots: slotOfType, count: top.count))
        }
        var statistics: [WordStatistic] = []
        for (slot, type) in top.enumerated() {
            let values = frequencies.map { $0[slot] }
            let mean = Double(typeCounts[type]) / Double(total)
            let sd = max(StyleFeatures.sd(values, mean: StyleFeatures.mean(values)), (mean * (1 - mean) / Double(bagWords)).squareRoot())
            statistics.append(WordStatistic(word: tokens.word(ofType: type), mean: mean, sd: sd))
        }

        // The author's spread: seeded random windows (positions drawn with replacement, so a
        // 5,000-word sample still yields them, all the same window), the 5,000-word ones first
        // with the profile's seed, each other length with a generator of its own.
        var spreads: [LengthSpread] = []
        for length in spreadLengths.sorted(by: >) {
            var generator = SeededGenerator(seed: length == bagWords ? seed : seed &+ UInt64(length) &* 7_919)
            var deltas: [Double] = []
            for _ in 0..<spreadBags {
                let start = generator.below(total - length + 1)
                let window = Self.frequencies(tokens.ids[start..<(start + length)], slots: slotOfType, count: top.count)
                // Against the centroid of the rest of the sample: a window held against a mean
                // that contains it reads closer than a new text would.
                var rest = statistics
                for slot in rest.indices {
                    rest[slot].mean = (Double(typeCounts[top[top.startIndex + slot]]) - window[slot] * Double(length)) / Double(total - length)
                }
                if total == length { rest = statistics }
                deltas.append(delta(window, rest))
            }
            spreads.append(LengthSpread(words: length, deltas: deltas.sorted()))
        }
        spreads.sort { $0.words < $1.words }

        let features = StyleFeatures.measure(tokens, text: text)
        let sources = samples.enumerated().map { index, sample in
            SampleSource(file: sample.file ?? "sample \(index + 1)", words: samples.count == 1 ? total : TextScanner.scan(sample.text).wordCount,
                         sha256: SHA256.hex(of: sample.text))
        }
        let defaultName = samples.first?.file.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } ?? "sample"
        let content = StyleProfileContent(
            name: name ?? defaultName, sources: sources, words: total, bagWords: bagWords, bags: bags, features: features,
            voice: tokens.bytes.withUnsafeBufferPointer { VoiceProfile.build(scanned: tokens.scanned, bytes: $0) }, mostFrequent: statistics, spreads: spreads,
            exemplars: Exemplars.candidates(in: tokens, features: features))
        return StyleProfile(version: currentVersion, fingerprint: fingerprint(of: content), content: content)
    }

    init(version: Int, fingerprint: String, content: StyleProfileContent) {
        self.version = version
        self.fingerprint = fingerprint
        self.content = content
    }

    /// Decoding refuses another format version and content whose fingerprint does not match.
    public init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case version, fingerprint, content }
        let container = try decoder.container(keyedBy: Keys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard version == Self.currentVersion else { throw StyleError.otherVersion(found: version, supported: Self.currentVersion) }
        let stored = try container.decode(String.self, forKey: .fingerprint)
        let content = try container.decode(StyleProfileContent.self, forKey: .content)
        let computed = Self.fingerprint(of: content)
        guard stored == computed else { throw StyleError.fingerprintMismatch(stored: stored, computed: computed) }
        self.init(version: version, fingerprint: stored, content: content)
    }

    /// Reads a stored profile (JSON), with typed errors for another version or a broken fingerprint.
    public static func decode(_ data: Data) throws -> StyleProfile {
        do {
            return try JSONDecoder().decode(StyleProfile.self, from: data)
        } catch let error as DecodingError {
            // JSONDecoder may wrap what init(from:) threw.
            if case let .dataCorrupted(context) = error, let style = context.underlyingError as? StyleError { throw style }
            throw error
        }
    }

    /// The profile as canonical JSON (sorted keys), ready to store.
    public func encoded() throws -> String { try CanonicalJSON.encode(self) }

    static func fingerprint(of content: StyleProfileContent) -> String {
        // Encoding plain numbers, strings and arrays cannot fail; a failure is a bug.
        guard let json = try? CanonicalJSON.encode(content) else { preconditionFailure("a style profile could not be encoded") }
        return SHA256.hex(of: json)
    }

    static func frequencies(_ ids: ArraySlice<Int32>, slots: [Int32], count: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: count)
        for id in ids {
            let slot = slots[Int(id)]
            if slot >= 0 { counts[Int(slot)] += 1 }
        }
        let total = Double(max(ids.count, 1))
        return counts.map { $0 / total }
    }

    static func delta(_ frequencies: [Double], _ statistics: [WordStatistic]) -> Double {
        guard !statistics.isEmpty else { return 0 }
        var sum = 0.0
        for (index, statistic) in statistics.enumerated() { sum += abs(frequencies[index] - statistic.mean) / statistic.sd }
        return sum / Double(statistics.count)
    }

    /// The relative frequencies of this profile's words in a text's tokens.
    func frequencies(in tokens: Tokens) -> [Double] {
        var slotOfHash: [UInt64: Int] = [:]
        for (slot, statistic) in mostFrequent.enumerated() { slotOfHash[wordHash(statistic.word)] = slot }
        var slotOfType = [Int32](repeating: -1, count: tokens.types.count)
        for (type, hash) in tokens.types.enumerated() {
            if let slot = slotOfHash[hash] { slotOfType[type] = Int32(slot) }
        }
        return Self.frequencies(tokens.ids[...], slots: slotOfType, count: mostFrequent.count)
    }

    /// Burrows' Delta of a text against this profile (see the type's comment).
    public func delta(_ text: String) -> Double { delta(Tokens(text)) }

    func delta(_ tokens: Tokens) -> Double { Self.delta(frequencies(in: tokens), mostFrequent) }

    /// Percent (0–100) of the author's own spread, for texts of `words` words, at or below `delta`.
    public func percentile(of delta: Double, words: Int = defaultBagWords) -> Double {
        let spread = spread(forWords: words)
        guard !spread.isEmpty else { return 0 }
        return 100 * Double(spread.count(where: { $0 <= delta })) / Double(spread.count)
    }

    /// The 90th percentile of the author's spread for texts of `words` words: the largest Delta
    /// `match` still accepts.
    public func threshold(words: Int = defaultBagWords) -> Double { StyleFeatures.quantile(spread(forWords: words), 0.9) }

    /// The `style` metric, 0–10: 10 at or below the median of the author's spread for the
    /// text's length, 8 at its 90th percentile (the edge of a match), then halving with every
    /// further (90th − median). So a text matches exactly when it scores 8 or more.
    public func score(delta: Double, words: Int) -> Double {
        let spread = spread(forWords: words)
        guard !spread.isEmpty else { return 0 }
        let median = StyleFeatures.quantile(spread, 0.5), edge = StyleFeatures.quantile(spread, 0.9)
        let step = max(edge - median, 1e-6)
        if delta <= median { return 10 }
        if delta <= edge { return 10 - 2 * (delta - median) / step }
        return 8 * pow(2, -(delta - edge) / step)
    }

    /// How a text stands against this profile.
    public func match(_ text: String) -> StyleMatch { match(Tokens(text), text: text) }

    func match(_ tokens: Tokens, text: String) -> StyleMatch {
        let delta = delta(tokens)
        let features = StyleFeatures.measure(tokens, text: text)
        let own = self.features
        let words = tokens.ids.count
        return StyleMatch(
            delta: delta,
            percentile: percentile(of: delta, words: words),
            threshold: threshold(words: words),
            score: score(delta: delta, words: words),
            features: features,
            featureDeltas: FeatureDeltas(
                sentenceLengthMean: features.sentenceLength.mean - own.sentenceLength.mean,
                sentenceLengthCV: features.sentenceLength.cv - own.sentenceLength.cv,
                dialogueShare: features.dialogueShare - own.dialogueShare,
                paragraphSentencesMedian: features.paragraphSentencesMedian - own.paragraphSentencesMedian,
                paragraphWordsMedian: features.paragraphWordsMedian - own.paragraphWordsMedian,
                punctuation: features.punctuation.minus(own.punctuation)),
            matches: delta <= threshold(words: words))
    }

    /// The profile whose Delta to `text` is smallest, and the margin to the runner-up's Delta
    /// (0 with a single profile). Nil when `profiles` is empty.
    public static func nearest(_ text: String, among profiles: [StyleProfile]) -> (profile: StyleProfile, margin: Double)? {
        let tokens = Tokens(text)
        let deltas = profiles.map { $0.delta(tokens) }
        guard let best = deltas.indices.min(by: { deltas[$0] < deltas[$1] }) else { return nil }
        let runnerUp = deltas.indices.filter { $0 != best }.map { deltas[$0] }.min()
        return (profiles[best], runnerUp.map { $0 - deltas[best] } ?? 0)
    }
}

/// Text minus profile, feature by feature.
public struct FeatureDeltas: Sendable, Codable, Equatable {
    public var sentenceLengthMean: Double
    public var sentenceLengthCV: Double
    public var dialogueShare: Double
    public var paragraphSentencesMedian: Double
    public var paragraphWordsMedian: Double
    /// Per 1,000 words.
    public var punctuation: PunctuationRates
}

/// A text held against a profile.
public struct StyleMatch: Sendable, Codable, Equatable {
    /// Burrows' Delta against the profile (see `StyleProfile`).
    public var delta: Double
    /// Percent of the author's own windows (of the text's length) whose Delta is at or below this one.
    public var percentile: Double
    /// The largest Delta that matches: the 90th percentile of the author's own windows of the text's length.
    public var threshold: Double
    /// The `style` metric, 0–10 (`StyleProfile.score`).
    public var score: Double
    /// The text's own surface features.
    public var features: StyleFeatures
    public var featureDeltas: FeatureDeltas
    /// Delta within the 90th percentile of the author's own spread.
    public var matches: Bool
}

extension StyleProfile {
    /// Consecutive bags of `bagWords` words of a text (the last, shorter remainder dropped),
    /// each cut from the text at word boundaries as Quality's scanner reads them.
    public static func bags(of text: String, bagWords: Int = defaultBagWords) -> [String] {
        let bytes = Array(text.utf8)
        let scanned = bytes.withUnsafeBufferPointer { TextScanner.scan(bytes: $0) }
        var result: [String] = []
        var bag = 0
        while (bag + 1) * bagWords <= scanned.wordCount {
            let start = Int(scanned.wordStarts[bag * bagWords])
            let end = (bag + 1) * bagWords < scanned.wordCount ? Int(scanned.wordStarts[(bag + 1) * bagWords]) : bytes.count
            result.append(String(decoding: bytes[start..<end], as: UTF8.self))
            bag += 1
        }
        return result
    }
}
