import Foundation

/// The order-aware readings behind `coherence` and `consistency`: what a reader notices when
/// sentences or paragraphs are out of order, when sentences come from elsewhere, or when two
/// characters' names are confused. Every feature is length-free (a share or a contrast), so
/// a 500-word chapter and a 10,000-word one are read on one scale.
///
/// Methods: lexical cohesion between adjacent sentences and paragraphs against more distant
/// ones (Halliday & Hasan's cohesion, measured as Foltz-style overlap contrasts); entity
/// continuity of named characters (the "same entity in the next sentence" transitions of
/// Barzilay & Lapata's entity grid, for names); referring-expression order (a pronoun needs a
/// name or person before it); quotation order; and name-attribute agreement (a name keeps its
/// gender and its title).
public enum CoherenceFeature: String, CaseIterable, Sendable, Codable {
    /// IDF-weighted overlap of adjacent sentences minus that of sentences 3–6 apart.
    case sentenceCohesion = "sentence_cohesion"
    /// The same, between sentences of one paragraph: adjacent minus 2–7 apart.
    case paragraphInnerCohesion = "paragraph_inner_cohesion"
    /// Overlap of paragraphs one or two apart minus that of paragraphs 5–10 apart.
    case paragraphCohesion = "paragraph_cohesion"
    /// Quotation marks that open while a quotation is open, or close none, per mark.
    case quotationOrder = "quotation_order"
    /// Paragraph-opening sentences that start with a pronoun, minus later sentences that do.
    case openingPronouns = "opening_pronouns"
    /// Paragraph-opening sentences that start with a connective, minus later sentences that do.
    case openingConnectives = "opening_connectives"
    /// He/she with no name, title, person or pronoun in its sentence so far or the two before.
    case unresolvedPronouns = "unresolved_pronouns"
    /// Named characters referred to as both he and she (minority share of the evidence).
    case genderConfusion = "gender_confusion"
    /// Names seen with different titles or name neighbours ("Mr. Darcy", "Miss Darcy").
    case titleConfusion = "title_confusion"
    /// Sentences with two or more name mentions where a name meets itself ("Adrian asked Adrian").
    case selfInteraction = "self_interaction"
    /// Consecutive mentions of the two main names, within a paragraph, that stay on one name.
    case mentionContinuity = "mention_continuity"
    /// Capitalised names mentioned once: strangers, or sentences from elsewhere.
    case strayNames = "stray_names"
    /// Sentences of four or more words that repeat an earlier one word for word.
    case repeatedSentences = "repeated_sentences"
}

/// A located problem the coherence pass found, before it becomes a `LocatedIssue`.
struct CoherenceFinding {
    enum Kind { case disconnectedParagraph(previous: Int), unresolvedPronoun(String), genderConfusion(name: String, he: Int, she: Int), titleConfusion(name: String, forms: [String]), selfInteraction(name: String) }
    var paragraph: Int
    var kind: Kind
}

/// Word roles the coherence pass needs, one table lookup per word.
struct CoherenceLexicon: Sendable {
    static let shared = CoherenceLexicon()
    struct Role: OptionSet, Sendable {
        let rawValue: UInt16
        static let malePronoun = Role(rawValue: 1 << 0)
        static let femalePronoun = Role(rawValue: 1 << 1)
        static let maleTitle = Role(rawValue: 1 << 2)
        static let femaleTitle = Role(rawValue: 1 << 3)
        static let person = Role(rawValue: 1 << 4)
        static let openingPronoun = Role(rawValue: 1 << 5)
        static let openingConnective = Role(rawValue: 1 << 6)
        static let noise = Role(rawValue: 1 << 7)
        static let title: Role = [.maleTitle, .femaleTitle]
        static let pronoun: Role = [.malePronoun, .femalePronoun]
        /// A word that can stand for a person a pronoun refers back to.
        static let referent: Role = [.malePronoun, .femalePronoun, .maleTitle, .femaleTitle, .person]
    }
    let table: WordTable<UInt16>

    static let roleLists: [(String, Role)] = [
        ("male-pronoun", .malePronoun), ("female-pronoun", .femalePronoun), ("male-title", .maleTitle),
        ("female-title", .femaleTitle), ("person-noun", .person), ("opening-pronoun", .openingPronoun),
        ("opening-connective", .openingConnective), ("cohesion-stopword", .noise),
    ]
    static let lists = roleLists.map(\.0)

