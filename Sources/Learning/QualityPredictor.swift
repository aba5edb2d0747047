import Foundation
import Quality
import WorkbenchCore

/// One training example: a chapter's text and the value to learn (the composite, a metric,
/// a judge's score or a reader rating), with where it came from for error messages.
public struct TrainingExample: Sendable, Equatable {
    public var text: String
    /// Set for a planned chapter: the predictor then learns from the outline, not prose.
    public var outline: OutlineInput?
    public var target: Double
    public var source: String

    public init(text: String, target: Double, source: String) {
        self.text = text
        self.target = target
        self.source = source
    }

    public init(outline: OutlineInput, target: Double, source: String) {
        self.text = OutlineFeatures.document(outline)
        self.outline = outline
        self.target = target
        self.source = source
    }
}

/// Predicts a chapter's quality (or any one metric) from its text: ridge regression over
/// TF-IDF hashed n-grams, the analyser's metrics and stylometric features, its penalty
/// chosen by k-fold cross-validation, whose out-of-fold predictions give the held-out R²,
/// MAE and Spearman reported and kept with the model.
public struct QualityPredictor: Codable, Sendable, Equatable {
    public static let format = 1

    /// One candidate model and its cross-validated figures.
    public struct Trial: Codable, Sendable, Equatable {
        /// `ridge` (with its penalty) or `mlp`.
        public var kind: String
        public var alpha: Double
        public var heldOut: RegressionMetrics
        enum CodingKeys: String, CodingKey { case kind, alpha, heldOut = "held_out" }

        public var label: String { kind == "ridge" ? String(format: "ridge α=%g", alpha) : "mlp (\(Int(alpha)) hidden)" }
    }

    public var format: Int
    public var kind: String
    /// What it predicts: `quality` or a metric name.
    public var target: String
    public var spec: FeatureSpec
    public var specSHA256: String
    public var weighting: FittedWeighting
    /// The chosen model: ridge, or the MLP when it cross-validated better.
    public var ridge: RidgeRegression?
    public var mlp: MLPRegressor?
    /// Every candidate tried, with its cross-validated figures; `chosen` indexes the winner.
    public var trials: [Trial]
    public var chosen: Int
    public var heldOut: RegressionMetrics
    public var folds: Int
    public var trainingSHA256: String
    public var examples: Int

    enum CodingKeys: String, CodingKey {
        case format, kind, target, spec, weighting, ridge, mlp, trials, chosen, folds, examples
        case specSHA256 = "spec_sha256", heldOut = "held_out", trainingSHA256 = "training_sha256"
    }

    public static let defaultAlphas: [Double] = [0.01, 0.1, 1, 10, 100]

    /// The largest target magnitude trained on. Targets are scores, metrics and ratings: one
    /// beyond this is a corrupt value, and the fit's sums of squares head for overflow.
    public static let targetLimit = 1e12

