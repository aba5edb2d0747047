import Foundation
import Testing
@testable import Learning
import WorkbenchCore

/// Comparisons drawn from known strengths: item i beats j with probability σ(sᵢ − sⱼ).
func simulatedComparisons(strengths: [Double], count: Int, seed: UInt64) -> [BradleyTerry.Comparison] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        let a = Int(generator.next() % UInt64(strengths.count))
        var b = Int(generator.next() % UInt64(strengths.count - 1))
        if b >= a { b += 1 }
        let aWins = generator.nextUnit() < 1 / (1 + exp(strengths[b] - strengths[a]))
        return aWins ? .init(winner: a, loser: b) : .init(winner: b, loser: a)
    }
}

@Suite struct BradleyTerryTests {
    @Test("strengths equal scikit-learn's L2 logistic regression (no intercept, C = 1/λ) within 1e-4")
    func matchesLogisticRegression() throws {
        var cases: [[String: Any]] = []
        var fits: [BradleyTerry] = []
        for (items, count, lambda, seed) in [(5, 200, 1.0, UInt64(1)), (12, 800, 0.5, 2), (8, 60, 2.0, 3)] {
            var generator = SeededGenerator(seed: seed &+ 100)
            let strengths = (0..<items).map { _ in generator.nextGaussian() }
            let comparisons = simulatedComparisons(strengths: strengths, count: count, seed: seed)
            fits.append(try BradleyTerry.fit(items: items, comparisons: comparisons, lambda: lambda))
            // Both orientations appear, so scikit-learn sees two classes; the likelihood is the same.
            var x: [[Double]] = [], y: [Int] = []
            for (index, comparison) in comparisons.enumerated() {
                var row = [Double](repeating: 0, count: items)
                let flip = index % 2 == 1
                row[comparison.winner] = flip ? -1 : 1
                row[comparison.loser] = flip ? 1 : -1
                x.append(row)
                y.append(flip ? 0 : 1)
            }
            cases.append(["kind": "logistic", "x": x, "y": y, "c": 1 / lambda])
        }
        guard let reference = try sklearn(cases) else { return }
        for (fit, expected) in zip(fits, reference) {
            let coef = try #require(expected["coef"] as? [Double])
            let worst = zip(fit.scores, coef).map { abs($0 - $1) }.max() ?? .nan
            #expect(worst < 1e-4, "strengths off by \(worst)")
        }
    }

    @Test("2,000 comparisons recover the true ranking of 20 items (Kendall τ ≥ 0.9), with intervals that cover")
    func recoversTheRanking() throws {
        let strengths = (0..<20).map { Double($0) * 0.25 - 2.5 }
        let comparisons = simulatedComparisons(strengths: strengths, count: 2_000, seed: 9)
        let fit = try BradleyTerry.fitWithIntervals(items: 20, comparisons: comparisons, lambda: 0.1, resamples: 100)
        let tau = kendallTau(fit.scores, strengths)
        #expect(tau >= 0.9, "Kendall τ \(tau)")
        #expect(fit.iterations < 20)
        let low = try #require(fit.low), high = try #require(fit.high)
        #expect(zip(low, high).allSatisfy { $0 < $1 })
        // Strengths are identified up to a shift: compare centred values.
        let shift = fit.scores.reduce(0, +) / 20 - strengths.reduce(0, +) / 20
        let covered = strengths.indices.filter { low[$0] - shift <= strengths[$0] && strengths[$0] <= high[$0] - shift }.count
        #expect(covered >= 16, "\(covered) of 20 intervals cover the truth")
        #expect(fit.probability(19, over: 0) > 0.9 && fit.ranking.first == 19)
    }

    @Test func badPreferencesAreRefused() {
        #expect(throws: LearningError.invalidData(source: "preferences", problem: "no comparisons")) { try BradleyTerry.fit(items: 3, comparisons: []) }
        #expect(throws: LearningError.invalidData(source: "comparison 2", problem: "item 1 is compared with itself")) {
            try BradleyTerry.fit(items: 3, comparisons: [.init(winner: 0, loser: 1), .init(winner: 1, loser: 1)])
        }
        #expect(throws: LearningError.invalidData(source: "comparison 1", problem: "item 5 is not one of the 3")) { try BradleyTerry.fit(items: 3, comparisons: [.init(winner: 5, loser: 1)]) }
        #expect(throws: LearningError.self) { try BradleyTerry.fit(items: 1, comparisons: [.init(winner: 0, loser: 0)]) }
    }

    @Test func kendallTauFollowsItsDefinition() {
        #expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]) == 1)
        #expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
        #expect(abs(kendallTau([1, 2, 3, 4], [1, 3, 2, 4]) - 4.0 / 6.0) < 1e-15)
    }
}
