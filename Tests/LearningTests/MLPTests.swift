import Foundation
import Testing
@testable import Learning
import WorkbenchCore

@Suite struct MLPTests {
    @Test("backpropagation's gradients match finite differences")
    func gradientsMatchFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 11)
        let x = try Matrix(rows: 9, columns: 4, values: random(36, &generator))
        let y = random(9, &generator)
        let model = MLPRegressor(inputs: 4, settings: .init(hidden: 5, alpha: 0.3, seed: 2))
        let analytic = try model.gradients(x, y)
        let h = 1e-6
        func loss(_ change: (inout MLPRegressor) -> Void) throws -> Double {
            var copy = model
            change(&copy)
            return try copy.gradients(x, y).loss
        }
        for index in [0, 3, 7, 12, 19] {
            let numeric = (try loss { $0.w1[index] += h } - loss { $0.w1[index] -= h }) / (2 * h)
            #expect(abs(numeric - analytic.w1[index]) < 1e-7, "w1[\(index)]: \(numeric) vs \(analytic.w1[index])")
        }
        for index in 0..<5 {
            let numeric = (try loss { $0.w2[index] += h } - loss { $0.w2[index] -= h }) / (2 * h)
            #expect(abs(numeric - analytic.w2[index]) < 1e-7)
            let bias = (try loss { $0.b1[index] += h } - loss { $0.b1[index] -= h }) / (2 * h)
            #expect(abs(bias - analytic.b1[index]) < 1e-7)
        }
        let numeric = (try loss { $0.b2 += h } - loss { $0.b2 -= h }) / (2 * h)
        #expect(abs(numeric - analytic.b2) < 1e-7)
    }

    @Test("it learns a curved function a linear model cannot")
    func learnsWhatRidgeCannot() throws {
        var generator = SeededGenerator(seed: 4)
        func data(_ n: Int) throws -> (Matrix, [Double]) {
            let x = try Matrix(rows: n, columns: 3, values: random(n * 3, &generator, scale: 2))
            return (x, (0..<n).map { abs(x[$0, 0]) * 2 + x[$0, 1] * x[$0, 1] - x[$0, 2] })
        }
        let (train, y) = try data(600), (test, truth) = try data(200)
        let mlp = try MLPRegressor.fit(train, y, settings: .init(hidden: 32, epochs: 200, batch: 32, learningRate: 0.01))
        let ridge = try RidgeRegression.fit(train, y, alpha: 1)
        let mlpFit = RegressionMetrics.of(predictions: try mlp.predict(test), targets: truth)
        let ridgeFit = RegressionMetrics.of(predictions: try ridge.predict(test), targets: truth)
        #expect(mlpFit.r2 > 0.9, "MLP held-out R² \(mlpFit.r2)")
        #expect(mlpFit.r2 > ridgeFit.r2 + 0.3, "MLP \(mlpFit.r2) against ridge \(ridgeFit.r2)")
        // Deterministic for a seed.
        #expect(try MLPRegressor.fit(train, y, settings: .init(hidden: 8, epochs: 3)) == MLPRegressor.fit(train, y, settings: .init(hidden: 8, epochs: 3)))
    }
}
