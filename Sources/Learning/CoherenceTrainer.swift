import Foundation
import Quality
import WorkbenchCore

/// Fits the coherence discriminator the way UNION does (Guan & Huang, EMNLP 2020): published
/// chapters are the positives, automatically perturbed copies of them the negatives
/// (OpenMEVA's discrimination families), and no human label is needed. The model is a
/// logistic ranker over the standardised `CoherenceFeature`s, fitted on pairs: for every
/// (original, perturbed) pair the feature difference should read "original is better".
public enum CoherenceTrainer {
    public struct Novel: Sendable {
        public var name: String
        public var text: String
        public init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    public struct Options: Sendable {
        /// Novels (by name) kept out of training: the discriminator is judged on them.
        public var heldOut: Set<String>
        /// Chapters drawn from each novel (all of them when it has fewer).
        public var chaptersPerNovel = 25
        public var seed: UInt64 = 11
        public var families: [Perturbation] = Perturbation.allCases.filter { $0.kind == .discrimination }
        /// L2 penalty on the standardised weights.
        public var penalty = 0.003
        /// `coherence` = 10 · σ(slope · logit + offset); the offset puts the median training
        /// chapter at `medianValue`.
        public var slope = 0.25
        public var medianValue = 8.5
        public var version = "coh-1"

        public init(heldOut: Set<String>) { self.heldOut = heldOut }
    }

    public enum TrainingError: WorkbenchError, Equatable {
        case tooFewNovels(found: Int)
        case unknownHeldOut([String], available: [String])
        case noChapters(String)
        case nothingToTrainOn

        public var fix: String? {
            switch self {
            case .tooFewNovels, .noChapters, .nothingToTrainOn: return "give --corpus a folder of plain-text novels (chapters of 800 words or more), at least two besides --hold-out"
            case .unknownHeldOut: return "name held-out novels by their file name without .txt"
            }
        }

        public var exitStatus: ExitStatus {
            if case .unknownHeldOut = self { return .usage }
            return .dataError
        }

        public var description: String { message }

        public var message: String {
            switch self {
            case let .tooFewNovels(found): return "coherence training needs at least two novels to train on (a donor for substituted sentences); found \(found) after the held-out ones"
            case let .unknownHeldOut(names, available): return "--hold-out names \(names.joined(separator: ", ")), not novels of the corpus (\(available.joined(separator: ", ")))"
            case let .noChapters(name): return "\(name): too short to cut into chapters of 800 words or more"
            case .nothingToTrainOn: return "no perturbation applied to any training chapter"
            }
        }
    }

    /// One (original, perturbed) pair's features.
    struct Pair {
        var family: Perturbation
        var novel: String
        var original: [Double]
        var perturbed: [Double]
    }

    public struct Result: Sendable {
        public var model: CoherenceModel
        /// Pairwise accuracy (original ranked above perturbed) per family, on training and held-out novels.
        public var trainingAccuracy: [Perturbation: Double]
        public var heldOutAccuracy: [Perturbation: Double]
        public var trainingPairs: Int
        public var heldOutPairs: Int
    }

