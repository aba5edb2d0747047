import Foundation
import Testing
@testable import Experiments

/// An A/B test whose pairs all differ by the same rounded amount: the differences' sd is
/// rounding noise (~1e-15), Cohen's d_z ~1e14, and the noncentral t behind its interval and
/// power was asked for a noncentrality beyond Int (the fuzzer's abtest SIGILL, which then
/// took `abtest list|show|resume` down on the same stored samples).
@Suite struct ABTestNumericRobustnessTests {
    @Test func nearlyConstantDifferencesAreAnalysedNotATrap() throws {
        let control = [8.43, 7.21, 9.02, 8.87, 6.55, 7.78, 8.14, 9.31, 7.02, 8.66]
        // Scores are stored to two decimals: each variant score is its control's + 0.1, rounded.
        let variant = control.map { (($0 + 0.1) * 100).rounded() / 100 }
        let differences = zip(variant, control).map { $0 - $1 }
        #expect(Set(differences).count > 1, "the fixture needs differences that differ by rounding only")
        let design = SimulatedChapters.design(samples: control.count, metrics: ["quality"], seed: 1)
        let comparison = ABTestAnalysis.compare(variant: "variant", metric: "quality", control: control, variant: variant, design: design, familyAlpha: 0.05)
        #expect(abs(comparison.difference - 0.1) < 1e-9)
        #expect(comparison.pValue < 1e-10)
        let effect = try #require(comparison.effectSize)
        #expect(effect > 1e10 && effect.isFinite)
        #expect(comparison.achievedPower == 1)
        if let low = comparison.effectLow, let high = comparison.effectHigh { #expect(low <= effect && effect <= high) }
    }

    @Test func aMinimumEffectOverAVanishingSpreadNeedsFewPairs() throws {
        let control = [8.43, 7.21, 9.02, 8.87, 6.55, 7.78, 8.14, 9.31, 7.02, 8.66]
        let variant = control.map { (($0 + 0.1) * 100).rounded() / 100 }
        var design = SimulatedChapters.design(samples: control.count, metrics: ["quality"], seed: 1)
        design.minimumEffect = 0.5
        let comparison = ABTestAnalysis.compare(variant: "variant", metric: "quality", control: control, variant: variant, design: design, familyAlpha: 0.05)
        #expect(comparison.pairsNeeded == 2)
    }
}
