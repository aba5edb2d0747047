import COpenBLAS
import Foundation
import WorkbenchCore

/// Bradley–Terry strengths from pairwise preferences, as leaderboards of human votes fit
/// them: P(i preferred to j) = σ(sᵢ − sⱼ), estimated by penalised maximum likelihood
/// (λ/2 · |s|², which also pins the scale's origin) with Newton's method — the Hessian
/// XᵀWX + λI from one dsyrk, a Cholesky solve per step — and percentile intervals from
/// refitting bootstrap resamples of the comparisons.
public struct BradleyTerry: Codable, Sendable, Equatable {
    public struct Comparison: Codable, Sendable, Equatable {
        public var winner: Int
        public var loser: Int
        public init(winner: Int, loser: Int) {
            self.winner = winner
            self.loser = loser
        }
    }

    public var items: Int
    public var lambda: Double
    /// Strength of each item (log-odds scale).
    public var scores: [Double]
    public var iterations: Int
    /// Percentile bootstrap intervals of each strength, when asked for.
    public var low: [Double]?
    public var high: [Double]?

    public static func fit(items: Int, comparisons: [Comparison], lambda: Double = 1, tolerance: Double = 1e-10, maxIterations: Int = 100) throws -> BradleyTerry {
        try validate(items: items, comparisons: comparisons, lambda: lambda)
        // Each comparison is a row eᵂ − eᴸ with outcome 1: the logistic likelihood of the
        // orientation chosen, whichever it is, is the same.
        var design = Matrix(rows: comparisons.count, columns: items)
        for (row, comparison) in comparisons.enumerated() {
            design[row, comparison.winner] = 1
            design[row, comparison.loser] = -1
        }
        var scores = [Double](repeating: 0, count: items)
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            let z = try design.times(scores)
            let p = z.map { 1 / (1 + exp(-$0)) }
            // Gradient of the negative log-likelihood plus penalty: Xᵀ(p − 1) + λs.
            var gradient = try design.times(p.map { $0 - 1 }, transpose: true)
            cblas_daxpy(Int32(items), lambda, scores, 1, &gradient, 1)
            // Hessian: Xᵀ diag(p(1 − p)) X + λI, as the Gram matrix of √w-scaled rows.
            var scaled = design
            scaled.values.withUnsafeMutableBufferPointer { values in
                for row in 0..<comparisons.count {
                    cblas_dscal(Int32(items), (p[row] * (1 - p[row])).squareRoot(), values.baseAddress! + row * items, 1)
                }
            }
            var hessian = scaled.gram()
            hessian.addToDiagonal(lambda)
            let step = try hessian.choleskySolveInPlace(Matrix(rows: items, columns: 1, values: gradient)).values
            cblas_daxpy(Int32(items), -1, step, 1, &scores, 1)
            if step.map(abs).max() ?? 0 < tolerance { break }
        }
        return BradleyTerry(items: items, lambda: lambda, scores: scores, iterations: iterations, low: nil, high: nil)
    }

    /// The fit, with `confidence` percentile intervals from `resamples` bootstrap refits.
    public static func fitWithIntervals(items: Int, comparisons: [Comparison], lambda: Double = 1, resamples: Int = 200,
                                        confidence: Double = 0.95, seed: UInt64 = 1) throws -> BradleyTerry {
        var result = try fit(items: items, comparisons: comparisons, lambda: lambda)
        guard resamples >= 10 else { throw LearningError.invalidData(source: "--resamples", problem: "at least 10 bootstrap resamples, got \(resamples)") }
        var generator = SeededGenerator(seed: seed)
        var draws = [[Double]](repeating: [], count: items)
        for _ in 0..<resamples {
            let sample = (0..<comparisons.count).map { _ in comparisons[Int(generator.next() % UInt64(comparisons.count))] }
            let refit = try fit(items: items, comparisons: sample, lambda: lambda)
            for item in 0..<items { draws[item].append(refit.scores[item]) }
        }
        let tail = (1 - confidence) / 2
        func quantile(_ sorted: [Double], _ q: Double) -> Double {
            let position = q * Double(sorted.count - 1)
            let lower = Int(position.rounded(.down)), upper = min(sorted.count - 1, lower + 1)
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
        }
        result.low = draws.map { quantile($0.sorted(), tail) }
        result.high = draws.map { quantile($0.sorted(), 1 - tail) }
        return result
    }

    static func validate(items: Int, comparisons: [Comparison], lambda: Double) throws {
        guard items >= 2 else { throw LearningError.invalidData(source: "preferences", problem: "at least 2 items to rank, got \(items)") }
        guard !comparisons.isEmpty else { throw LearningError.invalidData(source: "preferences", problem: "no comparisons") }
        guard lambda > 0 else { throw LearningError.invalidData(source: "lambda", problem: "the penalty must be positive, got \(lambda)") }
        for (index, comparison) in comparisons.enumerated() {
            guard (0..<items).contains(comparison.winner), (0..<items).contains(comparison.loser) else {
                throw LearningError.invalidData(source: "comparison \(index + 1)", problem: "item \(max(comparison.winner, comparison.loser)) is not one of the \(items)")
            }
            guard comparison.winner != comparison.loser else {
                throw LearningError.invalidData(source: "comparison \(index + 1)", problem: "item \(comparison.winner) is compared with itself")
            }
        }
    }

    /// P(a preferred to b).
    public func probability(_ a: Int, over b: Int) -> Double { 1 / (1 + exp(scores[b] - scores[a])) }

    /// Items from strongest to weakest.
    public var ranking: [Int] { scores.indices.sorted { scores[$0] > scores[$1] } }
}

/// Kendall's τ-b between two orderings' scores (ties counted in neither pair direction).
public func kendallTau(_ a: [Double], _ b: [Double]) -> Double {
    var concordant = 0.0, discordant = 0.0, tiesA = 0.0, tiesB = 0.0
    for i in 0..<a.count {
        for j in (i + 1)..<max(i + 1, a.count) {
            let x = (a[i] - a[j]).sign, y = (b[i] - b[j]).sign
            let dx = a[i] == a[j], dy = b[i] == b[j]
            if dx && dy { continue }
            if dx { tiesA += 1; continue }
            if dy { tiesB += 1; continue }
            if x == y { concordant += 1 } else { discordant += 1 }
        }
    }
    let denominator = ((concordant + discordant + tiesA) * (concordant + discordant + tiesB)).squareRoot()
    return denominator > 0 ? (concordant - discordant) / denominator : .nan
}
