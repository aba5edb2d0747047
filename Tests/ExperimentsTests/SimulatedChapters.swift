import Foundation
import LLM
import Quality
import Simulator
import WorkbenchCore
@testable import Experiments

/// Chapters written by the simulator's writer in-process (no HTTP, no database) and scored
/// by the real analyser: the response surface's noise is the only randomness, so A/A tests
/// built on it have no real effect and injected instructions have their documented one.
struct SimulatedChapters: Sendable {
    static let obsession = "the drowned bell"
    let words: Int
    let writer = SimulatorWriter(serverSeed: 0)

    /// A chapter prompt in the shape of Experiments/prompts/v1, with `instruction` appended.
    static func prompt(words: Int, instruction: String) -> String {
        """
        You are writing chapter 2 of 6 of the novel "The Keeper's Daughter".
        Characters: Mara, Elias and Ines.
        Obsession: \(obsession).
        Write about \(words) words of this chapter in the third person, past tense. \(instruction)
        """
    }

    func metrics(prompt: String, seed: UInt64) -> [String: Double] {
        let output = writer.respond(to: CompletionRequest(messages: [ChatMessage(.user, prompt)], temperature: 0.8, maxTokens: words * 3, seed: seed, task: .generate))
        let report = QualityAnalyzer.analyze(output.text, context: AnalysisContext(targetWords: words, obsession: Self.obsession))
        var result = ["quality": report.quality]
        for metric in report.metrics { result[metric.name] = metric.value }
        return result
    }

    /// A runner whose arms are prompt texts instead of prompt folders.
    func runner(design: ABTestDesign, prompts: [String: String]) -> ABTestRunner {
        ABTestRunner(design: design, runID: RunID(startedAt: 0, random: 1)) { arm, _, seed in
            ABTestRunner.Written(chapter: 1, metrics: metrics(prompt: prompts[arm.name]!, seed: seed), costUSD: 0)
        }
    }

    static func design(samples: Int, metrics: [String], seed: UInt64, sequential: Bool = false, batch: Int = 1, arms: [String] = ["control", "variant"]) -> ABTestDesign {
        ABTestDesign(name: "calibration", experimentFile: "-", arms: arms.map { .init(name: $0, prompts: $0, promptsHash: "") }, samples: samples,
                     metrics: metrics, sequential: sequential, batch: batch, seed: seed)
    }
}
