import Foundation

/// The special functions behind every distribution: the regularised incomplete beta and
/// gamma functions, by continued fractions evaluated on the side where they converge
/// (so small tail probabilities keep their relative precision), and the normal quantile.
public enum SpecialFunctions {
    /// Narrows a bracket [low, high] around a root to adjacent doubles; `isLow(x)` says x lies
    /// on the low side. Returns the final bracket: callers take its middle or a conservative end.
    static func bisect(low: Double, high: Double, isLow: (Double) throws -> Bool) rethrows -> (low: Double, high: Double) {
        var low = low, high = high
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if middle == low || middle == high { break }
            if try isLow(middle) { low = middle } else { high = middle }
        }
        return (low, high)
    }

    /// ln Γ(x) for x > 0 (glibc's lgamma, accurate to a few ulp).
    @inline(__always) public static func logGamma(_ x: Double) -> Double { lgamma(x) }

    /// ln B(a, b).
    public static func logBeta(_ a: Double, _ b: Double) -> Double { lgamma(a) + lgamma(b) - lgamma(a + b) }

    /// I_x(a, b), the regularised incomplete beta function.
    public static func incompleteBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
        precondition(a > 0 && b > 0)
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use symmetry otherwise.
        if x > (a + 1) / (a + b + 2) { return 1 - incompleteBetaComplement(a, b, x) }
        return betaFront(a, b, x) * betaFraction(a, b, x) / a
    }

    /// 1 − I_x(a, b), computed directly (not by subtraction) when that is the small side.
    public static func incompleteBetaComplement(_ a: Double, _ b: Double, _ x: Double) -> Double {
        precondition(a > 0 && b > 0)
        if x <= 0 { return 1 }
        if x >= 1 { return 0 }
        let y = 1 - x
        if y > (b + 1) / (a + b + 2) { return 1 - incompleteBeta(a, b, x) }
        return betaFront(b, a, y) * betaFraction(b, a, y) / b
    }

    /// x^a (1 − x)^b / B(a, b), in logs.
    static func betaFront(_ a: Double, _ b: Double, _ x: Double) -> Double {
        exp(a * log(x) + b * log1p(-x) - logBeta(a, b))
    }

    /// The continued fraction of I_x(a, b) (modified Lentz; Numerical Recipes §6.4).
    static func betaFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }

    /// P(a, x), the regularised lower incomplete gamma function.
    public static func incompleteGamma(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0)
        if x <= 0 { return 0 }
        return x < a + 1 ? gammaSeries(a, x) : 1 - gammaFraction(a, x)
    }

    /// Q(a, x) = 1 − P(a, x), computed directly on its small side.
    public static func incompleteGammaComplement(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0)
        if x <= 0 { return 1 }
        return x < a + 1 ? 1 - gammaSeries(a, x) : gammaFraction(a, x)
    }

    static func gammaSeries(_ a: Double, _ x: Double) -> Double {
        var sum = 1 / a, term = sum, n = a
        for _ in 0..<100_000 {
            n += 1
            term *= x / n
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }

    static func gammaFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...100_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }

    /// Φ⁻¹(p): Acklam's rational approximation, then one Halley step on erfc, which brings
    /// it to full double precision.
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a probability strictly between 0 and 1")
        // The upper half by symmetry: refining against the small tail 1 − p avoids the
        // cancellation of Φ(x) − p near 1 (as SciPy's ndtri does).
        if p > 0.5 { return -lowerQuantile(1 - p) }
        return lowerQuantile(p)
    }

    /// Φ⁻¹(p) for p ≤ ½.
    static func lowerQuantile(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        // Halley refinement against Φ computed with erfc (accurate in both tails).
        for _ in 0..<2 {
            let error = 0.5 * erfc(-x / 2.0.squareRoot()) - p
            let u = error * (2 * Double.pi).squareRoot() * exp(x * x / 2)
            x -= u / (1 + x * u / 2)
        }
        return x
    }
}