    init() {
        var roles: [UInt64: UInt16] = [:]
        for (list, role) in Self.roleLists { for hash in Lexicons.words(list) { roles[hash, default: 0] |= role.rawValue } }
        var table = WordTable<UInt16>(capacity: roles.count, empty: 0)
        for (hash, value) in roles { table.set(hash, value) }
        self.table = table
    }
}

/// One pass of the coherence readings over a scanned text.
struct CoherenceReading {
    var features: [Double] = Array(repeating: 0, count: CoherenceFeature.allCases.count)
    var findings: [CoherenceFinding] = []
    /// Adjacent paragraphs' overlap, for "does not follow" issues: (paragraph, similarity).
    subscript(_ feature: CoherenceFeature) -> Double {
        get { features[CoherenceFeature.allCases.firstIndex(of: feature)!] }
        set { features[CoherenceFeature.allCases.firstIndex(of: feature)!] = newValue }
    }

    init(_ scanned: ScannedText, bytes: UnsafeBufferPointer<UInt8>, flags: [UInt32]) {
        let words = scanned.wordCount
        guard words > 0 else { return }
        // Only words the lexicon index marks have a role: one table lookup for those alone.
        let roleTable = CoherenceLexicon.shared.table
        var roles = [CoherenceLexicon.Role](repeating: [], count: words)
        for index in 0..<words where flags[index] & LexiconIndex.coherenceRole != 0 {
            roles[index] = CoherenceLexicon.Role(rawValue: roleTable[scanned.wordHashes[index]])
        }
        let sentenceOfWord = Self.sentenceIndex(scanned)
        var isSentenceStart = [Bool](repeating: false, count: words)
        for start in scanned.sentenceStarts where Int(start) < words { isSentenceStart[Int(start)] = true }

        // Names: capitalised words met at least once away from a sentence start; every
        // capitalised occurrence of such a word is a mention.
        var nameCandidates = [UInt64: Int]()
        for index in 0..<words where scanned.wordCapitalized[index] && !isSentenceStart[index] {
            guard flags[index] & LexiconIndex.stopword == 0, roles[index].isDisjoint(with: [.title, .noise]), scanned.wordLengths[index] >= 2 else { continue }
            nameCandidates[scanned.wordHashes[index], default: 0] += 1
        }
        if let i = nameCandidates.index(forKey: wordHash("i")) { nameCandidates.remove(at: i) }
        var isName = [Bool](repeating: false, count: words)
        var mentions = [UInt64: Int]()
        for index in 0..<words where scanned.wordCapitalized[index] && nameCandidates[scanned.wordHashes[index]] != nil {
            isName[index] = true
            mentions[scanned.wordHashes[index], default: 0] += 1
        }

        cohesion(scanned, bytes: bytes, flags: flags, roles: roles, isName: isName)
        quotationOrder(scanned, bytes: bytes)
        openings(scanned, roles: roles)
        pronouns(scanned, roles: roles, isName: isName, sentenceOfWord: sentenceOfWord)
        names(scanned, bytes: bytes, roles: roles, isName: isName, mentions: mentions, sentenceOfWord: sentenceOfWord)
        repeats(scanned)
    }

    static func sentenceIndex(_ scanned: ScannedText) -> [Int32] {
        var result = [Int32](repeating: 0, count: scanned.wordCount)
        for sentence in 0..<scanned.sentenceCount {
            for index in scanned.sentenceWords(sentence) { result[index] = Int32(sentence) }
        }
        return result
    }

    // MARK: Lexical cohesion

