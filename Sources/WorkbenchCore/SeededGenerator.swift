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
