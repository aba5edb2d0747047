import Foundation

/// Standardised effects with confidence intervals, for reports that say how big a difference
/// is and not only whether it exists.
public enum EffectSizes {
    public struct Estimate: Sendable, Equatable, Codable {
        public var value: Double, low: Double, high: Double, confidence: Double
    }

    public struct Standardised: Sendable, Equatable {
        /// Cohen's d: pooled standard deviation (independent), or d_z = mean/sd of the differences (paired).
        public var cohensD: Estimate
        /// Hedges' g: d times the exact small-sample correction J(df) = Γ(df/2) / (√(df/2) Γ((df − 1)/2)).
        public var hedgesG: Estimate
        public var df: Double
    }

    /// Cohen's d and Hedges' g with intervals from inverting the noncentral t: the limits are
    /// the noncentralities under which the observed t sits at the upper and lower α/2 points.
    public static func standardised(_ a: [Double], _ b: [Double], paired: Bool, confidence: Double = 0.95) throws -> Standardised {
        guard confidence > 0 && confidence < 1 else { throw StatsError.badConfidence(confidence) }
        let d: Double, df: Double, scale: Double
        if paired {
            let differences = try Summary(pairedDifferences(a, b, minimum: 2), name: "A − B", minimum: 2)
            guard differences.variance > 0 else { throw StatsError.constant(sample: "A − B") }
            d = differences.mean / differences.variance.squareRoot()
            guard d.isFinite else { throw StatsError.overflow(sample: "A − B") }
            df = Double(differences.count - 1)
            scale = (1 / Double(differences.count)).squareRoot()
        } else {
            let sa = try Summary(a, name: "A", minimum: 2), sb = try Summary(b, name: "B", minimum: 2)
            df = Double(sa.count + sb.count - 2)
            let pooled = sa.pooledVariance(with: sb).squareRoot()
            guard pooled > 0 else { throw StatsError.constant(sample: "A and B") }
            d = (sa.mean - sb.mean) / pooled
            guard pooled.isFinite, d.isFinite else { throw StatsError.overflow(sample: "A and B") }
            scale = (1 / Double(sa.count) + 1 / Double(sb.count)).squareRoot()
        }
        // t = d / scale follows a noncentral t with noncentrality δ = (true d) / scale.
        let t = d / scale, alpha = 1 - confidence
        guard t.isFinite else { throw StatsError.overflow(sample: paired ? "A − B" : "A and B") }
        let low = noncentrality(df: df, t: t, cdf: 1 - alpha / 2) * scale
        let high = noncentrality(df: df, t: t, cdf: alpha / 2) * scale
        let j = exp(lgamma(df / 2) - lgamma((df - 1) / 2)) / (df / 2).squareRoot()
        // An infinite bound stays infinite (J is 0 at df = 1, and 0 · ∞ would be NaN).
        func corrected(_ bound: Double) -> Double { bound.isInfinite ? bound : bound * j }
        return Standardised(cohensD: Estimate(value: d, low: low, high: high, confidence: confidence),
                            hedgesG: Estimate(value: d * j, low: corrected(low), high: corrected(high), confidence: confidence), df: df)
    }

    /// The δ with NoncentralT(df, δ).cdf(t) = target; the CDF falls as δ grows.
    /// The bracket widens a bounded number of times: a side that no finite δ reaches (the
    /// CDF flattens out before the target, as it does for nearly constant samples) is
    /// reported as the infinite bound it is.
    static func noncentrality(df: Double, t: Double, cdf target: Double) -> Double {
        func value(_ delta: Double) -> Double { NoncentralT(df: df, noncentrality: delta).cdf(t) }
        // Each step triples the distance from t: 700 of them pass any finite double.
        func widen(_ start: Double, _ direction: Double, until done: (Double) -> Bool) -> Double? {
            var bound = start
            for _ in 0..<700 {
                if done(bound) { return bound }
                let next = bound + direction * (2 * abs(bound - t) + 1)
                // At this magnitude a step of 2·|bound − t| + 1 can vanish into rounding.
                bound = next != bound ? next : bound + direction * max(1, abs(bound))
                if !bound.isFinite { return nil }
            }
            return nil
        }
        guard let low = widen(t - 2, -1, until: { value($0) >= target }) else { return -.infinity }
        guard let high = widen(t + 2, 1, until: { value($0) <= target }) else { return .infinity }
        let bracket = SpecialFunctions.bisect(low: low, high: high) { value($0) > target }
        return (bracket.low + bracket.high) / 2
    }

    /// The matched-pairs rank-biserial correlation of A − B, (R⁺ − R⁻) / (R⁺ + R⁻) over the
    /// nonzero differences (Kerby 2014; the effect size `RankTests.wilcoxon` reports), with
    /// the interval R's `effectsize::rank_biserial(paired = TRUE)` gives: Fisher's z with
    /// standard error √((2n³ + 3n² + n) / 6) / (n(n + 1) / 2), n the nonzero differences.
    public static func pairedRankBiserial(_ a: [Double], _ b: [Double], confidence: Double = 0.95) throws -> Estimate {
        guard confidence > 0 && confidence < 1 else { throw StatsError.badConfidence(confidence) }
        let result = try RankTests.wilcoxon(a, b)
        let n = Double(zip(a, b).filter { $0 != $1 }.count)
        let se = ((2 * n * n * n + 3 * n * n + n) / 6).squareRoot() / (n * (n + 1) / 2)
        return fisherInterval(result.effectSize, se: se, confidence: confidence)
    }

    /// tanh(atanh(r) ± z·se); atanh(±1) is infinite, so a complete separation keeps its bound at ±1.
    static func fisherInterval(_ r: Double, se: Double, confidence: Double) -> Estimate {
        let z = SpecialFunctions.normalQuantile(1 - (1 - confidence) / 2)
        let center = atanh(max(-1 + 1e-15, min(1 - 1e-15, r)))
        return Estimate(value: r, low: tanh(center - z * se), high: tanh(center + z * se), confidence: confidence)
    }

    /// The rank-biserial correlation (equal to Cliff's delta for two samples): P(A > B) −
    /// P(A < B) over all cross pairs. Its interval is Fisher's z with standard error
    /// √((n_A + n_B + 1) / (3 n_A n_B)), as R's `effectsize::rank_biserial` computes it.
    public static func rankBiserial(_ a: [Double], _ b: [Double], confidence: Double = 0.95) throws -> Estimate {
        guard confidence > 0 && confidence < 1 else { throw StatsError.badConfidence(confidence) }
        let result = try RankTests.mannWhitney(a, b)
        let r = result.effectSize, nA = Double(a.count), nB = Double(b.count)
        return fisherInterval(r, se: ((nA + nB + 1) / (3 * nA * nB)).squareRoot(), confidence: confidence)
    }
}
