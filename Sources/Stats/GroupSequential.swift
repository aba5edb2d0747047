import Foundation
import WorkbenchCore

/// Group-sequential testing with Lan–DeMets alpha spending: a test may be looked at after
/// every batch (or every single sample) up to a planned maximum, and stopped at the first
/// look whose statistic crosses that look's boundary, with the overall false-positive rate
/// kept at alpha however many looks there are.
///
/// Why spending rather than a mixture SPRT: an mSPRT's always-valid p-values hold alpha for
/// unbounded peeking but, over a bounded experiment, spend far less than alpha (its A/A rate
/// sits well below the nominal level); spending alpha over the planned maximum uses all of it.
///
/// Boundaries are two-sided and symmetric on the z scale, computed by numerical integration
/// of the Brownian-motion density over the continuation region (Jennison & Turnbull 2000,
/// ch. 19; Armitage, McPherson & Rowe 1969), so looks need not be equally spaced nor known
/// in advance: each look's boundary depends only on the looks before it.
public enum GroupSequential {
    /// How alpha is spent as information accrues (t = n / n_max).
    public enum Spending: String, Sendable, CaseIterable, Codable {
        /// O'Brien–Fleming type: per side 2 − 2Φ(z_{1−α/4} / √t). Spends almost nothing early, so a
        /// test stopped early needs overwhelming evidence and the final look is nearly the
        /// fixed-sample test.
        case obrienFleming = "obrien-fleming"
        /// Pocock type: α ln(1 + (e − 1) t). Spends evenly: earlier stops, a stricter last look.
        case pocock

        /// Cumulative alpha spent by information fraction `t` (0…1).
        public func spent(_ alpha: Double, at t: Double) -> Double {
            let t = min(max(t, 0), 1)
            guard t > 0 else { return 0 }
            switch self {
            case .obrienFleming:
                // Each side spends α/2 by 2 − 2Φ(z_{1−α/4} / √t), as ldbounds and gsDesign do.
                let z = -SpecialFunctions.normalQuantile(alpha / 4)
                return 2 * (2 * Normal().sf(z / t.squareRoot()))
            case .pocock:
                return alpha * log(1 + (M_E - 1) * t)
            }
        }
    }

    public enum Failure: WorkbenchError, Equatable {
        case badFractions([Double])
        case badAlpha(Double)

        public var message: String {
            switch self {
            case .badFractions(let fractions): return "information fractions must increase strictly within (0, 1]: \(fractions)"
            case .badAlpha(let alpha): return "alpha \(alpha) is not between 0 and 1"
            }
        }

        public var fix: String? {
            switch self {
            case .badFractions: return "give looks as sample counts that grow, none above the planned maximum"
            case .badAlpha: return "use e.g. --alpha 0.05"
            }
        }

        public var exitStatus: ExitStatus { .usage }
    }

    /// The z boundary of each look: stop and reject at look k when |Z_k| ≥ boundaries[k].
    /// A look that has no alpha left to spend gets +∞.
    public static func boundaries(fractions: [Double], alpha: Double, spending: Spending = .obrienFleming) throws -> [Double] {
        // O'Brien–Fleming spending takes the normal quantile of alpha/4, which must not underflow to 0.
        guard alpha > 0, alpha < 1, alpha / 4 > 0 else { throw Failure.badAlpha(alpha) }
        guard !fractions.isEmpty, fractions.allSatisfy({ $0 > 0 && $0 <= 1 }), zip(fractions, fractions.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw Failure.badFractions(fractions)
        }
        var result: [Double] = []
        // The sub-density of S_t (the Brownian motion, variance t) over the continuation
        // region of the looks so far, on an equally spaced grid.
        var grid: [Double] = []
        var density: [Double] = []
        var previousT = 0.0
        var previousSpent = 0.0
        for t in fractions {
            let spent = spending.spent(alpha, at: t)
            let increment = spent - previousSpent
            let boundary: Double
            if result.isEmpty {
                boundary = increment > 1e-300 ? -SpecialFunctions.normalQuantile(increment / 2) : .infinity
            } else if increment <= 1e-15 {
                boundary = .infinity
            } else {
                let sd = (t - previousT).squareRoot()
                // Probability of crossing ±b·√t at this look without having crossed before.
                func crossing(_ b: Double) -> Double {
                    let edge = b * t.squareRoot()
                    let values = zip(grid, density).map { u, f in f * (Normal().cdf((-edge - u) / sd) + Normal().sf((edge - u) / sd)) }
                    return simpson(values, step: grid[1] - grid[0])
                }
                let (low, high) = SpecialFunctions.bisect(low: 0, high: 40) { crossing($0) > increment }
                boundary = (low + high) / 2
            }
            // Propagate the density to this look's continuation region (|S_t| < b·√t).
            let edge = boundary.isFinite ? boundary * t.squareRoot() : 10 * t.squareRoot()
            let sd = (t - previousT).squareRoot()
            // Fine enough for the increment's kernel and for the region itself.
            let points = max(201, Int(min(4001, (2 * edge) / (sd / 6))) | 1)
            let step = 2 * edge / Double(points - 1)
            let next = (0..<points).map { -edge + Double($0) * step }
            if result.isEmpty {
                density = next.map { exp(-$0 * $0 / (2 * t)) / (2 * Double.pi * t).squareRoot() }
            } else {
                let oldStep = grid[1] - grid[0]
                // Simpson weights folded into the old density once, then one kernel sum per point.
                let weighted = density.indices.map { i in
                    density[i] * (i == 0 || i == grid.count - 1 ? 1 : (i % 2 == 1 ? 4 : 2)) * oldStep / 3 / (sd * (2 * Double.pi).squareRoot())
                }
                density = next.map { s in
                    // The kernel is negligible beyond 9 sd: sum only where it is not.
                    // Clamped before the conversion: a far kernel edge is no Int.
                    let lower = Int(max(0, min(Double(grid.count), ((s - 9 * sd) - grid[0]) / oldStep)))
                    let upper = min(grid.count - 1, Int(max(-2, min(Double(grid.count), ((s + 9 * sd) - grid[0]) / oldStep))) + 1)
                    guard upper >= lower else { return 0 }
                    var sum = 0.0
                    for i in lower...upper {
                        let z = (s - grid[i]) / sd
                        sum += weighted[i] * exp(-z * z / 2)
                    }
                    return sum
                }
            }
            grid = next
            result.append(boundary)
            previousT = t
            previousSpent = boundary.isFinite ? spent : previousSpent
        }
        return result
    }

    /// Composite Simpson's rule over equally spaced values (an odd count; an even count
    /// closes with the trapezoid on its last interval).
    static func simpson(_ values: [Double], step: Double) -> Double {
        let n = values.count
        guard n >= 3 else { return n == 2 ? (values[0] + values[1]) * step / 2 : 0 }
        let last = n % 2 == 1 ? n - 1 : n - 2
        var sum = values[0] + values[last]
        var index = 1
        while index < last {
            sum += (index % 2 == 1 ? 4 : 2) * values[index]
            index += 1
        }
        var total = sum * step / 3
        if last != n - 1 { total += (values[n - 2] + values[n - 1]) * step / 2 }
        return total
    }

    /// The two-sided nominal p-value a look must reach: the boundary's normal tail area.
    /// With an estimated variance, a test compares its t-test p-value with this level (the
    /// "significance level" approach, Jennison & Turnbull §3.8), which keeps the overall
    /// rate close to alpha with small samples where z boundaries on t statistics would not.
    public static func nominalLevel(boundary: Double) -> Double {
        boundary.isFinite ? 2 * Normal().sf(boundary) : 0
    }
}
