import Foundation
import Testing
import TestSupport
@testable import Stats
import WorkbenchCore

/// SciPy's answers for the cases (scripts/scipy_reference.py); nil, with a recorded issue, when SciPy is missing.
func scipy(_ cases: [[String: Any]]) throws -> [[String: Double]]? {
    guard let raw = try pythonReference("scipy_reference.py", cases,
                                        missing: "SciPy or statsmodels is missing (python3 -c 'import scipy, statsmodels' fails): `make pydeps` installs them; the reference comparison did not run")
    else { return nil }
    // Infinite interval ends come as the strings "inf" and "-inf".
    return raw.map { row in
        row.compactMapValues { value in
            if let number = value as? Double { return number }
            if let text = value as? String { return text == "inf" ? .infinity : text == "-inf" ? -.infinity : nil }
            return nil
        }
    }
}

/// Relative error, except for a reference of exactly 0 (a statistic of two equal means),
/// where a rounding residue of the order of 1e-15 is measured absolutely.
func relativeError(_ a: Double, _ b: Double) -> Double {
    if a == b { return 0 }
    if a.isInfinite || b.isInfinite { return .infinity }
    if b == 0 { return abs(a) < 1e-12 ? 0 : abs(a) }
    return abs(a - b) / abs(b)
}

@Suite struct StatsAgainstSciPyTests {
    static func draw(_ n: Int, shape: Int, shift: Double, _ random: inout SeededGenerator) -> [Double] {
        var values: [Double] = []
        for _ in 0..<n {
            switch shape {
            case 0: values.append(5 + random.nextGaussian() + shift)
            case 1: values.append((5 + 2 * random.nextGaussian() + shift).rounded())
            default: values.append(-log(max(random.nextUnit(), 1e-12)) * 2 + shift)
            }
        }
        return values
    }

    static func test(_ kind: String, _ a: [Double], _ b: [Double], mu: Double, alternative: Alternative, confidence: Double) throws -> TestResult {
        switch kind {
        case "welch": return try TTests.welch(a, b, alternative: alternative, confidence: confidence)
        case "student": return try TTests.student(a, b, alternative: alternative, confidence: confidence)
        case "paired": return try TTests.paired(a, b, alternative: alternative, confidence: confidence)
        default: return try TTests.oneSample(a, mu: mu, alternative: alternative, confidence: confidence)
        }
    }

    /// A few hundred randomised cases: sizes 3–500, ties, skewed data, every alternative.
    @Test func tTestsMatchSciPy() throws {
        var random = SeededGenerator(seed: 2026)
        var cases: [[String: Any]] = []
        var ours: [TestResult] = []
        let kinds = ["welch", "student", "paired", "onesample"]
        for index in 0..<320 {
            let kind = kinds[index % 4]
            let alternative = Alternative.allCases[index / 4 % 3]
            let sizes = [3, 5, 8, 20, 50, 120, 500]
            let nA = sizes[Int(random.next() % UInt64(sizes.count))]
            let nB = kind == "paired" ? nA : sizes[Int(random.next() % UInt64(sizes.count))]
            let shape = index % 3  // 0 normal, 1 ties (rounded), 2 skewed (exponential)
            let a = Self.draw(nA, shape: shape, shift: 0, &random), b = Self.draw(nB, shape: shape, shift: 0.3, &random)
            let mu = 4.8
            let confidence = [0.9, 0.95, 0.99][index % 3]
            // A constant rounded sample is refused, as documented: skip it.
            guard let result = try? Self.test(kind, a, b, mu: mu, alternative: alternative, confidence: confidence) else { continue }
            ours.append(result)
            cases.append(["kind": kind, "a": a, "b": b, "mu": mu, "alternative": alternative.rawValue, "confidence": confidence])
        }
        #expect(cases.count > 300)
        guard let reference = try scipy(cases) else { return }
        for (index, (mine, theirs)) in zip(ours, reference).enumerated() {
            let context = "case \(index) \(cases[index]["kind"]!) \(cases[index]["alternative"]!)"
            #expect(relativeError(mine.statistic, theirs["statistic"]!) < 1e-9, "\(context) statistic \(mine.statistic) vs \(theirs["statistic"]!)")
            #expect(relativeError(mine.pValue, theirs["p_value"]!) < 1e-9, "\(context) p \(mine.pValue) vs \(theirs["p_value"]!)")
            #expect(relativeError(mine.df!, theirs["df"]!) < 1e-9, "\(context) df")
            #expect(relativeError(mine.ciLow, theirs["ci_low"]!) < 1e-9, "\(context) ci_low \(mine.ciLow) vs \(theirs["ci_low"]!)")
            #expect(relativeError(mine.ciHigh, theirs["ci_high"]!) < 1e-9, "\(context) ci_high \(mine.ciHigh) vs \(theirs["ci_high"]!)")
        }
    }

}

@Suite struct DistributionsAgainstSciPyTests {
    struct Case {
        var name: String
        var params: [Double]
        var x: Double
        var p: Double?
        var cdf: Double
        var sf: Double
        var ppf: Double?

