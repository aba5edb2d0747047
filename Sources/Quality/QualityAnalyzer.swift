import Foundation

/// Runs every heuristic metric over a text: pure, deterministic, no I/O.
public enum QualityAnalyzer {
    /// Recorded with every score; a change of any formula is a new version.
    public static let scorer = "heuristic-3"

    /// The data the scores depend on besides the formulas: lexicon version and the shipped
    /// coherence model's fingerprint, recorded with every score.
    public static let dataVersion = "\(Lexicons.version)+\(CoherenceModel.shipped.fingerprint)"

    public static func analyze(_ text: String, context: AnalysisContext = AnalysisContext()) -> QualityReport {
        var copy = text
        return copy.withUTF8 { bytes in
            var analysis = Analysis(scanned: TextScanner.scan(bytes: bytes), bytes: bytes, context: context)
            return analysis.run()
        }
    }
}

/// One analysis in progress.
struct Analysis {
    let scanned: ScannedText
    let bytes: UnsafeBufferPointer<UInt8>
    let context: AnalysisContext
    /// Each word's lexicon memberships (`LexiconIndex`), looked up once.
    let flags: [UInt32]
    var metrics: [MetricValue] = []
    var issues: [LocatedIssue] = []
    /// Read by `coherence`, reused by `consistency`.
    var coherenceReading: CoherenceReading?

    init(scanned: ScannedText, bytes: UnsafeBufferPointer<UInt8>, context: AnalysisContext) {
        var scanned = scanned
        flags = TypoReading.flags(&scanned, bytes: bytes)
        self.scanned = scanned
        self.bytes = bytes
        self.context = context
    }

    var words: Int { scanned.wordCount }
    func per1000(_ count: Int, of total: Int) -> Double { total == 0 ? 0 : Double(count) * 1000 / Double(total) }
    func target(_ name: String) -> Double? { context.targets.targets[name] }
    func line(ofParagraph paragraph: Int) -> Int { Int(scanned.paragraphLines[paragraph]) }

    mutating func record(_ name: String, _ value: Double, scored: Bool = true) {
        let target = target(name)
        let score = scored ? target.flatMap { MetricCatalog.score(name, value: value, target: $0) } : nil
        metrics.append(MetricValue(name: name, value: value, score: score, target: target))
    }

    mutating func issue(_ metric: String, paragraph: Int?, _ message: String, major: Bool = false) {
        issues.append(LocatedIssue(
            metric: metric, paragraph: paragraph.map { $0 + 1 }, line: paragraph.map { line(ofParagraph: $0) },
            message: message, severity: major ? .major : .minor))
    }

    mutating func run() -> QualityReport {
        wordCount()
        detailDensity()
        emotion()
        voice()
        obsessionDepth()
        outlineAdherence()
        dialogueRatio()
        sentenceRhythm()
        readability()
        lexicalDiversity()
        repetition()
        clicheDensity()
        fluency()
        coherence()
        consistency()
        style()
        return QualityReport(metrics: metrics, quality: composite(), issues: issues, scorer: QualityAnalyzer.scorer, lexicon: QualityAnalyzer.dataVersion)
    }

    /// Weighted mean of the scored metrics present (weights renormalised), times the gates.
    func composite() -> Double {
        var sum = 0.0, weights = 0.0, gate = 1.0
        for metric in metrics {
            guard let score = metric.score else { continue }
            // A gate may also carry weight (coherence does): below target it costs twice.
            if MetricCatalog.gates.contains(metric.name) { gate *= MetricCatalog.gate(metric.name, score: score) }
            if metric.name == "word_count_accuracy" { gate *= MetricCatalog.lengthGate(accuracy: metric.value) }
            guard let weight = context.targets.weights[metric.name], weight > 0 else { continue }
            sum += score * weight
            weights += weight
        }
        return weights == 0 ? 0 : (sum / weights * gate * 1000).rounded() / 1000
    }

    // MARK: Length

