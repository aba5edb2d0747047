import Foundation
import LLM
import Quality
import Testing
@testable import Simulator
import WorkbenchCore

/// The simulated specialists (issue #18's ensemble): `sim-a` writes talk, `sim-b` places and
/// moods, `sim-c` deeds. On a beat of its kind each writes the best passage of the three; over
/// every kind none is best, so a passage-by-passage choice can beat each of them.
@Suite struct ModelStrengthTests {
    let writer = SimulatorWriter(serverSeed: 1)
    /// Beats of the standard outline, by the kind the simulator reads in them.
    static let beats: [ResponseSurface.BeatKind: [String]] = [
        .dialogue: ["an argument over who the letter belongs to", "Ines tells a lie Mara notices"],
        .description: ["Mara trims the lamp at dusk", "dawn over a flat sea"],
        .action: ["Tomas fights the tiller", "Mara climbs to relight it with the letter in her coat"],
    ]

    static func prompt(beat: String) -> String {
        """
        You are writing chapter 2 of the novel "The Drowned Bell". Characters: Mara, Tomas and Ines.
        Obsession: the drowned bell.
        The chapter so far ends with:
        \"\"\"
        Mara waited by the ferry. Tomas said nothing.
        \"\"\"
        Continue the chapter from exactly there with about 300 more words, moving on to this
        beat: \(beat). Use vivid detail, deepen emotion, include dialogue and stay with the
        obsession. Avoid repetition: do not restate what is above. Write only the new prose.
        """
    }

    /// Mean composite of `count` passages per beat of `kind` by `model` (scored as units: no length target).
    func quality(_ model: String, _ kind: ResponseSurface.BeatKind, count: Int = 20) -> Double {
        let values = Self.beats[kind]!.flatMap { beat in
            (0..<count).map { seed in
                let request = CompletionRequest(messages: [ChatMessage(.user, Self.prompt(beat: beat))], model: model, maxTokens: 2000, seed: UInt64(seed), task: .generate)
                return QualityAnalyzer.analyze(writer.respond(to: request).text, context: AnalysisContext(obsession: "the drowned bell")).quality
            }
        }
        return values.reduce(0, +) / Double(values.count)
    }

    @Test func eachSpecialistWritesTheBestPassagesOfItsKindAndNoneIsBestOverall() {
        let models = ["sim-a", "sim-b", "sim-c"]
        var table: [String: [ResponseSurface.BeatKind: Double]] = [:]
        for model in models + ["sim-1"] {
            for kind in ResponseSurface.BeatKind.allCases { table[model, default: [:]][kind] = quality(model, kind) }
            print("specialists: \(model) " + ResponseSurface.BeatKind.allCases.map { String(format: "%@ %.2f", $0.rawValue, table[model]![$0]!) }.joined(separator: ", ")
                  + String(format: ", mean %.2f", table[model]!.values.reduce(0, +) / 3))
        }
        for (model, kind) in [("sim-a", ResponseSurface.BeatKind.dialogue), ("sim-b", .description), ("sim-c", .action)] {
            let best = models.max { table[$0]![kind]! < table[$1]![kind]! }
            #expect(best == model, "\(kind): \(models.map { "\($0) \(table[$0]![kind]!)" })")
        }
        // The best passage of each kind, taken from its specialist, beats every single model's mean.
        let oracle = ResponseSurface.BeatKind.allCases.map { kind in models.map { table[$0]![kind]! }.max()! }.reduce(0, +) / 3
        for model in models { #expect(oracle > table[model]!.values.reduce(0, +) / 3 + 0.2) }
    }

    @Test func beatsAreReadFromTheContinuationPrompt() {
        #expect(ResponseSurface.beat(in: Self.prompt(beat: "Tomas fights the tiller")) == "Tomas fights the tiller")
        #expect(ResponseSurface.BeatKind.of(beat: "an argument over who the letter belongs to") == .dialogue)
        #expect(ResponseSurface.BeatKind.of(beat: "dawn over a flat sea") == .description)
        #expect(ResponseSurface.BeatKind.of(beat: "Tomas fights the tiller") == .action)
        #expect(ResponseSurface.BeatKind.of(beat: "her father's hand on the envelope") == nil)
        #expect(ResponseSurface.beat(in: RomanceKnobTests.untriggered[0].1) == nil, "a whole chapter's prompt names no single beat")
    }

    @Test func aModelNotInTheTableWritesAsBefore() {
        let prompt = Self.prompt(beat: "Tomas fights the tiller")
        #expect(ResponseSurface.probabilities(for: prompt, model: "sim-1") == ResponseSurface.probabilities(for: prompt))
        #expect(ResponseSurface.probabilities(for: prompt, model: nil) == ResponseSurface.probabilities(for: prompt))
    }
}
