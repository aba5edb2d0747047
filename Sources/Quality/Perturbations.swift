import WorkbenchCore

/// Ways to make a chapter worse, or to change it without making it worse, for validating
/// the metrics like a benchmark (OpenMEVA, Guan et al., ACL 2021): a metric worth having
/// scores the original above a *discrimination* perturbation, and barely moves under an
/// *invariance* one. Pure and deterministic: the same text, seed and donor give the same
/// result. Paragraphs are blocks between blank lines and sentences are
/// `ProseBytes.sentences` (see `ProseText`).
/// Every share below is of the chapter's sentences (or words), rounded, and at least one.
public enum Perturbation: String, CaseIterable, Sendable, Codable {
    /// Every paragraph with two or more different sentences has them shuffled (never left in
    /// their order); the white space between sentences (line breaks included) stays in place.
    case sentenceOrder = "sentence-order"
    /// The paragraphs shuffled (never left in their order).
    case paragraphOrder = "paragraph-order"
    /// A quarter of the sentences replaced by sentences of at least three words drawn from
    /// the donor, another book's text.
    case substitution
    /// 15% of the sentences each repeated right after itself, and (with two paragraphs or
    /// more) one paragraph copied again after a later one.
    case repetition
    /// The two most frequent names (capitalised words seen at least twice where a capital
    /// is not owed to the start of a sentence or a quotation, hardly ever written in
    /// lowercase, and not a title, interjection, day or month) swapped in half of their
    /// mentions, chosen at random (possessives keep their ’s); and in 20% of the sentences
    /// that hold he, she, himself or herself, each of those swapped with its counterpart.
    /// His, him and her are left alone: "her" maps to both "him" and "his".
    case characterConfusion = "character-confusion"
    /// In 20% of the sentences one edit each, drawn from what the sentence allows: a "not"
    /// removed (didn't → did, cannot → can, was not → was) or, without one, a "not" put after
    /// the first auxiliary (was → was not); or the first word of the built-in antonym list swapped.
    case negation
    /// Every causal and temporal connective swapped: because → so, so (after a comma or
    /// opening a sentence) → because, therefore → because, before ↔ after, afterwards ↔
    /// beforehand, then ↔ earlier.
    case connectives
    /// 3% of the words (among words of four letters or more) get a typo: two inner letters
    /// swapped, or one inner letter dropped.
    case typos
    /// Every contraction expanded: don't → do not, I'm → I am, it's → it is, can't → cannot
    /// (straight and curly apostrophes; case kept).
    case contractions
    /// Inessential punctuation: a quarter of the commas before a space (after a letter)
    /// removed, half the semicolons made commas, half the dashes between words (— or --)
    /// made commas.
    case punctuation
    /// Half the words of the built-in synonym list (47 pairs: big/large, said/replied, …)
    /// swapped for their partner, case kept.
    case synonyms

    public enum Kind: String, Sendable, Codable {
        /// The original should score better.
        case discrimination
        /// The score should barely move.
        case invariance
    }

    public var kind: Kind {
        switch self {
        case .typos, .contractions, .punctuation, .synonyms: return .invariance
        default: return .discrimination
        }
    }

    /// Substitution draws its sentences from another book's text.
    public var needsDonor: Bool { self == .substitution }

    /// Why a perturbation cannot apply to a text.
    public enum NotApplicable: Error, Equatable, Sendable, CustomStringConvertible {
        /// Sentence order: no paragraph with two different sentences; or a text without sentences.
        case tooFewSentences
        /// Paragraph order: fewer than two different paragraphs.
        case tooFewParagraphs
        /// Substitution: no donor, or no donor sentence of three words or more.
        case noDonor
        /// Character confusion: fewer than two names.
        case tooFewNames
        /// Nothing in the text that this perturbation edits (no contraction, connective, …).
        case nothingToChange

        /// A short stable name, for counting skips.
        public var key: String {
            switch self {
            case .tooFewSentences: return "too-few-sentences"
            case .tooFewParagraphs: return "too-few-paragraphs"
            case .noDonor: return "no-donor"
            case .tooFewNames: return "too-few-names"
            case .nothingToChange: return "nothing-to-change"
            }
        }

