/// An open-addressing hash table keyed by word hashes. The keys are already FNV-1a
/// hashes, so hashing them again (Swift's SipHash, via Set and Dictionary) only costs: this
/// table mixes with one multiply and probes linearly. The analysis does tens of lookups per
/// word, and this is where its time went.
struct WordTable<Value>: @unchecked Sendable {
    /// Keys and values side by side, so a probe touches one cache line; key 0 marks an empty
    /// slot (a real hash of 0 is stored as 1: one word in 2⁶⁴ shares a slot key, harmlessly).
    private var entries: [(key: UInt64, value: Value)]
    private let shift: UInt64
    private let mask: Int
    private(set) var count = 0
    private let empty: Value

    init(capacity: Int, empty: Value) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        entries = [(key: UInt64, value: Value)](repeating: (0, empty), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        self.empty = empty
    }

    @inline(__always) private static func stored(_ key: UInt64) -> UInt64 { key == 0 ? 1 : key }
    @inline(__always) private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The value for `key`, or the empty value.
    @inline(__always) subscript(key: UInt64) -> Value {
        entries.withUnsafeBufferPointer { lookup(key, in: $0) }
    }

    /// The values for many keys at once, the table pinned once for all of them.
    func values(for keys: [UInt64]) -> [Value] {
        entries.withUnsafeBufferPointer { table in keys.map { lookup($0, in: table) } }
    }

    @inline(__always) private func lookup(_ raw: UInt64, in table: UnsafeBufferPointer<(key: UInt64, value: Value)>) -> Value {
        let key = Self.stored(raw)
        var index = slot(key)
        while true {
            let entry = table[index]
            if entry.key == key { return entry.value }
            if entry.key == 0 { return empty }
            index = (index + 1) & mask
        }
    }

    /// The value for `key`, after storing `value` for it when it was absent: one probe either way.
    @inline(__always)
    mutating func value(for key: UInt64, insertingIfAbsent value: Value) -> (value: Value, inserted: Bool) {
        let key = Self.stored(key), mask = self.mask
        var index = slot(key)
        let found: Value? = entries.withUnsafeMutableBufferPointer { table in
            while table[index].key != 0 {
                if table[index].key == key { return table[index].value }
                index = (index + 1) & mask
            }
            table[index] = (key, value)
            return nil
        }
        if let found { return (found, false) }
        count += 1
        return (value, true)
    }

    /// Stores `value` for `key`; returns the value that was there, if any.
    @discardableResult
    mutating func set(_ key: UInt64, _ value: Value) -> Value? {
        let key = Self.stored(key)
        var index = slot(key)
        while entries[index].key != 0 {
            if entries[index].key == key {
                let old = entries[index].value
                entries[index].value = value
                return old
            }
            index = (index + 1) & mask
        }
        entries[index] = (key, value)
        count += 1
        return nil
    }
}

/// The distinct words among some positions of a text: how often each occurs and where first.
struct WordTally {
    struct Word { var count: Int32, first: Int32 }

    /// One probe per admitted position (`WordTable.value(for:insertingIfAbsent:)`).
    @inline(__always)
    static func words(_ keys: [UInt64], counted: (Int) -> Bool) -> [Word] {
        var numbers = WordTable<Int32>(capacity: keys.count, empty: -1)
        var words: [Word] = []
        for (position, key) in keys.enumerated() where counted(position) {
            let found = numbers.value(for: key, insertingIfAbsent: Int32(words.count))
            if found.inserted {
                words.append(Word(count: 1, first: Int32(position)))
            } else {
                words[Int(found.value)].count += 1
            }
        }
        return words
    }
}

/// A growing set of word hashes for one pass (the n-gram check): one array, key 0 empty.
struct WordHashSet {
    private var keys: [UInt64]
    private var shift: UInt64
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// Adds `key`; true if it was not there.
    @inline(__always) mutating func insert(_ key: UInt64) -> Bool {
        let key = key == 0 ? 1 : key
        let (index, found) = keys.withUnsafeBufferPointer { table -> (Int, Bool) in
            var index = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while true {
                let present = table[index]
                if present == key { return (index, true) }
                if present == 0 { return (index, false) }
                index = (index + 1) & mask
            }
        }
        if found { return false }
        keys[index] = key
        count += 1
        if count * 2 > keys.count {
            let old = keys.filter { $0 != 0 }
            let size = keys.count * 2
            keys = [UInt64](repeating: 0, count: size)
            mask = size - 1
            shift = UInt64(64 - size.trailingZeroBitCount)
            count = 0
            for key in old { _ = insert(key) }
        }
        return true
    }
}

/// A set of word hashes that can be emptied in O(1): entries carry the generation they were
/// added in, and clearing starts a new generation (MTLD clears after every factor). It
/// grows when half full, so it starts small whatever the text's length.
struct GenerationalWordSet {
    /// Key and generation side by side: one cache line per probe.
    private var slots: [(key: UInt64, generation: UInt32)]
    private var generation: UInt32 = 1
    private var shift: UInt64
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 512) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [(key: UInt64, generation: UInt32)](repeating: (0, 0), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// Adds `key`; true if it was not there.
    @inline(__always) mutating func insert(_ key: UInt64) -> Bool {
        let generation = self.generation, mask = self.mask
        let start = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let added = slots.withUnsafeMutableBufferPointer { table -> Bool in
            var index = start
            while table[index].generation == generation {
                if table[index].key == key { return false }
                index = (index + 1) & mask
            }
            table[index] = (key, generation)
            return true
        }
        guard added else { return false }
        count += 1
        if count * 2 > slots.count { grow() }
        return true
    }

    mutating func removeAll() {
        generation &+= 1
        if generation == 0 {
            slots = [(key: UInt64, generation: UInt32)](repeating: (0, 0), count: slots.count)
            generation = 1
        }
        count = 0
    }

    private mutating func grow() {
        let live = slots.filter { $0.generation == generation }.map(\.key)
        let size = slots.count * 2
        slots = [(key: UInt64, generation: UInt32)](repeating: (0, 0), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        generation = 1
        count = 0
        for key in live { _ = insert(key) }
    }
}
