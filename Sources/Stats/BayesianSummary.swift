import Foundation

/// What a product owner asks of an A/B test: how likely is A better than B, and what does
/// choosing either cost in expectation if it is the wrong call. The posterior of the mean
/// difference Δ = mean(A) − mean(B) under the reference (Jeffreys) prior is a scaled Student t:
/// paired, Δ ~ d̄ + (s/√n)·T(n − 1) exactly; independent samples, Welch's scale and
/// Satterthwaite's degrees of freedom (the usual approximation of the Behrens–Fisher posterior).
public struct BayesianSummary: Sendable, Equatable {
    /// Posterior mean and scale of Δ, and the t's degrees of freedom.
    public var difference: Double, scale: Double, df: Double
    /// P(Δ > 0 | data).
    public var probabilityABetter: Double
    /// E[max(0, −Δ)]: what choosing A loses, on the metric's scale, when B is better.
    public var expectedLossChoosingA: Double
    /// E[max(0, Δ)]: what choosing B loses when A is better.
    public var expectedLossChoosingB: Double
    /// Central credible interval of Δ.
    public var credibleLow: Double, credibleHigh: Double, credibility: Double

    public static func paired(_ a: [Double], _ b: [Double], credibility: Double = 0.95) throws -> BayesianSummary {
        let differences = try Summary(pairedDifferences(a, b, minimum: 3), name: "A − B", minimum: 3)
        guard differences.variance > 0 else { throw StatsError.constant(sample: "A − B") }
        return try summary(differences.mean, (differences.variance / Double(differences.count)).squareRoot(), Double(differences.count - 1), credibility, sample: "A − B")
    }

    public static func independent(_ a: [Double], _ b: [Double], credibility: Double = 0.95) throws -> BayesianSummary {
        let sa = try Summary(a, name: "A", minimum: 3), sb = try Summary(b, name: "B", minimum: 3)
        guard sa.variance > 0 || sb.variance > 0 else { throw StatsError.constant(sample: "A and B") }
        let va = sa.variance / Double(sa.count), vb = sb.variance / Double(sb.count)
        let df = satterthwaite(va, sa.count, vb, sb.count)
        return try summary(sa.mean - sb.mean, (va + vb).squareRoot(), df, credibility, sample: "A and B")
    }

    /// For Δ = m + s·T(ν): P(Δ > 0) = F(z) with z = m/s, and the partial expectation
    /// E[max(0, −Δ)] = s·((ν + z²)/(ν − 1)·f(z) − z·F(−z)) (needs ν > 1, hence n ≥ 3).
    static func summary(_ m: Double, _ s: Double, _ df: Double, _ credibility: Double, sample: String) throws -> BayesianSummary {
        guard credibility > 0 && credibility < 1 else { throw StatsError.badConfidence(credibility) }
        // A scale that underflowed to zero (a denormal variance) is a constant sample.
        guard s != 0 else { throw StatsError.constant(sample: sample) }
        guard m.isFinite, s.isFinite, df.isFinite, df > 1 else { throw StatsError.overflow(sample: sample) }
        let t = StudentT(df: df), z = m / s
        let density = t.density(z)
        // (ν + z²)·f(z) → 0 as |z| grows (f falls as |z|^−(ν+1), ν > 1); z² may overflow first.
        let spread = density == 0 ? 0 : (df + z * z) / (df - 1) * density
        // By symmetry E[max(0, Δ)] = s·(… f(z) + z·F(z)); each computed directly, no cancellation.
        let lossA = s * (spread - z * t.cdf(-z)), lossB = s * (spread + z * t.cdf(z))
        let half = t.quantile(1 - (1 - credibility) / 2)
        guard z.isFinite, lossA.isFinite, lossB.isFinite, (m - half * s).isFinite, (m + half * s).isFinite else { throw StatsError.overflow(sample: sample) }
        return BayesianSummary(difference: m, scale: s, df: df, probabilityABetter: t.cdf(z),
                               expectedLossChoosingA: lossA, expectedLossChoosingB: lossB,
                               credibleLow: m - half * s, credibleHigh: m + half * s, credibility: credibility)
    }
}

extension StudentT {
    public func density(_ t: Double) -> Double {
        exp(lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * Double.pi) - (df + 1) / 2 * log1p(t * t / df))
    }
}
