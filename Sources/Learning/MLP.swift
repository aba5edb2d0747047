import COpenBLAS
import Foundation
import WorkbenchCore

/// A regressor with one hidden layer of ReLU units, trained by Adam on mini-batches whose
/// forward and backward passes are GEMMs (as scikit-learn's `MLPRegressor` with its
/// defaults: squared loss, L2 penalty `alpha`, β = 0.9 / 0.999, ε = 1e-8). Inputs should be
/// standardised; the target is standardised inside and restored on output.
public struct MLPRegressor: Codable, Sendable, Equatable {
    public struct Settings: Codable, Sendable, Equatable {
        public var hidden: Int
        public var epochs: Int
        public var batch: Int
        public var learningRate: Double
        public var alpha: Double
        public var seed: UInt64

        public init(hidden: Int = 64, epochs: Int = 60, batch: Int = 64, learningRate: Double = 1e-3, alpha: Double = 1e-4, seed: UInt64 = 1) {
            self.hidden = hidden
            self.epochs = epochs
            self.batch = batch
            self.learningRate = learningRate
            self.alpha = alpha
            self.seed = seed
        }

        enum CodingKeys: String, CodingKey {
            case hidden, epochs, batch, alpha, seed
            case learningRate = "learning_rate"
        }
    }

    public var settings: Settings
    /// inputs × hidden, row-major.
    public var w1: [Double]
    public var b1: [Double]
    public var w2: [Double]
    public var b2: Double
    public var inputs: Int
    public var yMean: Double
    public var yScale: Double

    enum CodingKeys: String, CodingKey {
        case settings, w1, b1, w2, b2, inputs
        case yMean = "y_mean", yScale = "y_scale"
    }

    /// Glorot-uniform start, as scikit-learn's.
    public init(inputs: Int, settings: Settings) {
        self.settings = settings
        self.inputs = inputs
        var generator = SeededGenerator(seed: settings.seed)
        let bound1 = (6 / Double(inputs + settings.hidden)).squareRoot(), bound2 = (6 / Double(settings.hidden + 1)).squareRoot()
        w1 = (0..<(inputs * settings.hidden)).map { _ in (generator.nextUnit() * 2 - 1) * bound1 }
        b1 = (0..<settings.hidden).map { _ in (generator.nextUnit() * 2 - 1) * bound1 }
        w2 = (0..<settings.hidden).map { _ in (generator.nextUnit() * 2 - 1) * bound2 }
        b2 = (generator.nextUnit() * 2 - 1) * bound2
        yMean = 0
        yScale = 1
    }