        public var description: String {
            switch self {
            case .tooFewSentences: return "no paragraph with two different sentences"
            case .tooFewParagraphs: return "fewer than two different paragraphs"
            case .noDonor: return "no donor text with sentences to substitute"
            case .tooFewNames: return "fewer than two character names"
            case .nothingToChange: return "nothing in the text that this perturbation changes"
            }
        }
    }

    /// The perturbed text, or why there is none. `seed` fixes every random choice (mixed
    /// with the perturbation's name, so two families drawn with one seed differ); `donor` is
    /// the other book's text substitution draws from, ignored by the other families.
    /// A result always differs from `text`.
    public func apply(to text: String, seed: UInt64, donor: String? = nil) -> Result<String, NotApplicable> {
        var editor = Perturber(prose: ProseText(text), seed: SeededGenerator(hashing: "\(rawValue)/\(seed)"))
        let result: Result<[UInt8], NotApplicable>
        switch self {
        case .sentenceOrder: result = editor.sentenceOrder()
        case .paragraphOrder: result = editor.paragraphOrder()
        case .substitution: result = editor.substitution(donor: donor.map(ProseText.init))
        case .repetition: result = editor.repetition()
        case .characterConfusion: result = editor.characterConfusion()
        case .negation: result = editor.negation()
        case .connectives: result = editor.connectives()
        case .typos: result = editor.typos()
        case .contractions: result = editor.contractions()
        case .punctuation: result = editor.punctuation()
        case .synonyms: result = editor.synonyms()
        }
        return result.flatMap { bytes in
            let perturbed = String(decoding: bytes, as: UTF8.self)
            return perturbed == text ? .failure(.nothingToChange) : .success(perturbed)
        }
    }

    /// The perturbed text, or nil when the perturbation cannot apply.
    public func perturb(_ text: String, seed: UInt64, donor: String? = nil) -> String? {
        try? apply(to: text, seed: seed, donor: donor).get()
    }
}

/// One perturbation in progress.
struct Perturber {
    let prose: ProseText
    var rng: SeededGenerator
    var bytes: [UInt8] { prose.bytes }

    init(prose: ProseText, seed: SeededGenerator) {
        self.prose = prose
        rng = seed
    }

    /// round(share × n), at least 1 (n > 0).
    static func count(_ share: Double, of n: Int) -> Int { max(1, Int((share * Double(n)).rounded())) }

    /// An order of `items` that differs from the given one (some items differ); nil when they are all equal.
    mutating func reordering<T: Equatable>(_ items: [T]) -> [Int]? {
        guard items.count >= 2, items.contains(where: { $0 != items[0] }) else { return nil }
        for _ in 0..<8 {
            let order = rng.permutation(items.count)
            if order.map({ items[$0] }) != items { return order }
        }
        // A rotation by one differs from the original unless every item is the same.
        return Array(1..<items.count) + [0]
    }

    // MARK: Discrimination

    mutating func sentenceOrder() -> Result<[UInt8], Perturbation.NotApplicable> {
        var contents = prose.paragraphs.map(prose.slice)
        var changed = false
        for paragraph in prose.paragraphs.indices {
            let pieces = prose.sentences[paragraph].map(prose.slice)
            guard let order = reordering(pieces) else { continue }
            contents[paragraph] = prose.paragraph(paragraph, pieces: order.map { pieces[$0] })
            changed = true
        }
        return changed ? .success(prose.assembled(contents)) : .failure(.tooFewSentences)
    }

    mutating func paragraphOrder() -> Result<[UInt8], Perturbation.NotApplicable> {
        let contents = prose.paragraphs.map(prose.slice)
        guard let order = reordering(contents) else { return .failure(.tooFewParagraphs) }
        return .success(prose.assembled(order.map { contents[$0] }))
    }

