import Foundation
import Testing
@testable import Learning
import Quality
import WorkbenchCore

/// Texts whose target is known: each sentence is drawn from a small vocabulary, and the
/// target counts the "bright" words minus the "grey" ones per sentence, plus noise.
func syntheticExamples(_ count: Int, seed: UInt64) -> [TrainingExample] {
    var generator = SeededGenerator(seed: seed)
    let bright = ["lantern", "gold", "laughter", "warm", "singing", "honey"]
    let grey = ["ash", "dust", "silence", "cold", "rust", "fog"]
    let neutral = ["the", "a", "room", "she", "walked", "door", "table", "window", "he", "said", "and", "then", "across", "into", "morning"]
    return (0..<count).map { index in
        var score = 0.0
        var sentences: [String] = []
        for _ in 0..<(6 + Int(generator.next() % 6)) {
            var words: [String] = []
            for _ in 0..<(8 + Int(generator.next() % 6)) {
                let roll = generator.next() % 10
                if roll == 0 { words.append(bright[Int(generator.next() % 6)]); score += 1 } else if roll == 1 { words.append(grey[Int(generator.next() % 6)]); score -= 1 } else { words.append(neutral[Int(generator.next() % 15)]) }
            }
            sentences.append(words.joined(separator: " ").capitalized + ".")
        }
        let target = score / Double(sentences.count) * 3 + 5 + generator.nextGaussian() * 0.2
        return TrainingExample(text: sentences.joined(separator: " "), target: target, source: "synthetic:\(index + 1)")
    }
}

@Suite struct PredictorTests {
    @Test("on data with known structure the held-out Spearman is at least 0.8, and a fresh sample is ranked as well")
    func recoversKnownStructure() throws {
        let model = try QualityPredictor.train(syntheticExamples(240, seed: 3), target: "quality", spec: .standard(dimensions: 1024, excluding: "quality"))
        #expect(model.heldOut.spearman >= 0.8, "held-out Spearman \(model.heldOut.spearman), R² \(model.heldOut.r2)")
        #expect(model.trials.count == QualityPredictor.defaultAlphas.count + 1 && model.trials.last?.kind == "mlp")
        #expect(model.trials[model.chosen].heldOut == model.heldOut && (model.ridge == nil) == (model.kind == "mlp"))
        let fresh = syntheticExamples(60, seed: 99)
        let predictions = try model.predict(fresh.map(\.text))
        #expect(RegressionMetrics.spearman(predictions, fresh.map(\.target)) >= 0.8)
    }

    @Test func savedModelsPredictTheSameAndAreCheckedOnLoad() throws {
        let model = try QualityPredictor.train(syntheticExamples(40, seed: 5), target: "emotion", spec: .standard(dimensions: 256, excluding: "emotion"), folds: 4)
        #expect(!model.spec.dense.contains("emotion") && model.spec.dense.contains("quality"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString.prefix(6)).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        let loaded = try QualityPredictor.load(from: path)
        #expect(loaded == model)
        let texts = syntheticExamples(5, seed: 6).map(\.text)
        #expect(try loaded.predict(texts) == model.predict(texts))

        var other = FeatureSpec.standard(dimensions: 256, excluding: "emotion")
        other.lexicon = "lex-0"
        #expect { try QualityPredictor.load(from: path, spec: other) } throws: { error in
            guard case LearningError.incompatibleModel(let file, let problem) = error else { return false }
            return file == path && problem.contains("lexicon \(QualityAnalyzer.dataVersion)") && problem.contains("lexicon lex-0")
        }
        try Data("{\"format\": 1}".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try QualityPredictor.load(from: path) } throws: { error in
            if case LearningError.unreadableModel(path, _) = error { return true } else { return false }
        }
    }

    @Test func badTrainingDataIsRefusedNamingTheExample() {
        var examples = syntheticExamples(20, seed: 1)
        #expect(throws: LearningError.invalidData(source: "training data", problem: "no examples")) { try QualityPredictor.train([], target: "quality") }
        examples[7].target = .nan
        #expect(throws: LearningError.invalidData(source: "synthetic:8", problem: "the target is not a finite number")) { try QualityPredictor.train(examples, target: "quality") }
        examples[7].target = 1
        examples[3].text = "  \n"
        #expect(throws: LearningError.invalidData(source: "synthetic:4", problem: "the text is empty")) { try QualityPredictor.train(examples, target: "quality") }
        let constant = syntheticExamples(20, seed: 2).map { TrainingExample(text: $0.text, target: 7, source: $0.source) }
        #expect(throws: LearningError.invalidData(source: "training data", problem: "every target is 7.0: there is nothing to learn")) { try QualityPredictor.train(constant, target: "quality") }
        #expect(throws: LearningError.self) { try QualityPredictor.train(Array(examples.prefix(6)), target: "quality") }
    }

    @Test func featuresAreDeterministicAndWeightedPerRow() throws {
        let spec = FeatureSpec.standard(dimensions: 512)
        let texts = ["The lantern burned. She said nothing.", "Ash and dust, and the cold door!"]
        let raw = TextFeatures.raw(texts, spec: spec)
        #expect(raw.counts == TextFeatures.raw(texts, spec: spec).counts)
        #expect(raw.dense.columns == spec.dense.count)
        let weighted = try TextFeatures.weighted(raw, TextFeatures.fit(raw))
        #expect(weighted.columns == spec.width)
        for row in 0..<2 {
            let norm = weighted.row(row).prefix(512).reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-12)
        }
    }
}
