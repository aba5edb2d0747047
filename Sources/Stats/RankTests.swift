import Foundation

/// Rank tests, with SciPy's conventions.
public enum RankTests {
    /// Mann–Whitney U (`scipy.stats.mannwhitneyu`, defaults): the statistic is U of sample A;
    /// the p-value is exact when a sample has at most 8 values and there are no ties, else
    /// the normal approximation with tie correction and continuity correction. The effect
    /// size is the rank-biserial correlation 2·U_A/(n_A·n_B) − 1.
    public static func mannWhitney(_ a: [Double], _ b: [Double], alternative: Alternative = .twoSided) throws -> TestResult {
        let sa = try Summary(a, name: "A", minimum: 1), sb = try Summary(b, name: "B", minimum: 1)
        let n1 = sa.count, n2 = sb.count
        let (ranks, tieSizes) = averageRanks(a + b)
        let r1 = ranks[0..<n1].reduce(0, +)
        let u1 = r1 - Double(n1 * (n1 + 1)) / 2
        let u2 = Double(n1 * n2) - u1
        let (u, factor): (Double, Double)
        switch alternative {
        case .greater: (u, factor) = (u1, 1)
        case .less: (u, factor) = (u2, 1)
        case .twoSided: (u, factor) = (max(u1, u2), 2)
        }
        let hasTies = tieSizes.contains { $0 > 1 }
        let exact = !(n1 > 8 && n2 > 8) && !hasTies
        var p: Double
        if exact {
            p = exactUSurvival(Int(u.rounded()), n1, n2)
        } else {
            let n = Double(n1 + n2)
            let tieTerm = tieSizes.reduce(0.0) { $0 + pow(Double($1), 3) - Double($1) }
            let s = (Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))).squareRoot()
            let z = (u - Double(n1 * n2) / 2 - 0.5) / s
            p = Normal().sf(z)
        }
        p = min(1, max(0, p * factor))
        let effect = 2 * u1 / Double(n1 * n2) - 1
        return TestResult(test: "mannwhitney", statistic: u1, pValue: p, df: nil, ciLow: .nan, ciHigh: .nan, confidence: .nan,
                          effectSize: effect, estimate: u1 / Double(n1 * n2), nA: n1, nB: n2)
    }

    /// Ranks 1…n with ties given their average rank, and the size of each group of ties.
    static func averageRanks(_ values: [Double]) -> (ranks: [Double], tieSizes: [Int]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var tieSizes: [Int] = []
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = rank }
            tieSizes.append(end - start + 1)
            start = end + 1
        }
        return (ranks, tieSizes)
    }

    /// P(U ≥ u) under the null for sample sizes m and n, from the counts of U: the
    /// coefficients of the Gaussian binomial Π_{i=1}^{m} (1 − q^{n+i}) / (1 − q^i).
    static func exactUSurvival(_ u: Int, _ m: Int, _ n: Int) -> Double {
        let top = m * n
        guard u > 0 else { return 1 }
        guard u <= top else { return 0 }
        var counts = [Double](repeating: 0, count: top + 1)
        counts[0] = 1
        for i in 1...max(m, 1) where m > 0 {
            // × (1 − q^{n+i}), highest powers first so each term uses the old value.
            let shift = n + i
            if shift <= top { for power in stride(from: top, through: shift, by: -1) { counts[power] -= counts[power - shift] } }
            // ÷ (1 − q^i): multiply by 1 + q^i + q^{2i} + …, lowest powers first.
            for power in i...top { counts[power] += counts[power - i] }
        }
        let total = counts.reduce(0, +)
        return counts[u...].reduce(0, +) / total
    }
}
