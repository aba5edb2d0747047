/// Reading through typos. A misspelt sensory or emotion word is not counted, and a misspelt
/// name reads as a stranger: with 3% of the words mistyped the composite moved by more than
/// 0.2 in one chapter in six. So before any metric reads the words, a word that
///   - occurs once in the text, has four or more ASCII letters and is in no lexicon (not a
///     function word, a frequent word or a listed term), and
///   - is one slip from exactly one target word, the first letter kept:
///     - two neighbouring letters swapped from a lexicon content word (senses, emotions,
///       physical, interiority): "glaer" → glare;
///     - swapped, or one inner letter dropped (five letters or more), from a content word the
///       text itself uses three times or more: "Hartrigth", "Hartight" → Hartright;
/// is read as that word: its hash is replaced, so every metric sees the word meant.
///
/// What is not forgiven was measured to cost more than it gives: a changed or added letter,
/// or a dropped one from a lexicon word, turns real words into listed ones ("better" →
/// bitter, "course" → coarse, "head" → heard). What is forgiven still misreads a few real
/// words (0.13 per 1,000 words of the held-out novels: "sacred" → scared, "fiend" → friend).
///
/// Targets are found by hashing, after SymSpell (Garbe 2012): see `NearMissIndex`; each is
/// then checked letter by letter.
enum TypoReading {
    /// Applies the reading to `scanned` and returns each word's lexicon flags (`LexiconIndex`),
    /// looked up after the repair.
    static func flags(_ scanned: inout ScannedText, bytes: UnsafeBufferPointer<UInt8>) -> [UInt32] {
        let lexicon = LexiconIndex.shared
        var flags = lexicon.flags(scanned.wordHashes)
        let words = scanned.wordCount
        guard words > 0 else { return flags }

        // The words that can be read through or read as (function words neither), by type:
        // candidates are met once and in no lexicon, targets three times or more.
        let unlisted = LexiconIndex.stopword | 0b111 << LexiconIndex.functionShift
        let tally = WordTally.words(scanned.wordHashes) { index in
            flags[index] & unlisted == 0 && scanned.wordLengths[index] >= UInt16(minimumLength)
        }
        var candidates: [Int] = [], frequent: [Int] = [], frequentLetters = 0
        for word in tally where word.count == 1 || word.count >= 3 {
            let index = Int(word.first)
            guard word.count >= 3 || flags[index] == 0, isLetters(bytes, scanned, index) else { continue }
            if word.count == 1 {
                candidates.append(index)
            } else {
                frequent.append(index)
                frequentLetters += Int(scanned.wordLengths[index])
            }
        }
        guard !candidates.isEmpty else { return flags }
        var local = NearMissIndex(targets: frequent.count, letters: frequentLetters, forgiving: [.swapped, .dropped])
        for index in frequent {
            let start = Int(scanned.wordStarts[index])
            local.add(UnsafeBufferPointer(rebasing: bytes[start..<start + Int(scanned.wordLengths[index])]), hash: scanned.wordHashes[index])
        }

        let shared = NearMissIndex.lexicon
        var query = [UInt8](repeating: 0, count: 64)
        for index in candidates {
            let start = Int(scanned.wordStarts[index]), length = Int(scanned.wordLengths[index])
            guard length <= query.count else { continue }
            for offset in 0..<length { query[offset] = lowercase(bytes[start + offset]) }
            let meant = query.withUnsafeBufferPointer { buffer -> UInt64? in
                let word = UnsafeBufferPointer(rebasing: buffer[0..<length])
                switch (shared.match(word), local.match(word)) {
                case (.one(let a), .one(let b)): return a == b ? a : nil
                case (.one(let hash), .none), (.none, .one(let hash)): return hash
                default: return nil
                }
            }
            guard let meant else { continue }
            scanned.wordHashes[index] = meant
            flags[index] = lexicon.table[meant]
        }
        return flags
    }

    /// Shorter words have too many real neighbours ("cod", "cot", "cold") to guess from.
    static let minimumLength = 4

    static func isLetters(_ bytes: UnsafeBufferPointer<UInt8>, _ scanned: ScannedText, _ index: Int) -> Bool {
        let start = Int(scanned.wordStarts[index])
        for offset in start..<start + Int(scanned.wordLengths[index]) {
            let byte = bytes[offset] | 0x20
            if byte < 0x61 || byte > 0x7A { return false }
        }
        return true
    }
}

/// Target words indexed by their letters regardless of order (a swap keeps them) and, where
/// dropped letters are forgiven, under each inner-letter deletion (a target less a letter is
/// the word as written). A word costs two hashes and two probes; nothing is written.
struct NearMissIndex {
    /// The lexicons' content words: what the detail, emotion and voice metrics count.
    static let lexicon: NearMissIndex = {
        let lists = Lexicons.senses + Lexicons.emotionCategories.map { "emotion-\($0)" } + ["physical", "interiority"]
        let words = Set(lists.flatMap { Lexicons.entries($0) }).sorted().filter { word in
            word.utf8.count >= TypoReading.minimumLength && word.utf8.allSatisfy { $0 >= 0x61 && $0 <= 0x7A }
        }
        var index = NearMissIndex(targets: words.count, letters: words.reduce(0) { $0 + $1.utf8.count }, forgiving: .swapped)
        for word in words {
            let bytes = Array(word.utf8)
            bytes.withUnsafeBufferPointer { index.add($0, hash: fnv1a($0)) }
        }
        return index
    }()

    enum Match: Equatable { case none, ambiguous, one(UInt64) }

