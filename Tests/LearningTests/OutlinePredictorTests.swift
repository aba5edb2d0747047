import Foundation
import Testing
@testable import Learning
import WorkbenchCore

/// Planned chapters whose score depends on their plan: more beats, the obsession in the
/// beats and a named character each raise it; "montage" in a beat lowers it.
func syntheticOutlines(_ count: Int, seed: UInt64) -> [TrainingExample] {
    var generator = SeededGenerator(seed: seed)
    let characters = [BookCharacter(name: "Mara"), BookCharacter(name: "Tomas")]
    let fillers = ["a walk to the harbour", "rain on the roof", "a long supper", "the ferry is late", "a letter arrives", "the lamp is trimmed"]
    return (0..<count).map { index in
        let beats = 2 + Int(generator.next() % 4)
        var score = Double(beats) * 0.6
        var list: [String] = []
        for _ in 0..<beats {
            var beat = fillers[Int(generator.next() % UInt64(fillers.count))]
            switch generator.next() % 5 {
            case 0: beat += " and the sealed letter"; score += 0.8
            case 1: beat = "Mara: " + beat; score += 0.5
            case 2: beat += " in montage"; score -= 1
            default: break
            }
            list.append(beat)
        }
        let chapters = (1...4).map { ChapterSpec(number: $0, title: "Chapter \($0)", beats: $0 == 2 ? list : ["a scene"], targetWords: 1200) }
        let outline = Outline(title: "T", logline: "A keeper's daughter.", obsession: "the sealed letter", setting: "An island.", characters: characters, chapters: chapters)
        return TrainingExample(outline: OutlineInput(outline: outline, chapter: 2), target: score + generator.nextGaussian() * 0.2, source: "outline \(index + 1)")
    }
}

@Suite struct OutlinePredictorTests {
    @Test("a predictor trained on outlines ranks unseen plans (held-out Spearman ≥ 0.8) and refuses text")
    func learnsFromOutlines() throws {
        let model = try QualityPredictor.train(syntheticOutlines(200, seed: 1), target: "quality", mlp: nil)
        #expect(model.fromOutlines && model.spec.version == "outline-features-1")
        #expect(model.heldOut.spearman >= 0.8, "held-out Spearman \(model.heldOut.spearman)")
        let fresh = syntheticOutlines(50, seed: 2)
        let predictions = try model.predict(outlines: fresh.compactMap(\.outline))
        #expect(RegressionMetrics.spearman(predictions, fresh.map(\.target)) >= 0.8)
        #expect(throws: LearningError.self) { try model.predict(["Some prose."]) }
        var missing = try #require(fresh.first?.outline)
        missing.chapter = 9
        #expect(throws: LearningError.invalidData(source: "the outline", problem: "chapter 9 is not in the outline (1…4)")) { try model.predict(outlines: [missing]) }

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("outline-model-\(UUID().uuidString.prefix(6)).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        #expect(try QualityPredictor.load(from: path) == model)
    }

    @Test func outlinesAndTextsAreNotMixed() {
        let mixed = Array(syntheticOutlines(10, seed: 3)) + syntheticExamples(10, seed: 4)
        #expect(throws: LearningError.invalidData(source: "training data", problem: "some examples are outlines and some are texts: train one kind at a time")) {
            try QualityPredictor.train(mixed, target: "quality")
        }
    }

    @Test func theShapeFeaturesFollowThePlan() throws {
        let input = try #require(syntheticOutlines(1, seed: 5).first?.outline)
        let values = Dictionary(uniqueKeysWithValues: zip(OutlineFeatures.dense, OutlineFeatures.values(input)))
        #expect(values["position"] == 0.5 && values["chapters"] == 4 && values["is_first"] == 0 && values["is_last"] == 0)
        #expect(values["beats"] == Double(input.spec!.beats.count))
        #expect(abs(values["log_target_words"]! - log(1200)) < 1e-15)
    }
}
