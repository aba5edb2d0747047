/// An open-addressing hash table keyed by word hashes. The keys are already FNV-1a
/// hashes, so hashing them again (Swift's SipHash, via Set and Dictionary) only costs: this
/// table mixes with one multiply and probes linearly. The analysis does tens of lookups per
/// word, and this is where its time went.
struct WordTable<Value>: @unchecked Sendable {
    private var keys: [UInt64]
    private var values: [Value]
    private var used: [Bool]
    private let shift: UInt64
    private let mask: Int
    private(set) var count = 0
    private let empty: Value

    init(capacity: Int, empty: Value) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        values = [Value](repeating: empty, count: size)
        used = [Bool](repeating: false, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        self.empty = empty
    }

    @inline(__always) private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The value for `key`, or the empty value.
    @inline(__always) subscript(key: UInt64) -> Value {
        var index = slot(key)
        while used[index] {
            if keys[index] == key { return values[index] }
            index = (index + 1) & mask
        }
        return empty
    }

    /// Stores `value` for `key`; returns the value that was there, if any.
    @discardableResult
    mutating func set(_ key: UInt64, _ value: Value) -> Value? {
        var index = slot(key)
        while used[index] {
            if keys[index] == key {
                let old = values[index]
                values[index] = value
                return old
            }
            index = (index + 1) & mask
        }
        used[index] = true
        keys[index] = key
        values[index] = value
        count += 1
        return nil
    }

    /// Inserts `value` unless the key is present; returns the value now stored and whether it was new.
    @inline(__always) mutating func insertIfAbsent(_ key: UInt64, _ value: Value) -> (stored: Value, inserted: Bool) {
        var index = slot(key)
        while used[index] {
            if keys[index] == key { return (values[index], false) }
            index = (index + 1) & mask
        }
        used[index] = true
        keys[index] = key
        values[index] = value
        count += 1
        return (value, true)
    }
}

/// A set of word hashes that can be emptied in O(1): entries carry the generation they were
/// added in, and clearing starts a new generation (MTLD clears after every factor). It
/// grows when half full, so it starts small whatever the text's length.
struct GenerationalWordSet {
    private var keys: [UInt64]
    private var generations: [UInt32]
    private var generation: UInt32 = 1
    private var shift: UInt64
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 512) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        generations = [UInt32](repeating: 0, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// Adds `key`; true if it was not there.
    @inline(__always) mutating func insert(_ key: UInt64) -> Bool {
        var index = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while generations[index] == generation {
            if keys[index] == key { return false }
            index = (index + 1) & mask
        }
        generations[index] = generation
        keys[index] = key
        count += 1
        if count * 2 > keys.count { grow() }
        return true
    }

    mutating func removeAll() {
        generation &+= 1
        if generation == 0 {
            generations = [UInt32](repeating: 0, count: generations.count)
            generation = 1
        }
        count = 0
    }

    private mutating func grow() {
        let live = zip(keys, generations).filter { $0.1 == generation }.map(\.0)
        let size = keys.count * 2
        keys = [UInt64](repeating: 0, count: size)
        generations = [UInt32](repeating: 0, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        generation = 1
        count = 0
        for key in live { _ = insert(key) }
    }
}
