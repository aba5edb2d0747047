import COpenBLAS
import Foundation
import WorkbenchCore

public enum LearningError: WorkbenchError, Equatable {
    case shapeMismatch(operation: String, left: String, right: String)
    case notPositiveDefinite(order: Int, failedAt: Int)
    case lapack(routine: String, info: Int)
    /// Training data that cannot be learned from, naming where (file:line, field) and why.
    case invalidData(source: String, problem: String)
    case incompatibleModel(path: String, problem: String)
    case unreadableModel(path: String, detail: String)

    public var message: String {
        switch self {
        case .shapeMismatch(let operation, let left, let right): return "\(operation): shapes do not fit (\(left) and \(right))"
        case .notPositiveDefinite(let order, let at): return "the \(order)×\(order) system is not positive definite (Cholesky failed at column \(at))"
        case .lapack(let routine, let info): return "LAPACK \(routine) rejected argument \(-info)"
        case .invalidData(let source, let problem): return "\(source): \(problem)"
        case .incompatibleModel(let path, let problem): return "\(path): \(problem)"
        case .unreadableModel(let path, let detail): return "\(path): not a workbench model (\(detail))"
        }
    }

    public var fix: String? {
        switch self {
        case .notPositiveDefinite: return "raise the ridge penalty (alpha), or drop constant or duplicated features"
        case .invalidData: return "each JSONL line needs the text and a finite target; see `workbench train predictor --help`"
        case .incompatibleModel: return "train the model again with this build: `workbench train predictor`"
        case .unreadableModel: return "give a file written by `workbench train predictor --out`"
        default: return nil
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidData, .incompatibleModel, .unreadableModel: return .dataError
        default: return .internalError
        }
    }
}

/// Ridge regression in closed form, as scikit-learn's `Ridge(alpha, fit_intercept=True)`:
/// the features and target are centred, the intercept is not penalised, and
/// w = (XᵀX + αI)⁻¹ Xᵀy — or, with more features than rows, w = Xᵀ(XXᵀ + αI)⁻¹y (the same w,
/// solved in the smaller dimension). Both through dsyrk and a Cholesky solve.
public struct RidgeRegression: Sendable, Equatable, Codable {
    public var alpha: Double
    public var weights: [Double]
    public var intercept: Double

    public init(alpha: Double, weights: [Double], intercept: Double) {
        self.alpha = alpha
        self.weights = weights
        self.intercept = intercept
    }

    public static func fit(_ x: Matrix, _ y: [Double], alpha: Double) throws -> RidgeRegression {
        try Problem(x, y).solve(alpha: alpha)
    }

    /// How the primal system's Gram matrix is formed.
    public enum Precision: Sendable {
        /// dsyrk, then a double-precision Cholesky solve.
        case double
        /// ssyrk (twice dsyrk's rate), its Cholesky factor used only to precondition
        /// conjugate gradients on the exact double-precision system, applied through X. The
        /// answer is double precision's; a system single precision cannot factor falls back
        /// to `double`.
        case mixed
        /// `mixed` once XᵀX costs 10¹⁰ multiply–adds or more (where the Gram is the fit's
        /// cost), `double` below.
        case automatic
    }

    /// The centred data's Gram matrix (or kernel) and cross-products, formed once: each
    /// penalty is then one Cholesky solve, so cross-validating many penalties costs one dsyrk.
    public struct Problem: Sendable {
        let means: [Double]
        let yMean: Double
        let dual: Bool
        /// XcᵀXc (primal) or XcXcᵀ (dual), Xc the column-centred X; nil when single precision stands in.
        let gram: Matrix?
        /// XcᵀXc in single precision (row-major upper), for the mixed-precision solve.
        let singleGram: [Float]?
        /// Xcᵀyc (primal) or yc (dual).
        let right: [Double]
        /// X itself (shared, not copied), for the dual's w = Xcᵀa and the mixed solve's products.
        let x: Matrix?