    public static func train(_ novels: [Novel], options: Options) throws -> Result {
        let names = novels.map(\.name)
        let unknown = options.heldOut.subtracting(names)
        guard unknown.isEmpty else { throw TrainingError.unknownHeldOut(unknown.sorted(), available: names.sorted()) }
        let training = novels.filter { !options.heldOut.contains($0.name) }
        guard training.count >= 2 else { throw TrainingError.tooFewNovels(found: training.count) }

        var generator = SeededGenerator(seed: options.seed)
        var chapters: [(novel: String, text: String)] = []
        for novel in novels {
            let cut = NovelChapters.cut(novel.text)
            guard !cut.isEmpty else { throw TrainingError.noChapters(novel.name) }
            let drawn = cut.count <= options.chaptersPerNovel ? cut : Array(cut.shuffled(using: &generator).prefix(options.chaptersPerNovel))
            chapters += drawn.map { (novel.name, $0.text) }
        }
        var pairs: [Pair] = []
        for (index, chapter) in chapters.enumerated() {
            let original = QualityAnalyzer.coherenceFeatures(chapter.text)
            // The donor: a chapter of another novel from the same side of the split.
            let held = options.heldOut.contains(chapter.novel)
            let donors = chapters.filter { $0.novel != chapter.novel && options.heldOut.contains($0.novel) == held }
            let donor = donors.isEmpty ? nil : donors[Int(generator.next() % UInt64(donors.count))].text
            for family in options.families {
                let seed = options.seed &+ UInt64(index) &* 7919 &+ UInt64(Perturbation.allCases.firstIndex(of: family)!)
                guard let perturbed = family.perturb(chapter.text, seed: seed, donor: donor) else { continue }
                pairs.append(Pair(family: family, novel: chapter.novel, original: original, perturbed: QualityAnalyzer.coherenceFeatures(perturbed)))
            }
        }
        let trainingPairs = pairs.filter { !options.heldOut.contains($0.novel) }
        guard !trainingPairs.isEmpty else { throw TrainingError.nothingToTrainOn }

        // Standardise on every training vector, originals and perturbed alike.
        let width = CoherenceFeature.allCases.count
        let vectors = trainingPairs.flatMap { [$0.original, $0.perturbed] }
        var mean = [Double](repeating: 0, count: width), scale = [Double](repeating: 0, count: width)
        for vector in vectors { for j in 0..<width { mean[j] += vector[j] / Double(vectors.count) } }
        for vector in vectors { for j in 0..<width { scale[j] += (vector[j] - mean[j]) * (vector[j] - mean[j]) / Double(vectors.count) } }
        scale = scale.map { max($0.squareRoot(), 1e-6) }

        // Each family weighs the same in the fit, however many pairs it has.
        var perFamily: [Perturbation: Int] = [:]
        for pair in trainingPairs { perFamily[pair.family, default: 0] += 1 }
        let rows = trainingPairs.map { pair in (0..<width).map { (pair.original[$0] - pair.perturbed[$0]) / scale[$0] } }
        let rowWeights = trainingPairs.map { 1 / Double(perFamily[$0.family]!) }
        let weights = try fitRanker(differences: rows, rowWeights: rowWeights, penalty: options.penalty)

        var model = CoherenceModel(
            version: options.version, features: CoherenceFeature.allCases.map(\.rawValue), mean: mean, scale: scale, weights: weights,
            slope: options.slope, offset: 0, trainedOn: training.map(\.name).sorted(), heldOut: options.heldOut.sorted(), accuracy: [:])
        let originals = Set(trainingPairs.map { $0.original }).map { model.logit($0) }.sorted()
        let median = originals.isEmpty ? 0 : originals[originals.count / 2]
        let share = options.medianValue / 10
        model.offset = log(share / (1 - share)) - options.slope * median

        func accuracy(_ subset: [Pair]) -> [Perturbation: Double] {
            var wins: [Perturbation: (Int, Int)] = [:]
            for pair in subset {
                var entry = wins[pair.family] ?? (0, 0)
                entry.1 += 1
                if model.logit(pair.original) > model.logit(pair.perturbed) { entry.0 += 1 }
                wins[pair.family] = entry
            }
            return wins.mapValues { Double($0.0) / Double($0.1) }
        }
        let heldOutPairs = pairs.filter { options.heldOut.contains($0.novel) }
        let trainingAccuracy = accuracy(trainingPairs), heldOutAccuracy = accuracy(heldOutPairs)
        for (family, value) in trainingAccuracy { model.accuracy["train:\(family.rawValue)"] = (value * 1000).rounded() / 1000 }
        for (family, value) in heldOutAccuracy { model.accuracy["held-out:\(family.rawValue)"] = (value * 1000).rounded() / 1000 }
        return Result(model: model, trainingAccuracy: trainingAccuracy, heldOutAccuracy: heldOutAccuracy, trainingPairs: trainingPairs.count, heldOutPairs: heldOutPairs.count)
    }

    /// Logistic regression without intercept on the pairs and their mirror images (a
    /// difference labelled 1, its negation 0), by gradient descent with the products on BLAS.
    static func fitRanker(differences: [[Double]], rowWeights: [Double], penalty: Double) throws -> [Double] {
        let width = differences.first?.count ?? 0
        let design = try Matrix(differences)
        var weights = [Double](repeating: 0, count: width)
        let total = rowWeights.reduce(0, +) * 2
        for _ in 0..<4000 {
            let margins = try design.times(weights)
            // Mirror rows: margin −m with label 0 gives the same gradient term as m with label 1.
            var residual = [Double](repeating: 0, count: margins.count)
            for i in margins.indices {
                let p = 1 / (1 + exp(-margins[i]))
                residual[i] = 2 * (p - 1) * rowWeights[i]
            }
            let gradient = try design.times(residual, transpose: true)
            var step = 0.0
            for j in 0..<width {
                let g = gradient[j] / total + penalty * weights[j]
                weights[j] -= 1.0 * g
                step = max(step, abs(g))
            }
            if step < 1e-7 { break }
        }
        return weights
    }
}
