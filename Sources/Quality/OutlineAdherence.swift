import Foundation
import WorkbenchCore

// MARK: The chapter's plan

/// What the outline asks of one chapter, as the analysis reads it: the beats it must narrate
/// and the characters expected in it. `init(outline:chapter:)` builds it from an outline; it
/// is also stored with a regression suite's scoring context, hence `Codable`.
public struct ChapterPlan: Sendable, Codable, Equatable {
    public struct Character: Sendable, Codable, Equatable {
        public var name: String
        /// The words that count as a mention when they stand capitalised in the text (case
        /// matters: "Rose" is a name, "rose" a flower): by default the name's own parts,
        /// first and last name, without titles (`ChapterPlan.aliases(of:)`).
        public var aliases: [String]

        public init(name: String, aliases: [String]? = nil) {
            self.name = name
            self.aliases = aliases ?? ChapterPlan.aliases(of: name)
        }

        enum CodingKeys: String, CodingKey { case name, aliases }

        /// `aliases` may be left out: the name's parts then.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let name = try container.decode(String.self, forKey: .name)
            self.init(name: name, aliases: try container.decodeIfPresent([String].self, forKey: .aliases))
        }
    }

    /// The chapter's beats, in the order the chapter should narrate them.
    public var beats: [String]
    /// The characters the chapter should show.
    public var characters: [Character]

    public init(beats: [String], characters: [Character]) {
        self.beats = beats
        self.characters = characters
    }

    /// At most this many of the outline's characters (its first ones, the main cast) are
    /// expected in a chapter whose beats name none of them.
    public static let mainCharacters = 3

    /// Chapter `spec` of `outline`: its beats, and as its characters those of the outline
    /// whose name (first, last or full) stands capitalised in a beat; when the beats name
    /// nobody, the outline's first `mainCharacters` characters.
    public init(outline: Outline, chapter spec: ChapterSpec) {
        let cast = outline.characters.map { Character(name: $0.name) }
        let beatWords = Set(spec.beats.flatMap { Self.tokens($0) })
        let named = cast.filter { character in character.aliases.contains { beatWords.contains($0) } }
        self.init(beats: spec.beats, characters: named.isEmpty ? Array(cast.prefix(Self.mainCharacters)) : named)
    }

    /// Words that open a name without being the person's own ("Sergeant Pell" is mentioned
    /// as "Pell"; "Sergeant" alone could be anyone of that rank).
    static let titles: Set<String> = [
        "mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "sir", "dame", "lady", "lord", "madam", "madame", "monsieur", "herr", "frau",
        "captain", "sergeant", "inspector", "detective", "officer", "constable", "agent", "professor", "reverend", "father", "mother",
        "sister", "brother", "aunt", "uncle", "grandma", "grandpa", "king", "queen", "prince", "princess", "duke", "duchess", "count",
        "countess", "baron", "judge", "general", "colonel", "major", "lieutenant", "commander", "admiral", "old", "young", "little",
        "saint", "st", "the",
    ]

    /// The capitalised parts of a name, titles left out ("Sergeant Pell" → ["Pell"], "Mara
    /// Voss" → ["Mara", "Voss"]), unless the name is nothing else ("Father" → ["Father"]).
    public static func aliases(of name: String) -> [String] {
        let parts = tokens(name).filter(isCapitalised)
        let proper = parts.filter { !titles.contains($0.lowercased()) }
        var seen = Set<String>()
        return (proper.isEmpty ? parts : proper).filter { seen.insert($0).inserted }
    }

    static func isCapitalised(_ word: String) -> Bool { word.unicodeScalars.first?.properties.isUppercase == true }

    /// Words as the scanner reads them (letters and digits, with inner apostrophes and
    /// hyphens), a possessive "'s" taken off: "Anton's boots" → ["Anton", "boots"]. By
    /// scalars, ASCII decided without a property lookup: it runs for every analysis.
    static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var current = String.UnicodeScalarView()
        func close() {
            while let last = current.last, last == "'" || last == "-" { current.removeLast() }
            if current.count > 2, let last = current.last, last == "s" || last == "S", current[current.index(current.endIndex, offsetBy: -2)] == "'" {
                current.removeLast(2)
            }
            if !current.isEmpty { result.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let isWord = value < 0x80
                ? (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
                : scalar.properties.isAlphabetic || scalar.properties.numericType != nil
            if isWord {
                current.append(scalar)
            } else if value == 0x27 || value == 0x2019 || value == 0x2D, !current.isEmpty {
                current.append(value == 0x2D ? "-" : "'")
            } else {
                close()
            }
        }
        close()
        return result
    }
}