        init(_ name: String, _ params: [Double], _ x: Double, p: Double? = nil, cdf: (Double) -> Double, sf: (Double) -> Double, quantile: (Double) -> Double) {
            self.name = name
            self.params = params
            self.x = x
            self.p = p
            self.cdf = cdf(x)
            self.sf = sf(x)
            ppf = p.map(quantile)
        }

        var json: [String: Any] {
            var item: [String: Any] = ["kind": "dist", "name": name, "params": params, "x": x]
            if let p { item["p"] = p }
            return item
        }
    }

    static func cases() -> [Case] {
        var cases: [Case] = []
        for df in [1.0, 2.5, 7, 30, 200] {
            let t = StudentT(df: df), chi = ChiSquare(df: df), f = FDistribution(df1: df, df2: 12)
            for x in [-40.0, -6, -2, -0.3, 0, 0.7, 3, 12, 60] { cases.append(Case("t", [df], x, cdf: t.cdf, sf: t.sf, quantile: t.quantile)) }
            for p in [1e-10, 0.001, 0.025, 0.5, 0.9, 0.999] { cases.append(Case("t", [df], 1, p: p, cdf: t.cdf, sf: t.sf, quantile: t.quantile)) }
            for x in [0.01, 0.5, 3, 20, 150] { cases.append(Case("chi2", [df], x, cdf: chi.cdf, sf: chi.sf, quantile: chi.quantile)) }
            for x in [0.05, 1, 4, 30] { cases.append(Case("f", [df, 12], x, cdf: f.cdf, sf: f.sf, quantile: f.quantile)) }
        }
        for (a, b) in [(0.5, 0.5), (2.0, 8.0), (30.0, 3.0), (120.0, 140.0)] {
            let beta = BetaDistribution(a: a, b: b)
            for x in [1e-6, 0.1, 0.5, 0.9, 0.999999] { cases.append(Case("beta", [a, b], x, cdf: beta.cdf, sf: beta.sf, quantile: beta.quantile)) }
        }
        let normal = Normal()
        for x in [-37.0, -8, -1.5, 0, 2, 8.5] { cases.append(Case("norm", [], x, cdf: normal.cdf, sf: normal.sf, quantile: normal.quantile)) }
        for p in [1e-300, 1e-20, 0.01, 0.5, 0.975, 1 - 1e-12] { cases.append(Case("norm", [], 0, p: p, cdf: normal.cdf, sf: normal.sf, quantile: normal.quantile)) }
        return cases
    }

