import Foundation
import Testing
@testable import Learning
import WorkbenchCore

/// Training errors name the data (file, line, field), never the model file: an extreme
/// target made the fit NaN and `save` then failed with "model.json: cannot write it".
@Suite struct TrainingDataErrorTests {
    @Test func anExtremeTargetIsNamedWithItsSourceAndField() {
        var examples = syntheticExamples(12, seed: 7)
        examples[4].target = 1e300
        #expect(throws: LearningError.invalidData(source: "synthetic:5", problem: "`quality` (the target) is 1e+300, beyond ±1e+12")) {
            try QualityPredictor.train(examples, target: "quality", spec: .standard(dimensions: 256, excluding: "quality"), mlp: nil)
        }
        examples[4].target = -2e12
        #expect(throws: LearningError.self) { try QualityPredictor.train(examples, target: "quality", mlp: nil) }
    }

    @Test func targetsAtTheLimitStillTrainToAFiniteModel() throws {
        var examples = syntheticExamples(12, seed: 8)
        for index in examples.indices { examples[index].target *= 1e11 }
        let model = try QualityPredictor.train(examples, target: "quality", spec: .standard(dimensions: 256, excluding: "quality"), mlp: .init(epochs: 3))
        #expect(model.heldOut.mae.isFinite)
        #expect(model.ridge.map { $0.weights.allSatisfy(\.isFinite) } ?? true)
    }

    @Test func errorsAboutTheWholeSetNameTheData() {
        #expect(throws: LearningError.invalidData(source: "scores.jsonl", problem: "no examples")) {
            try QualityPredictor.train([], target: "quality", data: "scores.jsonl")
        }
        let constant = syntheticExamples(12, seed: 9).map { TrainingExample(text: $0.text, target: 7, source: $0.source) }
        #expect(throws: LearningError.invalidData(source: "scores.jsonl", problem: "every target is 7.0: there is nothing to learn")) {
            try QualityPredictor.train(constant, target: "quality", data: "scores.jsonl")
        }
    }
}
