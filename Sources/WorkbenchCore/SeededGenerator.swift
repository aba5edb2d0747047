import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast generator whose whole sequence is
/// fixed by its seed. Used wherever a result must be reproducible from a seed: the
/// simulator's prose, fault plans, bootstrap resamples.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// Seeds from the first 8 bytes of SHA-256 of `text`: equal text, equal sequence.
    public init(hashing text: String) {
        let digest = { var hasher = SHA256(); hasher.update(Array(text.utf8)); return hasher.finalize() }()
        state = digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal draw (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), .leastNonzeroMagnitude)
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

extension SeededGenerator {
    /// Uniform in 0..<n; 0, drawing nothing, when n ≤ 1. (The modulo bias is below 2⁻⁴⁰
    /// for any n a text can hold.)
    public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    /// A uniformly random permutation of 0..<n (Fisher–Yates, written out so the sequence
    /// is fixed by the seed whatever the standard library does).
    public mutating func permutation(_ n: Int) -> [Int] {
        var order = Array(0..<n)
        var index = n - 1
        while index > 0 {
            order.swapAt(index, below(index + 1))
            index -= 1
        }
        return order
    }

    /// `k` distinct indices of 0..<n chosen uniformly, ascending.
    public mutating func choose(_ k: Int, of n: Int) -> [Int] {
        let count = min(max(k, 0), n)
        var pool = Array(0..<n)
        for index in 0..<count { pool.swapAt(index, index + below(n - index)) }
        return pool.prefix(count).sorted()
    }
}