    /// `mlp`: the MLP candidate's settings, or nil to try ridge alone. `data` names the
    /// examples as a whole in errors (the file they came from).
    public static func train(_ examples: [TrainingExample], target: String, spec given: FeatureSpec? = nil, folds: Int = 5,
                             alphas: [Double] = defaultAlphas, mlp mlpSettings: MLPRegressor.Settings? = .init(epochs: 30),
                             seed: UInt64 = 1, data: String = "training data") throws -> QualityPredictor {
        try validate(examples, folds: folds, target: target, data: data)
        let outlines = examples.compactMap(\.outline)
        guard outlines.isEmpty || outlines.count == examples.count else {
            throw LearningError.invalidData(source: data, problem: "some examples are outlines and some are texts: train one kind at a time")
        }
        let spec = given ?? (outlines.isEmpty ? .standard(excluding: target) : OutlineFeatures.spec())
        let raw = outlines.isEmpty ? TextFeatures.raw(examples.map(\.text), spec: spec) : OutlineFeatures.raw(outlines, spec: spec)
        let y = examples.map(\.target)
        // Folds from a seeded shuffle: each row is held out once.
        var generator = SeededGenerator(seed: seed)
        var order = Array(examples.indices)
        for index in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(index, Int(generator.next() % UInt64(index + 1))) }
        let foldOf = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0 % folds) })

        // Per fold: weight by the training rows, form the ridge problem once, solve every penalty; train the MLP.
        let candidates = alphas.count + (mlpSettings == nil ? 0 : 1)
        var predictions = [[Double]](repeating: [Double](repeating: 0, count: y.count), count: candidates)
        for fold in 0..<folds {
            let train = examples.indices.filter { foldOf[$0] != fold }, test = examples.indices.filter { foldOf[$0] == fold }
            let part = RawFeatures(counts: raw.counts.rows(train), dense: raw.dense.rows(train))
            let weighting = TextFeatures.fit(part)
            let problem = try RidgeRegression.Problem(try TextFeatures.weighted(part, weighting), train.map { y[$0] })
            let held = try TextFeatures.weighted(RawFeatures(counts: raw.counts.rows(test), dense: raw.dense.rows(test)), weighting)
            for (index, alpha) in alphas.enumerated() {
                for (row, value) in zip(test, try problem.solve(alpha: alpha).predict(held)) { predictions[index][row] = value }
            }
            if let mlpSettings {
                let trained = try MLPRegressor.fit(try TextFeatures.weighted(part, weighting), train.map { y[$0] }, settings: mlpSettings)
                for (row, value) in zip(test, try trained.predict(held)) { predictions[alphas.count][row] = value }
            }
        }
        var trials = zip(alphas, predictions).map { Trial(kind: "ridge", alpha: $0, heldOut: .of(predictions: $1, targets: y)) }
        if let mlpSettings { trials.append(Trial(kind: "mlp", alpha: Double(mlpSettings.hidden), heldOut: .of(predictions: predictions[alphas.count], targets: y))) }
        // The lowest held-out error wins; ties go to the later (stronger) ridge penalty, and ridge before the MLP.
        let chosen = trials.indices.min { a, b in
            trials[a].heldOut.mae != trials[b].heldOut.mae ? trials[a].heldOut.mae < trials[b].heldOut.mae
                : (trials[a].kind == trials[b].kind ? a > b : trials[a].kind == "ridge")
        }!
        let best = trials[chosen]
        let weighting = TextFeatures.fit(raw)
        let features = try TextFeatures.weighted(raw, weighting)
        let ridge = best.kind == "ridge" ? try RidgeRegression.fit(features, y, alpha: best.alpha) : nil
        let mlp = best.kind == "mlp" ? try MLPRegressor.fit(features, y, settings: mlpSettings!) : nil
        // Targets within the limit can still spread too far for a fit: blame the data (the
        // most extreme target), not the model file that could not hold NaN weights.
        let parameters = (ridge.map { $0.weights + [$0.intercept] } ?? []) + (mlp.map { $0.w1 + $0.b1 + $0.w2 + [$0.b2, $0.yMean, $0.yScale] } ?? [])
        guard parameters.allSatisfy(\.isFinite), trials.allSatisfy({ $0.heldOut.mae.isFinite }) else {
            let extreme = examples.max { abs($0.target) < abs($1.target) }!
            throw LearningError.invalidData(source: extreme.source, problem: "`\(target)` (the target) is \(extreme.target), the most extreme in \(data), and the fit is not finite: check the targets or rescale them")
        }
        let digest = SHA256.hex(of: examples.map { "\($0.target)\u{1}\($0.text)" }.joined(separator: "\u{0}"))
        return QualityPredictor(format: format, kind: best.kind, target: target, spec: spec, specSHA256: spec.fingerprint, weighting: weighting, ridge: ridge,
                                mlp: mlp, trials: trials, chosen: chosen, heldOut: best.heldOut, folds: folds, trainingSHA256: digest, examples: examples.count)
    }

    static func validate(_ examples: [TrainingExample], folds: Int, target: String = "target", data: String = "training data") throws {
        guard folds >= 2 else { throw LearningError.invalidData(source: "--folds", problem: "cross-validation needs at least 2 folds, got \(folds)") }
        guard !examples.isEmpty else { throw LearningError.invalidData(source: data, problem: "no examples") }
        guard examples.count >= folds * 2 else {
            throw LearningError.invalidData(source: data, problem: "\(examples.count) examples are too few for \(folds)-fold cross-validation (at least \(folds * 2))")
        }
        for example in examples {
            guard example.target.isFinite else { throw LearningError.invalidData(source: example.source, problem: "the target is not a finite number") }
            guard abs(example.target) <= targetLimit else {
                throw LearningError.invalidData(source: example.source, problem: "`\(target)` (the target) is \(example.target), beyond ±\(String(format: "%g", targetLimit))")
            }
            if let outline = example.outline {
                if let problem = OutlineFeatures.problems(outline).first { throw LearningError.invalidData(source: example.source, problem: problem) }
            } else if example.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw LearningError.invalidData(source: example.source, problem: "the text is empty")
            }
        }
        let first = examples[0].target
        guard examples.contains(where: { $0.target != first }) else {
            throw LearningError.invalidData(source: data, problem: "every target is \(first): there is nothing to learn")
        }
    }

    /// Whether it predicts from outlines (`predict --outline`) rather than chapter text.
    public var fromOutlines: Bool { spec.version.hasPrefix("outline") }

    public func predict(_ texts: [String]) throws -> [Double] {
        guard !fromOutlines else { throw LearningError.incompatibleModel(path: "the model", problem: "it predicts from outlines: use `predict --outline FILE`") }
        return try predict(features: TextFeatures.raw(texts, spec: spec))
    }

    public func predict(outlines: [OutlineInput]) throws -> [Double] {
        guard fromOutlines else { throw LearningError.incompatibleModel(path: "the model", problem: "it predicts from chapter text, not outlines") }
        for input in outlines { if let problem = OutlineFeatures.problems(input).first { throw LearningError.invalidData(source: "the outline", problem: problem) } }
        return try predict(features: OutlineFeatures.raw(outlines, spec: spec))
    }

    func predict(features raw: RawFeatures) throws -> [Double] {
        let features = try TextFeatures.weighted(raw, weighting)
        if let mlp { return try mlp.predict(features) }
        guard let ridge else { throw LearningError.incompatibleModel(path: "the model", problem: "it holds neither a ridge nor an MLP") }
        return try ridge.predict(features)
    }

    // MARK: Files

    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw LearningError.unreadableModel(path: path, detail: "cannot write it: \(error.localizedDescription)")
        }
    }

    /// Reads a model and refuses one whose features this build would compute differently.
    public static func load(from path: String, spec given: FeatureSpec? = nil) throws -> QualityPredictor {
        guard let data = FileManager.default.contents(atPath: path) else { throw LearningError.unreadableModel(path: path, detail: "missing or unreadable") }
        let model: QualityPredictor
        do {
            model = try JSONDecoder().decode(QualityPredictor.self, from: data)
        } catch {
            throw LearningError.unreadableModel(path: path, detail: "\(error)")
        }
        guard model.format == format else { throw LearningError.incompatibleModel(path: path, problem: "model format \(model.format), this build reads \(format)") }
        guard model.spec.fingerprint == model.specSHA256 else { throw LearningError.incompatibleModel(path: path, problem: "its feature spec does not match its recorded hash") }
        let current = given ?? (model.fromOutlines ? OutlineFeatures.spec(dimensions: model.spec.dimensions)
            : .standard(dimensions: model.spec.dimensions, excluding: model.target))
        guard model.spec == current else {
            throw LearningError.incompatibleModel(path: path, problem: "trained with features \(model.spec.version) (scorer \(model.spec.scorer), lexicon \(model.spec.lexicon)); this build computes \(current.version) (scorer \(current.scorer), lexicon \(current.lexicon))")
        }
        let fits = model.ridge.map { $0.weights.count == model.spec.width } ?? model.mlp.map { $0.inputs == model.spec.width } ?? false
        guard model.weighting.idf.count == model.spec.dimensions, fits, model.trials.indices.contains(model.chosen) else {
            throw LearningError.incompatibleModel(path: path, problem: "its weights do not fit its feature spec")
        }
        return model
    }
}
