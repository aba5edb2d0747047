import COpenBLAS
import Foundation
import Learning
import WorkbenchCore

/// The learning kernels on OpenBLAS: ridge regression on 20,000 × 4,096 features (centring,
/// dsyrk, Cholesky) against scikit-learn's Ridge on the same matrix in the same run, the
/// GFLOP/s its dsyrk reaches against dgemm's on this machine, and predictions per second
/// on chapter-sized corpus text.
enum LearningBenchmarks {
    static func run(into report: inout BenchReport, corpus: String, python: String) throws {
        let (rows, columns, alpha) = (20_000, 4_096, 1.0)
        var generator = SeededGenerator(seed: 5)
        var x = Matrix(rows: rows, columns: columns)
        for index in x.values.indices { x.values[index] = generator.nextUnit() * 2 - 1 }
        let truth = (0..<columns).map { _ in generator.nextGaussian() }
        let y = try x.times(truth).map { $0 + generator.nextGaussian() }

        var model = RidgeRegression(alpha: alpha, weights: [], intercept: 0)
        // The median of three fits: on a shared 2-core machine one run in several is slow throughout.
        var fits: [Double] = []
        for _ in 0..<3 { fits.append(try measure { model = try RidgeRegression.fit(x, y, alpha: alpha) }) }
        let seconds = percentile(fits, 0.5)
        report.add("learning", "ridge fit, 20,000 × 4,096 (ssyrk preconditioner, conjugate gradients in double), 2 threads, p50 of 3", seconds, "s")
        var double = model
        let doubleSeconds = try measure { double = try RidgeRegression.Problem(x, y, precision: .double).solve(alpha: alpha) }
        report.add("learning", "ridge fit, the same in double precision only (dsyrk, Cholesky)", doubleSeconds, "s")
        let scale = double.weights.map(abs).max() ?? 1
        report.add("learning", "largest coefficient difference, mixed − double, relative", zip(model.weights, double.weights).map { abs($0 - $1) }.max()! / scale, "")

        // The Gram products alone, and dgemm on the same shapes: the share of the machine's peak the fit reaches.
        let syrkFlops = Double(rows) * Double(columns) * Double(columns + 1)
        let ssyrk = try measure { _ = x.singlePrecisionGram() }
        report.add("learning", "ssyrk XᵀX in the fit (with the float conversion)", syrkFlops / ssyrk / 1e9, "GFLOP/s")
        let syrk = try measure { _ = x.gram() }
        report.add("learning", "dsyrk XᵀX (the double-precision path)", syrkFlops / syrk / 1e9, "GFLOP/s")
        let gemm = try measure { _ = try Matrix.product(x, x, transposeA: true) }
        report.add("learning", "dgemm XᵀX, same shapes (this machine's peak for it)", 2 * Double(rows) * Double(columns) * Double(columns) / gemm / 1e9, "GFLOP/s")
        report.add("learning", "OpenBLAS core", 0, String(cString: openblas_get_corename()))

        // One MLP epoch: 100 batches of 200 rows, each three GEMMs forward and back.
        let start = MLPRegressor(inputs: columns, settings: .init(hidden: 64, batch: 200))
        var trained = start
        let epoch = try measure { trained = try MLPRegressor.epoch(start, x, y) }
        report.add("learning", "MLP epoch, 20,000 × 4,096, 64 hidden, batches of 200", epoch, "s")
        if trained.w2 == start.w2 { report.add("learning", "MLP epoch changed nothing", .nan, "-") }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-learning-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("matrix.f64")
        var bytes = Data(capacity: (x.values.count + y.count) * 8)
        x.values.withUnsafeBufferPointer { bytes.append(Data(buffer: $0)) }
        y.withUnsafeBufferPointer { bytes.append(Data(buffer: $0)) }
        try bytes.write(to: file)
        bytes = Data()
        if let reference = try runPythonReference(python, script: "bench_sklearn.py", arguments: [file.path, "\(rows)", "\(columns)", "\(alpha)"]),
           let theirs = reference["ridge_seconds"] {
            report.add("learning", "scikit-learn Ridge(solver=cholesky), same matrix", theirs, "s")
            report.add("learning", "speed ratio ridge workbench / scikit-learn", theirs / seconds, "×")
            let ours = model.weights.map(abs).max() ?? 0
            report.add("learning", "largest coefficient, ours − scikit-learn's (same fit)", abs(ours - (reference["max_abs_coef"] ?? .nan)), "")
            if let theirEpoch = reference["mlp_epoch_seconds"] {
                report.add("learning", "scikit-learn MLPRegressor, one epoch, same matrix and shape", theirEpoch, "s")
                report.add("learning", "speed ratio MLP epoch workbench / scikit-learn", theirEpoch / epoch, "×")
            }
        } else {
            report.add("learning", "scikit-learn reference missing (make pydeps)", .nan, "-")
        }

        // Prediction throughput on real prose: features (analysis, hashing, TF-IDF) and one gemv per batch.
        let pieces = try corpusPieces(corpus, words: 3_000, limit: 200)
        guard pieces.count >= 20 else { return }
        let targets = pieces.enumerated().map { Double($0.offset % 7) }
        let predictor = try QualityPredictor.train(zip(pieces, targets).enumerated().map { TrainingExample(text: $1.0, target: $1.1, source: "piece \($0)") },
                                                   target: "judge.overall", folds: 2, alphas: [1])
        var predicted = 0
        let time = try measure { predicted = try predictor.predict(pieces).count }
        report.add("learning", "predictions/s, 3,000-word corpus chapters (features + ridge)", Double(predicted) / time, "chapters/s")
    }

    static func corpusPieces(_ corpus: String, words: Int, limit: Int) throws -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
        var pieces: [String] = []
        for file in files {
            guard let text = try? String(contentsOfFile: corpus + "/" + file, encoding: .utf8) else { continue }
            let all = text.split(whereSeparator: \.isWhitespace)
            for start in stride(from: 0, to: all.count - words, by: words) where pieces.count < limit {
                pieces.append(all[start..<(start + words)].joined(separator: " "))
            }
        }
        return pieces
    }
}