// MARK: The metric

/// `outline_adherence`: whether a chapter does what its outline chapter asks, 0–10.
///
///     value = 10 × (0.55 × B + 0.15 × O + 0.2 × C + 0.1 × P) / (the weights of the parts present)
///
/// - B, beats covered: the share of the beats found in the text. A beat's keywords are its
///   words of three letters or more that are neither stopwords nor the commonest verbs (the
///   lexicon's tense markers: "went", "looks"), crudely stemmed (`stem`), and the chapter's
///   characters it names (any alias of theirs counts). A window is whole sentences from any
///   sentence on, at least `windowSentences` sentences and `windowWords` words. It covers
///   the beat when the keywords it holds carry at least `coverage` (0.35) of the beat's
///   keyword weight, are at least two (one for a one-keyword beat) and are not only names.
///   A keyword's weight is its IDF among the chapter's sentences, ln((S + 1)/(df + 1)) + 1:
///   a word the whole chapter repeats says less about where a beat is than a rare one. A
///   beat with no keyword is not judged.
/// - O, in order: the covered beats are placed in outline order where the text allows, each
///   at the first window covering it at or after the previous beat's (so a word the chapter
///   repeats later does not fake a disorder); O is the share of neighbouring pairs so
///   placed. With fewer than two covered beats there is no order to see and O is B (it
///   neither rewards nor excuses a chapter that covers nothing).
/// - C, characters present: the share of the chapter's characters mentioned by any alias
///   written capitalised ("Mara", "Mara's"). Left out when the plan has none.
/// - P, obsession present: 1 when any keyword of the book's obsession occurs, matched as
///   `obsession_depth` matches them, else 0. Left out without an obsession.
///
/// Calibration, with the regression suite's outlines (10 chapters, 40 beats): chapters
/// written from their beats in paraphrase (not in the beats' words) had 68% of their beats
/// covered and scored 6.3–9.0, median 8.6; the same texts against the other chapters of
/// their book 19% (chapters share places and props), median 3.8; the simulator's prose, which
/// ignores the beats, 13%, mean 3.9; SmolLM2-135M's, 18%, mean 3.2; unrelated novels 9% in
/// 3,000-word chapters and 2% in 300-word ones, mean 1.0. A smaller window or a higher
/// `coverage` cost the faithful chapters more than the chance matches; synonyms are out of
/// reach ("she finds the key" is met by "the key lay in the ash and she took it", not by
/// "she discovered it").
enum OutlineAdherence {
    static let beatsWeight = 0.55, orderWeight = 0.15, charactersWeight = 0.2, obsessionWeight = 0.1
    /// The share of a beat's keyword weight its best window must hold.
    static let coverage = 0.35
    static let windowSentences = 3, windowWords = 60
    /// Words that are never keywords: stopwords, and the commonest verbs ("went", "looks",
    /// "told": the lexicon's tense markers), which say nothing of a beat either.
    static let generic = Lexicons.words("stopword").union(Lexicons.words("past-tense")).union(Lexicons.words("present-tense"))
    /// Beats quoted in issues longer than this are cut with an ellipsis.
    static let quoteLength = 70

