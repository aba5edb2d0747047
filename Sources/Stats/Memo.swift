import Foundation

/// A small bounded, thread-safe memo for pure functions that are slow to compute (numerical
/// inversions, boundary integrations) and asked the same questions repeatedly.
final class Memo<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Key: Value] = [:]
    private let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    /// The stored value for `key`, else `compute()`'s, stored. Computed outside the lock:
    /// two threads may both compute a missing value, and both get the same answer.
    func value(for key: Key, compute: () throws -> Value) rethrows -> Value {
        lock.lock()
        let cached = entries[key]
        lock.unlock()
        if let cached { return cached }
        let value = try compute()
        lock.lock()
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = value
        lock.unlock()
        return value
    }
}
