import Foundation
import WorkbenchCore

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

    /// Wilcoxon signed-rank on A − B, or on A alone (`scipy.stats.wilcoxon`, defaults): zeros
    /// are dropped (Wilcox's method). Up to 50 differences with neither ties nor zeros get the
    /// exact distribution; with ties or zeros, up to 13 get the exact permutation
    /// distribution (all 2ⁿ sign flips); everything else the normal approximation with tie
    /// correction and no continuity correction. The statistic is min(R⁺, R⁻) for two-sided tests, R⁺ otherwise; the
    /// effect size is the matched-pairs rank-biserial (R⁺ − R⁻)/(R⁺ + R⁻).
    public static func wilcoxon(_ a: [Double], _ b: [Double]? = nil, alternative: Alternative = .twoSided) throws -> TestResult {
        let sa = try Summary(a, name: "A", minimum: 1)
        var differences = a
        if let b {
            guard a.count == b.count else { throw StatsError.mismatchedPairs(countA: a.count, countB: b.count) }
            _ = try Summary(b, name: "B", minimum: 1)
            differences = zip(a, b).map { $0 - $1 }
        }
        let nonzero = differences.filter { $0 != 0 }
        guard !nonzero.isEmpty else { throw StatsError.constant(sample: b == nil ? "A" : "A − B") }
        let (ranks, tieSizes) = averageRanks(nonzero.map(abs))
        let rPlus = zip(nonzero, ranks).filter { $0.0 > 0 }.reduce(0) { $0 + $1.1 }
        let rMinus = zip(nonzero, ranks).filter { $0.0 < 0 }.reduce(0) { $0 + $1.1 }
        let count = nonzero.count
        let hasTies = tieSizes.contains { $0 > 1 }
        let zeros = differences.count - count
        var p: Double
        if differences.count <= 50, !hasTies, zeros == 0 {
            let distribution = signedRankCounts(count)
            let total = distribution.reduce(0, +)
            func cdf(_ k: Int) -> Double { k < 0 ? 0 : distribution[...min(k, distribution.count - 1)].reduce(0, +) / total }
            func sf(_ k: Int) -> Double { k >= distribution.count ? 0 : distribution[max(k, 0)...].reduce(0, +) / total }
            switch alternative {
            case .less: p = cdf(Int(rPlus.rounded(.up)))
            case .greater: p = sf(Int(rPlus.rounded(.down)))
            case .twoSided: p = min(1, 2 * min(sf(Int(rPlus.rounded(.down))), cdf(Int(rPlus.rounded(.up)))))
            }
        } else if differences.count <= 13 {  // ties or zeros in a small sample
            p = signFlipPValue(differences, observed: rPlus, alternative: alternative)
        } else {
            let n = Double(count)
            let mean = n * (n + 1) / 4
            let tieTerm = tieSizes.reduce(0.0) { $0 + pow(Double($1), 3) - Double($1) }
            let se = ((n * (n + 1) * (2 * n + 1) - tieTerm / 2) / 24).squareRoot()
            let z = (rPlus - mean) / se
            switch alternative {
            case .less: p = Normal().cdf(z)
            case .greater: p = Normal().sf(z)
            case .twoSided: p = min(1, 2 * Normal().sf(abs(z)))
            }
        }
        let statistic = alternative == .twoSided ? min(rPlus, rMinus) : rPlus
        return TestResult(test: "wilcoxon", statistic: statistic, pValue: p, df: nil, ciLow: .nan, ciHigh: .nan, confidence: .nan,
                          effectSize: (rPlus - rMinus) / (rPlus + rMinus), estimate: rPlus, nA: sa.count, nB: b?.count)
    }

    /// How many of the 2ⁿ sign assignments give each signed-rank sum 0…n(n+1)/2.
    static func signedRankCounts(_ n: Int) -> [Double] {
        let top = n * (n + 1) / 2
        var counts = [Double](repeating: 0, count: top + 1)
        counts[0] = 1
        var reach = 0
        for rank in 1...max(n, 1) where n > 0 {
            reach += rank
            for sum in stride(from: reach, through: rank, by: -1) { counts[sum] += counts[sum - rank] }
        }
        return counts
    }

    /// The exact permutation p-value of R⁺ over every sign flip of the differences (as
    /// SciPy's permutation_test does for n ≤ 13), with its tolerance for ties in the statistic.
    static func signFlipPValue(_ differences: [Double], observed: Double, alternative: Alternative) -> Double {
        let magnitudes = differences.map(abs)
        let nonzero = magnitudes.enumerated().filter { $0.element != 0 }
        let (ranks, _) = averageRanks(nonzero.map(\.element))
        // Equal statistics count as at least as extreme; the tolerance is SciPy's (100 ε relative).
        let tolerance = abs(observed) * Double.ulpOfOne * 100
        var atLeast = 0, atMost = 0
        let total = 1 << differences.count
        for mask in 0..<total {
            // Signs of zero differences do not matter; count every mask, as SciPy does.
            var sum = 0.0
            for (position, entry) in nonzero.enumerated() where mask & (1 << entry.offset) == 0 { sum += ranks[position] }
            if sum >= observed - tolerance { atLeast += 1 }
            if sum <= observed + tolerance { atMost += 1 }
        }
        let greater = Double(atLeast) / Double(total), less = Double(atMost) / Double(total)
        switch alternative {
        case .greater: return greater
        case .less: return less
        case .twoSided: return min(1, 2 * min(greater, less))
        }
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