    mutating func wordCount() {
        record("word_count", Double(words), scored: false)
        guard let targetWords = context.targetWords, targetWords > 0 else { return }
        let deviation = Double(words - targetWords) / Double(targetWords)
        record("word_count_accuracy", max(0, 100 * (1 - abs(deviation))))
        if abs(deviation) > 0.05 {
            let percent = Int((abs(deviation) * 100).rounded())
            issue("word_count", paragraph: nil, "Word count \(percent)% \(deviation < 0 ? "below" : "above") target (\(words) of \(targetWords))", major: abs(deviation) > 0.2)
        }
    }

    // MARK: Sensory detail

    /// Sensory "details": runs of sensory terms, a run ending 4 words after its last term.
    func detailMarks() -> [Bool] {
        var marks = [Bool](repeating: false, count: words)
        var lastHit = -100
        for index in 0..<words {
            guard flags[index] & LexiconIndex.senseMask != 0 else { continue }
            if index - lastHit > 4 { marks[index] = true }
            lastHit = index
        }
        return marks
    }

    mutating func detailDensity() {
        let marks = detailMarks()
        let total = marks.lazy.filter { $0 }.count
        let density = per1000(total, of: words)
        record("detail_density", density)
        guard let goal = target("detail_density"), density < goal else { return }
        issue("detail_density", paragraph: nil, String(format: "Detail density %.1f per 1,000 words, below target %.1f", density, goal), major: density < goal / 2)
        // The longest paragraphs with no detail at all, first.
        var bare: [(paragraph: Int, words: Int)] = []
        for paragraph in 0..<scanned.paragraphCount {
            let range = scanned.paragraphWords(paragraph)
            if range.count >= 40, !marks[range].contains(true) { bare.append((paragraph, range.count)) }
        }
        for (paragraph, _) in bare.sorted(by: { $0.words > $1.words }).prefix(3).sorted(by: { $0.paragraph < $1.paragraph }) {
            issue("detail_density", paragraph: paragraph, "Low detail density in paragraph \(paragraph + 1)")
        }
    }

    // MARK: Emotion

    mutating func emotion() {
        var present: UInt32 = 0
        var emotional = 0, inner = 0
        var paragraphHits = [Int](repeating: 0, count: scanned.paragraphCount)
        var paragraph = 0
        for index in 0..<words {
            while paragraph + 1 < scanned.paragraphCount, Int(scanned.paragraphWordStarts[paragraph + 1]) <= index { paragraph += 1 }
            let word = flags[index]
            present |= word & LexiconIndex.emotionMask
            if word & (LexiconIndex.emotionMask | LexiconIndex.physical) != 0 {
                emotional += 1
                paragraphHits[paragraph] += 1
            } else if word & LexiconIndex.interiority != 0, !scanned.wordInDialogue[index] {
                inner += 1
                paragraphHits[paragraph] += 1
            }
        }
        let rate = per1000(emotional, of: words) + per1000(inner, of: words) / 2
        let intensity = 1 - exp(-rate / 8)
        let variety = Double(present.nonzeroBitCount) / Double(Lexicons.emotionCategories.count)
        let value = words == 0 ? 0 : 10 * (0.7 * intensity + 0.3 * variety)
        record("emotion", (value * 100).rounded() / 100)
        guard let goal = target("emotion"), value < goal else { return }
        issue("emotion", paragraph: nil, String(format: "Emotion %.1f/10, below target %.1f", value, goal))
        var flat: [(Int, Int)] = []
        for paragraph in 0..<scanned.paragraphCount where paragraphHits[paragraph] == 0 {
            let count = scanned.paragraphWords(paragraph).count
            if count >= 60 { flat.append((paragraph, count)) }
        }
        for (paragraph, _) in flat.sorted(by: { $0.1 > $1.1 }).prefix(3).sorted(by: { $0.0 < $1.0 }) {
            issue("emotion", paragraph: paragraph, "Flat emotional register in paragraph \(paragraph + 1)")
        }
    }