    mutating func substitution(donor: ProseText?) -> Result<[UInt8], Perturbation.NotApplicable> {
        let index = prose.sentenceIndex
        guard !index.isEmpty else { return .failure(.tooFewSentences) }
        guard let donor else { return .failure(.noDonor) }
        let candidates = donor.sentences.joined().filter { ProseBytes.words(donor.bytes, in: $0).count >= 3 }
        guard !candidates.isEmpty else { return .failure(.noDonor) }
        var pieces = prose.sentences.map { $0.map(prose.slice) }
        for chosen in rng.choose(Self.count(0.25, of: index.count), of: index.count) {
            let (paragraph, sentence) = index[chosen]
            pieces[paragraph][sentence] = Self.oneLine(donor.slice(candidates[rng.below(candidates.count)]))
        }
        return .success(prose.assembled(prose.paragraphs.indices.map { prose.paragraph($0, pieces: pieces[$0]) }))
    }

    /// The bytes with every run of white space made one space (a donor sentence must not
    /// bring a blank line, which would split the paragraph it lands in).
    static func oneLine(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            if ProseBytes.isSpace(byte) {
                if out.last != 0x20 { out.append(0x20) }
            } else {
                out.append(byte)
            }
        }
        return out
    }

    mutating func repetition() -> Result<[UInt8], Perturbation.NotApplicable> {
        let index = prose.sentenceIndex
        guard !index.isEmpty else { return .failure(.tooFewSentences) }
        var repeated = Set<Int>()
        for chosen in rng.choose(Self.count(0.15, of: index.count), of: index.count) {
            repeated.insert(index[chosen].paragraph << 32 | index[chosen].sentence)
        }
        var contents: [[UInt8]] = prose.paragraphs.indices.map { paragraph in
            let spans = prose.sentences[paragraph]
            guard spans.indices.contains(where: { repeated.contains(paragraph << 32 | $0) }) else { return prose.slice(prose.paragraphs[paragraph]) }
            let range = prose.paragraphs[paragraph], gaps = prose.separators(paragraph)
            var out = Array(bytes[range.lowerBound..<spans[0].lowerBound])
            for (number, span) in spans.enumerated() {
                if number > 0 { out += gaps[number - 1] }
                out += bytes[span]
                if repeated.contains(paragraph << 32 | number) {
                    out.append(0x20)
                    out += bytes[span]
                }
            }
            out += bytes[spans[spans.count - 1].upperBound..<range.upperBound]
            return out
        }
        if prose.paragraphs.count >= 2 {
            let source = rng.below(prose.paragraphs.count - 1)
            let after = source + 1 + rng.below(prose.paragraphs.count - source - 1)
            contents[after] += [0x0A, 0x0A] + prose.slice(prose.paragraphs[source])
        }
        return .success(prose.assembled(contents))
    }

    /// Words a capital does not make a name.
    static let notNames: Set<String> = [
        "i", "mr", "mrs", "ms", "miss", "sir", "lady", "lord", "madam", "madame", "dr", "master", "mistress", "captain",
        "colonel", "god", "heaven", "oh", "o", "ah", "yes", "no", "well", "chapter", "the", "monday", "tuesday",
        "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june",
        "july", "august", "september", "october", "november", "december",
    ]

    /// Whether the word at `start` opens a quotation or a parenthesis: it follows “ ‘ " ( or _.
    func opensQuotation(_ start: Int) -> Bool {
        guard start > 0 else { return true }
        let previous = bytes[start - 1]
        if previous == 0x22 || previous == 0x28 || previous == 0x5F || previous == 0x27 { return true }
        return start >= 3 && bytes[start - 3] == 0xE2 && bytes[start - 2] == 0x80 && (previous == 0x9C || previous == 0x98)
    }

    mutating func characterConfusion() -> Result<[UInt8], Perturbation.NotApplicable> {
        // Every word, with its name part (without a possessive ’s) and whether a capital there is owed to position.
        struct Word { var range: Range<Int>; var name: Range<Int>; var sentence: Int; var initial: Bool }
        var words: [Word] = []
        var sentenceNumber = 0
        for paragraph in prose.sentences {
            for span in paragraph {
                for (position, range) in ProseBytes.words(bytes, in: span).enumerated() {
                    var name = range
                    let end = range.upperBound
                    if range.count > 2, bytes[end - 1] == 0x73 || bytes[end - 1] == 0x53 {
                        if bytes[end - 2] == 0x27 { name = range.lowerBound..<(end - 2) }
                        else if range.count > 4, ProseBytes.apostrophe(bytes, end - 4) == 3 { name = range.lowerBound..<(end - 4) }
                    }
                    words.append(Word(range: range, name: name, sentence: sentenceNumber, initial: position == 0 || opensQuotation(range.lowerBound)))
                }
                sentenceNumber += 1
            }
        }
        var capitalised: [String: Int] = [:], lowercase: [String: Int] = [:]
        for word in words {
            let first = bytes[word.name.lowerBound]
            if ProseBytes.isLower(first) {
                lowercase[ProseBytes.key(bytes, word.name), default: 0] += 1
            } else if ProseBytes.isUpper(first), !word.initial, word.name.count >= 2,
                      bytes[word.name].contains(where: ProseBytes.isLower) {
                capitalised[ProseBytes.key(bytes, word.name), default: 0] += 1
            }
        }
        let names = capitalised
            .filter { $0.value >= 2 && !Self.notNames.contains($0.key) && (lowercase[$0.key] ?? 0) * 4 <= $0.value }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(2).map(\.key)
        guard names.count == 2 else { return .failure(.tooFewNames) }
        // The names as first written capitalised, to write them where the other stood.
        func spelling(_ key: String) -> [UInt8] {
            let word = words.first { ProseBytes.isUpper(bytes[$0.name.lowerBound]) && ProseBytes.key(bytes, $0.name) == key }
            return word.map { Array(bytes[$0.name]) } ?? Array(key.utf8)
        }
        let spelled = [names[0]: spelling(names[1]), names[1]: spelling(names[0])]
        let mentions = words.filter { ProseBytes.isUpper(bytes[$0.name.lowerBound]) && spelled[ProseBytes.key(bytes, $0.name)] != nil }
        var edits: [ByteEdit] = []
        for chosen in rng.choose((mentions.count + 1) / 2, of: mentions.count) {
            let word = mentions[chosen]
            let original = bytes[word.name]
            let other = spelled[ProseBytes.key(bytes, word.name)]!
            // An all-capitals mention stays in capitals.
            let replacement = original.count > 1 && original.allSatisfy({ !ProseBytes.isLower($0) })
                ? other.map { ProseBytes.isLower($0) ? $0 - 0x20 : $0 } : other
            edits.append(ByteEdit(range: word.name, replacement: replacement))
        }
        let pronouns = ["he": "she", "she": "he", "himself": "herself", "herself": "himself"]
        let withPronouns = Dictionary(grouping: words.filter { pronouns[ProseBytes.key(bytes, $0.range)] != nil }, by: \.sentence)
        let sentences = withPronouns.keys.sorted()
        if !sentences.isEmpty {
            for chosen in rng.choose(Self.count(0.2, of: sentences.count), of: sentences.count) {
                for word in withPronouns[sentences[chosen]]! {
                    let other = pronouns[ProseBytes.key(bytes, word.range)]!
                    edits.append(ByteEdit(range: word.range, replacement: ProseBytes.matchingCase(other, of: bytes[word.range])))
                }
            }
        }
        return .success(ByteEdit.apply(edits, to: bytes))
    }

    static let auxiliaries: Set<String> = [
        "is", "was", "were", "are", "am", "had", "has", "have", "could", "would", "should", "will", "can", "must", "might",
        "may", "shall", "did", "does", "do",
    ]

    /// Antonym pairs for negation; each word is in one pair.
    static let antonymPairs: [(String, String)] = [
        ("good", "bad"), ("happy", "sad"), ("love", "hate"), ("loved", "hated"), ("always", "never"), ("early", "late"),
        ("rich", "poor"), ("young", "old"), ("light", "dark"), ("hot", "cold"), ("strong", "weak"), ("easy", "difficult"),
        ("right", "wrong"), ("true", "false"), ("beautiful", "ugly"), ("kind", "cruel"), ("friend", "enemy"),
        ("remember", "forget"), ("remembered", "forgot"), ("accept", "refuse"), ("accepted", "refused"), ("best", "worst"),
        ("better", "worse"), ("more", "less"), ("many", "few"), ("everything", "nothing"), ("possible", "impossible"),
        ("wise", "foolish"), ("safe", "dangerous"), ("pleased", "displeased"), ("agreeable", "disagreeable"),
        ("able", "unable"), ("certain", "uncertain"), ("liked", "disliked"), ("warm", "cool"), ("glad", "sorry"),
        ("first", "last"), ("came", "went"), ("laughed", "wept"), ("smiled", "frowned"), ("increase", "decrease"),
    ]
    static let antonyms: [String: String] = Dictionary(uniqueKeysWithValues: antonymPairs.flatMap { [($0.0, $0.1), ($0.1, $0.0)] })

    /// The negation a word carries, removed: "didn't" → "did", "cannot" → "can"; nil for other words.
    static func withoutNegation(_ key: String) -> String? {
        switch key {
        case "cannot", "can't": return "can"
        case "won't": return "will"
        case "shan't": return "shall"
        case "ain't": return nil
        default:
            guard key.hasSuffix("n't"), key.count > 3 else { return nil }
            return String(key.dropLast(3))
        }
    }

    mutating func negation() -> Result<[UInt8], Perturbation.NotApplicable> {
        let index = prose.sentenceIndex
        // Per sentence, the edits it allows: a negation removed or added, an antonym swapped.
        var options: [[ByteEdit]] = []
        for (paragraph, sentence) in index {
            let words = ProseBytes.words(bytes, in: prose.sentences[paragraph][sentence])
            var choices: [ByteEdit] = []
            var negated = false
            for word in words {
                let key = ProseBytes.key(bytes, word)
                if key == "not", word.lowerBound > 0, bytes[word.lowerBound - 1] == 0x20, ProseBytes.isLower(bytes[word.lowerBound]) {
                    choices.append(ByteEdit(range: (word.lowerBound - 1)..<word.upperBound, replacement: []))
                    negated = true
                    break
                }
                if let positive = Self.withoutNegation(key) {
                    choices.append(ByteEdit(range: word, replacement: ProseBytes.matchingCase(positive, of: bytes[word])))
                    negated = true
                    break
                }
                if key == "never" || key == "not" { negated = true }
            }
            if !negated, let auxiliary = words.first(where: { Self.auxiliaries.contains(ProseBytes.key(bytes, $0)) }) {
                let capitals = auxiliary.count > 1 && !bytes[auxiliary].contains(where: ProseBytes.isLower)
                choices.append(ByteEdit(range: auxiliary, replacement: Array(bytes[auxiliary]) + Array((capitals ? " NOT" : " not").utf8)))
            }
            if let word = words.first(where: { Self.antonyms[ProseBytes.key(bytes, $0)] != nil }) {
                choices.append(ByteEdit(range: word, replacement: ProseBytes.matchingCase(Self.antonyms[ProseBytes.key(bytes, word)]!, of: bytes[word])))
            }
            options.append(choices)
        }
        let eligible = options.indices.filter { !options[$0].isEmpty }
        guard !eligible.isEmpty else { return .failure(.nothingToChange) }
        var edits: [ByteEdit] = []
        for chosen in rng.choose(min(Self.count(0.2, of: index.count), eligible.count), of: eligible.count) {
            let choices = options[eligible[chosen]]
            edits.append(choices[rng.below(choices.count)])
        }
        return .success(ByteEdit.apply(edits, to: bytes))
    }

    static let connectiveSwaps: [String: String] = [
        "because": "so", "therefore": "because", "before": "after", "after": "before", "afterwards": "beforehand",
        "beforehand": "afterwards", "then": "earlier", "earlier": "then",
    ]

    mutating func connectives() -> Result<[UInt8], Perturbation.NotApplicable> {
        var edits: [ByteEdit] = []
        for paragraph in prose.sentences {
            for span in paragraph {
                for (position, word) in ProseBytes.words(bytes, in: span).enumerated() {
                    let key = ProseBytes.key(bytes, word)
                    var swap = Self.connectiveSwaps[key]
                    if key == "so" {
                        // "so" as a connective: after a comma or semicolon, or opening a sentence ("So I went").
                        var before = word.lowerBound - 1
                        while before >= span.lowerBound, ProseBytes.isSpace(bytes[before]) { before -= 1 }
                        let afterPunctuation = before >= span.lowerBound && (bytes[before] == 0x2C || bytes[before] == 0x3B)
                        if afterPunctuation || position == 0 { swap = "because" }
                    }
                    if let swap { edits.append(ByteEdit(range: word, replacement: ProseBytes.matchingCase(swap, of: bytes[word]))) }
                }
            }
        }
        return edits.isEmpty ? .failure(.nothingToChange) : .success(ByteEdit.apply(edits, to: bytes))
    }

    // MARK: Invariance

    mutating func typos() -> Result<[UInt8], Perturbation.NotApplicable> {
        let words = ProseBytes.words(bytes, in: 0..<bytes.count)
        let eligible = words.filter { $0.count >= 4 && bytes[$0].allSatisfy(ProseBytes.isASCIILetter) }
        guard !eligible.isEmpty else { return .failure(.nothingToChange) }
        var edits: [ByteEdit] = []
        for chosen in rng.choose(min(Self.count(0.03, of: words.count), eligible.count), of: eligible.count) {
            let word = eligible[chosen]
            var letters = Array(bytes[word])
            let swap = rng.below(2) == 0
            let at = 1 + rng.below(letters.count - 3)  // an inner position with an inner letter after it
            if swap, letters[at] != letters[at + 1] {
                letters.swapAt(at, at + 1)
            } else {
                letters.remove(at: at)
            }
            edits.append(ByteEdit(range: word, replacement: letters))
        }
        return .success(ByteEdit.apply(edits, to: bytes))
    }

    static let expansions: [String: String] = [
        "don't": "do not", "doesn't": "does not", "didn't": "did not", "can't": "cannot", "won't": "will not",
        "shan't": "shall not", "isn't": "is not", "aren't": "are not", "wasn't": "was not", "weren't": "were not",
        "hasn't": "has not", "haven't": "have not", "hadn't": "had not", "wouldn't": "would not", "couldn't": "could not",
        "shouldn't": "should not", "mustn't": "must not", "needn't": "need not", "mightn't": "might not",
        "i'm": "I am", "i've": "I have", "i'll": "I will", "i'd": "I would", "you're": "you are", "you've": "you have",
        "you'll": "you will", "you'd": "you would", "we're": "we are", "we've": "we have", "we'll": "we will",
        "we'd": "we would", "they're": "they are", "they've": "they have", "they'll": "they will", "they'd": "they would",
        "he's": "he is", "she's": "she is", "it's": "it is", "he'll": "he will", "she'll": "she will", "it'll": "it will",
        "he'd": "he would", "she'd": "she would", "that's": "that is", "there's": "there is", "here's": "here is",
        "what's": "what is", "who's": "who is", "where's": "where is", "let's": "let us", "that'll": "that will",
        "there'll": "there will",
    ]

    mutating func contractions() -> Result<[UInt8], Perturbation.NotApplicable> {
        var edits: [ByteEdit] = []
        for word in ProseBytes.words(bytes, in: 0..<bytes.count) {
            guard let expansion = Self.expansions[ProseBytes.key(bytes, word)] else { continue }
            edits.append(ByteEdit(range: word, replacement: ProseBytes.matchingCase(expansion, of: bytes[word])))
        }
        return edits.isEmpty ? .failure(.nothingToChange) : .success(ByteEdit.apply(edits, to: bytes))
    }

    mutating func punctuation() -> Result<[UInt8], Perturbation.NotApplicable> {
        // Each candidate with the chance it is taken.
        var candidates: [(edit: ByteEdit, chance: Double)] = []
        let count = bytes.count
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte == 0x2C, index > 0, index + 1 < count, bytes[index + 1] == 0x20, ProseBytes.isASCIILetter(bytes[index - 1]) {
                candidates.append((ByteEdit(range: index..<(index + 1), replacement: []), 0.25))
            } else if byte == 0x3B {
                candidates.append((ByteEdit(range: index..<(index + 1), replacement: [0x2C]), 0.5))
            } else {
                // A dash between words: — (E2 80 94) or -- (not ---), with a space either side or none.
                var dash = 0
                if byte == 0xE2, index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] == 0x94 { dash = 3 }
                if byte == 0x2D, index + 1 < count, bytes[index + 1] == 0x2D, index + 2 >= count || bytes[index + 2] != 0x2D, index == 0 || bytes[index - 1] != 0x2D { dash = 2 }
                if dash > 0 {
                    var low = index, high = index + dash
                    if low > 0, bytes[low - 1] == 0x20 { low -= 1 }
                    if high < count, bytes[high] == 0x20 { high += 1 }
                    if low > 0, high < count, ProseBytes.isASCIILetter(bytes[low - 1]), ProseBytes.isASCIILetter(bytes[high]) {
                        candidates.append((ByteEdit(range: low..<high, replacement: [0x2C, 0x20]), 0.5))
                    }
                    index += dash
                    continue
                }
            }
            index += 1
        }
        guard !candidates.isEmpty else { return .failure(.nothingToChange) }
        var edits: [ByteEdit] = []
        for candidate in candidates where rng.nextUnit() < candidate.chance { edits.append(candidate.edit) }
        if edits.isEmpty { edits = [candidates[rng.below(candidates.count)].edit] }
        return .success(ByteEdit.apply(edits, to: bytes))
    }

    /// Synonym pairs; each word is in one pair.
    static let synonymPairs: [(String, String)] = [
        ("big", "large"), ("said", "replied"), ("begin", "start"), ("began", "started"), ("quickly", "swiftly"),
        ("glad", "pleased"), ("perhaps", "maybe"), ("often", "frequently"), ("almost", "nearly"), ("answer", "reply"),
        ("answered", "responded"), ("rich", "wealthy"), ("quiet", "silent"), ("strange", "odd"), ("idea", "notion"),
        ("hurry", "hasten"), ("hurried", "hastened"), ("wish", "desire"), ("wished", "desired"), ("clever", "intelligent"),
        ("pretty", "lovely"), ("finished", "completed"), ("fear", "dread"), ("sorrow", "grief"), ("town", "city"),
        ("tired", "weary"), ("ill", "sick"), ("buy", "purchase"), ("helped", "assisted"), ("tried", "attempted"),
        ("understand", "comprehend"), ("sure", "certain"), ("shut", "closed"), ("afraid", "frightened"), ("speak", "talk"),
        ("spoke", "talked"), ("gazed", "stared"), ("rapid", "swift"), ("error", "mistake"), ("enormous", "huge"),
        ("shouted", "exclaimed"), ("happy", "cheerful"), ("sad", "unhappy"), ("seemed", "appeared"), ("seem", "appear"),
        ("instantly", "immediately"), ("entire", "whole"),
    ]
    static let synonyms: [String: String] = Dictionary(uniqueKeysWithValues: synonymPairs.flatMap { [($0.0, $0.1), ($0.1, $0.0)] })

    mutating func synonyms() -> Result<[UInt8], Perturbation.NotApplicable> {
        var candidates: [ByteEdit] = []
        for word in ProseBytes.words(bytes, in: 0..<bytes.count) {
            guard let partner = Self.synonyms[ProseBytes.key(bytes, word)] else { continue }
            candidates.append(ByteEdit(range: word, replacement: ProseBytes.matchingCase(partner, of: bytes[word])))
        }
        guard !candidates.isEmpty else { return .failure(.nothingToChange) }
        var edits: [ByteEdit] = []
        for candidate in candidates where rng.below(2) == 0 { edits.append(candidate) }
        if edits.isEmpty { edits = [candidates[rng.below(candidates.count)]] }
        return .success(ByteEdit.apply(edits, to: bytes))
    }
}
