import Foundation
import Testing
@testable import Stats

/// Finite values whose sums, variances or statistics overflow: each test refuses them with
/// `StatsError.overflow` naming the sample, instead of a precondition failure or t = 0, p = 1
/// (issue 13's mutation-fuzzer findings).
@Suite struct StatsOverflowTests {
    static let overflowing: [[Double]] = [[1e200, -1e200, 3e200], [1.5e308, -1.5e308, 1.5e308], [1.5e308, 1.5e308, 1e300]]
    static let ordinary = [1.0, 2, 3, 4]

    @Test(arguments: overflowing)
    func tTestsRefuseSamplesThatOverflow(_ huge: [Double]) {
        #expect(throws: StatsError.overflow(sample: "A")) { try TTests.welch(huge, Self.ordinary) }
        #expect(throws: StatsError.overflow(sample: "B")) { try TTests.student(Self.ordinary, huge) }
        #expect(throws: StatsError.overflow(sample: "A")) { try TTests.oneSample(huge) }
        #expect(throws: StatsError.self) { try TTests.paired(huge, Array(Self.ordinary.prefix(3))) }
        #expect(throws: StatsError.overflow(sample: "A")) { try BayesianSummary.independent(huge, Self.ordinary) }
        #expect(throws: StatsError.self) { try BayesianSummary.paired(huge, Array(Self.ordinary.prefix(3))) }
        #expect(throws: StatsError.overflow(sample: "A")) { try EffectSizes.standardised(huge, Self.ordinary, paired: false) }
        #expect(throws: StatsError.overflow(sample: "A")) { try PermutationTest.independent(huge, Self.ordinary) }
        #expect(throws: StatsError.overflow(sample: "A")) { try Bootstrap.interval(.mean, huge, resamples: 200) }
        #expect(throws: StatsError.overflow(sample: "A")) { try Bootstrap.interval(.meanDifference, huge, Self.ordinary, resamples: 200) }
    }

    @Test func differencesThatOverflowAreNamed() {
        // Each sample is fine on its own; A − B (or mean(A) − mean(B)) is not.
        #expect(throws: StatsError.overflow(sample: "A − B")) { try PermutationTest.paired([1.5e308], [-1.5e308]) }
        #expect(throws: StatsError.overflow(sample: "A and B")) { try PermutationTest.independent([9e307], [-9e307]) }
        let a = [1.5e308, 1, 2], b = [-1.5e308, 0, 1]
        #expect(throws: StatsError.self) { try TTests.paired(a, b) }
        #expect(throws: StatsError.self) { try BayesianSummary.paired(a, b) }
        #expect(throws: StatsError.self) { try EffectSizes.standardised(a, b, paired: true) }
        #expect(throws: StatsError.self) { try Bootstrap.interval(.pairedMeanDifference, a, b, resamples: 200) }
    }

    /// Values around 1e100 have variances whose squares (Welch's degrees of freedom) and
    /// jackknife cubes (BCa) overflowed into NaN: tests are unit-free, so they now agree
    /// with the same data in small units.
    @Test func testsAreUnitFreeUpToLargeMagnitudes() throws {
        let a = [3.1, 4.7, 2.2, 5.9, 4.4, 3.8], b = [2.0, 2.9, 3.3, 1.8, 2.6, 3.1]
        let scale = 1e100
        let (bigA, bigB) = (a.map { $0 * scale }, b.map { $0 * scale })
        let small = try TTests.welch(a, b), big = try TTests.welch(bigA, bigB)
        #expect(abs(big.statistic - small.statistic) < 1e-12 * abs(small.statistic))
        #expect(abs(big.df! - small.df!) < 1e-12 * small.df!)
        #expect(abs(big.pValue - small.pValue) < 1e-12)
        let bayesSmall = try BayesianSummary.independent(a, b), bayesBig = try BayesianSummary.independent(bigA, bigB)
        #expect(abs(bayesBig.probabilityABetter - bayesSmall.probabilityABetter) < 1e-12)
        // Jackknife values near 1e110 have cubes beyond double range: BCa called that degenerate.
        let scaleBCa = 1e110
        let bcaSmall = try Bootstrap.interval(.meanDifference, a, b, resamples: 500, seed: 4)
        let bcaBig = try Bootstrap.interval(.meanDifference, a.map { $0 * scaleBCa }, b.map { $0 * scaleBCa }, resamples: 500, seed: 4)
        #expect(abs(bcaBig.acceleration - bcaSmall.acceleration) < 1e-12)
        #expect(abs(bcaBig.estimate / scaleBCa - bcaSmall.estimate) < 1e-12)
        #expect(bcaBig.low < bcaBig.estimate && bcaBig.estimate < bcaBig.high)
    }

    @Test func aDenormalVarianceIsAConstantSample() {
        // The variance is positive, its square root over n is not.
        let tiny = 5e-324
        #expect(throws: StatsError.self) { try TTests.oneSample([0, tiny, 0, tiny]) }
        #expect(throws: StatsError.self) { try BayesianSummary.paired([0, tiny, 0, tiny], [0, 0, 0, 0]) }
    }

    @Test func goodnessOfFitRefusesCountsThatOverflow() {
        #expect(throws: StatsError.overflow(sample: "counts")) { try GoodnessOfFit.chiSquare(observed: [1.5e308, 1.5e308]) }
    }
}