    // MARK: Voice

    mutating func voice() {
        let voiceReading = VoiceReading(scanned, flags: flags)
        var consistency = voiceReading.consistency
        var match = 1.0
        if let profile = context.profile ?? context.style?.voice {
            match = profile.similarity(to: voiceReading, frequencies: VoiceProfile.mfw(flags: flags, words: words))
        }
        consistency = max(0, min(1, consistency))
        record("voice", (10 * consistency * match * 100).rounded() / 100)
        for (paragraph, shift) in voiceReading.shifts.prefix(5) {
            issue("voice", paragraph: paragraph, "\(shift) in paragraph \(paragraph + 1)")
        }
        if let profile = context.profile ?? context.style?.voice {
            if abs(voiceReading.firstPersonShare - profile.firstPersonShare) > 0.5 {
                issue("voice", paragraph: nil, "Point of view (\(voiceReading.firstPersonShare > 0.5 ? "first" : "third") person) differs from the book's (\(profile.firstPersonShare > 0.5 ? "first" : "third") person)", major: true)
            }
            if abs(voiceReading.pastShare - profile.pastShare) > 0.5 {
                issue("voice", paragraph: nil, "Tense (\(voiceReading.pastShare > 0.5 ? "past" : "present")) differs from the book's (\(profile.pastShare > 0.5 ? "past" : "present"))", major: true)
            }
        }
    }

    // MARK: Style

    /// Against the book's author style, when it has one: `style` (0–10, scored), Burrows'
    /// Delta and its percentile in the author's own spread, and the sample's 8-grams copied.
    mutating func style() {
        guard let reference = context.style else { return }
        let assessment = reference.assess(String(decoding: bytes, as: UTF8.self))
        record("style", (assessment.score * 100).rounded() / 100)
        record("style_delta", (assessment.delta * 1000).rounded() / 1000, scored: false)
        record("style_percentile", assessment.percentile.rounded(), scored: false)
        record("copied_8grams", Double(assessment.copied), scored: false)
        for found in assessment.issues { issue("style", paragraph: found.paragraph, found.message, major: found.major) }
    }

    // MARK: Obsession