    public static func fit(_ x: Matrix, _ y: [Double], settings: Settings = Settings()) throws -> MLPRegressor {
        guard x.rows == y.count else { throw LearningError.shapeMismatch(operation: "mlp fit", left: x.shape, right: "\(y.count) targets") }
        guard x.rows >= 2, settings.hidden >= 1, settings.batch >= 1, settings.epochs >= 1 else {
            throw LearningError.invalidData(source: "training data", problem: "an MLP needs 2 rows or more and positive hidden, batch and epochs")
        }
        var model = MLPRegressor(inputs: x.columns, settings: settings)
        let mean = y.reduce(0, +) / Double(y.count)
        let sd = (y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(y.count)).squareRoot()
        model.yMean = mean
        model.yScale = sd > 0 ? sd : 1
        let target = y.map { ($0 - mean) / model.yScale }
        var trainer = Trainer(model: model)
        var generator = SeededGenerator(seed: settings.seed &+ 17)
        var order = Array(0..<x.rows)
        for _ in 0..<settings.epochs {
            for index in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(index, Int(generator.next() % UInt64(index + 1))) }
            for start in stride(from: 0, to: order.count, by: settings.batch) {
                let rows = Array(order[start..<min(start + settings.batch, order.count)])
                try trainer.step(x.rows(rows), rows.map { target[$0] })
            }
        }
        return trainer.model
    }

    /// One epoch over the data from this model's weights: what the benchmark times.
    public static func epoch(_ model: MLPRegressor, _ x: Matrix, _ y: [Double]) throws -> MLPRegressor {
        var trainer = Trainer(model: model)
        for start in stride(from: 0, to: x.rows, by: model.settings.batch) {
            let rows = Array(start..<min(start + model.settings.batch, x.rows))
            try trainer.step(x.rows(rows), rows.map { y[$0] })
        }
        return trainer.model
    }

    public func predict(_ x: Matrix) throws -> [Double] {
        try forward(x).output.map { $0 * yScale + yMean }
    }

    /// Hidden activations (after ReLU) and outputs, in the standardised target's units.
    func forward(_ x: Matrix) throws -> (hidden: Matrix, output: [Double]) {
        guard x.columns == inputs else { throw LearningError.shapeMismatch(operation: "mlp predict", left: x.shape, right: "\(inputs) inputs") }
        let h = settings.hidden
        // H = X W1 + 1 b1ᵀ, then ReLU.
        var hidden = try Matrix.product(x, Matrix(rows: inputs, columns: h, values: w1))
        let ones = [Double](repeating: 1, count: x.rows)
        cblas_dger(CblasRowMajor, Int32(x.rows), Int32(h), 1, ones, 1, b1, 1, &hidden.values, Int32(h))
        hidden.values.withUnsafeMutableBufferPointer { values in
            for index in values.indices where values[index] < 0 { values[index] = 0 }
        }
        let output = try hidden.times(w2).map { $0 + b2 }
        return (hidden, output)
    }

    /// Squared loss / 2 + alpha/2 · |W|² over the batch, and its gradients (for the step and the gradient check).
    func gradients(_ x: Matrix, _ y: [Double]) throws -> (loss: Double, w1: [Double], b1: [Double], w2: [Double], b2: Double) {
        let (hidden, output) = try forward(x)
        let n = Double(x.rows), h = settings.hidden
        let residual = zip(output, y).map { ($0 - $1) / n }
        let penalty = settings.alpha / (2 * n) * (cblas_ddot(Int32(w1.count), w1, 1, w1, 1) + cblas_ddot(Int32(h), w2, 1, w2, 1))
        let loss = zip(output, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / (2 * n) + penalty
        // dW2 = Hᵀ r + (alpha/n) w2; db2 = Σ r.
        var gw2 = try hidden.times(residual, transpose: true)
        cblas_daxpy(Int32(h), settings.alpha / n, w2, 1, &gw2, 1)
        let gb2 = residual.reduce(0, +)
        // dH = r w2ᵀ, masked where the unit was off; dW1 = Xᵀ dH + (alpha/n) W1; db1 = colsum dH.
        var dHidden = Matrix(rows: x.rows, columns: h)
        cblas_dger(CblasRowMajor, Int32(x.rows), Int32(h), 1, residual, 1, w2, 1, &dHidden.values, Int32(h))
        dHidden.values.withUnsafeMutableBufferPointer { d in
            hidden.values.withUnsafeBufferPointer { a in
                for index in d.indices where a[index] <= 0 { d[index] = 0 }
            }
        }
        var gw1 = try Matrix.product(x, dHidden, transposeA: true).values
        cblas_daxpy(Int32(w1.count), settings.alpha / n, w1, 1, &gw1, 1)
        let gb1 = try dHidden.times([Double](repeating: 1, count: x.rows), transpose: true)
        return (loss, gw1, gb1, gw2, gb2)
    }

    /// Adam's moment estimates beside the model.
    struct Trainer {
        var model: MLPRegressor
        var step = 0
        var m: [[Double]]
        var v: [[Double]]

        init(model: MLPRegressor) {
            self.model = model
            let sizes = [model.w1.count, model.b1.count, model.w2.count, 1]
            m = sizes.map { [Double](repeating: 0, count: $0) }
            v = sizes.map { [Double](repeating: 0, count: $0) }
        }

        mutating func step(_ x: Matrix, _ y: [Double]) throws {
            let g = try model.gradients(x, y)
            step += 1
            let (beta1, beta2, epsilon) = (0.9, 0.999, 1e-8)
            let rate = model.settings.learningRate * (1 - pow(beta2, Double(step))).squareRoot() / (1 - pow(beta1, Double(step)))
            var b2 = [model.b2]
            Self.update(&model.w1, g.w1, &m[0], &v[0], rate, beta1, beta2, epsilon)
            Self.update(&model.b1, g.b1, &m[1], &v[1], rate, beta1, beta2, epsilon)
            Self.update(&model.w2, g.w2, &m[2], &v[2], rate, beta1, beta2, epsilon)
            Self.update(&b2, [g.b2], &m[3], &v[3], rate, beta1, beta2, epsilon)
            model.b2 = b2[0]
        }

        /// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − rate · m / (√v + ε): O(parameters),
        /// against the batch's O(batch × parameters) GEMMs.
        static func update(_ theta: inout [Double], _ g: [Double], _ m: inout [Double], _ v: inout [Double],
                           _ rate: Double, _ beta1: Double, _ beta2: Double, _ epsilon: Double) {
            theta.withUnsafeMutableBufferPointer { t in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        g.withUnsafeBufferPointer { g in
                            for i in 0..<t.count {
                                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                                t[i] -= rate * m[i] / (v[i].squareRoot() + epsilon)
                            }
                        }
                    }
                }
            }
        }
    }
}