    /// Suffix rules in the spirit of Porter's first step, for English only: plurals ("sses"
    /// → "ss", "ies" → "i", "s" off except after "s"), then "ed" / "ing" (and the doubled
    /// consonant they leave: "stopped" → "stop"), "ly", a final "e", and a final "y" → "i".
    /// So "hinge"/"hinges"/"hinged", "escape"/"escaped", "story"/"stories", "run"/"running"
    /// meet; irregular forms ("found", "burnt") do not. Never allocates and never changes a
    /// word's first two bytes (the text pass filters words by them).
    static func stem(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        let start = range.lowerBound
        var end = range.upperBound
        @inline(__always) func at(_ index: Int) -> UInt8 { lowercase(bytes[index]) }
        @inline(__always) func endsWith(_ a: UInt8, _ b: UInt8) -> Bool { end - start >= 2 && at(end - 2) == a && at(end - 1) == b }
        @inline(__always) func isVowel(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x61, 0x65, 0x69, 0x6F, 0x75, 0x79: return true
            default: return false
            }
        }
        @inline(__always) func hasVowel(before limit: Int) -> Bool {
            for index in start..<limit where isVowel(at(index)) { return true }
            return false
        }
        // Possessive: "anton's" (the scanner keeps ’ as its three bytes).
        if end - start > 3, at(end - 1) == 0x73 {
            if at(end - 2) == 0x27 {
                end -= 2
            } else if end - start > 5, bytes[end - 2] == 0x99, bytes[end - 3] == 0x80, bytes[end - 4] == 0xE2 {
                end -= 4
            }
        }
        var length: Int { end - start }
        // Plurals.
        if length > 4, endsWith(0x65, 0x73), at(end - 3) == 0x73, at(end - 4) == 0x73 {  // "sses"
            end -= 2
        } else if length > 4, endsWith(0x65, 0x73), at(end - 3) == 0x69 {  // "ies"
            end -= 2
        } else if length > 3, at(end - 1) == 0x73, at(end - 2) != 0x73, at(end - 2) != 0x75, at(end - 2) != 0x69 {  // "s", not "ss", "us", "is"
            end -= 1
        }
        // Verb endings.
        var dropped = false
        if length > 4, endsWith(0x65, 0x64), hasVowel(before: end - 2) {  // "ed"
            end -= 2
            dropped = true
        } else if length > 5, at(end - 3) == 0x69, endsWith(0x6E, 0x67), hasVowel(before: end - 3) {  // "ing"
            end -= 3
            dropped = true
        }
        if dropped, length > 3 {
            let last = at(end - 1)
            // "stopp" → "stop", but not "fall", "pass", "buzz" or a doubled vowel ("agreed" → "agre").
            if last == at(end - 2), !isVowel(last), last != 0x6C, last != 0x73, last != 0x7A { end -= 1 }
        }
        if length > 5, endsWith(0x6C, 0x79) { end -= 2 }  // "ly"
        if length > 3, at(end - 1) == 0x65 { end -= 1 }  // final "e"
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var index = start
        while index < end {
            var byte = at(index)
            if byte == 0x79, index == end - 1, index - start >= 2 { byte = 0x69 }  // final "y" → "i"
            if byte == 0xE2, index + 2 < end, bytes[index + 1] == 0x80, bytes[index + 2] == 0x99 {
                byte = 0x27  // ’ inside a word is the apostrophe the beats are read with
                index += 2
            }
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            index += 1
        }
        return hash
    }

    static func stem(_ word: String) -> UInt64 {
        Array(word.utf8).withUnsafeBufferPointer { stem($0, 0..<$0.count) }
    }

    /// The first two lowercased bytes of a word: the text pass's filter.
    @inline(__always) static func bigram(_ first: UInt8, _ second: UInt8) -> Int { Int(lowercase(first)) << 8 | Int(lowercase(second)) }
}

/// What the text does with a chapter's plan: which beats it covers and where, in which
/// order, which characters and whether the obsession appear. Works on the scanner's words:
/// one pass over them finds every keyword, name and obsession mention; the windows are
/// then scored from those hits alone.
struct OutlineReading {
    struct Beat {
        /// 1-based, as the outline numbers it.
        var number: Int
        var text: String
        var keywords: [Int]
        /// The largest share of the keywords' weight any window holds (covered or not).
        var share = 0.0
        var covered = false
        /// Where the order check placed it: the first of its keywords in the window chosen (word index), when covered.
        var word: Int?
    }

    var beats: [Beat]
    var beatsCovered: Double
    var order: Double
    /// Neighbouring covered beats (in outline order) that the text tells the other way round.
    var outOfOrder: [(earlier: Beat, later: Beat)]
    var characters: [(name: String, present: Bool)]
    /// nil without an obsession (or one with no keyword).
    var obsessionPresent: Bool?
    var value: Double