    /// Sentence and paragraph vectors of content stems (within-text IDF, stems met in two or
    /// more sentences), compared near against far: a shuffle keeps the words and loses the contrast.
    mutating func cohesion(_ scanned: ScannedText, bytes: UnsafeBufferPointer<UInt8>, flags: [UInt32], roles: [CoherenceLexicon.Role], isName: [Bool]) {
        let sentences = scanned.sentenceCount
        guard sentences >= 2 else { return }
        // Stem ids per sentence, deduplicated, in one flat array.
        var ids = WordTable<Int32>(capacity: max(scanned.wordCount, 16), empty: -1)
        var sentenceTerms = TermSets()
        var documentFrequency: [Int32] = []
        for sentence in 0..<sentences {
            for index in scanned.sentenceWords(sentence) {
                guard flags[index] & LexiconIndex.stopword == 0, !roles[index].contains(.noise), scanned.wordLengths[index] >= 3 || isName[index] else { continue }
                let start = Int(scanned.wordStarts[index])
                let stem = Analysis.stemHash(bytes, start..<start + Int(scanned.wordLengths[index]))
                var id = ids[stem]
                if id < 0 {
                    id = Int32(documentFrequency.count)
                    ids.set(stem, id)
                    documentFrequency.append(0)
                }
                sentenceTerms.terms.append(id)
            }
            sentenceTerms.closeSet()
            for term in sentenceTerms.set(sentence) { documentFrequency[Int(term)] += 1 }
        }
        let weight = documentFrequency.map { $0 >= 2 ? log(Double(sentences) / Double($0)) : 0 }
        let sentenceVectors = sentenceTerms.weighted(by: weight)

        var paragraphOfSentence = [Int](repeating: 0, count: sentences)
        for paragraph in 0..<scanned.paragraphCount { for sentence in scanned.paragraphSentences(paragraph) { paragraphOfSentence[sentence] = paragraph } }

        var adjacent = Mean(), far = Mean(), innerAdjacent = Mean(), innerFar = Mean()
        var scratch = [Double](repeating: 0, count: weight.count)
        var others: [Int] = []
        for a in 0..<sentences {
            others.removeAll(keepingCapacity: true)
            for b in (a + 1)..<min(sentences, a + 8) { others.append(b) }
            sentenceVectors.similarities(a, others, weights: weight, scratch: &scratch) { b, value in
                let distance = b - a, sameParagraph = paragraphOfSentence[a] == paragraphOfSentence[b]
                if distance == 1 {
                    adjacent.add(value)
                    if sameParagraph { innerAdjacent.add(value) }
                }
                if distance >= 3, distance <= 6 { far.add(value) }
                if distance >= 2, sameParagraph { innerFar.add(value) }
            }
        }
        self[.sentenceCohesion] = adjacent.value - far.value
        self[.paragraphInnerCohesion] = innerAdjacent.count > 0 && innerFar.count > 0 ? innerAdjacent.value - innerFar.value : 0

        // Paragraph vectors: their stems, weighted by IDF over paragraphs (a stem in every
        // paragraph carries no thread between two of them).
        let paragraphs = scanned.paragraphCount
        guard paragraphs >= 2 else { return }
        var paragraphTerms = TermSets()
        var paragraphFrequency = [Int32](repeating: 0, count: documentFrequency.count)
        for paragraph in 0..<paragraphs {
            for sentence in scanned.paragraphSentences(paragraph) { paragraphTerms.terms += sentenceTerms.set(sentence) }
            paragraphTerms.closeSet()
            for term in paragraphTerms.set(paragraph) { paragraphFrequency[Int(term)] += 1 }
        }
        let paragraphWeight = paragraphFrequency.map { $0 >= 2 ? log(Double(paragraphs) / Double($0)) : 0 }
        let paragraphVectors = paragraphTerms.weighted(by: paragraphWeight)
        // Near (one or two apart) against far (five to ten apart): the widest contrast that
        // short chapters still have pairs for.
        var paragraphAdjacent = Mean(), paragraphFar = Mean()
        var joins: [(paragraph: Int, similarity: Double)] = []
        var paragraphScratch = [Double](repeating: 0, count: paragraphWeight.count)
        var partners: [Int] = []
        for a in 0..<paragraphs {
            partners.removeAll(keepingCapacity: true)
            for distance in [1, 2, 5, 6, 7, 8, 9, 10] where a + distance < paragraphs { partners.append(a + distance) }
            paragraphVectors.similarities(a, partners, weights: paragraphWeight, scratch: &paragraphScratch) { b, value in
                if b - a <= 2 {
                    paragraphAdjacent.add(value)
                    if b - a == 1 { joins.append((b, value)) }
                } else {
                    paragraphFar.add(value)
                }
            }
        }
        self[.paragraphCohesion] = paragraphFar.count > 0 ? paragraphAdjacent.value - paragraphFar.value : 0
        // A paragraph of some length that shares no thread (word, name) with a long one before it.
        for join in joins where join.similarity == 0 {
            let here = scanned.paragraphWords(join.paragraph).count, before = scanned.paragraphWords(join.paragraph - 1).count
            if here >= 40, before >= 40 { findings.append(CoherenceFinding(paragraph: join.paragraph, kind: .disconnectedParagraph(previous: join.paragraph - 1))) }
        }
    }

