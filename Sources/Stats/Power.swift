import Foundation
import WorkbenchCore

/// The noncentral t distribution, as a t test's statistic is distributed when the true
/// standardised effect is not zero. CDF by the Poisson-mixture series of incomplete beta
/// functions (Lenth, AS 243), summed outward from the mode of the Poisson weights so large
/// noncentralities neither underflow nor lose terms.
public struct NoncentralT: Sendable {
    public var df: Double, noncentrality: Double
    /// An infinite noncentrality is the limit: all the mass at +∞ (or −∞).
    public init(df: Double, noncentrality: Double) {
        precondition(df > 0 && !noncentrality.isNaN)
        self.df = df
        self.noncentrality = noncentrality
    }

    public func cdf(_ t: Double) -> Double {
        if t < 0 { return 1 - Self.upperCdf(-t, df: df, delta: -noncentrality) }
        return Self.upperCdf(t, df: df, delta: noncentrality)
    }

    public func sf(_ t: Double) -> Double { 1 - cdf(t) }

    /// Beyond this λ = δ²/2 (|δ| = 200) the series needs more than ~2,600 terms around its
    /// mode, and eventually more than an Int can count: Abramowitz & Stegun 26.7.10 takes
    /// over, as in R's `pnt` (which switches already at |δ| ≈ 37.6). Its error, ~0.04/√ν in
    /// probability, matters little there: with |δ| > 200 every power is 1.
    static let seriesLimit = 20_000.0

    /// F(t) for t ≥ 0: Φ(−δ) + ½ Σⱼ [pⱼ I_x(j + ½, ν/2) + qⱼ I_x(j + 1, ν/2)], x = t²/(ν + t²).
    static func upperCdf(_ t: Double, df: Double, delta: Double) -> Double {
        if delta.isInfinite { return delta > 0 && !t.isInfinite ? 0 : 1 }
        if t.isInfinite { return 1 }
        let base = Normal().cdf(-delta)
        guard t > 0 else { return base }
        let x = t * t / (df + t * t), lambda = delta * delta / 2
        guard lambda > 0 else { return base + 0.5 * SpecialFunctions.incompleteBeta(0.5, df / 2, x) }
        guard lambda <= seriesLimit else { return normalApproximation(t, df: df, delta: delta) }
        func term(_ j: Int) -> Double {
            let j = Double(j), logPoisson = -lambda + j * log(lambda)
            let p = exp(logPoisson - lgamma(j + 1)), q = delta / 2.0.squareRoot() * exp(logPoisson - lgamma(j + 1.5))
            return p * SpecialFunctions.incompleteBeta(j + 0.5, df / 2, x) + q * SpecialFunctions.incompleteBeta(j + 1, df / 2, x)
        }
        let mode = Int(lambda)
        var sum = term(mode)
        // Weights fall off on both sides of the mode; stop once a term no longer moves the sum.
        var j = mode + 1
        while j < mode + 100_000 {
            let value = term(j)
            sum += value
            if abs(value) <= 1e-17 * abs(sum) || abs(value) < 1e-300 { break }
            j += 1
        }
        j = mode - 1
        while j >= 0 && j > mode - 100_000 {
            let value = term(j)
            sum += value
            if abs(value) <= 1e-17 * abs(sum) || abs(value) < 1e-300 { break }
            j -= 1
        }
        return min(1, max(0, base + 0.5 * sum))
    }

    /// P(T ≤ t) ≈ Φ((t(1 − 1/(4ν)) − δ) / √(1 + t²/(2ν))) (A&S 26.7.10), written so that no
    /// square of a large t or δ can overflow.
    static func normalApproximation(_ t: Double, df: Double, delta: Double) -> Double {
        let s = 1 / (4 * df)
        let z = (t * (1 - s) - delta) / hypot(1, t * (2 * s).squareRoot())
        if z.isNaN { return t * (1 - s) > delta ? 1 : 0 }
        return min(1, max(0, Normal().cdf(z)))
    }
}

/// Power and sample size for t tests, with statsmodels' conventions (`TTestPower`,
/// `TTestIndPower`): the effect is Cohen's d, critical values come from the central t and
/// power from the noncentral t, two-sided power counts both rejection regions.
public enum Power {
    public enum Design: String, Sendable, CaseIterable {
        /// One sample, or paired differences (d is d_z): df = n − 1, δ = d·√n.
        case oneSample = "onesample"
        case paired
        /// Two independent samples of n each: df = 2n − 2, δ = d·√(n/2).
        case twoSample = "twosample"
    }

