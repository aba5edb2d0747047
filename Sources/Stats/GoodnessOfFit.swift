import Foundation

/// Pearson's chi-square goodness of fit (`scipy.stats.chisquare`): the sample-ratio-mismatch
/// check of an experiment, where the arms' sample counts are compared with the split the
/// design intended. A tiny p-value means the assignment or the failures are not at random.
public enum GoodnessOfFit {
    public struct Result: Sendable, Equatable {
        public var statistic: Double, pValue: Double, df: Double
    }

    /// `observed` counts against `proportions` of their total (normalised; equal when empty).
    public static func chiSquare(observed: [Double], proportions: [Double] = []) throws -> Result {
        guard observed.count >= 2 else { throw StatsError.tooSmall(sample: "counts", count: observed.count, needed: 2) }
        if let bad = observed.firstIndex(where: { !($0.isFinite && $0 >= 0) }) { throw StatsError.nonFinite(sample: "counts", index: bad) }
        let weights = proportions.isEmpty ? [Double](repeating: 1, count: observed.count) : proportions
        guard weights.count == observed.count else { throw StatsError.mismatchedPairs(countA: observed.count, countB: weights.count) }
        if let bad = weights.firstIndex(where: { !($0.isFinite && $0 > 0) }) { throw StatsError.nonFinite(sample: "proportions", index: bad) }
        let total = observed.reduce(0, +), weightTotal = weights.reduce(0, +)
        guard total > 0 else { throw StatsError.empty(sample: "counts") }
        guard total.isFinite, weightTotal.isFinite else { throw StatsError.overflow(sample: total.isFinite ? "proportions" : "counts") }
        let statistic = zip(observed, weights).reduce(0.0) { sum, pair in
            let expected = total * pair.1 / weightTotal
            return sum + (pair.0 - expected) * (pair.0 - expected) / expected
        }
        guard statistic.isFinite else { throw StatsError.overflow(sample: "counts") }
        let df = Double(observed.count - 1)
        return Result(statistic: statistic, pValue: ChiSquare(df: df).sf(statistic), df: df)
    }
}
