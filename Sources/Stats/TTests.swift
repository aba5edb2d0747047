import Foundation
import WorkbenchCore

public enum Alternative: String, Sendable, CaseIterable, Codable {
    case twoSided = "two-sided", less, greater
}

/// The outcome of a hypothesis test, with the fields `workbench stats --json` prints.
public struct TestResult: Sendable, Equatable {
    public var test: String
    public var statistic: Double
    public var pValue: Double
    public var df: Double?
    /// Confidence interval of the location difference (mean difference for t tests).
    public var ciLow: Double
    public var ciHigh: Double
    public var confidence: Double
    /// Standardised effect: Cohen's d (Welch: difference over the mean of the two variances'
    /// root), Hedges' g (Student), d_z (paired), d (one sample against mu).
    public var effectSize: Double
    public var estimate: Double
    public var nA: Int
    public var nB: Int?
}

public enum StatsError: WorkbenchError, Equatable {
    case empty(sample: String)
    case nonFinite(sample: String, index: Int)
    case constant(sample: String)
    case tooSmall(sample: String, count: Int, needed: Int)
    case mismatchedPairs(countA: Int, countB: Int)
    case badConfidence(Double)
    case badProbability(index: Int, value: Double)
    /// Every value is finite, but a sum, variance or statistic computed from them is not.
    case overflow(sample: String)

    public var message: String {
        switch self {
        case .empty(let sample): return "sample \(sample) is empty"
        case .nonFinite(let sample, let index): return "sample \(sample) has a value that is not a finite number at position \(index + 1)"
        case .constant(let sample): return "sample \(sample) is constant: its variance is zero and the t statistic is undefined"
        case .tooSmall(let sample, let count, let needed): return "sample \(sample) has \(count) value\(count == 1 ? "" : "s"); this test needs at least \(needed)"
        case .mismatchedPairs(let a, let b): return "paired samples differ in length: \(a) and \(b)"
        case .badConfidence(let value): return "confidence \(value) is not between 0 and 1"
        case .badProbability(let index, let value): return "p-value \(value) at position \(index + 1) is not between 0 and 1"
        case .overflow(let sample): return "sample \(sample) is beyond double precision: a sum, variance or statistic computed from its values is not a finite number"
        }
    }