    mutating func obsessionDepth() {
        guard let obsession = context.obsession?.trimmingCharacters(in: .whitespacesAndNewlines), !obsession.isEmpty else { return }
        let stopwords = Lexicons.words("stopword")
        // A handful of keywords: an array scan beats hashing each word again for a Set.
        let keywords = Array(Set(obsession.split(whereSeparator: { !$0.isLetter && $0 != "'" }).map(String.init)
            .filter { $0.count >= 3 && !stopwords.contains(wordHash($0)) }.map { Self.stemHash($0) }))
        guard !keywords.isEmpty else { return }
        let feeling = LexiconIndex.interiority | LexiconIndex.emotionMask | LexiconIndex.physical
        // Only words starting with a keyword's first letter can match: a cheap filter first.
        var firstLetters = [Bool](repeating: false, count: 256)
        for word in obsession.lowercased().split(whereSeparator: { !$0.isLetter }) { if let first = word.utf8.first { firstLetters[Int(first)] = true } }
        var mentions: [Int] = []
        for index in 0..<words where scanned.wordLengths[index] >= 3 {
            let start = Int(scanned.wordStarts[index])
            guard firstLetters[Int(lowercase(bytes[start]))] else { continue }
            if keywords.contains(Self.stemHash(bytes, start..<start + Int(scanned.wordLengths[index]))) { mentions.append(index) }
        }
        let recurrence = per1000(mentions.count, of: words)
        // Spread: how many of five equal segments mention it.
        var segments = Set<Int>()
        for mention in mentions { segments.insert(min(4, mention * 5 / max(words, 1))) }
        let spread = Double(segments.count) / 5
        // Depth: mentions in sentences that also carry feeling or a character's mind. Each
        // sentence is scanned once, however many mentions it holds (mentions come in order):
        // a text without sentence breaks is one sentence, and rescanning it per mention was quadratic.
        var deep = 0
        var sentence = 0, scannedSentence = -1, sentenceFeels = false
        for mention in mentions {
            while sentence + 1 < scanned.sentenceCount, Int(scanned.sentenceStarts[sentence + 1]) <= mention { sentence += 1 }
            if sentence != scannedSentence {
                sentenceFeels = scanned.sentenceWords(sentence).contains(where: { flags[$0] & feeling != 0 })
                scannedSentence = sentence
            }
            if sentenceFeels { deep += 1 }
        }
        let depth = mentions.isEmpty ? 0 : Double(deep) / Double(mentions.count)
        // Escalation: more mentions in the last third than in the first.
        let first = mentions.filter { $0 < words / 3 }.count, last = mentions.filter { $0 >= words * 2 / 3 }.count
        let escalation = last > first ? min(1, Double(last - first) / Double(max(last, 1))) : 0
        let value = words == 0 ? 0 : 10 * (0.4 * (1 - exp(-recurrence / 3)) + 0.25 * spread + 0.25 * depth + 0.1 * escalation)
        record("obsession_depth", (value * 100).rounded() / 100)
        guard let goal = target("obsession_depth"), value < goal else { return }
        issue("obsession_depth", paragraph: nil, String(format: "Obsession depth %.1f/10, below target %.1f (%d mentions)", value, goal, mentions.count))
        // The longest stretch of paragraphs without a mention.
        let mentionParagraphs = Set(mentions.map { scanned.paragraph(ofWord: $0) })
        var bestStart = 0, bestLength = 0, runStart = 0
        for paragraph in 0...scanned.paragraphCount {
            if paragraph == scanned.paragraphCount || mentionParagraphs.contains(paragraph) {
                if paragraph - runStart > bestLength { bestStart = runStart; bestLength = paragraph - runStart }
                runStart = paragraph + 1
            }
        }
        if bestLength >= 3 {
            issue("obsession_depth", paragraph: bestStart, "The obsession disappears in paragraphs \(bestStart + 1)–\(bestStart + bestLength)")
        }
    }

    /// Suffixes taken off before comparing words with the obsession's keywords.

    /// Hash of a crude stem of `bytes[range]`: lowercase, one plural or verb ending off, so
    /// "keys"/"key" and "locked"/"lock" meet. Runs for every word: no allocation.
    static func stemHash(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        // One of -ing, -ed, -es, -s, -ly off (tried in that order, each only when the stem
        // keeps three letters), decided from the last letters: this runs for most words.
        let length = range.count, end = range.upperBound
        @inline(__always) func letter(_ back: Int) -> UInt8 { lowercase(bytes[end - back]) }
        var cut = 0
        if length >= 3 {
            switch letter(1) {
            case 0x67 where length > 5 && letter(2) == 0x6E && letter(3) == 0x69: cut = 3  // -ing
            case 0x64 where length > 4 && letter(2) == 0x65: cut = 2                       // -ed
            case 0x73 where length > 4 && letter(2) == 0x65: cut = 2                       // -es
            case 0x73 where length > 3: cut = 1                                            // -s
            case 0x79 where length > 4 && letter(2) == 0x6C: cut = 2                       // -ly
            default: break
            }
        }
        return fnv1a(UnsafeBufferPointer(rebasing: bytes[range.lowerBound..<end - cut]))
    }

    static func stemHash(_ word: String) -> UInt64 {
        Array(word.utf8).withUnsafeBufferPointer { stemHash($0, 0..<$0.count) }
    }

    // MARK: Dialogue, rhythm, readability

    mutating func dialogueRatio() {
        let inside = scanned.wordInDialogue.lazy.filter { $0 }.count
        record("dialogue_ratio", words == 0 ? 0 : (Double(inside) / Double(words) * 1000).rounded() / 1000, scored: false)
    }

