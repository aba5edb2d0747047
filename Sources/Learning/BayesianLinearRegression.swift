import Foundation

/// Bayesian linear regression with known noise: weights w ~ N(0, τ²I), observation i is
/// xᵢ·w + εᵢ with εᵢ ~ N(0, σᵢ²). The posterior is N(A⁻¹XᵀWy, A⁻¹) with
/// A = XᵀWX + I/τ², W = diag(1/σᵢ²): ridge regression without an intercept (λ = σ²/τ² for
/// equal noise), plus the posterior covariance, so a prediction comes with its uncertainty.
/// The prompt optimiser's surrogate: it ranks untried candidates by an upper confidence bound.
public struct BayesianLinearRegression: Sendable {
    public let weights: [Double]
    /// A = XᵀWX + I/τ², kept to solve for predictive variances.
    let precision: Matrix

    /// `noise[i]` is σᵢ², the variance of observation i (e.g. a mean's squared standard error).
    public init(_ x: Matrix, _ y: [Double], noise: [Double], priorVariance: Double) throws {
        guard x.rows == y.count, y.count == noise.count else {
            throw LearningError.shapeMismatch(operation: "Bayesian regression", left: x.shape, right: "\(y.count) targets, \(noise.count) noise variances")
        }
        guard priorVariance > 0, priorVariance.isFinite else { throw LearningError.invalidData(source: "prior variance", problem: "must be positive, got \(priorVariance)") }
        if let bad = noise.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw LearningError.invalidData(source: "noise variances", problem: "row \(bad + 1) has \(noise[bad]); every variance must be positive")
        }
        if let bad = y.firstIndex(where: { !$0.isFinite }) { throw LearningError.invalidData(source: "targets", problem: "row \(bad + 1) is \(y[bad])") }
        // Rows scaled by 1/σᵢ turn the weighted problem into an ordinary one.
        let scales = noise.map { 1 / $0.squareRoot() }
        var scaled = x.values
        for row in 0..<x.rows {
            for column in 0..<x.columns { scaled[row * x.columns + column] *= scales[row] }
        }
        let weighted = try Matrix(rows: x.rows, columns: x.columns, values: scaled)
        var precision = weighted.gram()
        precision.addToDiagonal(1 / priorVariance)
        let right = try weighted.times(zip(y, scales).map { $0 * $1 }, transpose: true)
        self.precision = precision
        weights = try precision.choleskySolve(right)
    }

    /// The posterior mean and standard deviation of x·w for each row of `x` (one solve for all rows).
    public func predict(_ x: Matrix) throws -> [(mean: Double, sd: Double)] {
        guard x.columns == weights.count else { throw LearningError.shapeMismatch(operation: "Bayesian prediction", left: x.shape, right: "\(weights.count) weights") }
        guard x.rows > 0 else { return [] }
        let means = try x.times(weights)
        // Z = A⁻¹Xᵀ; the variance of row i is xᵢ·zᵢ.
        let solved = try precision.choleskySolve(Matrix.transpose(x))
        return (0..<x.rows).map { row in
            var variance = 0.0
            for column in 0..<x.columns { variance += x[row, column] * solved[column, row] }
            return (means[row], max(0, variance).squareRoot())
        }
    }
}