    /// nil when the plan has no beat with a keyword: there is nothing to judge.
    init?(_ analysis: Analysis, plan: ChapterPlan) {
        let scanned = analysis.scanned, bytes = analysis.bytes, flags = analysis.flags
        let generic = OutlineAdherence.generic

        // The chapter's characters and their aliases (a name without a capitalised part cannot be seen).
        let characters = plan.characters.filter { !$0.aliases.isEmpty }
        var aliasTable = WordTable<Int32>(capacity: max(characters.count * 3, 4), empty: 0)
        for (index, character) in characters.enumerated().reversed() {  // the first character listed keeps a shared alias
            for alias in character.aliases { aliasTable.set(wordHash(alias), Int32(index + 1)) }
        }

        // Keywords: 0..<characters.count are the characters; stems follow.
        var keywordOfStem: [UInt64: Int] = [:]
        var keywordCount = characters.count
        var beats: [Beat] = []
        // Only a word starting with a keyword's first two bytes can be one: one bit test first.
        var bigrams = [UInt64](repeating: 0, count: 1024)
        for (index, beat) in plan.beats.enumerated() {
            var keywords: [Int] = []
            for token in ChapterPlan.tokens(beat) {
                if ChapterPlan.isCapitalised(token), aliasTable[wordHash(token)] > 0 {
                    keywords.append(Int(aliasTable[wordHash(token)]) - 1)
                    continue
                }
                guard token.utf8.count >= 3, !generic.contains(wordHash(token)) else { continue }
                let stem = OutlineAdherence.stem(token)
                if keywordOfStem[stem] == nil {
                    keywordOfStem[stem] = keywordCount
                    keywordCount += 1
                    let utf8 = token.utf8, bigram = OutlineAdherence.bigram(utf8.first!, utf8[utf8.index(after: utf8.startIndex)])
                    bigrams[bigram >> 6] |= 1 << UInt64(bigram & 63)
                }
                keywords.append(keywordOfStem[stem]!)
            }
            var seen = Set<Int>()
            keywords = keywords.filter { seen.insert($0).inserted }
            if !keywords.isEmpty {
                beats.append(Beat(number: index + 1, text: beat.trimmingCharacters(in: .whitespacesAndNewlines), keywords: keywords))
            }
        }
        guard !beats.isEmpty else { return nil }
        var stemTable = WordTable<Int32>(capacity: max(keywordOfStem.count, 4), empty: 0)
        for (stem, keyword) in keywordOfStem { stemTable.set(stem, Int32(keyword + 1)) }

        // The obsession's keywords, chosen and matched as `obsession_depth` does.
        let obsessionKeywords = Self.obsessionKeywords(analysis.context.obsession, stopwords: Lexicons.words("stopword"))
        var obsessionFirstLetters = [Bool](repeating: false, count: 256)
        for word in (analysis.context.obsession ?? "").lowercased().split(whereSeparator: { !$0.isLetter }) {
            if let first = word.utf8.first { obsessionFirstLetters[Int(first)] = true }
        }
        var obsessionFound = false

        // One pass over the words: keyword hits (word, keyword), names, the obsession.
        var hits: [(word: Int32, keyword: Int32)] = []
        var mentioned = [Bool](repeating: false, count: characters.count)
        let genericBits = LexiconIndex.stopword | LexiconIndex.past | LexiconIndex.present
        // The arrays pinned once for the loop: it runs for every word, and bounds checks showed.
        scanned.wordStarts.withUnsafeBufferPointer { starts in
        scanned.wordLengths.withUnsafeBufferPointer { lengths in
        scanned.wordCapitalized.withUnsafeBufferPointer { capitalised in
        flags.withUnsafeBufferPointer { flags in
        bigrams.withUnsafeBufferPointer { bigrams in
            for index in 0..<starts.count {
                let length = Int(lengths[index]), start = Int(starts[index])
                if !obsessionFound, length >= 3, !obsessionKeywords.isEmpty, obsessionFirstLetters[Int(lowercase(bytes[start]))],
                   obsessionKeywords.contains(Analysis.stemHash(bytes, start..<start + length)) {
                    obsessionFound = true
                }
                // Names: capitalised words (a non-ASCII first letter is matched as written, so case still counts).
                if capitalised[index] || bytes[start] >= 0xC3, !characters.isEmpty {
                    var hash = scanned.wordHashes[index]
                    if length > 2, lowercase(bytes[start + length - 1]) == 0x73 {
                        // "Mara's", "Mara’s": the name without its possessive.
                        if bytes[start + length - 2] == 0x27 {
                            hash = fnv1a(UnsafeBufferPointer(rebasing: bytes[start..<start + length - 2]))
                        } else if length > 4, bytes[start + length - 2] == 0x99, bytes[start + length - 3] == 0x80, bytes[start + length - 4] == 0xE2 {
                            hash = fnv1a(UnsafeBufferPointer(rebasing: bytes[start..<start + length - 4]))
                        }
                    }
                    let character = aliasTable[hash]
                    if character > 0 {
                        mentioned[Int(character) - 1] = true
                        hits.append((Int32(index), character - 1))
                        continue
                    }
                }
                guard length >= 3, flags[index] & genericBits == 0 else { continue }
                let bigram = OutlineAdherence.bigram(bytes[start], bytes[start + 1])
                guard bigrams[bigram >> 6] & (1 << UInt64(bigram & 63)) != 0 else { continue }
                let keyword = stemTable[OutlineAdherence.stem(bytes, start..<start + length)]
                if keyword > 0 { hits.append((Int32(index), keyword - 1)) }
            }
        }
        }
        }
        }
        }

        // Weights: IDF of each keyword among the sentences.
        let sentences = max(scanned.sentenceCount, 1)
        var documentFrequency = [Int](repeating: 0, count: keywordCount)
        var lastSentence = [Int](repeating: -1, count: keywordCount)
        var sentence = 0
        for hit in hits {
            while sentence + 1 < scanned.sentenceCount, Int(scanned.sentenceStarts[sentence + 1]) <= Int(hit.word) { sentence += 1 }
            let keyword = Int(hit.keyword)
            if lastSentence[keyword] != sentence {
                lastSentence[keyword] = sentence
                documentFrequency[keyword] += 1
            }
        }
        let weights = documentFrequency.map { log(Double(sentences + 1) / Double($0 + 1)) + 1 }
        let totals = beats.map { $0.keywords.reduce(0) { $0 + weights[$1] } }

        // Windows: from each sentence on, whole sentences to at least the minimum size; the
        // hits inside kept by two cursors (a window's end never moves back). Each beat keeps
        // the starts of the windows that cover it, and its best share of any window.
        func wordStart(ofSentence sentence: Int) -> Int { sentence < scanned.sentenceCount ? Int(scanned.sentenceStarts[sentence]) : scanned.wordCount }
        var inWindow = [Int](repeating: 0, count: keywordCount)
        var covering = [[Int]](repeating: [], count: beats.count)
        var end = 0, entering = 0, leaving = 0
        for first in 0..<scanned.sentenceCount {
            let windowStart = wordStart(ofSentence: first)
            end = max(end, first + 1)
            while end < scanned.sentenceCount,
                  end - first < OutlineAdherence.windowSentences || wordStart(ofSentence: end) - windowStart < OutlineAdherence.windowWords {
                end += 1
            }
            let windowEnd = wordStart(ofSentence: end)
            while entering < hits.count, Int(hits[entering].word) < windowEnd {
                inWindow[Int(hits[entering].keyword)] += 1
                entering += 1
            }
            while leaving < entering, Int(hits[leaving].word) < windowStart {
                inWindow[Int(hits[leaving].keyword)] -= 1
                leaving += 1
            }
            guard leaving < entering else { continue }  // no keyword here
            for index in beats.indices {
                var score = 0.0, matched = 0, content = 0
                for keyword in beats[index].keywords where inWindow[keyword] > 0 {
                    score += weights[keyword]
                    matched += 1
                    if keyword >= characters.count { content += 1 }
                }
                guard matched > 0 else { continue }
                let share = score / totals[index]
                beats[index].share = max(beats[index].share, share)
                if share >= OutlineAdherence.coverage - 1e-12, matched >= min(2, beats[index].keywords.count),
                   content > 0 || !beats[index].keywords.contains(where: { $0 >= characters.count }) {
                    covering[index].append(windowStart)
                }
            }
        }
        for index in beats.indices { beats[index].covered = !covering[index].isEmpty }

        // Order: each covered beat is placed at its first keyword in the earliest window
        // covering it whose keyword comes at or after the previous beat's place (so a word the
        // chapter repeats later does not fake a disorder); a beat with no such window breaks
        // the order there, is placed at its earliest, and the next beat follows on from it.
        /// The first keyword of `beat` at or after word `start`.
        func firstKeyword(of beat: Beat, from start: Int) -> Int {
            var low = 0, high = hits.count
            while low < high {
                let middle = (low + high) / 2
                if Int(hits[middle].word) < start { low = middle + 1 } else { high = middle }
            }
            while low < hits.count, !beat.keywords.contains(Int(hits[low].keyword)) { low += 1 }
            return low < hits.count ? Int(hits[low].word) : start
        }
        var outOfOrder: [(earlier: Beat, later: Beat)] = []
        var inOrder = 0, pairs = 0
        var previous: Int?
        for index in beats.indices where beats[index].covered {
            let windows = covering[index]
            var place = firstKeyword(of: beats[index], from: windows[0])
            if let previous {
                pairs += 1
                // A window's first keyword only moves on with its start: the first window placing
                // the beat at or after the previous one is found by bisection.
                let before = beats[previous].word!
                var low = 0, high = windows.count
                while low < high {
                    let middle = (low + high) / 2
                    if firstKeyword(of: beats[index], from: windows[middle]) < before { low = middle + 1 } else { high = middle }
                }
                if low < windows.count {
                    place = firstKeyword(of: beats[index], from: windows[low])
                    inOrder += 1
                } else {
                    beats[index].word = place
                    outOfOrder.append((beats[previous], beats[index]))
                }
            }
            beats[index].word = place
            previous = index
        }
        let beatsCovered = Double(beats.filter(\.covered).count) / Double(beats.count)
        let order = pairs == 0 ? beatsCovered : Double(inOrder) / Double(pairs)

        var sum = OutlineAdherence.beatsWeight * beatsCovered + OutlineAdherence.orderWeight * order
        var weight = OutlineAdherence.beatsWeight + OutlineAdherence.orderWeight
        if !characters.isEmpty {
            sum += OutlineAdherence.charactersWeight * Double(mentioned.filter { $0 }.count) / Double(characters.count)
            weight += OutlineAdherence.charactersWeight
        }
        if !obsessionKeywords.isEmpty {
            sum += OutlineAdherence.obsessionWeight * (obsessionFound ? 1 : 0)
            weight += OutlineAdherence.obsessionWeight
        }
        self.beats = beats
        self.beatsCovered = beatsCovered
        self.order = order
        self.outOfOrder = outOfOrder
        self.characters = zip(characters, mentioned).map { ($0.name, $1) }
        obsessionPresent = obsessionKeywords.isEmpty ? nil : obsessionFound
        value = 10 * sum / weight
    }