    public var fix: String? {
        switch self {
        case .empty, .tooSmall: return "give more observations, one number per line"
        case .nonFinite: return "remove NaN and infinite values (or the line that is not a number)"
        case .constant: return "a constant sample carries no variance: check the data, or use a test that does not need it"
        case .mismatchedPairs: return "paired tests need one value of B for each value of A, in the same order"
        case .badConfidence: return "use e.g. --confidence 0.95"
        case .badProbability: return "p-values are probabilities: check that the column holds p-values, one per line"
        case .overflow: return "check the values for a corrupt one (e.g. 1e300); otherwise rescale them all (divide by a power of ten): the tests do not depend on the unit"
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}

/// t tests, with SciPy's conventions: `ttest_ind(equal_var=False)` (Welch),
/// `ttest_ind(equal_var=True)` (Student), `ttest_rel` (paired) and `ttest_1samp`.
public enum TTests {
    public static func welch(_ a: [Double], _ b: [Double], alternative: Alternative = .twoSided, confidence: Double = 0.95) throws -> TestResult {
        let (sa, sb) = (try Summary(a, name: "A", minimum: 2), try Summary(b, name: "B", minimum: 2))
        guard sa.variance > 0 || sb.variance > 0 else { throw StatsError.constant(sample: "A and B") }
        let va = sa.variance / Double(sa.count), vb = sb.variance / Double(sb.count)
        let se = (va + vb).squareRoot()
        let df = satterthwaite(va, sa.count, vb, sb.count)
        let difference = sa.mean - sb.mean
        let effect = difference / (sa.variance / 2 + sb.variance / 2).squareRoot()
        return try result("welch", estimate: difference, se: se, df: df, alternative: alternative, confidence: confidence,
                          effect: effect, nA: sa.count, nB: sb.count, sample: "A and B")
    }

    public static func student(_ a: [Double], _ b: [Double], alternative: Alternative = .twoSided, confidence: Double = 0.95) throws -> TestResult {
        let (sa, sb) = (try Summary(a, name: "A", minimum: 2), try Summary(b, name: "B", minimum: 2))
        let df = Double(sa.count + sb.count - 2)
        let pooled = sa.pooledVariance(with: sb)
        guard pooled > 0 else { throw StatsError.constant(sample: "A and B") }
        guard pooled.isFinite else { throw StatsError.overflow(sample: "A and B") }
        let se = (pooled * (1 / Double(sa.count) + 1 / Double(sb.count))).squareRoot()
        let difference = sa.mean - sb.mean
        // Hedges' g: Cohen's d with the small-sample correction J = 1 − 3 / (4(nA + nB) − 9).
        let g = difference / pooled.squareRoot() * (1 - 3 / (4 * Double(sa.count + sb.count) - 9))
        return try result("student", estimate: difference, se: se, df: df, alternative: alternative, confidence: confidence,
                          effect: g, nA: sa.count, nB: sb.count, sample: "A and B")
    }

    public static func paired(_ a: [Double], _ b: [Double], alternative: Alternative = .twoSided, confidence: Double = 0.95) throws -> TestResult {
        guard a.count == b.count else { throw StatsError.mismatchedPairs(countA: a.count, countB: b.count) }
        _ = try Summary(b, name: "B", minimum: 2)
        let differences = zip(a, b).map { $0 - $1 }
        // A non-finite value of A itself is reported as such by the one-sample test below.
        if zip(a, b).contains(where: { $0.isFinite && $1.isFinite && !($0 - $1).isFinite }) { throw StatsError.overflow(sample: "A − B") }
        var outcome = try oneSample(differences, mu: 0, alternative: alternative, confidence: confidence, name: "A − B")
        outcome.test = "paired"
        outcome.nB = b.count
        return outcome
    }

    public static func oneSample(_ a: [Double], mu: Double = 0, alternative: Alternative = .twoSided, confidence: Double = 0.95, name: String = "A") throws -> TestResult {
        let s = try Summary(a, name: name, minimum: 2)
        guard s.variance > 0 else { throw StatsError.constant(sample: name) }
        let sd = s.variance.squareRoot()
        let se = sd / Double(s.count).squareRoot()
        var outcome = try result("onesample", estimate: s.mean - mu, se: se, df: Double(s.count - 1), alternative: alternative,
                                 confidence: confidence, effect: (s.mean - mu) / sd, nA: s.count, nB: nil, sample: name)
        // The interval is for the mean itself, as SciPy reports it.
        outcome.ciLow += mu
        outcome.ciHigh += mu
        return outcome
    }

    static func result(_ test: String, estimate: Double, se: Double, df: Double, alternative: Alternative, confidence: Double,
                       effect: Double, nA: Int, nB: Int?, sample: String) throws -> TestResult {
        guard confidence > 0, confidence < 1 else { throw StatsError.badConfidence(confidence) }
        // A variance too small for its square root over n (denormal) is as good as none.
        guard se != 0 else { throw StatsError.constant(sample: sample) }
        let t = estimate / se
        guard estimate.isFinite, se.isFinite, t.isFinite, df.isFinite, df > 0, effect.isFinite else { throw StatsError.overflow(sample: sample) }
        let distribution = StudentT(df: df)
        let p: Double
        let low: Double, high: Double
        switch alternative {
        case .twoSided:
            p = min(1, 2 * distribution.sf(abs(t)))
            let q = distribution.quantile(0.5 + confidence / 2)
            (low, high) = (estimate - q * se, estimate + q * se)
        case .less:
            p = distribution.cdf(t)
            (low, high) = (-.infinity, estimate + distribution.quantile(confidence) * se)
        case .greater:
            p = distribution.sf(t)
            (low, high) = (estimate - distribution.quantile(confidence) * se, .infinity)
        }
        return TestResult(test: test, statistic: t, pValue: p, df: df, ciLow: low, ciHigh: high, confidence: confidence,
                          effectSize: effect, estimate: estimate, nA: nA, nB: nB)
    }
}

/// Count, mean and sample variance (n − 1), in two passes as NumPy computes them (mean
/// first, then squared deviations from it), after checking the data.
/// A − B, after checking A, then B, then that they pair up.
func pairedDifferences(_ a: [Double], _ b: [Double], minimum: Int) throws -> [Double] {
    _ = try Summary(a, name: "A", minimum: minimum)
    _ = try Summary(b, name: "B", minimum: minimum)
    guard a.count == b.count else { throw StatsError.mismatchedPairs(countA: a.count, countB: b.count) }
    let differences = zip(a, b).map { $0 - $1 }
    if differences.contains(where: { !$0.isFinite }) { throw StatsError.overflow(sample: "A − B") }
    return differences
}

/// Welch–Satterthwaite degrees of freedom of two variances of a mean (va of a sample of na,
/// vb of nb). Both are first divided by the power of two nearest the larger, which is exact
/// and changes nothing, except that their squares can no longer overflow.
func satterthwaite(_ va: Double, _ na: Int, _ vb: Double, _ nb: Int) -> Double {
    let largest = max(va, vb)
    guard largest > 0, largest.isFinite else { return .nan }
    let scale = Double(sign: .plus, exponent: largest.exponent, significand: 1)
    let (a, b) = (va / scale, vb / scale)
    return (a + b) * (a + b) / (a * a / Double(na - 1) + b * b / Double(nb - 1))
}

struct Summary {
    let count: Int
    let mean: Double
    let variance: Double

    init(_ values: [Double], name: String, minimum: Int) throws {
        guard !values.isEmpty else { throw StatsError.empty(sample: name) }
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw StatsError.nonFinite(sample: name, index: bad) }
        guard values.count >= minimum else { throw StatsError.tooSmall(sample: name, count: values.count, needed: minimum) }
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        // Finite values whose sum or squared deviations overflow: no statistic can follow.
        guard mean.isFinite, squares.isFinite else { throw StatsError.overflow(sample: name) }
        count = values.count
        self.mean = mean
        variance = values.count > 1 ? squares / Double(values.count - 1) : 0
    }

    /// The two samples' variance pooled over count + other.count − 2 degrees of freedom.
    func pooledVariance(with other: Summary) -> Double {
        (Double(count - 1) * variance + Double(other.count - 1) * other.variance) / Double(count + other.count - 2)
    }
}