    // MARK: Quotations and openings

    /// Walks each paragraph's quotation marks: an opening mark inside an open quotation or a
    /// closing mark outside one means sentences were moved (straight quotes are told apart by
    /// what stands before them).
    mutating func quotationOrder(_ scanned: ScannedText, bytes: UnsafeBufferPointer<UInt8>) {
        var marks = 0, wrong = 0
        let paragraphs = scanned.paragraphByteStarts.count
        for paragraph in 0..<paragraphs {
            let start = Int(scanned.paragraphByteStarts[paragraph])
            let end = paragraph + 1 < paragraphs ? Int(scanned.paragraphByteStarts[paragraph + 1]) : bytes.count
            var open = false
            var index = start
            while index < end {
                let byte = bytes[index]
                var opening: Bool?
                if byte == 0x22 {
                    let before: UInt8 = index > start ? bytes[index - 1] : 0x20
                    opening = before == 0x20 || before == 0x0A || before == 0x09 || before == 0x28 || before == 0x2D || before == 0x94
                } else if byte == 0xE2, index + 2 < end, bytes[index + 1] == 0x80, bytes[index + 2] == 0x9C || bytes[index + 2] == 0x9D {
                    opening = bytes[index + 2] == 0x9C
                    index += 2
                }
                if let opening {
                    marks += 1
                    if opening == open { wrong += 1 }
                    open = opening
                }
                index += 1
            }
        }
        self[.quotationOrder] = marks == 0 ? 0 : Double(wrong) / Double(marks)
    }

    /// Paragraphs open on a name or a scene more than on "he" or "but": the contrast between
    /// opening and later sentences, which a shuffle within paragraphs evens out.
    mutating func openings(_ scanned: ScannedText, roles: [CoherenceLexicon.Role]) {
        var opening = (count: 0, pronoun: 0, connective: 0), later = (count: 0, pronoun: 0, connective: 0)
        for paragraph in 0..<scanned.paragraphCount {
            let sentences = scanned.paragraphSentences(paragraph)
            guard sentences.count >= 2 else { continue }
            for sentence in sentences {
                let range = scanned.sentenceWords(sentence)
                guard let first = range.first else { continue }
                let pronoun = roles[first].contains(.openingPronoun) ? 1 : 0, connective = roles[first].contains(.openingConnective) ? 1 : 0
                if sentence == sentences.lowerBound {
                    opening.count += 1; opening.pronoun += pronoun; opening.connective += connective
                } else {
                    later.count += 1; later.pronoun += pronoun; later.connective += connective
                }
            }
        }
        guard opening.count > 0, later.count > 0 else { return }
        self[.openingPronouns] = Double(opening.pronoun) / Double(opening.count) - Double(later.pronoun) / Double(later.count)
        self[.openingConnectives] = Double(opening.connective) / Double(opening.count) - Double(later.connective) / Double(later.count)
    }

    // MARK: Referring expressions

    /// The first he/she of each sentence needs someone before it: a name, a title, a person
    /// noun or a pronoun, in the sentence so far or the two sentences before.
    mutating func pronouns(_ scanned: ScannedText, roles: [CoherenceLexicon.Role], isName: [Bool], sentenceOfWord: [Int32]) {
        var total = 0, unresolved = 0
        var reported = Set<Int>()
        let he = wordHash("he"), she = wordHash("she")
        for sentence in 0..<scanned.sentenceCount {
            let range = scanned.sentenceWords(sentence)
            guard let position = range.first(where: { !roles[$0].isDisjoint(with: .pronoun) && (scanned.wordHashes[$0] == he || scanned.wordHashes[$0] == she) }) else { continue }
            total += 1
            let contextStart = Int(scanned.sentenceStarts[max(0, sentence - 2)])
            let resolved = (contextStart..<position).contains { isName[$0] || !roles[$0].isDisjoint(with: .referent) }
            guard !resolved else { continue }
            unresolved += 1
            let paragraph = scanned.paragraph(ofWord: position)
            // Reported only where nothing at all came before in the text: a reader has no one to refer it to.
            if reported.count < 3, !(0..<position).contains(where: { isName[$0] || !roles[$0].isDisjoint(with: .referent) }), reported.insert(paragraph).inserted {
                findings.append(CoherenceFinding(paragraph: paragraph, kind: .unresolvedPronoun(scanned.wordHashes[position] == he ? "he" : "she")))
            }
        }
        self[.unresolvedPronouns] = total == 0 ? 0 : Double(unresolved) / Double(total)
    }

