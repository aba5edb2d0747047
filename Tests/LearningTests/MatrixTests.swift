import Foundation
import Testing
import TestSupport
@testable import Learning
import WorkbenchCore

/// scikit-learn's answers for the cases (scripts/sklearn_reference.py); nil, with a recorded issue, when it is missing.
func sklearn(_ cases: [[String: Any]]) throws -> [[String: Any]]? {
    try pythonReference("sklearn_reference.py", cases,
                        missing: "scikit-learn is missing (python3 -c 'import sklearn' fails): `make pydeps` installs it; the reference comparison did not run")
}

func random(_ count: Int, _ generator: inout SeededGenerator, scale: Double = 1) -> [Double] {
    (0..<count).map { _ in (Double(generator.next() % 2_000_001) / 1_000_000 - 1) * scale }
}

@Suite struct MatrixTests {
    @Test func productsAgreeWithTheDefinition() throws {
        var generator = SeededGenerator(seed: 1)
        let a = try Matrix(rows: 7, columns: 5, values: random(35, &generator))
        let b = try Matrix(rows: 5, columns: 3, values: random(15, &generator))
        let c = try Matrix.product(a, b)
        for i in 0..<7 {
            for j in 0..<3 {
                let expected = (0..<5).reduce(0.0) { $0 + a[i, $1] * b[$1, j] }
                #expect(abs(c[i, j] - expected) < 1e-14)
            }
        }
        // Transposed operands and the Gram matrices are the same products.
        let aTa = try Matrix.product(a, a, transposeA: true)
        let gram = a.gram()
        #expect(zip(aTa.values, gram.values).allSatisfy { abs($0 - $1) < 1e-13 })
        let aaT = try Matrix.product(a, a, transposeB: true)
        #expect(zip(aaT.values, a.outerGram().values).allSatisfy { abs($0 - $1) < 1e-13 })
        #expect(try Matrix.transpose(Matrix.transpose(a)) == a)
        let x = random(5, &generator)
        let y = try a.times(x)
        #expect(abs(y[2] - (0..<5).reduce(0.0) { $0 + a[2, $1] * x[$1] }) < 1e-14)
        #expect(try a.times(y, transpose: true).count == 5)
    }

    @Test func shapesAreCheckedBeforeBLASSeesThem() {
        let a = Matrix(rows: 3, columns: 2), b = Matrix(rows: 3, columns: 2)
        #expect(throws: LearningError.shapeMismatch(operation: "product", left: "3×2", right: "3×2")) { try Matrix.product(a, b) }
        #expect(throws: LearningError.self) { try a.times([1, 2, 3]) }
        #expect(throws: LearningError.self) { try Matrix([[1, 2], [3]]) }
        #expect(throws: LearningError.self) { try Matrix(rows: 2, columns: 2, values: [1]) }
    }

    @Test func choleskySolvesAndRefusesWhatIsNotPositiveDefinite() throws {
        let a = try Matrix([[4, 2, 0.5], [2, 3, 0.25], [0.5, 0.25, 2]])
        let x = try a.choleskySolve([1, 2, 3])
        let back = try a.times(x)
        #expect(zip(back, [1, 2, 3]).allSatisfy { abs($0 - $1) < 1e-12 })
        let singular = try Matrix([[1, 2], [2, 4]])
        #expect(throws: LearningError.notPositiveDefinite(order: 2, failedAt: 2)) { try singular.choleskySolve([1, 1]) }
    }

    @Test func centringAndMeansUseBLAS() throws {
        var m = try Matrix([[1, 10], [3, 20], [5, 60]])
        #expect(m.columnMeans() == [3, 30])
        try m.subtractFromEveryRow(m.columnMeans())
        #expect(m.values == [-2, -20, 0, -10, 2, 30])
        #expect(m.rows([2, 0]).values == [2, 30, -2, -20])
    }
}

