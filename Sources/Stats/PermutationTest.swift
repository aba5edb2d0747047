import Foundation
import WorkbenchCore

/// Permutation tests of a difference in means, with `scipy.stats.permutation_test`'s
/// conventions: the null distribution is enumerated exactly when it has at most `resamples`
/// arrangements (the observed one included, p = count / total), otherwise drawn at random
/// from a seeded generator (p = (count + 1) / (resamples + 1)). Null values within a relative
/// 100·ε of the observed statistic count as equal to it; two-sided p doubles the smaller tail.
public enum PermutationTest {
    public struct Outcome: Sendable, Equatable {
        public var result: TestResult
        /// Whether every arrangement was enumerated (else `resamples` random ones were drawn).
        public var exact: Bool
        public var resamples: Int
    }

    /// Two independent samples, statistic mean(A) − mean(B), labels shuffled between them.
    public static func independent(_ a: [Double], _ b: [Double], alternative: Alternative = .twoSided, resamples: Int = 9999, seed: UInt64 = 0) throws -> Outcome {
        let sa = try Summary(a, name: "A", minimum: 1), sb = try Summary(b, name: "B", minimum: 1)
        let values = a + b, nA = a.count, n = values.count
        let total = values.reduce(0, +)
        func statistic(sumA: Double) -> Double { sumA / Double(nA) - (total - sumA) / Double(n - nA) }
        let observed = sa.mean - sb.mean
        guard observed.isFinite, total.isFinite else { throw StatsError.overflow(sample: "A and B") }
        var tally = Tally(observed: observed)
        let arrangements = combinations(n, nA)
        let exact = arrangements <= Double(resamples)
        if exact {
            // Every subset of nA positions for A, in lexicographic order.
            var chosen = Array(0..<nA)
            while true {
                tally.add(statistic(sumA: chosen.reduce(0) { $0 + values[$1] }))
                var i = nA - 1
                while i >= 0 && chosen[i] == n - nA + i { i -= 1 }
                if i < 0 { break }
                chosen[i] += 1
                for j in (i + 1)..<nA { chosen[j] = chosen[j - 1] + 1 }
            }
        } else {
            var random = SeededGenerator(seed: seed), shuffled = values
            for _ in 0..<resamples {
                // Partial Fisher–Yates: the first nA positions become a uniform random subset.
                var sumA = 0.0
                for i in 0..<nA {
                    let j = i + Int(random.next(upperBound: UInt64(n - i)))
                    shuffled.swapAt(i, j)
                    sumA += shuffled[i]
                }
                tally.add(statistic(sumA: sumA))
            }
        }
        // A rearrangement's sum can overflow where the samples' own sums did not.
        guard !tally.sawNonFinite else { throw StatsError.overflow(sample: "A and B") }
        // One value per sample leaves no degrees of freedom: the pooled sd is NaN and so is the effect.
        let pooled = sa.pooledVariance(with: sb).squareRoot()
        guard !pooled.isInfinite else { throw StatsError.overflow(sample: "A and B") }
        let result = TestResult(test: "permutation", statistic: observed, pValue: tally.pValue(alternative, exact: exact), df: nil,
                                ciLow: .nan, ciHigh: .nan, confidence: .nan, effectSize: pooled > 0 ? observed / pooled : .nan,
                                estimate: observed, nA: sa.count, nB: sb.count)
        return Outcome(result: result, exact: exact, resamples: exact ? Int(arrangements) : resamples)
    }

    /// Paired samples, statistic mean(A − B), the members of each pair swapped (the sign of
    /// each difference flipped) — `permutation_type="samples"`.
    public static func paired(_ a: [Double], _ b: [Double], alternative: Alternative = .twoSided, resamples: Int = 9999, seed: UInt64 = 0) throws -> Outcome {
        let differences = try pairedDifferences(a, b, minimum: 1), n = differences.count
        let observed = differences.reduce(0, +) / Double(n)
        guard observed.isFinite else { throw StatsError.overflow(sample: "A − B") }
        var tally = Tally(observed: observed)
        let arrangements = pow(2, Double(n))
        // Sign patterns are enumerated as the bits of an Int: at most 2⁴⁰ of them.
        let exact = n <= 40 && arrangements <= Double(resamples)
        if exact {
            for mask in 0..<(1 << n) {
                var sum = 0.0
                for i in 0..<n { sum += mask & (1 << i) != 0 ? -differences[i] : differences[i] }
                tally.add(sum / Double(n))
            }
        } else {
            var random = SeededGenerator(seed: seed)
            for _ in 0..<resamples {
                var sum = 0.0, bits = 0 as UInt64, left = 0
                for difference in differences {
                    if left == 0 { (bits, left) = (random.next(), 64) }
                    sum += bits & 1 == 1 ? -difference : difference
                    bits >>= 1
                    left -= 1
                }
                tally.add(sum / Double(n))
            }
        }
        guard !tally.sawNonFinite else { throw StatsError.overflow(sample: "A − B") }
        let sd = try? Summary(differences, name: "A − B", minimum: 2).variance.squareRoot()
        let result = TestResult(test: "permutation", statistic: observed, pValue: tally.pValue(alternative, exact: exact), df: nil,
                                ciLow: .nan, ciHigh: .nan, confidence: .nan, effectSize: (sd ?? 0) > 0 ? observed / sd! : .nan,
                                estimate: observed, nA: n, nB: n)
        return Outcome(result: result, exact: exact, resamples: exact ? Int(arrangements) : resamples)
    }

    /// Counts null values at or below and at or above the observed statistic.
    struct Tally {
        let observed: Double, tolerance: Double
        var atOrBelow = 0, atOrAbove = 0, total = 0
        /// A null value overflowed: the counts no longer mean anything.
        var sawNonFinite = false
        init(observed: Double) {
            self.observed = observed
            tolerance = abs(observed) * Double.ulpOfOne * 100
        }
        mutating func add(_ value: Double) {
            if !value.isFinite { sawNonFinite = true }
            if value <= observed + tolerance { atOrBelow += 1 }
            if value >= observed - tolerance { atOrAbove += 1 }
            total += 1
        }
        func pValue(_ alternative: Alternative, exact: Bool) -> Double {
            let adjustment = exact ? 0.0 : 1.0
            let less = (Double(atOrBelow) + adjustment) / (Double(total) + adjustment)
            let greater = (Double(atOrAbove) + adjustment) / (Double(total) + adjustment)
            switch alternative {
            case .less: return less
            case .greater: return greater
            case .twoSided: return min(1, 2 * min(less, greater))
            }
        }
    }

    /// C(n, k) as a double (exact while it fits in 53 bits, which decides exactness here).
    static func combinations(_ n: Int, _ k: Int) -> Double {
        let k = min(k, n - k)
        var result = 1.0
        for i in 0..<k { result = result * Double(n - i) / Double(i + 1) }
        return result.rounded()
    }
}
