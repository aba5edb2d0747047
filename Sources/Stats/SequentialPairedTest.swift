import Foundation

/// A paired t test watched as the pairs come in, stopping at the first look whose p-value
/// reaches that look's group-sequential level. Looks may come after every pair or every
/// batch; their overall false-positive rate stays at alpha as long as the planned maximum
/// is not raised mid-way and the look sizes do not depend on the data seen.
public struct SequentialPairedTest: Sendable, Equatable {
    public var maximumPairs: Int
    public var alpha: Double
    public var spending: GroupSequential.Spending

    public init(maximumPairs: Int, alpha: Double = 0.05, spending: GroupSequential.Spending = .obrienFleming) {
        self.maximumPairs = maximumPairs
        self.alpha = alpha
        self.spending = spending
    }

    /// One look at the differences so far.
    public struct Look: Sendable, Codable, Equatable {
        public var pairs: Int
        /// The two-sided level this look's p-value must reach to stop (0: none to spend).
        public var nominalLevel: Double
        /// The fixed-sample paired t p-value of the differences so far.
        public var pValue: Double
        public var estimate: Double
        /// The repeated confidence interval: it covers the true difference at every look at
        /// once with probability 1 − alpha, so it may be read whenever the test stops.
        public var intervalLow: Double
        public var intervalHigh: Double
        public var crossed: Bool

        enum CodingKeys: String, CodingKey {
            case pairs, estimate, crossed
            case nominalLevel = "nominal_level", pValue = "p_value", intervalLow = "interval_low", intervalHigh = "interval_high"
        }
    }

    /// The nominal level of every look, for looks after `sizes` pairs (increasing). Each
    /// depends only on the looks before it, so a schedule's levels are a prefix of any
    /// longer schedule's; they are cached, as a test looks again and again on one schedule.
    public func levels(sizes: [Int]) throws -> [Double] {
        try Self.levels.value(for: "\(maximumPairs)|\(alpha)|\(spending.rawValue)|\(sizes.map(String.init).joined(separator: ","))") {
            let fractions = sizes.map { min(1, Double($0) / Double(maximumPairs)) }
            return try GroupSequential.boundaries(fractions: fractions, alpha: alpha, spending: spending).map(GroupSequential.nominalLevel)
        }
    }

    private static let levels = Memo<String, [Double]>()

    /// The latest look: `sizes` are the pair counts of every look so far, in order, the last
    /// one being `differences.count` (boundaries depend on when the earlier looks were).
    public func look(sizes: [Int], differences: [Double]) throws -> Look {
        let summary = try Summary(differences, name: "differences", minimum: 2)
        let n = summary.count
        guard sizes.last == n else { throw GroupSequential.Failure.badFractions(sizes.map { Double($0) / Double(maximumPairs) }) }
        let level = try levels(sizes: sizes)[sizes.count - 1]

        let standardError = (summary.variance / Double(n)).squareRoot()
        let pValue: Double
        if standardError == 0 {
            // Identical differences: none at all is no evidence; a constant shift is certain.
            pValue = summary.mean == 0 ? 1 : 0
        } else {
            pValue = 2 * StudentT(df: Double(n - 1)).sf(abs(summary.mean / standardError))
        }
        let half = level > 0 ? StudentT(df: Double(n - 1)).quantile(1 - level / 2) * standardError : .infinity
        return Look(pairs: n, nominalLevel: level, pValue: pValue, estimate: summary.mean,
                    intervalLow: standardError == 0 ? summary.mean : summary.mean - half,
                    intervalHigh: standardError == 0 ? summary.mean : summary.mean + half,
                    crossed: level > 0 && pValue <= level)
    }
}