@Suite struct RidgeTests {
    /// Random designs, both taller and wider than they are long, with an intercept and noise.
    @Test("ridge coefficients, intercept and predictions match scikit-learn's Ridge to 1e-6")
    func matchesScikitLearn() throws {
        var generator = SeededGenerator(seed: 42)
        var cases: [[String: Any]] = []
        var fits: [(RidgeRegression, [Double])] = []
        var mixedFits: [RidgeRegression?] = []
        for (rows, columns, alpha) in [(40, 5, 1.0), (200, 30, 0.1), (25, 60, 2.0), (12, 3, 10.0), (80, 80, 0.5), (60, 200, 0.01)] {
            let xs = random(rows * columns, &generator, scale: 3)
            let truth = random(columns, &generator)
            let x = try Matrix(rows: rows, columns: columns, values: xs)
            let y = try x.times(truth).map { $0 + 4 + 0.1 * random(1, &generator)[0] }
            let test = try Matrix(rows: 5, columns: columns, values: random(5 * columns, &generator))
            let model = try RidgeRegression.fit(x, y, alpha: alpha)
            fits.append((model, try model.predict(test)))
            // Taller than wide: the mixed-precision solve must give scikit-learn's answer too.
            mixedFits.append(rows > columns ? try RidgeRegression.Problem(x, y, precision: .mixed).solve(alpha: alpha) : nil)
            cases.append(["kind": "ridge", "x": (0..<rows).map { Array(x.row($0)) }, "y": y, "alpha": alpha,
                          "predict": (0..<5).map { Array(test.row($0)) }])
        }
        guard let reference = try sklearn(cases) else { return }
        for (((model, predictions), expected), mixed) in zip(zip(fits, reference), mixedFits) {
            let coef = try #require(expected["coef"] as? [Double])
            let scale = max(1, coef.map(abs).max() ?? 1)
            let worst = zip(model.weights, coef).map { abs($0 - $1) / scale }.max() ?? 0
            #expect(worst < 1e-6, "coefficients off by \(worst) (relative to the largest)")
            if let mixed {
                let off = zip(mixed.weights, coef).map { abs($0 - $1) / scale }.max() ?? 0
                #expect(off < 1e-6 && abs(mixed.intercept - (expected["intercept"] as? Double ?? .nan)) < 1e-6 * max(1, abs(mixed.intercept)), "mixed precision off by \(off)")
            }
            #expect(abs(model.intercept - (expected["intercept"] as? Double ?? .nan)) < 1e-6 * max(1, abs(model.intercept)))
            let wanted = try #require(expected["prediction"] as? [Double])
            #expect(zip(predictions, wanted).allSatisfy { abs($0 - $1) < 1e-6 * max(1, abs($1)) })
        }
    }

    @Test("the mixed-precision solve gives the double-precision answer, and falls back where single precision cannot factor")
    func mixedPrecisionMatchesDouble() throws {
        var generator = SeededGenerator(seed: 11)
        // Columns on very different scales and a large mean: a hard case for a float32 Gram.
        var values = random(600 * 120, &generator)
        for row in 0..<600 { for column in 0..<120 { values[row * 120 + column] = values[row * 120 + column] * Double(1 + column % 7 * 40) + 25 } }
        let x = try Matrix(rows: 600, columns: 120, values: values)
        let y = try x.times(random(120, &generator)).map { $0 + random(1, &generator)[0] }
        for alpha in [0.01, 1.0, 100.0] {
            let double = try RidgeRegression.Problem(x, y, precision: .double).solve(alpha: alpha)
            let mixed = try RidgeRegression.Problem(x, y, precision: .mixed).solve(alpha: alpha)
            let scale = max(1, double.weights.map(abs).max() ?? 1)
            #expect(zip(double.weights, mixed.weights).allSatisfy { abs($0 - $1) < 1e-8 * scale }, "alpha \(alpha)")
            #expect(abs(double.intercept - mixed.intercept) < 1e-7 * max(1, abs(double.intercept)))
        }
        // Columns whose mean dwarfs their spread: centring in single precision cancels to
        // noise, the factorisation fails, and the solve falls back to double precision.
        var offset = random(400 * 20, &generator)
        for index in offset.indices where index % 20 < 5 { offset[index] = 1e4 + 1e-2 * offset[index] }
        let shifted = try Matrix(rows: 400, columns: 20, values: offset)
        let target = try shifted.times(random(20, &generator))
        let problem = try RidgeRegression.Problem(shifted, target, precision: .mixed)
        #expect(try RidgeRegression.Problem.conjugateGradients(x: shifted, means: problem.means, right: problem.right, alpha: 1e-6,
                                                              preconditioner: try #require(problem.singleGram)) == nil, "single precision should not manage this one")
        let fallback = try problem.solve(alpha: 1e-6), double = try RidgeRegression.Problem(shifted, target, precision: .double).solve(alpha: 1e-6)
        #expect(fallback == double)
    }

    @Test func primalAndDualFormsAgree() throws {
        var generator = SeededGenerator(seed: 7)
        let x = try Matrix(rows: 30, columns: 30, values: random(900, &generator))
        let y = random(30, &generator)
        // 30 × 30 solves in the primal; the same data with a zero column appended goes dual.
        let primal = try RidgeRegression.fit(x, y, alpha: 0.7)
        let wide = try x.appendingColumns(Matrix(rows: 30, columns: 1))
        let dual = try RidgeRegression.fit(wide, y, alpha: 0.7)
        #expect(zip(primal.weights, dual.weights).allSatisfy { abs($0 - $1) < 1e-10 })
        #expect(abs(dual.weights[30]) < 1e-12 && abs(primal.intercept - dual.intercept) < 1e-10)
    }

    @Test func metricsFollowTheirDefinitions() {
        let metrics = RegressionMetrics.of(predictions: [1, 2, 3, 5], targets: [1, 2, 4, 4])
        #expect(abs(metrics.mae - 0.5) < 1e-15)
        #expect(abs(metrics.r2 - (1 - 2.0 / 6.75)) < 1e-15)
        // Ranks 1,2,3,4 against 1,2,3.5,3.5: Pearson on mid-ranks.
        #expect(abs(metrics.spearman - RegressionMetrics.pearson([1, 2, 3, 4], [1, 2, 3.5, 3.5])) < 1e-15)
        #expect(averageRanks([3, 1, 3, 2]).ranks == [3.5, 1, 3.5, 2])
    }
}