    mutating func sentenceRhythm() {
        let lengths = (0..<scanned.sentenceCount).map { Double(scanned.sentenceWords($0).count) }.filter { $0 > 0 }
        guard lengths.count >= 2 else {
            record("sentence_rhythm", 0)
            return
        }
        let mean = lengths.reduce(0, +) / Double(lengths.count)
        let variance = lengths.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(lengths.count - 1)
        let cv = variance.squareRoot() / mean
        record("sentence_rhythm", (cv * 1000).rounded() / 1000)
        // Five or more sentences in a row within ±20% of each other's length read as a drone.
        for paragraph in 0..<scanned.paragraphCount {
            let sentences = scanned.paragraphSentences(paragraph)
            var run = 1
            var previous = -1.0
            for sentence in sentences {
                let length = Double(scanned.sentenceWords(sentence).count)
                run = previous > 0 && abs(length - previous) <= 0.2 * previous ? run + 1 : 1
                previous = length
                if run == 5 {
                    issue("sentence_rhythm", paragraph: paragraph, "Monotonous sentence rhythm in paragraph \(paragraph + 1)")
                    break
                }
            }
        }
    }

    mutating func readability() {
        guard words > 0, scanned.sentenceCount > 0 else {
            record("readability", 0, scored: false)
            record("readability_grade", 0, scored: false)
            return
        }
        let syllables = scanned.wordSyllables.reduce(0) { $0 + Int($1) }
        let wordsPerSentence = Double(words) / Double(scanned.sentenceCount)
        let syllablesPerWord = Double(syllables) / Double(words)
        record("readability", ((206.835 - 1.015 * wordsPerSentence - 84.6 * syllablesPerWord) * 100).rounded() / 100, scored: false)
        record("readability_grade", ((0.39 * wordsPerSentence + 11.8 * syllablesPerWord - 15.59) * 100).rounded() / 100, scored: false)
    }

    // MARK: Diversity and repetition

    /// MTLD: the mean length of runs whose type-token ratio stays above 0.72, both directions.
    /// Runs stop at paragraph ends, so the value does not depend on the order of paragraphs
    /// (run across paragraph joins, a shuffle that breaks the thread raised it).
    mutating func lexicalDiversity() {
        var types = GenerationalWordSet()
        var tokens = 0
        var count = 0.0
        func add(_ hash: UInt64) {
            tokens += 1
            _ = types.insert(hash)
            if types.count * 100 <= tokens * 72 {  // type-token ratio at or below 0.72
                count += 1
                types.removeAll()
                tokens = 0
            }
        }
        func closeRun() {
            if tokens > 0 {
                let ratio = Double(types.count) / Double(tokens)
                count += (1 - ratio) / (1 - 0.72)
            }
            types.removeAll()
            tokens = 0
        }
        guard words >= 10 else {
            record("lexical_diversity", 0)
            return
        }
        var forward = 0.0, backward = 0.0
        for reversed in [false, true] {
            count = 0
            for paragraph in 0..<scanned.paragraphCount {
                let range = scanned.paragraphWords(paragraph)
                if reversed { for index in range.reversed() { add(scanned.wordHashes[index]) } } else { for index in range { add(scanned.wordHashes[index]) } }
                closeRun()
            }
            if reversed { backward = count } else { forward = count }
        }
        let mtld = (Double(words) / max(forward, 1e-9) + Double(words) / max(backward, 1e-9)) / 2
        record("lexical_diversity", (mtld * 10).rounded() / 10)
    }