        /// Centring is folded into the products instead of copying X: XcᵀXc = XᵀX − n·x̄x̄ᵀ
        /// (and the kernel's equivalent), rank-one updates after one dsyrk. A centred copy of a
        /// 20,000 × 4,096 matrix cost 1.6 s of page faults, more than a third of the fit. The
        /// subtraction loses precision only where a column's mean dwarfs its spread, which
        /// standardised and TF-IDF features never do.
        public init(_ x: Matrix, _ y: [Double], precision: Precision = .automatic) throws {
            guard x.rows == y.count else { throw LearningError.shapeMismatch(operation: "ridge fit", left: x.shape, right: "\(y.count) targets") }
            guard x.rows >= 2 else { throw LearningError.invalidData(source: "training data", problem: "ridge needs at least 2 rows, got \(x.rows)") }
            let means = x.columnMeans(), yMean = y.reduce(0, +) / Double(y.count)
            self.means = means
            self.yMean = yMean
            let yc = y.map { $0 - yMean }
            let wide = x.columns > x.rows
            dual = wide
            if wide {
                // (XcXcᵀ)ᵢⱼ = (XXᵀ)ᵢⱼ − uᵢ − uⱼ + x̄ᵀx̄, with u = X x̄.
                var kernel = x.outerGram()
                let u = try x.times(means)
                let ones = [Double](repeating: 1, count: x.rows)
                try kernel.addOuterProduct(ones, u, scale: -1)
                try kernel.addOuterProduct(u, ones, scale: -1)
                try kernel.addOuterProduct(ones, ones, scale: means.reduce(0) { $0 + $1 * $1 })
                gram = kernel
                singleGram = nil
                right = yc
                self.x = x
            } else {
                let work = Double(x.rows) * Double(x.columns) * Double(x.columns)
                let mixed = precision == .mixed || (precision == .automatic && work >= 1e10)
                if mixed {
                    gram = nil
                    singleGram = x.singlePrecisionGram(subtractingMeans: means)
                    self.x = x
                } else {
                    gram = try Self.centredGram(x, means: means)
                    singleGram = nil
                    self.x = nil
                }
                // Xcᵀyc = Xᵀyc (yc sums to zero, so the column means drop out).
                right = try x.times(yc, transpose: true)
            }
        }

        public func solve(alpha: Double) throws -> RidgeRegression {
            guard alpha > 0 else { throw LearningError.invalidData(source: "alpha", problem: "the penalty must be positive, got \(alpha)") }
            var weights: [Double]
            if let singleGram, let x {
                if let solved = try Self.conjugateGradients(x: x, means: means, right: right, alpha: alpha, preconditioner: singleGram) {
                    weights = solved
                } else {
                    var system = try Self.centredGram(x, means: means)
                    system.addToDiagonal(alpha)
                    weights = try system.choleskySolveInPlace(Matrix(rows: right.count, columns: 1, values: right)).values
                }
            } else {
                var system = gram!
                system.addToDiagonal(alpha)
                let solution = try system.choleskySolveInPlace(Matrix(rows: right.count, columns: 1, values: right)).values
                weights = solution
                if dual, let x {
                    // w = Xcᵀa = Xᵀa − x̄ Σa.
                    weights = try x.times(solution, transpose: true)
                    let total = solution.reduce(0, +)
                    for index in weights.indices { weights[index] -= means[index] * total }
                }
            }
            // b = ȳ − x̄ · w
            let shift = zip(means, weights).reduce(0) { $0 + $1.0 * $1.1 }
            return RidgeRegression(alpha: alpha, weights: weights, intercept: yMean - shift)
        }

        /// XcᵀXc = XᵀX − n·x̄x̄ᵀ: one dsyrk and a rank-one update.
        static func centredGram(_ x: Matrix, means: [Double]) throws -> Matrix {
            var gram = x.gram()
            try gram.addOuterProduct(means, means, scale: -Double(x.rows))
            return gram
        }

