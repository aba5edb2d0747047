import Foundation
import Testing
@testable import Stats

/// Bad input must never crash or hang: huge noncentralities and nearly constant samples
/// (issue 13's mutation-fuzzer findings). Every series and search is bounded.
@Suite struct NumericRobustnessTests {
    // MARK: Unbounded noncentralities and searches

    @Test func noncentralTWithAHugeNoncentralityGivesItsLimits() {
        // λ = δ²/2 was converted to Int: beyond 9.2e18 that trapped.
        for delta in [500.0, 1e5, 1e10, 1e200, .greatestFiniteMagnitude] {
            let distribution = NoncentralT(df: 9, noncentrality: delta)
            #expect(distribution.cdf(2) == 0, "δ \(delta)")
            #expect(distribution.cdf(-3) == 0, "δ \(delta)")
            #expect(NoncentralT(df: 9, noncentrality: -delta).cdf(2) == 1, "δ −\(delta)")
            let middle = distribution.cdf(delta)
            #expect(middle > 0.3 && middle < 0.6, "the body sits near δ: cdf(δ) = \(middle) for δ \(delta)")
        }
        #expect(NoncentralT(df: 4, noncentrality: .infinity).cdf(1e300) == 0)
        #expect(NoncentralT(df: 4, noncentrality: -.infinity).cdf(-1e300) == 1)
    }

    /// Where the series hands over to the normal approximation, the two agree closely
    /// (they differ by the approximation's error, small at these degrees of freedom).
    @Test func theApproximationTakesOverSmoothly() {
        let edge = (2 * NoncentralT.seriesLimit).squareRoot()
        for df in [120.0, 1000] {
            for offset in [-2.0, 0, 1.5] {
                let t = edge + offset
                let series = NoncentralT(df: df, noncentrality: edge * (1 - 1e-12)).cdf(t)
                let approximation = NoncentralT(df: df, noncentrality: edge * (1 + 1e-12)).cdf(t)
                #expect(abs(series - approximation) < 0.005, "df \(df) t \(t): \(series) vs \(approximation)")
            }
        }
    }

    @Test func powerOfAHugeEffectIsOne() throws {
        for effect in [1e6, 1e12, 1e200, 1e308] {
            #expect(try Power.power(design: .paired, effect: effect, n: 10) == 1, "d \(effect)")
            #expect(try Power.power(design: .twoSample, effect: -effect, n: 10, alternative: .greater) == 0, "d −\(effect)")
            #expect(try Power.sampleSize(design: .paired, effect: effect, power: 0.8) == 2)
        }
    }

    @Test func anAlphaBelowDoublePrecisionIsRefusedNotATrap() {
        // 1 − alpha/2 rounds to 1, whose t quantile is a precondition failure.
        #expect(throws: Power.Failure.badAlpha(1e-320)) { try Power.power(design: .paired, effect: 0.5, n: 10, alpha: 1e-320) }
        #expect(throws: Power.Failure.badAlpha(1e-17)) { try Power.minimumDetectableEffect(design: .paired, n: 10, power: 0.8, alpha: 1e-17) }
    }

    @Test func effectSizeOfNearlyConstantSamplesIsFiniteAndBracketed() throws {
        // Pooled sd ~1e-16: d ~ 1e16, and the interval's noncentrality is astronomically large.
        let a = [1, 1, 1, 1.0000000000000002], b = [0.0, 0, 0, 0]
        let estimate = try EffectSizes.standardised(a, b, paired: false)
        #expect(estimate.cohensD.value.isFinite && estimate.cohensD.value > 1e15)
        #expect(estimate.cohensD.low <= estimate.cohensD.value && estimate.cohensD.value <= estimate.cohensD.high)
        #expect(!estimate.cohensD.low.isNaN && !estimate.cohensD.high.isNaN && !estimate.hedgesG.low.isNaN && !estimate.hedgesG.high.isNaN)
    }

    @Test func pairedEffectSizeOfNearlyConstantDifferencesReturns() throws {
        // This pair spun forever: the bracket's steps vanished into rounding.
        let estimate = try EffectSizes.standardised([1, 2], [0, 1.0000001], paired: true)
        #expect(estimate.cohensD.value > 1e6 && estimate.cohensD.value.isFinite)
        #expect(estimate.cohensD.low <= estimate.cohensD.value && estimate.cohensD.value <= estimate.cohensD.high)
        #expect(!estimate.hedgesG.low.isNaN && !estimate.hedgesG.high.isNaN)
    }

    @Test func noncentralityInversionGivesAnInfiniteBoundWhenNoFiniteOneExists() {
        // With one degree of freedom the CDF at a huge t flattens before the lower target.
        let low = EffectSizes.noncentrality(df: 1, t: 1e300, cdf: 1 - 1e-300)
        #expect(low == -.infinity || low.isFinite)
        let high = EffectSizes.noncentrality(df: 1, t: -1e300, cdf: 1e-300)
        #expect(high == .infinity || high.isFinite)
    }
}