    /// Target word hash → target number; inner deletion hash → target number, or `several`.
    private var exact: WordTable<Int32>
    private var deletions: WordTable<Int32>
    /// Letter-multiset signature → the last target added with it; `sameLetters` chains the
    /// earlier ones ("stare", "tears").
    private var anagrams: WordTable<Int32>
    private var sameLetters: [Int32] = []
    /// The targets' letters, lowercased, one after another.
    private var letters: [UInt8] = []
    private var starts: [Int32] = [0]
    private var hashes: [UInt64] = []
    private static let several: Int32 = -2

    /// The slips this index reads through (`swapped`, `dropped`).
    let forgiven: Slip

    /// Room for `targets` words of `letters` letters in all (each letter is one deletion).
    init(targets: Int, letters: Int, forgiving forgiven: Slip) {
        self.forgiven = forgiven
        exact = WordTable(capacity: max(targets, 1), empty: -1)
        anagrams = WordTable(capacity: max(targets, 1), empty: -1)
        deletions = WordTable(capacity: forgiven.contains(.dropped) ? max(letters, 1) : 1, empty: -1)
        self.letters.reserveCapacity(letters)
    }

    mutating func add(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64) {
        guard exact[hash] < 0 else { return }
        let number = Int32(hashes.count)
        hashes.append(hash)
        for byte in word { letters.append(lowercase(byte)) }
        starts.append(Int32(letters.count))
        exact.set(hash, number)
        let signature = Self.signature(word)
        sameLetters.append(anagrams[signature])
        anagrams.set(signature, number)
        guard forgiven.contains(.dropped), word.count >= 3 else { return }
        for skipped in 1..<(word.count - 1) {
            let key = Self.hash(word, skipping: skipped)
            let there = deletions[key]
            if there == -1 { deletions.set(key, number) } else if there != number { deletions.set(key, Self.several) }
        }
    }

    /// The one target `word` (lowercase) is a slip away from, if there is exactly one.
    func match(_ word: UnsafeBufferPointer<UInt8>) -> Match {
        guard !hashes.isEmpty else { return .none }
        var found: Int32 = -1
        func consider(_ number: Int32) -> Bool {
            guard number != -1 else { return true }
            if number == Self.several { return false }
            guard number != found else { return true }
            guard let slip = Slip.between(word, target(number)), forgiven.contains(slip),
                  slip == .swapped || word.count >= 5 else { return true }
            if found >= 0 { return false }
            found = number
            return true
        }
        let n = word.count
        if forgiven.contains(.dropped), n >= 5 {
            guard consider(deletions[fnv1a(word)]) else { return .ambiguous }
        }
        if forgiven.contains(.swapped) {
            var number = anagrams[Self.signature(word)]
            while number >= 0 {
                guard consider(number) else { return .ambiguous }
                number = sameLetters[Int(number)]
            }
        }
        return found >= 0 ? .one(hashes[Int(found)]) : .none
    }

    private func target(_ number: Int32) -> ArraySlice<UInt8> {
        letters[Int(starts[Int(number)])..<Int(starts[Int(number) + 1])]
    }

    /// A random 64-bit value per byte, summed over a word's letters: the same for every order.
    static let letterValues: [UInt64] = (0..<256).map { byte in
        var z = UInt64(byte) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func signature(_ word: UnsafeBufferPointer<UInt8>) -> UInt64 {
        letterValues.withUnsafeBufferPointer { values in
            word.reduce(UInt64(word.count)) { $0 &+ values[Int(lowercase($1))] }
        }
    }

    static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    /// One FNV-1a step over a lowercase letter (as `fnv1a`).
    @inline(__always) static func step(_ hash: UInt64, _ byte: UInt8) -> UInt64 { (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }

    static func hash(_ word: UnsafeBufferPointer<UInt8>, skipping skipped: Int) -> UInt64 {
        var hash = offsetBasis
        for offset in 0..<word.count where offset != skipped { hash = step(hash, lowercase(word[offset])) }
        return hash
    }
}

/// The slips a reader forgives.
struct Slip: OptionSet, Sendable {
    let rawValue: UInt8
    /// Two neighbouring letters swapped ("siad").
    static let swapped = Slip(rawValue: 1)
    /// A letter left out ("wrte").
    static let dropped = Slip(rawValue: 2)
    /// A letter too many ("writte").
    static let added = Slip(rawValue: 4)
    /// A letter struck for another ("wtite").
    static let changed = Slip(rawValue: 8)

    /// The slip that makes `word` out of `target`, if one does, the first letter kept (a
    /// different first letter is more often a different word: "might", "night", "light"):
    /// two neighbouring letters swapped, or one letter dropped, added or changed.
    static func between(_ word: UnsafeBufferPointer<UInt8>, _ target: ArraySlice<UInt8>) -> Slip? {
        let base = target.startIndex
        let n = word.count, m = target.count
        var first = 0
        while first < min(n, m), word[first] == target[base + first] { first += 1 }
        /// word[a...] == target[b...]
        func same(_ a: Int, _ b: Int) -> Bool {
            guard n - a == m - b else { return false }
            var i = a, j = base + b
            while i < n {
                if word[i] != target[j] { return false }
                i += 1
                j += 1
            }
            return true
        }
        if n == m {
            guard first < n else { return nil }
            if first > 0, first + 1 < n, word[first] == target[base + first + 1], word[first + 1] == target[base + first], same(first + 2, first + 2) { return .swapped }
            return first > 0 && same(first + 1, first + 1) ? .changed : nil
        }
        // Not at the end either: there a letter more or less is an inflection ("door", "doors").
        if n + 1 == m { return first > 0 && first < n && same(first, first + 1) ? .dropped : nil }
        if n == m + 1 { return first > 0 && first < m && same(first + 1, first) ? .added : nil }
        return nil
    }
}