    mutating func repetition() {
        // Repeated 5-grams: every occurrence after the first counts.
        var seen = WordHashSet(capacity: max(words, 16))
        var repeats = 0
        var firstRepeat: [Int] = []
        if words >= 5 {
            for index in 0...(words - 5) {
                var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
                for offset in 0..<5 { hash = (hash ^ scanned.wordHashes[index + offset]) &* 0x0000_0100_0000_01B3 }
                if !seen.insert(hash) {
                    repeats += 1
                    if firstRepeat.count < 3 { firstRepeat.append(index) }
                }
            }
        }
        let ngramShare = words >= 5 ? Double(repeats) / Double(words - 4) : 0
        let looping = scanned.loopingSentences()
        var reported = Set<[Int]>()
        for (sentence, earlier) in looping.loops {
            let here = scanned.paragraph(ofWord: Int(scanned.sentenceStarts[sentence]))
            let there = scanned.paragraph(ofWord: Int(scanned.sentenceStarts[earlier]))
            if reported.count < 3, reported.insert([here, there]).inserted {
                issue("repetition", paragraph: here, "A sentence in paragraph \(here + 1) repeats one in paragraph \(there + 1)", major: true)
            }
        }
        let loopShare = looping.share
        let value = 1 - (1 - ngramShare) * (1 - loopShare)
        record("repetition", (value * 10000).rounded() / 10000)
        if let goal = target("repetition"), value > goal {
            issue("repetition", paragraph: nil, String(format: "Repetition %.1f%% of the text, above target %.1f%%", value * 100, goal * 100), major: value > 2 * goal)
        }
    }

    mutating func clicheDensity() {
        let cliches = ClicheIndex.shared
        let firstWordBits = cliches.firstWordBits
        var hits = 0
        for index in 0..<words {
            let hash = scanned.wordHashes[index]
            // Most words start no cliché: one bit test rejects them before the table lookup.
            guard firstWordBits & (1 << (hash & 63)) != 0 else { continue }
            let group = cliches.byFirst[hash]
            guard group > 0 else { continue }
            for phrase in cliches.groups[group - 1] where index + phrase.count <= words {
                if (0..<phrase.count).allSatisfy({ scanned.wordHashes[index + $0] == phrase[$0] }) {
                    hits += 1
                    let paragraph = scanned.paragraph(ofWord: index)
                    let start = Int(scanned.wordStarts[index])
                    let last = index + phrase.count - 1
                    let end = Int(scanned.wordStarts[last]) + Int(scanned.wordLengths[last])
                    let quoted = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                    issue("cliche_density", paragraph: paragraph, "Cliché \u{201C}\(quoted)\u{201D} in paragraph \(paragraph + 1)")
                    break
                }
            }
        }
        record("cliche_density", (per1000(hits, of: words) * 100).rounded() / 100)
    }

    /// Implausible adjacent function words ("the of", "and but", "a the"): near zero in
    /// edited prose, frequent in word salad and broken generations.
    mutating func fluency() {
        var bad = 0, pairs = 0
        var paragraphBad = [Int](repeating: 0, count: scanned.paragraphCount)
        var paragraph = 0
        for index in 1..<max(words, 1) {
            while paragraph + 1 < scanned.paragraphCount, Int(scanned.paragraphWordStarts[paragraph + 1]) <= index { paragraph += 1 }
            pairs += 1
            if FunctionWordClasses.implausible(flags[index - 1] >> LexiconIndex.functionShift & 0b111, flags[index] >> LexiconIndex.functionShift & 0b111) {
                bad += 1
                paragraphBad[paragraph] += 1
            }
        }
        let value = per1000(bad, of: pairs)
        record("fluency", (value * 100).rounded() / 100)
        if let goal = target("fluency"), value > goal {
            issue("fluency", paragraph: nil, String(format: "%.1f implausible word pairs per 1,000: broken or scrambled sentences", value), major: true)
            if let worst = paragraphBad.indices.max(by: { paragraphBad[$0] < paragraphBad[$1] }), paragraphBad[worst] > 0 {
                issue("fluency", paragraph: worst, "Broken sentences in paragraph \(worst + 1)")
            }
        }
    }
}

