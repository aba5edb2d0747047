import Foundation
import Testing
@testable import Stats
import WorkbenchCore

@Suite("Group-sequential boundaries")
struct GroupSequentialTests {
    @Test("one look is the fixed-sample test")
    func oneLook() throws {
        let boundaries = try GroupSequential.boundaries(fractions: [1], alpha: 0.05)
        #expect(abs(boundaries[0] - 1.959963984540054) < 1e-9)
    }

    /// Lan–DeMets O'Brien–Fleming-type boundaries for five equally spaced looks at two-sided
    /// alpha 0.05, as tabulated by R's ldbounds / gsDesign (Jennison & Turnbull table 7.7).
    @Test("five equal looks match the published O'Brien–Fleming-type boundaries")
    func publishedOBrienFleming() throws {
        let boundaries = try GroupSequential.boundaries(fractions: [0.2, 0.4, 0.6, 0.8, 1], alpha: 0.05)
        let published = [4.8769, 3.3570, 2.6803, 2.2898, 2.0310]
        for (ours, theirs) in zip(boundaries, published) {
            #expect(abs(ours - theirs) < 6e-5, "\(boundaries)")
        }
    }

    /// SciPy's multivariate normal (Genz's algorithm, absolute error ~1e-5) as the reference:
    /// the probability of first crossing at each look is the alpha that look was given.
    @Test("first-crossing probabilities match SciPy's multivariate normal", arguments: GroupSequential.Spending.allCases)
    func scipyCrossing(spending: GroupSequential.Spending) throws {
        let designs: [[Double]] = [[0.5, 1], [0.25, 0.5, 0.75, 1], [0.1, 0.3, 0.35, 0.9], [0.2, 0.4, 0.6, 0.8, 1]]
        var cases: [[String: Any]] = []
        var boundaries: [[Double]] = []
        for fractions in designs {
            let b = try GroupSequential.boundaries(fractions: fractions, alpha: 0.05, spending: spending)
            boundaries.append(b)
            cases.append(["kind": "crossing", "fractions": fractions, "boundaries": b])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, fractions) in designs.enumerated() {
            var previous = 0.0
            for (k, t) in fractions.enumerated() {
                let increment = spending.spent(0.05, at: t) - previous
                previous = spending.spent(0.05, at: t)
                #expect(abs((reference[index]["p\(k + 1)"] ?? .nan) - increment) < 2e-5, "\(fractions) look \(k + 1): \(boundaries[index])")
            }
        }
    }

    /// The boundaries' whole point: under H0 with peeking at every look, the chance of ever
    /// crossing is alpha. Brownian paths simulated directly: 200,000 paths, 40 looks.
    @Test("simulated crossing rate under H0 is alpha", arguments: GroupSequential.Spending.allCases)
    func crossingRate(spending: GroupSequential.Spending) throws {
        let looks = 40
        let fractions = (1...looks).map { Double($0) / Double(looks) }
        let boundaries = try GroupSequential.boundaries(fractions: fractions, alpha: 0.05, spending: spending)
        var random = SeededGenerator(seed: 11)
        let paths = 200_000
        var crossed = 0
        for _ in 0..<paths {
            var sum = 0.0
            for k in 0..<looks {
                sum += random.nextGaussian()
                if abs(sum / Double(k + 1).squareRoot()) >= boundaries[k] { crossed += 1; break }
            }
        }
        let rate = Double(crossed) / Double(paths)
        // Monte Carlo sd at 5% is ~0.05 points; 4 sd.
        #expect(abs(rate - 0.05) < 0.002, "crossing rate \(rate)")
    }

    @Test("cumulative spending reaches alpha at full information, and looks may be uneven")
    func spendingAndUnevenLooks() throws {
        for spending in GroupSequential.Spending.allCases {
            #expect(abs(spending.spent(0.05, at: 1) - 0.05) < 1e-12)
            #expect(spending.spent(0.05, at: 0) == 0)
        }
        let uneven = try GroupSequential.boundaries(fractions: [0.1, 0.15, 0.5, 0.55, 1], alpha: 0.05)
        #expect(uneven.allSatisfy { $0 > 1.96 && $0.isFinite })
        #expect(uneven[0] > uneven[2] && uneven[2] > uneven[4])
    }

    @Test("bad looks and alphas are refused")
    func refusals() {
        #expect(throws: GroupSequential.Failure.badFractions([0.5, 0.5])) { try GroupSequential.boundaries(fractions: [0.5, 0.5], alpha: 0.05) }
        #expect(throws: GroupSequential.Failure.badFractions([0.5, 1.2])) { try GroupSequential.boundaries(fractions: [0.5, 1.2], alpha: 0.05) }
        #expect(throws: GroupSequential.Failure.badAlpha(0)) { try GroupSequential.boundaries(fractions: [1], alpha: 0) }
    }
}
