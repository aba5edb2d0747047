import COpenBLAS
import Foundation

/// A dense row-major matrix of doubles whose arithmetic is OpenBLAS's: products are dgemm,
/// dgemv and dsyrk, rank-one updates dger, solves LAPACK's Cholesky. Shapes are checked
/// before any call, so a mismatch is an error naming both shapes, never a crash in BLAS.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Row-major: element (i, j) is `values[i * columns + j]`.
    public var values: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0)
        self.rows = rows
        self.columns = columns
        values = [Double](repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, values: [Double]) throws {
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw LearningError.shapeMismatch(operation: "Matrix(rows:columns:values:)", left: "\(rows)×\(columns)", right: "\(values.count) values")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Rows given as arrays of equal length.
    public init(_ rowArrays: [[Double]]) throws {
        let width = rowArrays.first?.count ?? 0
        for (index, row) in rowArrays.enumerated() where row.count != width {
            throw LearningError.shapeMismatch(operation: "Matrix(rows)", left: "row 0 has \(width) values", right: "row \(index) has \(row.count)")
        }
        try self.init(rows: rowArrays.count, columns: width, values: rowArrays.flatMap { $0 })
    }

    public static func identity(_ n: Int) -> Matrix {
        var result = Matrix(rows: n, columns: n)
        for i in 0..<n { result.values[i * n + i] = 1 }
        return result
    }

    public var shape: String { "\(rows)×\(columns)" }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    public func row(_ index: Int) -> ArraySlice<Double> { values[(index * columns)..<((index + 1) * columns)] }

    /// The rows at `indices`, in that order (a fold's training or held-out part).
    public func rows(_ indices: [Int]) -> Matrix {
        var result = Matrix(rows: indices.count, columns: columns)
        result.values.withUnsafeMutableBufferPointer { out in
            values.withUnsafeBufferPointer { source in
                for (target, index) in indices.enumerated() {
                    // One contiguous row copy each: dcopy would cost more in call overhead than it saves.
                    (out.baseAddress! + target * columns).update(from: source.baseAddress! + index * columns, count: columns)
                }
            }
        }
        return result
    }

    /// Columns side by side: [self | other], for appending dense features to hashed ones.
    public func appendingColumns(_ other: Matrix) throws -> Matrix {
        guard other.rows == rows else { throw LearningError.shapeMismatch(operation: "appendingColumns", left: shape, right: other.shape) }
        var result = Matrix(rows: rows, columns: columns + other.columns)
        for i in 0..<rows {
            result.values.replaceSubrange((i * result.columns)..<(i * result.columns + columns), with: row(i))
            result.values.replaceSubrange((i * result.columns + columns)..<((i + 1) * result.columns), with: other.row(i))
        }
        return result
    }

    // MARK: BLAS

    /// op(a) · op(b) × alpha, where op transposes when asked (dgemm).
    public static func product(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false, alpha: Double = 1) throws -> Matrix {
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (k2, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        guard k == k2 else {
            throw LearningError.shapeMismatch(operation: "product", left: (transposeA ? "(\(a.shape))ᵀ" : a.shape), right: (transposeB ? "(\(b.shape))ᵀ" : b.shape))
        }
        var c = Matrix(rows: m, columns: n)
        guard m > 0, n > 0 else { return c }
        if k == 0 { return c }
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a.values, Int32(a.columns), b.values, Int32(b.columns), 0, &c.values, Int32(n))
        return c
    }

    /// op(self) · x (dgemv).
    public func times(_ x: [Double], transpose: Bool = false) throws -> [Double] {
        let (outLength, inLength) = transpose ? (columns, rows) : (rows, columns)
        guard x.count == inLength else {
            throw LearningError.shapeMismatch(operation: "times", left: transpose ? "(\(shape))ᵀ" : shape, right: "vector of \(x.count)")
        }
        var y = [Double](repeating: 0, count: outLength)
        guard rows > 0, columns > 0 else { return y }
        cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), 1, values, Int32(columns), x, 1, 0, &y, 1)
        return y
    }

    /// selfᵀ · self (dsyrk on the upper triangle, mirrored): the Gram matrix of the columns.
    public func gram() -> Matrix { syrk(transposed: true) }

    /// self · selfᵀ (dsyrk): the Gram matrix of the rows, the kernel of the dual ridge.
    public func outerGram() -> Matrix { syrk(transposed: false) }

    private func syrk(transposed: Bool) -> Matrix {
        let (order, depth) = transposed ? (columns, rows) : (rows, columns)
        var c = Matrix(rows: order, columns: order)
        guard rows > 0, columns > 0 else { return c }
        cblas_dsyrk(CblasRowMajor, CblasUpper, transposed ? CblasTrans : CblasNoTrans, Int32(order), Int32(depth), 1, values, Int32(columns), 0,
                    &c.values, Int32(order))
        c.mirrorUpper()
        return c
    }

    /// selfᵀ · self in single precision (ssyrk, twice dsyrk's rate), minus `n · meanᵀmean`
    /// when means are given (the centred Gram). Row-major upper triangle only — which
    /// column-major LAPACK reads as the lower. For preconditioning, not for answers.
    public func singlePrecisionGram(subtractingMeans means: [Double]? = nil) -> [Float] {
        var result = [Float](repeating: 0, count: columns * columns)
        guard rows > 0, columns > 0 else { return result }
        // Converted and accumulated a block of rows at a time: a float copy of the whole
        // matrix would be hundreds of MB of page faults; a block stays in cache-sized reach.
        let blockRows = max(1, min(rows, 1 << 20 / max(columns, 1)))
        var block = [Float](repeating: 0, count: blockRows * columns)
        var start = 0
        values.withUnsafeBufferPointer { source in
            while start < rows {
                let count = min(blockRows, rows - start)
                block.withUnsafeMutableBufferPointer { target in
                    for index in 0..<(count * columns) { target[index] = Float(source[start * columns + index]) }
                }
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(count), 1, block, Int32(columns), start == 0 ? 0 : 1,
                            &result, Int32(columns))
                start += count
            }
        }
        if let means {
            let meansSingle = means.map(Float.init)
            cblas_sger(CblasRowMajor, Int32(columns), Int32(columns), -Float(rows), meansSingle, 1, meansSingle, 1, &result, Int32(columns))
        }
        return result
    }

    private mutating func mirrorUpper() {
        let n = rows
        values.withUnsafeMutableBufferPointer { v in
            for i in 1..<max(1, n) {
                // Column i above the diagonal becomes row i left of it: a strided copy.
                cblas_dcopy(Int32(i), v.baseAddress! + i, Int32(n), v.baseAddress! + i * n, 1)
            }
        }
    }

    /// The mean of each column (a dgemv with a vector of 1/rows).
    public func columnMeans() -> [Double] {
        guard rows > 0 else { return [Double](repeating: 0, count: columns) }
        return (try? times([Double](repeating: 1 / Double(rows), count: rows), transpose: true)) ?? []
    }

    /// Subtracts `vector` from every row (dger: self −= 1 · vectorᵀ).
    public mutating func subtractFromEveryRow(_ vector: [Double]) throws {
        guard vector.count == columns else { throw LearningError.shapeMismatch(operation: "subtractFromEveryRow", left: shape, right: "vector of \(vector.count)") }
        guard rows > 0, columns > 0 else { return }
        let ones = [Double](repeating: 1, count: rows)
        cblas_dger(CblasRowMajor, Int32(rows), Int32(columns), -1, ones, 1, vector, 1, &values, Int32(columns))
    }

    /// self += scale · u vᵀ (dger).
    public mutating func addOuterProduct(_ u: [Double], _ v: [Double], scale: Double) throws {
        guard u.count == rows, v.count == columns else {
            throw LearningError.shapeMismatch(operation: "addOuterProduct", left: shape, right: "\(u.count) × \(v.count)")
        }
        guard rows > 0, columns > 0 else { return }
        cblas_dger(CblasRowMajor, Int32(rows), Int32(columns), scale, u, 1, v, 1, &values, Int32(columns))
    }

    /// Adds `value` to the diagonal (the ridge penalty).
    public mutating func addToDiagonal(_ value: Double) {
        let n = min(rows, columns)
        for i in 0..<n { values[i * columns + i] += value }
    }

    // MARK: LAPACK

    /// Solves self · X = B for a symmetric positive-definite self (dposv, Cholesky), B given
    /// as a rows × k matrix; self is taken whole (it is symmetric, so row- and column-major agree).
    public func choleskySolve(_ b: Matrix) throws -> Matrix {
        var factor = self
        return try factor.choleskySolveInPlace(b)
    }

    /// As `choleskySolve`, overwriting self with its Cholesky factor instead of copying it
    /// first (a 4,096² system is 134 MB: its copy cost more than the factorisation).
    public mutating func choleskySolveInPlace(_ b: Matrix) throws -> Matrix {
        guard rows == columns else { throw LearningError.shapeMismatch(operation: "choleskySolve", left: shape, right: "a square matrix") }
        guard b.rows == rows else { throw LearningError.shapeMismatch(operation: "choleskySolve", left: shape, right: b.shape) }
        guard rows > 0 else { return b }
        // LAPACK is column-major: B's columns are the right-hand sides, so send Bᵀ's rows.
        var rhs = try Matrix.transpose(b).values
        var n = Int32(rows), nrhs = Int32(b.columns), lda = Int32(rows), ldb = Int32(rows), info: Int32 = 0
        var uplo = Int8(UInt8(ascii: "U"))
        dposv_(&uplo, &n, &nrhs, &values, &lda, &rhs, &ldb, &info)
        if info > 0 { throw LearningError.notPositiveDefinite(order: rows, failedAt: Int(info)) }
        if info < 0 { throw LearningError.lapack(routine: "dposv", info: Int(info)) }
        return try Matrix.transpose(Matrix(rows: b.columns, columns: b.rows, values: rhs))
    }

    public func choleskySolve(_ b: [Double]) throws -> [Double] {
        try choleskySolve(Matrix(rows: b.count, columns: 1, values: b)).values
    }

    public static func transpose(_ m: Matrix) throws -> Matrix {
        var result = Matrix(rows: m.columns, columns: m.rows)
        guard m.rows > 0, m.columns > 0 else { return result }
        m.values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { target in
                for i in 0..<m.rows {
                    cblas_dcopy(Int32(m.columns), source.baseAddress! + i * m.columns, 1, target.baseAddress! + i, Int32(m.rows))
                }
            }
        }
        return result
    }
}