        /// Solves (XcᵀXc + αI) w = right by conjugate gradients preconditioned with the
        /// single-precision Cholesky factor of the same system: the products go through X in
        /// double precision (two dgemv), so the answer is the double-precision one, reached in
        /// a few iterations because the preconditioner is the system to seven digits. Nil when
        /// single precision cannot factor it or it does not converge (the caller solves in double).
        static func conjugateGradients(x: Matrix, means: [Double], right: [Double], alpha: Double, preconditioner gram: [Float]) throws -> [Double]? {
            let p = x.columns
            var factor = gram
            for i in 0..<p { factor[i * p + i] += Float(alpha) }
            var order = Int32(p), info: Int32 = 0
            var lower = Int8(UInt8(ascii: "L"))
            spotrf_(&lower, &order, &factor, &order, &info)
            guard info == 0 else { return nil }
            func precondition(_ r: [Double]) -> [Double] {
                var b = r.map(Float.init)
                var one: Int32 = 1, status: Int32 = 0
                spotrs_(&lower, &order, &one, factor, &order, &b, &order, &status)
                return b.map(Double.init)
            }
            // (XcᵀXc + αI) v = Xᵀ(Xv − (x̄·v)1) + αv: Xc's columns sum to zero, so Xcᵀu = Xᵀu for a centred u.
            func apply(_ v: [Double]) throws -> [Double] {
                let shift = cblas_ddot(Int32(p), means, 1, v, 1)
                let u = try x.times(v).map { $0 - shift }
                var result = try x.times(u, transpose: true)
                cblas_daxpy(Int32(p), alpha, v, 1, &result, 1)
                return result
            }
            // Converged when the residual is what a backward-stable double solve leaves
            // (LAPACK dsposv's test): ‖r‖ ≤ √p · ε · ‖A‖ · ‖w‖, ‖A‖ bounded by its trace.
            var trace = Double(p) * alpha
            for i in 0..<p { trace += Double(gram[i * p + i]) }
            let bound = Double(p).squareRoot() * Double.ulpOfOne * trace
            func converged(_ r: [Double], _ w: [Double]) -> Bool { cblas_dnrm2(Int32(p), r, 1) <= bound * cblas_dnrm2(Int32(p), w, 1) }
            func residual(_ w: [Double]) throws -> [Double] {
                var r = right
                cblas_daxpy(Int32(p), -1, try apply(w), 1, &r, 1)
                return r
            }
            var w = precondition(right)
            var r = try residual(w)
            var z = precondition(r), direction = z
            var rz = cblas_ddot(Int32(p), r, 1, z, 1)
            for _ in 0..<30 where !converged(r, w) {
                let q = try apply(direction)
                let step = rz / cblas_ddot(Int32(p), direction, 1, q, 1)
                cblas_daxpy(Int32(p), step, direction, 1, &w, 1)
                cblas_daxpy(Int32(p), -step, q, 1, &r, 1)
                z = precondition(r)
                let next = cblas_ddot(Int32(p), r, 1, z, 1)
                let beta = next / rz
                rz = next
                // direction = z + β · direction
                cblas_dscal(Int32(p), beta, &direction, 1)
                cblas_daxpy(Int32(p), 1, z, 1, &direction, 1)
            }
            // The recurrence's residual drifts from the true one: check the true one.
            return cblas_dnrm2(Int32(p), try residual(w), 1) <= 10 * bound * cblas_dnrm2(Int32(p), w, 1) ? w : nil
        }
    }

    public func predict(_ x: Matrix) throws -> [Double] {
        try x.times(weights).map { $0 + intercept }
    }
}

/// Held-out figures of a regression: what `train` reports and a model file keeps.
public struct RegressionMetrics: Codable, Sendable, Equatable {
    public var r2: Double
    public var mae: Double
    public var spearman: Double
    public var n: Int

    public static func of(predictions: [Double], targets: [Double]) -> RegressionMetrics {
        let n = targets.count
        let mean = targets.reduce(0, +) / Double(max(1, n))
        let residual = zip(predictions, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let total = targets.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let mae = zip(predictions, targets).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(max(1, n))
        return RegressionMetrics(r2: total > 0 ? 1 - residual / total : .nan, mae: mae, spearman: spearman(predictions, targets), n: n)
    }

    /// Spearman's rank correlation: Pearson's on mid-ranks (ties share their mean rank).
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        pearson(averageRanks(a).ranks, averageRanks(b).ranks)
    }

    static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        guard n > 1 else { return .nan }
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            sab += (x - ma) * (y - mb)
            saa += (x - ma) * (x - ma)
            sbb += (y - mb) * (y - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : .nan
    }
}