    // MARK: Names

    mutating func names(_ scanned: ScannedText, bytes: UnsafeBufferPointer<UInt8>, roles: [CoherenceLexicon.Role], isName: [Bool], mentions: [UInt64: Int], sentenceOfWord: [Int32]) {
        let words = scanned.wordCount
        func text(_ index: Int) -> String {
            let start = Int(scanned.wordStarts[index])
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<start + Int(scanned.wordLengths[index])]), as: UTF8.self)
        }
        // Gender evidence per name: a title before it, else the first he/she-family pronoun
        // after it in its sentence or the next, unless another name comes first.
        var evidence = [UInt64: (he: Int, she: Int, at: Int)]()
        // Neighbour forms per name: the title or name before it and whether a name follows.
        var forms = [UInt64: [UInt64: Int]]()
        var formSpelling = [UInt64: String]()
        var firstMention = [UInt64: Int]()
        // Names in first-mention order: findings are listed (and capped) in a stable order,
        // whatever order the dictionaries keep.
        var mentionOrder: [UInt64] = []
        for index in 0..<words where isName[index] {
            let hash = scanned.wordHashes[index]
            if firstMention[hash] == nil {
                firstMention[hash] = index
                mentionOrder.append(hash)
            }
            let sameSentence = index > 0 && sentenceOfWord[index - 1] == sentenceOfWord[index]
            let left: CoherenceLexicon.Role = sameSentence ? roles[index - 1] : []
            var entry = evidence[hash] ?? (0, 0, index)
            if left.contains(.maleTitle) { entry.he += 1 } else if left.contains(.femaleTitle) { entry.she += 1 } else {
                let limit = min(words, Int(scanned.sentenceWords(min(scanned.sentenceCount - 1, Int(sentenceOfWord[index]) + 1)).upperBound))
                var next = index + 1
                while next < limit, !isName[next] {
                    if roles[next].contains(.malePronoun) { entry.he += 1; break }
                    if roles[next].contains(.femalePronoun) { entry.she += 1; break }
                    next += 1
                }
            }
            evidence[hash] = entry
            let leftKey: UInt64 = left.isDisjoint(with: .title) ? (sameSentence && isName[index - 1] ? 1 : 0) : scanned.wordHashes[index - 1]
            let rightKey: UInt64 = index + 1 < words && isName[index + 1] && sentenceOfWord[index + 1] == sentenceOfWord[index] ? 2 : 0
            let key = leftKey &* 31 &+ rightKey
            forms[hash, default: [:]][key, default: 0] += 1
            if !left.isDisjoint(with: .title), formSpelling[key ^ hash] == nil { formSpelling[key ^ hash] = text(index - 1) + " " + text(index) }
        }
        var minority = 0, observed = 0
        for hash in mentionOrder {
            guard let entry = evidence[hash], entry.he + entry.she >= 2 else { continue }
            minority += min(entry.he, entry.she)
            observed += entry.he + entry.she
            if min(entry.he, entry.she) >= 2, findings.count < 12 {
                findings.append(CoherenceFinding(paragraph: scanned.paragraph(ofWord: firstMention[hash] ?? 0), kind: .genderConfusion(name: text(firstMention[hash] ?? 0), he: entry.he, she: entry.she)))
            }
        }
        self[.genderConfusion] = (Double(minority) + 0.5) / (Double(observed) + 5)
        var mixed = 0, formMentions = 0
        for hash in mentionOrder {
            guard let counts = forms[hash] else { continue }
            let total = counts.values.reduce(0, +)
            guard total >= 2 else { continue }
            mixed += total - counts.values.max()!
            formMentions += total
            // Two different titles on one name is a confusion a reader sees at once.
            let titled = counts.keys.compactMap { formSpelling[$0 ^ hash] }.sorted()
            if titled.count >= 2, findings.count < 12 {
                findings.append(CoherenceFinding(paragraph: scanned.paragraph(ofWord: firstMention[hash] ?? 0), kind: .titleConfusion(name: text(firstMention[hash] ?? 0), forms: titled)))
            }
        }
        self[.titleConfusion] = (Double(mixed) + 0.5) / (Double(formMentions) + 5)

        // A name meeting itself in one sentence, and the two main names' continuity.
        var multiple = 0, selfMeeting = 0
        var reportedSelf = 0
        for sentence in 0..<scanned.sentenceCount {
            var seen: [UInt64] = []
            var repeated: Int?
            for index in scanned.sentenceWords(sentence) where isName[index] {
                let hash = scanned.wordHashes[index]
                // "Elizabeth Bennet" is one mention: adjacent name words join.
                if index > 0, isName[index - 1], sentenceOfWord[index - 1] == sentenceOfWord[index] { continue }
                if seen.contains(hash), repeated == nil { repeated = index }
                seen.append(hash)
            }
            guard seen.count >= 2 else { continue }
            multiple += 1
            if let repeated {
                selfMeeting += 1
                if reportedSelf < 3 {
                    reportedSelf += 1
                    findings.append(CoherenceFinding(paragraph: scanned.paragraph(ofWord: repeated), kind: .selfInteraction(name: text(repeated))))
                }
            }
        }
        self[.selfInteraction] = (Double(selfMeeting) + 0.5) / (Double(multiple) + 5)

        let main = mentions.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(2).map(\.key)
        var same = 0, pairs = 0
        for paragraph in 0..<scanned.paragraphCount {
            var previous: UInt64?
            for index in scanned.paragraphWords(paragraph) where isName[index] && main.contains(scanned.wordHashes[index]) {
                let hash = scanned.wordHashes[index]
                if let previous {
                    pairs += 1
                    if previous == hash { same += 1 }
                }
                previous = hash
            }
        }
        self[.mentionContinuity] = (Double(same) + 1) / (Double(pairs) + 2)

        let strays = mentions.values.filter { $0 == 1 }.count
        let total = mentions.values.reduce(0, +)
        self[.strayNames] = (Double(strays) + 0.5) / (Double(total) + 5)
    }

    // MARK: Repetition

    mutating func repeats(_ scanned: ScannedText) {
        self[.repeatedSentences] = scanned.loopingSentences().share
    }
}

