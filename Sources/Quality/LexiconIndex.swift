/// Every lexicon membership of a word in one 32-bit value, looked up once per word.
/// Bits 0–4 senses, 5–12 emotion categories, 13 physical, 14 interiority, 15 first person,
/// 16 third person, 17 past, 18 present, 19 stopword, 20–22 function-word class, 23 a
/// coherence role (`CoherenceLexicon`),
/// 24–31 the word's most-frequent-word slot + 1 (0: not one of them).
struct LexiconIndex: Sendable {
    static let shared = LexiconIndex()

    static let senseMask: UInt32 = 0b11111
    static let emotionShift: UInt32 = 5
    static let emotionMask: UInt32 = 0xFF << 5
    static let physical: UInt32 = 1 << 13
    static let interiority: UInt32 = 1 << 14
    static let firstPerson: UInt32 = 1 << 15
    static let thirdPerson: UInt32 = 1 << 16
    static let past: UInt32 = 1 << 17
    static let present: UInt32 = 1 << 18
    static let stopword: UInt32 = 1 << 19
    static let functionShift: UInt32 = 20
    static let coherenceRole: UInt32 = 1 << 23
    static let mfwShift: UInt32 = 24

    let table: WordTable<UInt32>

    init() {
        var flags: [UInt64: UInt32] = [:]
        func mark(_ list: String, _ bit: UInt32) { for hash in Lexicons.words(list) { flags[hash, default: 0] |= bit } }
        for (index, sense) in Lexicons.senses.enumerated() { mark(sense, 1 << UInt32(index)) }
        for (index, category) in Lexicons.emotionCategories.enumerated() { mark("emotion-\(category)", 1 << (Self.emotionShift + UInt32(index))) }
        mark("physical", Self.physical)
        mark("interiority", Self.interiority)
        mark("first-person", Self.firstPerson)
        mark("third-person", Self.thirdPerson)
        mark("past-tense", Self.past)
        mark("present-tense", Self.present)
        mark("stopword", Self.stopword)
        for list in CoherenceLexicon.lists { mark(list, Self.coherenceRole) }
        for (hash, kind) in FunctionWordClasses.shared.kinds { flags[hash, default: 0] |= UInt32(kind.rawValue + 1) << Self.functionShift }
        for (slot, word) in MFWReference.words.enumerated() { flags[wordHash(word), default: 0] |= UInt32(slot + 1) << Self.mfwShift }
        var table = WordTable<UInt32>(capacity: flags.count, empty: 0)
        for (hash, value) in flags { table.set(hash, value) }
        self.table = table
    }

    func flags(_ hashes: [UInt64]) -> [UInt32] { table.values(for: hashes) }
}