    @Test func distributionsMatchSciPyTo1e12() throws {
        let cases = Self.cases()
        guard let reference = try scipy(cases.map(\.json)) else { return }
        for (mine, theirs) in zip(cases, reference) {
            let context = "\(mine.name)\(mine.params) at \(mine.x)"
            // Values below 1e-290 sit at the edge of doubles on both sides: not compared.
            let cdf = theirs["cdf"]!, sf = theirs["sf"]!
            if cdf > 1e-290 { #expect(relativeError(mine.cdf, cdf) < 1e-12, "\(context) cdf \(mine.cdf) vs \(cdf)") }
            if sf > 1e-290 { #expect(relativeError(mine.sf, sf) < 1e-12, "\(context) sf \(mine.sf) vs \(sf)") }
            if let ppf = mine.ppf, let expected = theirs["ppf"] {
                #expect(relativeError(ppf, expected) < 1e-12, "\(context) ppf(\(mine.p!)) \(ppf) vs \(expected)")
            }
        }
    }
}

@Suite struct TTestUnitTests {
    @Test func knownAnswerByHand() throws {
        // a: mean 2, b: mean 4; both variances 1 with n = 3: se = sqrt(1/3 + 1/3), t = −2/0.8165 = −2.449, df = 4.
        let result = try TTests.welch([1, 2, 3], [3, 4, 5])
        #expect(abs(result.statistic + 2.449_489_742_783_178) < 1e-12)
        #expect(abs(result.df! - 4) < 1e-12)
        #expect(abs(result.effectSize + 2) < 1e-12)
    }

    @Test func badSamplesAreRefused() {
        #expect(throws: StatsError.empty(sample: "A")) { try TTests.welch([], [1, 2]) }
        #expect(throws: StatsError.nonFinite(sample: "B", index: 1)) { try TTests.welch([1, 2], [1, .nan]) }
        #expect(throws: StatsError.constant(sample: "A")) { try TTests.oneSample([3, 3, 3]) }
        #expect(throws: StatsError.mismatchedPairs(countA: 3, countB: 2)) { try TTests.paired([1, 2, 3], [1, 2]) }
        #expect(throws: StatsError.tooSmall(sample: "A", count: 1, needed: 2)) { try TTests.student([1], [1, 2]) }
        #expect(StatsError.constant(sample: "A").exitStatus == .dataError)
    }

    @Test func quantilesInvertTheirCDFs() {
        for df in [1.0, 3.3, 40] {
            let t = StudentT(df: df)
            for p in [0.001, 0.2, 0.5, 0.8, 0.999] { #expect(abs(t.cdf(t.quantile(p)) - p) < 1e-13) }
        }
        #expect(abs(Normal().quantile(0.975) - 1.959_963_984_540_054) < 1e-15)
    }
}

@Suite struct RankTestsAgainstSciPyTests {
    /// Exact (small, no ties) and approximate (large or tied) cases, every alternative.
    @Test func mannWhitneyMatchesSciPy() throws {
        var random = SeededGenerator(seed: 77)
        var cases: [[String: Any]] = []
        var ours: [TestResult] = []
        for index in 0..<240 {
            let sizes = [3, 5, 7, 8, 9, 15, 40, 200]
            let nA = sizes[Int(random.next() % UInt64(sizes.count))], nB = sizes[Int(random.next() % UInt64(sizes.count))]
            let shape = index % 3
            let a = StatsAgainstSciPyTests.draw(nA, shape: shape, shift: 0, &random), b = StatsAgainstSciPyTests.draw(nB, shape: shape, shift: 0.4, &random)
            let alternative = Alternative.allCases[index % 3]
            ours.append(try RankTests.mannWhitney(a, b, alternative: alternative))
            cases.append(["kind": "mannwhitney", "a": a, "b": b, "alternative": alternative.rawValue])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, (mine, theirs)) in zip(ours, reference).enumerated() {
            #expect(relativeError(mine.statistic, theirs["statistic"]!) < 1e-9, "case \(index) U \(mine.statistic) vs \(theirs["statistic"]!)")
            #expect(relativeError(mine.pValue, theirs["p_value"]!) < 1e-9, "case \(index) (\(mine.nA), \(mine.nB!)) p \(mine.pValue) vs \(theirs["p_value"]!)")
        }
    }

    @Test func exactDistributionByHand() {
        // m = n = 2: U takes 0, 1, 2, 2, 3, 4 over the 6 orderings, so P(U ≥ 3) = 2/6.
        #expect(abs(RankTests.exactUSurvival(3, 2, 2) - 2.0 / 6) < 1e-15)
        #expect(RankTests.exactUSurvival(0, 2, 2) == 1)
        let (ranks, ties) = averageRanks([3, 1, 3, 2])
        #expect(ranks == [3.5, 1, 3.5, 2])
        #expect(ties == [1, 1, 2])
    }
}

@Suite struct WilcoxonAgainstSciPyTests {
    /// Exact (no ties or zeros), permutation (ties or zeros, n ≤ 13) and approximate cases.
    @Test func wilcoxonMatchesSciPy() throws {
        var random = SeededGenerator(seed: 91)
        var cases: [[String: Any]] = []
        var ours: [TestResult] = []
        for index in 0..<180 {
            let sizes = [5, 9, 12, 13, 20, 60, 300]
            let n = sizes[Int(random.next() % UInt64(sizes.count))]
            let shape = index % 3  // 1 rounds: ties and zeros
            let a = StatsAgainstSciPyTests.draw(n, shape: shape, shift: 0.3, &random), b = StatsAgainstSciPyTests.draw(n, shape: shape, shift: 0, &random)
            let alternative = Alternative.allCases[index % 3]
            guard let result = try? RankTests.wilcoxon(a, b, alternative: alternative) else { continue }
            ours.append(result)
            cases.append(["kind": "wilcoxon", "a": a, "b": b, "alternative": alternative.rawValue])
        }
        #expect(cases.count > 150)
        guard let reference = try scipy(cases) else { return }
        for (index, (mine, theirs)) in zip(ours, reference).enumerated() {
            #expect(relativeError(mine.statistic, theirs["statistic"]!) < 1e-9, "case \(index) W \(mine.statistic) vs \(theirs["statistic"]!)")
            #expect(relativeError(mine.pValue, theirs["p_value"]!) < 1e-9, "case \(index) n=\(mine.nA) p \(mine.pValue) vs \(theirs["p_value"]!)")
        }
    }

    @Test func signedRankCountsByHand() {
        // n = 3: sums of subsets of {1, 2, 3}: 0, 1, 2, 3, 3, 4, 5, 6.
        #expect(RankTests.signedRankCounts(3) == [1, 1, 1, 2, 1, 1, 1])
    }
}

@Suite struct MultipleComparisonsTests {
    @Test func falseDiscoveryRateMatchesSciPy() throws {
        var random = SeededGenerator(seed: 61)
        var cases: [[String: Any]] = [], inputs: [([Double], MultipleComparisons.Method)] = []
        for index in 0..<120 {
            let m = 1 + Int(random.next() % 40)
            // A mix of small (real effects), uniform (nulls) and repeated p-values.
            var p = (0..<m).map { _ in Double(random.next() % 1_000_000) / 1_000_000 }
            for k in p.indices where random.next() % 3 == 0 { p[k] = p[k] * 0.01 }
            if m > 3 { p[1] = p[0]; p[m - 1] = 1 }
            let method: MultipleComparisons.Method = index % 2 == 0 ? .benjaminiHochberg : .benjaminiYekutieli
            inputs.append((p, method))
            cases.append(["kind": "adjust", "p": p, "method": method.rawValue])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, (p, method)) in inputs.enumerated() {
            let mine = try MultipleComparisons.adjust(p, method: method)
            for (k, value) in mine.enumerated() {
                #expect(relativeError(value, reference[index]["\(k)"]!) < 1e-12, "case \(index) \(method) p[\(k)]")
            }
        }
    }

    @Test func holmByHand() throws {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.02, 0.05), "holm"); the input order is kept.
        let holm = try MultipleComparisons.adjust([0.01, 0.04, 0.03, 0.02, 0.05], method: .holm)
        for (value, expected) in zip(holm, [0.05, 0.09, 0.09, 0.08, 0.09]) { #expect(abs(value - expected) < 1e-15) }
        #expect(try MultipleComparisons.adjust([0.3, 0.6], method: .holm) == [0.6, 0.6])
        #expect(try MultipleComparisons.adjust([0.7, 0.9], method: .holm) == [1, 1])
        #expect(try MultipleComparisons.adjust([], method: .holm) == [])
    }

    @Test func holmIsNeverBelowTheRawPValueAndKeepsTheOrder() throws {
        var random = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            let p = (0..<(1 + Int(random.next() % 30))).map { _ in Double(random.next() % 10_000) / 10_000 }
            let holm = try MultipleComparisons.adjust(p, method: .holm), bh = try MultipleComparisons.adjust(p, method: .benjaminiHochberg)
            for k in p.indices {
                #expect(holm[k] >= p[k] && holm[k] <= 1 && bh[k] <= holm[k] + 1e-15)
                for j in p.indices where p[j] < p[k] { #expect(holm[j] <= holm[k] && bh[j] <= bh[k]) }
            }
        }
    }

    @Test func aValueThatIsNotAProbabilityIsRefused() {
        #expect(throws: StatsError.badProbability(index: 1, value: 1.5)) { try MultipleComparisons.adjust([0.1, 1.5], method: .holm) }
        #expect(throws: StatsError.self) { try MultipleComparisons.adjust([.nan], method: .benjaminiHochberg) }
    }
}

@Suite struct PowerAgainstReferenceTests {
    @Test func noncentralTMatchesSciPy() throws {
        var cases: [[String: Any]] = [], inputs: [(Double, Double, Double)] = []
        for df in [1.0, 2.5, 5, 19, 38, 120, 998] {
            for nc in [-4.0, -1.2, 0, 0.3, 1.7, 2.8, 5.5, 11, 22] {
                for x in [-6.0, -2.1, -0.4, 0, 0.7, 1.96, 2.4, 4.5, 9, 25] {
                    inputs.append((df, nc, x))
                    cases.append(["kind": "nct", "df": df, "nc": nc, "x": x])
                }
            }
        }
        guard let reference = try scipy(cases) else { return }
        var worst = 0.0, compared = 0
        for (index, (df, nc, x)) in inputs.enumerated() {
            let mine = NoncentralT(df: df, noncentrality: nc).cdf(x)
            guard let theirs = reference[index]["cdf"] else {
                // SciPy has no answer (NaN) deep in the lower tail; the true value there is below 1e-12.
                #expect(mine < 1e-12, "nct(df \(df), nc \(nc)).cdf(\(x)) = \(mine)")
                continue
            }
            compared += 1
            // Relative where a power lives (above 1e-4); deep lower tails, computed by reflection, absolutely.
            let error = theirs > 1e-4 ? relativeError(mine, theirs) : abs(mine - theirs) * 1e-9 / 1e-13
            worst = max(worst, error)
            #expect(error < 1e-9, "nct(df \(df), nc \(nc)).cdf(\(x)) = \(mine), SciPy \(theirs)")
        }
        #expect(worst < 1e-9 && compared > 580, "\(compared) compared")
    }

    @Test func powerAndSampleSizeMatchStatsmodels() throws {
        var random = SeededGenerator(seed: 91)
        var cases: [[String: Any]] = []
        var inputs: [(Power.Design, Double, Int, Double, Alternative)] = []
        for index in 0..<150 {
            let design = Power.Design.allCases[index % 3]
            let alternative = Alternative.allCases[(index / 3) % 3]
            let magnitude = 0.1 + Double(random.next() % 1400) / 1000
            let d = alternative == .less ? -magnitude : magnitude
            // Noncentrality up to 7 (power short of 1 − 1e-11): beyond it SciPy's noncentral t answers NaN.
            let largest = min(300.0, (design == .twoSample ? 2 : 1) * (7 / magnitude) * (7 / magnitude))
            let n = 2 + Int(random.next() % UInt64(largest - 1)), alpha = [0.05, 0.01, 0.1][index % 3 == 0 ? 0 : Int(random.next() % 3)]
            inputs.append((design, d, n, alpha, alternative))
            cases.append(["kind": "power", "design": design.rawValue, "d": d, "n": n, "alpha": alpha,
                          "alternative": alternative.rawValue, "target": 0.8])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, (design, d, n, alpha, alternative)) in inputs.enumerated() {
            let power = try Power.power(design: design, effect: d, n: n, alpha: alpha, alternative: alternative)
            guard let theirs = reference[index]["power"] else { Issue.record("statsmodels has no power for case \(index) \(design) d \(d) n \(n)"); continue }
            #expect(relativeError(power, theirs) < 1e-9, "case \(index) \(design) d \(d) n \(n): \(power) vs \(reference[index]["power"]!)")
            let needed = try Power.sampleSize(design: design, effect: d, power: 0.8, alpha: alpha, alternative: alternative)
            guard let continuous = reference[index]["n"] else { Issue.record("statsmodels found no n for case \(index)"); continue }
            // statsmodels solves for a real n; the smallest whole n reaching the power is its ceiling.
            if abs(continuous - continuous.rounded()) > 1e-6 {
                #expect(Double(needed) == max(2, continuous.rounded(.up)), "case \(index) \(design) d \(d): n \(needed) vs \(continuous)")
            }
        }
    }

    @Test func halfAPointOnAScaleWithSDOneNeeds34Pairs() throws {
        // The roadmap's question: what n detects a 0.5-point change at 80% (paired, sd of differences 1)?
        #expect(try Power.sampleSize(design: .paired, effect: 0.5, power: 0.8) == 34)
        #expect(try Power.sampleSize(design: .twoSample, effect: 0.5, power: 0.8) == 64)
        let mde = try Power.minimumDetectableEffect(design: .paired, n: 34, power: 0.8)
        #expect(mde > 0.48 && mde <= 0.5)
        #expect(try Power.power(design: .paired, effect: mde, n: 34) >= 0.8)
        #expect(throws: Power.Failure.badSampleSize(1, needed: 2)) { try Power.power(design: .paired, effect: 0.5, n: 1) }
        #expect(throws: Power.Failure.badEffect(0)) { try Power.sampleSize(design: .paired, effect: 0, power: 0.8) }
    }
}

@Suite struct PermutationAgainstSciPyTests {
    /// Data with ties: scores rounded to a tenth, as quality metrics often are.
    static func sample(_ n: Int, shift: Double, _ random: inout SeededGenerator) -> [Double] {
        StatsAgainstSciPyTests.draw(n, shape: Int(random.next() % 3), shift: shift, &random).map { ($0 * 10).rounded() / 10 }
    }

    @Test func exactEnumerationMatchesSciPy() throws {
        var random = SeededGenerator(seed: 404)
        var cases: [[String: Any]] = [], inputs: [(Bool, [Double], [Double], Alternative)] = []
        for index in 0..<150 {
            let paired = index % 3 == 0, alternative = Alternative.allCases[index % 3 == 0 ? (index / 3) % 3 : index % 3]
            let nA = paired ? 3 + Int(random.next() % 11) : 3 + Int(random.next() % 5)
            let nB = paired ? nA : 3 + Int(random.next() % (nA <= 5 ? 8 : 4))
            let a = Self.sample(nA, shift: 0.5, &random), b = Self.sample(nB, shift: 0, &random)
            inputs.append((paired, a, b, alternative))
            cases.append(["kind": "permutation", "paired": paired, "a": a, "b": b, "resamples": 9999, "alternative": alternative.rawValue])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, (paired, a, b, alternative)) in inputs.enumerated() {
            let outcome = paired ? try PermutationTest.paired(a, b, alternative: alternative) : try PermutationTest.independent(a, b, alternative: alternative)
            #expect(outcome.exact, "case \(index) should be enumerated")
            #expect(relativeError(outcome.result.statistic, reference[index]["statistic"]!) < 1e-9, "case \(index)")
            #expect(relativeError(outcome.result.pValue, reference[index]["p_value"]!) < 1e-9, "case \(index) paired \(paired) n \(a.count), \(b.count) \(alternative): \(outcome.result.pValue) vs \(reference[index]["p_value"]!)")
        }
    }

    @Test func randomResamplingAgreesWithinMonteCarloError() throws {
        var random = SeededGenerator(seed: 405)
        var cases: [[String: Any]] = [], inputs: [(Bool, [Double], [Double], Alternative)] = []
        for index in 0..<12 {
            let paired = index % 2 == 0, alternative = Alternative.allCases[index % 3]
            let nA = 20 + Int(random.next() % 200), nB = paired ? nA : 20 + Int(random.next() % 200)
            let a = Self.sample(nA, shift: 0.15, &random), b = Self.sample(nB, shift: 0, &random)
            inputs.append((paired, a, b, alternative))
            cases.append(["kind": "permutation", "paired": paired, "a": a, "b": b, "resamples": 100_000, "alternative": alternative.rawValue, "seed": index])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, (paired, a, b, alternative)) in inputs.enumerated() {
            let resamples = 20_000
            let outcome = paired ? try PermutationTest.paired(a, b, alternative: alternative, resamples: resamples, seed: UInt64(index))
                                 : try PermutationTest.independent(a, b, alternative: alternative, resamples: resamples, seed: UInt64(index))
            #expect(!outcome.exact && outcome.resamples == resamples)
            let theirs = reference[index]["p_value"]!, mine = outcome.result.pValue
            // Both are Monte Carlo estimates: 4.5 standard errors of the difference, plus the +1 adjustment.
            let p = min(max(theirs, 1e-4), 1 - 1e-4)
            let tolerance = 4.5 * (p * (1 - p) * (1 / Double(resamples) + 1 / 100_000.0)).squareRoot() * (alternative == .twoSided ? 2 : 1) + 2 / Double(resamples)
            #expect(abs(mine - theirs) < tolerance, "case \(index) paired \(paired) n \(a.count): \(mine) vs \(theirs) (±\(tolerance))")
        }
    }

    @Test func theSeedMakesResamplingRepeatable() throws {
        let a = (0..<40).map { Double($0 % 7) }, b = (0..<40).map { Double($0 % 5) + 0.4 }
        let first = try PermutationTest.independent(a, b, seed: 9), second = try PermutationTest.independent(a, b, seed: 9)
        #expect(first.result.pValue == second.result.pValue && first.resamples == 9999)
        #expect(try PermutationTest.independent(a, b, seed: 10).result.pValue != first.result.pValue)
        #expect(throws: StatsError.mismatchedPairs(countA: 40, countB: 39)) { try PermutationTest.paired(a, Array(b.dropLast())) }
    }
}

@Suite struct BootstrapAgainstSciPyTests {
    /// The workbench's own resamples, with SciPy reading the interval off them: BCa's bias
    /// correction, jackknife acceleration and interpolated quantiles must agree to 1e-9.
    @Test func intervalFromTheSameResamplesMatchesSciPy() throws {
        var random = SeededGenerator(seed: 512)
        var cases: [[String: Any]] = []
        var inputs: [([[Double]], [Double], Bootstrap.Method, Double, Alternative, Bootstrap.Interval)] = []
        for index in 0..<60 {
            let twoSamples = index % 2 == 0, method: Bootstrap.Method = index % 3 == 0 ? .percentile : .bca
            let alternative = Alternative.allCases[(index / 2) % 3], confidence = [0.95, 0.9, 0.99][index % 3]
            let a = StatsAgainstSciPyTests.draw(5 + Int(random.next() % 120), shape: Int(random.next() % 3), shift: 0.3, &random)
            let samples = twoSamples ? [a, StatsAgainstSciPyTests.draw(5 + Int(random.next() % 120), shape: 2, shift: 0, &random)] : [a]
            let distribution = Bootstrap.resampledMeans(samples, resamples: 2000, seed: UInt64(index))
            let interval = try Bootstrap.interval(from: distribution, samples: samples, method: method, confidence: confidence, alternative: alternative)
            inputs.append((samples, distribution, method, confidence, alternative, interval))
            cases.append(["kind": "bootstrap_interval", "samples": samples, "distribution": distribution, "method": method.rawValue,
                          "confidence": confidence, "alternative": alternative.rawValue])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, (_, _, method, _, alternative, interval)) in inputs.enumerated() {
            let theirs = reference[index]
            if alternative != .less { #expect(relativeError(interval.low, theirs["ci_low"]!) < 1e-9, "case \(index) \(method) low \(interval.low) vs \(theirs["ci_low"]!)") }
            if alternative != .greater { #expect(relativeError(interval.high, theirs["ci_high"]!) < 1e-9, "case \(index) \(method) high \(interval.high) vs \(theirs["ci_high"]!)") }
            #expect(alternative != .less || interval.low == -.infinity)
            #expect(relativeError(interval.acceleration, theirs["acceleration"]!) < 1e-9, "case \(index) acceleration")
        }
    }

    @Test func independentResamplesAgreeWithSciPysBootstrap() throws {
        var random = SeededGenerator(seed: 513)
        var cases: [[String: Any]] = [], inputs: [(Bootstrap.Statistic, [Double], [Double], Bootstrap.Method)] = []
        for index in 0..<6 {
            let statistic: Bootstrap.Statistic = index % 2 == 0 ? .mean : .meanDifference
            let method: Bootstrap.Method = index < 4 ? .bca : .percentile
            // Skewed samples, where BCa's corrections move the interval.
            let a = StatsAgainstSciPyTests.draw(25 + Int(random.next() % 60), shape: 2, shift: 0.5, &random)
            let b = statistic == .mean ? [] : StatsAgainstSciPyTests.draw(25 + Int(random.next() % 60), shape: 1, shift: 0, &random)
            inputs.append((statistic, a, b, method))
            cases.append(["kind": "bootstrap", "samples": b.isEmpty ? [a] : [a, b], "resamples": 100_000, "method": method.rawValue, "confidence": 0.95])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, (statistic, a, b, method)) in inputs.enumerated() {
            let mine = try Bootstrap.interval(statistic, a, b, method: method, resamples: 100_000, seed: UInt64(index))
            let theirs = reference[index], width = theirs["ci_high"]! - theirs["ci_low"]!
            // Two Monte Carlo estimates of each end: a few standard errors is ~1% of the width.
            #expect(abs(mine.low - theirs["ci_low"]!) < 0.02 * width, "case \(index) \(method) low \(mine.low) vs \(theirs["ci_low"]!)")
            #expect(abs(mine.high - theirs["ci_high"]!) < 0.02 * width, "case \(index) \(method) high \(mine.high) vs \(theirs["ci_high"]!)")
        }
    }

    @Test func pairedResamplingIsTheBootstrapOfTheDifferences() throws {
        let a = [5.1, 4.9, 6.2, 5.5, 6.0, 5.8, 4.7], b = [4.1, 4.9, 4.2, 4.8, 5.5, 5.0, 4.9]
        let paired = try Bootstrap.interval(.pairedMeanDifference, a, b, seed: 3)
        let differences = try Bootstrap.interval(.mean, zip(a, b).map { $0 - $1 }, seed: 3)
        #expect(paired == differences)
        #expect(paired.low < paired.estimate && paired.estimate < paired.high)
        #expect(throws: Bootstrap.Failure.degenerate) { try Bootstrap.interval(.mean, [2, 2, 2], seed: 1) }
    }
}

@Suite struct BayesianSummaryTests {
    @Test func closedFormsMatchNumericalIntegration() throws {
        var random = SeededGenerator(seed: 77)
        var cases: [[String: Any]] = [], summaries: [BayesianSummary] = []
        for index in 0..<80 {
            let n = 3 + Int(random.next() % 200), paired = index % 2 == 0
            let a = StatsAgainstSciPyTests.draw(n, shape: Int(random.next() % 3), shift: Double(index % 5) * 0.1, &random)
            let b = StatsAgainstSciPyTests.draw(paired ? n : 3 + Int(random.next() % 200), shape: 1, shift: 0.15, &random)
            let summary = paired ? try BayesianSummary.paired(a, b) : try BayesianSummary.independent(a, b)
            summaries.append(summary)
            cases.append(["kind": "bayes", "m": summary.difference, "s": summary.scale, "df": summary.df, "credibility": 0.95])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, summary) in summaries.enumerated() {
            let theirs = reference[index]
            #expect(relativeError(summary.probabilityABetter, theirs["probability"]!) < 1e-9, "case \(index)")
            #expect(relativeError(summary.expectedLossChoosingA, theirs["loss_a"]!) < 1e-8, "case \(index) loss A \(summary.expectedLossChoosingA) vs \(theirs["loss_a"]!)")
            #expect(relativeError(summary.expectedLossChoosingB, theirs["loss_b"]!) < 1e-8, "case \(index) loss B")
            #expect(relativeError(summary.credibleLow, theirs["low"]!) < 1e-9 && relativeError(summary.credibleHigh, theirs["high"]!) < 1e-9, "case \(index) interval")
        }
    }

    @Test func pairedPosteriorIsThePairedTInterval() throws {
        let a = [5.1, 4.9, 6.2, 5.5, 6.0, 5.8, 4.7], b = [4.1, 4.9, 4.2, 4.8, 5.5, 5.0, 4.9]
        let bayes = try BayesianSummary.paired(a, b), frequentist = try TTests.paired(a, b)
        // Under the reference prior the credible interval is the confidence interval, and P(A better) = 1 − p/2.
        #expect(abs(bayes.credibleLow - frequentist.ciLow) < 1e-12 && abs(bayes.credibleHigh - frequentist.ciHigh) < 1e-12)
        #expect(abs(bayes.probabilityABetter - (1 - frequentist.pValue / 2)) < 1e-12)
        #expect(abs(bayes.expectedLossChoosingB - bayes.expectedLossChoosingA - bayes.difference) < 1e-12)
        #expect(throws: StatsError.tooSmall(sample: "A", count: 2, needed: 3)) { try BayesianSummary.paired([1, 2], [2, 1]) }
    }
}

@Suite struct EffectSizeTests {
    @Test func standardisedEffectsAndIntervalsMatchSciPy() throws {
        var random = SeededGenerator(seed: 303)
        var cases: [[String: Any]] = [], estimates: [EffectSizes.Standardised] = []
        for index in 0..<60 {
            let paired = index % 2 == 0, nA = 4 + Int(random.next() % 150)
            let a = StatsAgainstSciPyTests.draw(nA, shape: Int(random.next() % 3), shift: Double(index % 4) * 0.3, &random)
            let b = StatsAgainstSciPyTests.draw(paired ? nA : 4 + Int(random.next() % 150), shape: 0, shift: 0, &random)
            let confidence = [0.95, 0.9, 0.99][index % 3]
            estimates.append(try EffectSizes.standardised(a, b, paired: paired, confidence: confidence))
            cases.append(["kind": "effect_size", "a": a, "b": b, "paired": paired, "confidence": confidence])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, mine) in estimates.enumerated() {
            let theirs = reference[index]
            #expect(relativeError(mine.cohensD.value, theirs["d"]!) < 1e-12, "case \(index) d")
            #expect(relativeError(mine.hedgesG.value, theirs["g"]!) < 1e-12, "case \(index) g")
            // The noncentral t is good to ~1e-9 relative in the body; its inverse to a little less.
            #expect(relativeError(mine.cohensD.low, theirs["d_low"]!) < 1e-7, "case \(index) low \(mine.cohensD.low) vs \(theirs["d_low"]!)")
            #expect(relativeError(mine.cohensD.high, theirs["d_high"]!) < 1e-7, "case \(index) high \(mine.cohensD.high) vs \(theirs["d_high"]!)")
        }
    }

    @Test func rankBiserialIsCliffsDelta() throws {
        let a = [3.0, 4, 4, 5, 7], b = [1.0, 2, 4, 4, 6, 2]
        // Cliff's delta by definition: (#(a > b) − #(a < b)) / (n_A n_B).
        var greater = 0, less = 0
        for x in a { for y in b { if x > y { greater += 1 } else if x < y { less += 1 } } }
        let estimate = try EffectSizes.rankBiserial(a, b)
        #expect(abs(estimate.value - Double(greater - less) / 30) < 1e-15)
        #expect(estimate.low < estimate.value && estimate.value < estimate.high && estimate.low > -1 && estimate.high < 1)
        let separated = try EffectSizes.rankBiserial([10, 11, 12], [1, 2, 3])
        #expect(separated.value == 1 && separated.high <= 1 && separated.low < 1)
    }

    /// Kerby's matched-pairs r = (R⁺ − R⁻) / (R⁺ + R⁻), zeros dropped, ties averaged; the
    /// interval effectsize::rank_biserial(paired = TRUE) computes, worked by hand.
    @Test func pairedRankBiserialByHand() throws {
        let b = [5.0, 5, 5, 5, 5, 5, 5, 5, 5]
        let a = zip([1.0, -2, 3, 4, 0, 5, -1, 6, 2], b).map { $0 + $1 }
        // |d| ranks: 1,1 → 1.5; 2,2 → 3.5; 3 → 5; 4 → 6; 5 → 7; 6 → 8. R⁺ = 31, R⁻ = 5.
        let estimate = try EffectSizes.pairedRankBiserial(a, b)
        #expect(abs(estimate.value - 26.0 / 36) < 1e-15)
        let se = (204.0).squareRoot() / 36, z = 1.959963984540054
        #expect(abs(estimate.low - tanh(atanh(26.0 / 36) - z * se)) < 1e-12)
        #expect(abs(estimate.high - tanh(atanh(26.0 / 36) + z * se)) < 1e-12)
        #expect(throws: StatsError.constant(sample: "A − B")) { try EffectSizes.pairedRankBiserial(b, b) }
    }
}

@Suite struct SampleRatioMismatchTests {
    @Test func chiSquareMatchesSciPy() throws {
        var random = SeededGenerator(seed: 808)
        var cases: [[String: Any]] = [], inputs: [([Double], [Double])] = []
        for _ in 0..<80 {
            let arms = 2 + Int(random.next() % 4)
            let proportions = (0..<arms).map { _ in 1 + Double(random.next() % 3) }
            let observed = proportions.map { $0 * Double(20 + random.next() % 400) }.map { $0.rounded() }
            inputs.append((observed, proportions))
            cases.append(["kind": "chisquare", "observed": observed, "proportions": proportions])
        }
        guard let reference = try scipy(cases) else { return }
        for (index, (observed, proportions)) in inputs.enumerated() {
            let mine = try GoodnessOfFit.chiSquare(observed: observed, proportions: proportions)
            #expect(relativeError(mine.statistic, reference[index]["statistic"]!) < 1e-12, "case \(index)")
            #expect(relativeError(mine.pValue, reference[index]["p_value"]!) < 1e-9, "case \(index) p \(mine.pValue) vs \(reference[index]["p_value"]!)")
        }
    }

    @Test func aFiftyFiftySplitThatDriftsIsFlagged() throws {
        // 1,000 vs 1,100 samples meant to be equal: chi² = 2 · 50²/1050 ≈ 4.76, p ≈ 0.029.
        let drifted = try GoodnessOfFit.chiSquare(observed: [1000, 1100])
        #expect(abs(drifted.statistic - 5000.0 / 1050) < 1e-12 && drifted.pValue < 0.05)
        #expect(try GoodnessOfFit.chiSquare(observed: [500, 505]).pValue > 0.8)
        #expect(throws: StatsError.self) { try GoodnessOfFit.chiSquare(observed: [3, -1]) }
        #expect(throws: StatsError.self) { try GoodnessOfFit.chiSquare(observed: [3, 4], proportions: [1]) }
    }
}