/// Sets of term ids (one per sentence or paragraph) in one flat array: a chapter has
/// hundreds of sentences, and an array each cost more than the comparisons.
struct TermSets {
    var terms: [Int32] = []
    var starts: [Int] = [0]
    /// Per set, the sum of its terms' weights (after `weighted`).
    var mass: [Double] = []

    /// Sorts and deduplicates the terms appended since the last set closed, making them a set.
    mutating func closeSet() {
        let start = starts[starts.count - 1]
        terms[start...].sort()
        var write = start
        for read in start..<terms.count where write == start || terms[write - 1] != terms[read] {
            terms[write] = terms[read]
            write += 1
        }
        terms.removeLast(terms.count - write)
        starts.append(write)
    }

    func set(_ index: Int) -> ArraySlice<Int32> { terms[starts[index]..<starts[index + 1]] }

    /// The sets without their zero-weight terms, with their masses.
    func weighted(by weights: [Double]) -> TermSets {
        var result = TermSets()
        result.terms.reserveCapacity(terms.count)
        for index in 0..<(starts.count - 1) {
            var mass = 0.0
            for term in set(index) where weights[Int(term)] > 0 {
                result.terms.append(term)
                mass += weights[Int(term)]
            }
            result.starts.append(result.terms.count)
            result.mass.append(mass)
        }
        return result
    }

    /// Weighted overlap of set `a` with each of `others`: `a`'s weights are spread into
    /// `scratch` (as long as `weights`, zero outside the call) and each other set sums its
    /// terms' entries, one lookup a term instead of a merge.
    func similarities(_ a: Int, _ others: [Int], weights: [Double], scratch: inout [Double], into body: (Int, Double) -> Void) {
        let massA = mass[a]
        guard massA > 0 else {
            for b in others { body(b, 0) }
            return
        }
        terms.withUnsafeBufferPointer { terms in
            scratch.withUnsafeMutableBufferPointer { scratch in
                weights.withUnsafeBufferPointer { weights in
                    for i in starts[a]..<starts[a + 1] { scratch[Int(terms[i])] = weights[Int(terms[i])] }
                    for b in others {
                        let massB = mass[b]
                        guard massB > 0 else {
                            body(b, 0)
                            continue
                        }
                        var shared = 0.0
                        for j in starts[b]..<starts[b + 1] { shared += scratch[Int(terms[j])] }
                        body(b, shared / (massA * massB).squareRoot())
                    }
                    for i in starts[a]..<starts[a + 1] { scratch[Int(terms[i])] = 0 }
                }
            }
        }
    }
}