extension ScannedText {
    /// Looping sentences: each sentence of four or more words with the same words as an
    /// earlier one, and the share of such sentences among those of four or more words.
    func loopingSentences() -> (loops: [(sentence: Int, earlier: Int)], share: Double) {
        var seen = [UInt64: Int]()
        var loops: [(sentence: Int, earlier: Int)] = []
        var long = 0
        for sentence in 0..<sentenceCount {
            let range = sentenceWords(sentence)
            guard range.count >= 4 else { continue }
            long += 1
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for index in range { hash = (hash ^ wordHashes[index]) &* 0x0000_0100_0000_01B3 }
            if let earlier = seen[hash] { loops.append((sentence, earlier)) } else { seen[hash] = sentence }
        }
        return (loops, long == 0 ? 0 : Double(loops.count) / Double(long))
    }
}

/// The cliché phrases grouped by their first word, found with one table lookup per word.
struct ClicheIndex: Sendable {
    static let shared = ClicheIndex()
    /// First-word hash → group number + 1 (0: no phrase starts with it).
    let byFirst: WordTable<Int>
    let groups: [[[UInt64]]]
    /// Bit `hash & 63` set for every first word: a one-instruction filter.
    let firstWordBits: UInt64

    init() {
        var grouped: [UInt64: [[UInt64]]] = [:]
        for phrase in Lexicons.lists["cliche"]?.phrases ?? [] { grouped[phrase[0], default: []].append(phrase) }
        var table = WordTable<Int>(capacity: grouped.count, empty: 0)
        var groups: [[[UInt64]]] = []
        for (first, phrases) in grouped.sorted(by: { $0.key < $1.key }) {
            groups.append(phrases)
            table.set(first, groups.count)
        }
        byFirst = table
        self.groups = groups
        firstWordBits = grouped.keys.reduce(0) { $0 | (1 << ($1 & 63)) }
    }
}

/// Determiners, prepositions, conjunctions and subject pronouns, and which of their pairs
/// edited English almost never puts side by side.
struct FunctionWordClasses: Sendable {
    static let shared = FunctionWordClasses()
    enum Kind: UInt8 { case determiner, preposition, conjunction, subject }
    let kinds: [UInt64: Kind]

    init() {
        var kinds: [UInt64: Kind] = [:]
        for word in ["the", "a", "an", "these", "those", "every", "each"] { kinds[wordHash(word)] = .determiner }
        for word in ["of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "upon", "onto", "among", "beneath"] { kinds[wordHash(word)] = .preposition }
        for word in ["and", "or", "nor", "but"] { kinds[wordHash(word)] = .conjunction }
        for word in ["i", "he", "she", "we", "they"] { kinds[wordHash(word)] = .subject }
        self.kinds = kinds
    }

    /// `first` and `second` are function-word classes as `LexiconIndex` stores them (kind + 1, 0 for none).
    static func implausible(_ first: UInt32, _ second: UInt32) -> Bool {
        guard first != 0, second != 0, let a = Kind(rawValue: UInt8(first - 1)), let b = Kind(rawValue: UInt8(second - 1)) else { return false }
        switch (a, b) {
        case (.determiner, _): return true  // "the of", "a and", "the she", "the the"
        case (.conjunction, .conjunction): return true
        case (.subject, .determiner), (.subject, .subject), (.subject, .conjunction): return true
        case (.preposition, .conjunction), (.preposition, .subject): return true
        default: return false
        }
    }
}

/// The `fluency` metric's rule, for a writer that must not break it: the function-word class
/// of a word and whether two adjacent classes form a pair `fluency` counts as implausible.
public enum FluencyRule {
    /// 0 for a word of no class; else 1 determiner, 2 preposition, 3 conjunction, 4 subject
    /// pronoun (as `fluency` reads it, case-insensitively).
    public static func functionClass(of word: String) -> UInt32 {
        FunctionWordClasses.shared.kinds[wordHash(word.lowercased())].map { UInt32($0.rawValue) + 1 } ?? 0
    }

    /// Whether a word of class `first` followed by one of class `second` is a pair `fluency` counts.
    public static func implausible(_ first: UInt32, _ second: UInt32) -> Bool { FunctionWordClasses.implausible(first, second) }
}
