import Foundation

/// A continuous distribution: CDF, survival function (computed directly, not as 1 − CDF,
/// so upper tails keep their precision) and quantile.
public protocol ContinuousDistribution: Sendable {
    func cdf(_ x: Double) -> Double
    func sf(_ x: Double) -> Double
    func quantile(_ p: Double) -> Double
}

extension ContinuousDistribution {
    /// Inverts the CDF by bisection on a bracket, then polishes: slow but exact to the last bits.
    /// The bracket widens at most 1,100 times, by which doubling has passed every finite double.
    func invert(_ p: Double, low: Double, high: Double) -> Double {
        var low = low, high = high, steps = 0
        while cdf(low) > p && low.isFinite && steps < 1100 { low = low < 0 ? low * 2 : low - 1; steps += 1 }
        steps = 0
        while cdf(high) < p && high.isFinite && steps < 1100 { high = high > 0 ? high * 2 : high + 1; steps += 1 }
        let bracket = SpecialFunctions.bisect(low: low, high: high) { cdf($0) < p }
        return (bracket.low + bracket.high) / 2
    }
}

public struct Normal: ContinuousDistribution {
    public var mean: Double, sd: Double
    public init(mean: Double = 0, sd: Double = 1) { self.mean = mean; self.sd = sd }
    public func cdf(_ x: Double) -> Double { 0.5 * erfc(-(x - mean) / (sd * 2.0.squareRoot())) }
    public func sf(_ x: Double) -> Double { 0.5 * erfc((x - mean) / (sd * 2.0.squareRoot())) }
    public func quantile(_ p: Double) -> Double { mean + sd * SpecialFunctions.normalQuantile(p) }
}

/// Student's t with `df` degrees of freedom (df may be fractional, as Welch's is).
public struct StudentT: ContinuousDistribution {
    public var df: Double
    public init(df: Double) { precondition(df > 0); self.df = df }

    public func cdf(_ t: Double) -> Double { t < 0 ? tail(-t) : 1 - tail(t) }
    public func sf(_ t: Double) -> Double { t > 0 ? tail(t) : 1 - tail(-t) }

    /// P(T > t) for t ≥ 0: ½ I_{df/(df+t²)}(df/2, ½).
    func tail(_ t: Double) -> Double {
        if t == 0 { return 0.5 }
        if t.isInfinite { return 0 }
        let x = df / (df + t * t)
        return 0.5 * SpecialFunctions.incompleteBeta(df / 2, 0.5, x)
    }

    /// Newton's method on log P(T > t), safeguarded by a bisection bracket: a handful of CDF
    /// evaluations instead of bisection's sixty (the t tests' intervals call this per test).
    public func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        if p == 0.5 { return 0 }
        let q = min(p, 1 - p), sign: Double = p < 0.5 ? -1 : 1
        let logQ = p < 0.5 ? log(p) : log1p(-p)
        var low = 0.0, high = max(1, abs(SpecialFunctions.normalQuantile(q)) * 2)
        while tail(high) > q { (low, high) = (high, high * 2) }
        var t = min(max(abs(SpecialFunctions.normalQuantile(q)), low), high)
        for _ in 0..<100 {
            let upper = tail(t)
            if upper > q { low = t } else { high = t }
            // f(t) = log P(T > t) − log q, f′(t) = −density / P(T > t).
            var next = t + (log(upper) - logQ) * upper / density(t)
            if !(next > low && next < high) { next = (low + high) / 2 }
            if abs(next - t) <= 4 * Double.ulpOfOne * t || high - low <= 4 * Double.ulpOfOne * high { t = next; break }
            t = next
        }
        return sign * t
    }
}

public struct ChiSquare: ContinuousDistribution {
    public var df: Double
    public init(df: Double) { precondition(df > 0); self.df = df }
    public func cdf(_ x: Double) -> Double { x <= 0 ? 0 : SpecialFunctions.incompleteGamma(df / 2, x / 2) }
    public func sf(_ x: Double) -> Double { x <= 0 ? 1 : SpecialFunctions.incompleteGammaComplement(df / 2, x / 2) }
    public func quantile(_ p: Double) -> Double { invert(p, low: 0, high: max(1, df * 2)) }
}

public struct FDistribution: ContinuousDistribution {
    public var df1: Double, df2: Double
    public init(df1: Double, df2: Double) { precondition(df1 > 0 && df2 > 0); self.df1 = df1; self.df2 = df2 }
    public func cdf(_ x: Double) -> Double {
        x <= 0 ? 0 : SpecialFunctions.incompleteBeta(df1 / 2, df2 / 2, df1 * x / (df1 * x + df2))
    }
    public func sf(_ x: Double) -> Double {
        x <= 0 ? 1 : SpecialFunctions.incompleteBetaComplement(df1 / 2, df2 / 2, df1 * x / (df1 * x + df2))
    }
    public func quantile(_ p: Double) -> Double { invert(p, low: 0, high: 10) }
}

public struct BetaDistribution: ContinuousDistribution {
    public var a: Double, b: Double
    public init(a: Double, b: Double) { precondition(a > 0 && b > 0); self.a = a; self.b = b }
    public func cdf(_ x: Double) -> Double { SpecialFunctions.incompleteBeta(a, b, x) }
    public func sf(_ x: Double) -> Double { SpecialFunctions.incompleteBetaComplement(a, b, x) }
    public func quantile(_ p: Double) -> Double { invert(p, low: 0, high: 1) }
}

/// Binomial(n, p): P(X ≤ k) through the incomplete beta function.
public struct Binomial: Sendable {
    public var n: Int, p: Double
    public init(n: Int, p: Double) { self.n = n; self.p = p }
    public func cdf(_ k: Int) -> Double {
        if k < 0 { return 0 }
        if k >= n { return 1 }
        return SpecialFunctions.incompleteBetaComplement(Double(k + 1), Double(n - k), p)
    }
    public func sf(_ k: Int) -> Double {
        if k < 0 { return 1 }
        if k >= n { return 0 }
        return SpecialFunctions.incompleteBeta(Double(k + 1), Double(n - k), p)
    }
    public func pmf(_ k: Int) -> Double {
        guard (0...n).contains(k) else { return 0 }
        let logChoose = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
        return exp(logChoose + Double(k) * log(p) + Double(n - k) * log1p(-p))
    }
}