/// A running mean.
struct Mean {
    var sum = 0.0
    var count = 0
    mutating func add(_ value: Double) { sum += value; count += 1 }
    var value: Double { count == 0 ? 0 : sum / Double(count) }
}

// MARK: The metrics

extension Analysis {
    /// `coherence`: the shipped discriminator's reading of the order-aware features, with the
    /// places a reader loses the thread as located issues.
    mutating func coherence() {
        guard words >= 20, scanned.sentenceCount >= 3 else { return }
        let reading = CoherenceReading(scanned, bytes: bytes, flags: flags)
        coherenceReading = reading
        let value = CoherenceModel.shipped.value(reading.features)
        record("coherence", (value * 100).rounded() / 100)
        if let goal = target("coherence"), value < goal {
            issue("coherence", paragraph: nil, String(format: "Coherence %.1f/10, below target %.1f: sentences or paragraphs read out of order, unconnected or from elsewhere", value, goal), major: value < goal * 0.6)
        }
        var disconnected = 0
        for finding in reading.findings {
            switch finding.kind {
            case let .disconnectedParagraph(previous) where disconnected < 3:
                disconnected += 1
                issue("coherence", paragraph: finding.paragraph, "Paragraph \(finding.paragraph + 1) does not follow from paragraph \(previous + 1): they share no name, word or thread")
            case let .unresolvedPronoun(pronoun):
                issue("coherence", paragraph: finding.paragraph, "\u{2018}\(pronoun)\u{2019} in paragraph \(finding.paragraph + 1) has no antecedent: no one is named before it")
            default:
                continue
            }
        }
    }

    /// Thresholds under which a confusion reading is what published chapters show anyway
    /// (their 90th percentiles on the corpus): only the excess counts against `consistency`.
    static let consistencyAllowance = (gender: 0.12, title: 0.25, selfInteraction: 0.25)

    /// `consistency`: names that keep their gender and title, and characters who do not meet
    /// themselves, within the chapter.
    mutating func consistency() {
        guard let reading = coherenceReading else { return }
        let allowance = Self.consistencyAllowance
        let excess = 3 * max(0, reading[.genderConfusion] - allowance.gender)
            + 2 * max(0, reading[.titleConfusion] - allowance.title)
            + 3 * max(0, reading[.selfInteraction] - allowance.selfInteraction)
        let value = 10 * (1 - min(1, excess))
        record("consistency", (value * 100).rounded() / 100)
        for finding in reading.findings {
            switch finding.kind {
            case let .genderConfusion(name, he, she):
                issue("consistency", paragraph: finding.paragraph, "\(name) is referred to as both \u{2018}he\u{2019} (\(he)\u{D7}) and \u{2018}she\u{2019} (\(she)\u{D7}): two characters confused?", major: min(he, she) >= 3)
            case let .titleConfusion(name, forms):
                issue("consistency", paragraph: finding.paragraph, "\(name) appears as \(forms.map { "\u{2018}\($0)\u{2019}" }.joined(separator: " and ")): one character or two?")
            case let .selfInteraction(name):
                issue("consistency", paragraph: finding.paragraph, "\(name) meets \(name) in one sentence in paragraph \(finding.paragraph + 1): a name confused?")
            default:
                continue
            }
        }
    }
}

extension QualityAnalyzer {
    /// The coherence features of a text, in `CoherenceFeature.allCases` order: what the
    /// discriminator is trained on.
    public static func coherenceFeatures(_ text: String) -> [Double] {
        var copy = text
        return copy.withUTF8 { bytes in
            var scanned = TextScanner.scan(bytes: bytes)
            let flags = TypoReading.flags(&scanned, bytes: bytes)
            return CoherenceReading(scanned, bytes: bytes, flags: flags).features
        }
    }
}