    public enum Failure: WorkbenchError, Equatable {
        case badAlpha(Double), badPower(Double), badSampleSize(Int, needed: Int), badEffect(Double), unreachable(power: Double, maximum: Int)
        case undetectable(power: Double, n: Int)
        public var message: String {
            switch self {
            case .badAlpha(let value):
                return value > 0 && value < 1 ? "alpha \(value) is too small: 1 − alpha is 1 in double precision" : "alpha \(value) is not between 0 and 1"
            case .badPower(let value): return "power \(value) is not between 0 and 1"
            case .badSampleSize(let n, let needed): return "a sample size of \(n) is too small: the test needs at least \(needed)"
            case .badEffect(let value): return "effect size \(value) is not a finite number other than zero"
            case .unreachable(let power, let maximum): return "power \(power) is not reached with up to \(maximum) observations per arm"
            case .undetectable(let power, let n): return "no effect size reaches power \(power) with \(n) observations per arm at this alpha"
            }
        }
        public var fix: String? {
            switch self {
            case .badAlpha: return "use e.g. --alpha 0.05"
            case .badPower: return "use e.g. --power 0.8"
            case .badSampleSize: return "give a larger --n"
            case .badEffect: return "give --effect as Cohen's d, or --difference and --sd"
            case .unreachable: return "the effect is too small to detect at this alpha: test a larger effect or accept less power"
            case .undetectable: return "give a larger --n, a larger --alpha or a smaller --power"
            }
        }
        public var exitStatus: ExitStatus { .dataError }
    }

    /// Power of the test with n observations per arm (pairs for `paired`) to detect effect d.
    public static func power(design: Design, effect d: Double, n: Int, alpha: Double = 0.05, alternative: Alternative = .twoSided) throws -> Double {
        // The critical value is the t quantile at 1 − alpha (or 1 − alpha/2), which must be below 1.
        guard alpha > 0 && alpha < 1 && 1 - alpha < 1 else { throw Failure.badAlpha(alpha) }
        guard d.isFinite else { throw Failure.badEffect(d) }
        // A one-sample test needs two values for a variance; two samples of one each leave df = 0.
        guard n >= 2 else { throw Failure.badSampleSize(n, needed: 2) }
        let (df, delta) = degreesAndNoncentrality(design, d, Double(n))
        let central = StudentT(df: df), shifted = NoncentralT(df: df, noncentrality: delta)
        switch alternative {
        case .greater: return shifted.sf(central.quantile(1 - alpha))
        case .less: return shifted.cdf(central.quantile(alpha))
        case .twoSided:
            let critical = central.quantile(1 - alpha / 2)
            return shifted.sf(critical) + shifted.cdf(-critical)
        }
    }

    /// The smallest n per arm whose power reaches the target.
    public static func sampleSize(design: Design, effect d: Double, power target: Double, alpha: Double = 0.05, alternative: Alternative = .twoSided, maximum: Int = 10_000_000) throws -> Int {
        guard target > 0 && target < 1 else { throw Failure.badPower(target) }
        guard d.isFinite && d != 0 else { throw Failure.badEffect(d) }
        func reaches(_ n: Int) throws -> Bool { try power(design: design, effect: d, n: n, alpha: alpha, alternative: alternative) >= target }
        var low = 1, high = 2
        while try !reaches(high) {
            guard high < maximum else { throw Failure.unreachable(power: target, maximum: maximum) }
            (low, high) = (high, min(maximum, high * 2))
        }
        // Power rises with n for an effect in the tested direction: bisect (low fails, high reaches).
        while high - low > 1 {
            let middle = (low + high) / 2
            if try reaches(middle) { high = middle } else { low = middle }
        }
        return high
    }

    /// The smallest effect (Cohen's d, in the tested direction) that n per arm detects with
    /// the target power: the minimum detectable effect.
    /// Memoised: reports and sequential looks ask for the same few designs again and again.
    public static func minimumDetectableEffect(design: Design, n: Int, power target: Double, alpha: Double = 0.05, alternative: Alternative = .twoSided) throws -> Double {
        guard target > 0 && target < 1 else { throw Failure.badPower(target) }
        return try detectable.value(for: "\(design.rawValue)|\(n)|\(target)|\(alpha)|\(alternative.rawValue)") {
            try searchDetectableEffect(design: design, n: n, power: target, alpha: alpha, alternative: alternative)
        }
    }

    private static let detectable = Memo<String, Double>()

    static func searchDetectableEffect(design: Design, n: Int, power target: Double, alpha: Double, alternative: Alternative) throws -> Double {
        let sign: Double = alternative == .less ? -1 : 1
        func powerAt(_ d: Double) throws -> Double { try power(design: design, effect: sign * d, n: n, alpha: alpha, alternative: alternative) }
        guard try powerAt(0) < target else { return 0 }
        var low = 0.0, high = 1.0
        // Power reaches 1 as the effect grows; should it never get there numerically, stop
        // doubling long before the effect overflows.
        while try powerAt(high) < target {
            guard high < 1e300 else { throw Failure.undetectable(power: target, n: n) }
            (low, high) = (high, high * 2)
        }
        // The upper end of the bracket: the smallest effect known to reach the power.
        return sign * (try SpecialFunctions.bisect(low: low, high: high) { try powerAt($0) < target }).high
    }

    static func degreesAndNoncentrality(_ design: Design, _ d: Double, _ n: Double) -> (Double, Double) {
        switch design {
        case .oneSample, .paired: return (n - 1, d * n.squareRoot())
        case .twoSample: return (2 * n - 2, d * (n / 2).squareRoot())
        }
    }
}