    /// The obsession's keywords as `obsession_depth` takes them: words of three letters or
    /// more that are not stopwords, stemmed by `Analysis.stemHash`.
    static func obsessionKeywords(_ obsession: String?, stopwords: Set<UInt64>) -> [UInt64] {
        guard let obsession = obsession?.trimmingCharacters(in: .whitespacesAndNewlines), !obsession.isEmpty else { return [] }
        return Array(Set(obsession.split(whereSeparator: { !$0.isLetter && $0 != "'" }).map(String.init)
            .filter { $0.count >= 3 && !stopwords.contains(wordHash($0)) }.map { Analysis.stemHash($0) }))
    }
}

extension Analysis {
    /// `outline_adherence`, when the chapter's plan is known (`AnalysisContext.chapterPlan`).
    mutating func outlineAdherence() {
        guard let plan = context.chapterPlan, let reading = OutlineReading(self, plan: plan) else { return }
        record("outline_adherence", (reading.value * 100).rounded() / 100)
        func quoted(_ beat: OutlineReading.Beat) -> String {
            let text = beat.text.count > OutlineAdherence.quoteLength ? String(beat.text.prefix(OutlineAdherence.quoteLength - 1)) + "…" : beat.text
            return "\u{2018}\(text)\u{2019}"
        }
        for beat in reading.beats where !beat.covered {
            issue("outline_adherence", paragraph: nil, "Beat \(beat.number) (\(quoted(beat))) is not in the chapter", major: true)
        }
        for (earlier, later) in reading.outOfOrder {
            let early = scanned.paragraph(ofWord: earlier.word!), late = scanned.paragraph(ofWord: later.word!)
            issue("outline_adherence", paragraph: late,
                  "Beats \(earlier.number) and \(later.number) come out of order (beat \(later.number) in paragraph \(late + 1), beat \(earlier.number) in paragraph \(early + 1))")
        }
        for character in reading.characters where !character.present {
            issue("outline_adherence", paragraph: nil, "\(character.name) (a character of this chapter) does not appear")
        }
        if reading.obsessionPresent == false, let obsession = context.obsession {
            issue("outline_adherence", paragraph: nil, "The obsession (\u{2018}\(obsession.trimmingCharacters(in: .whitespacesAndNewlines))\u{2019}) is absent")
        }
    }
}
