import Foundation
import Stats
import Testing
@testable import Experiments

/// The A/B machinery's error rates, measured over thousands of simulated experiments whose
/// chapters come from the simulator's writer and are scored by the real analyser. Seeds are
/// fixed, so each figure is the same on every run; the counts make a well-calibrated
/// procedure land inside the bands with room to spare (binomial sd ≈ 0.4–1 points).
@Suite("A/B calibration against the simulator")
struct CalibrationTests {
    static let words = 150
    static let control = SimulatedChapters.prompt(words: words, instruction: "Avoid clichés. Write only the chapter's prose.")
    /// Same instructions, other words: the simulator's surface has no trigger in the change.
    static let cosmetic = SimulatedChapters.prompt(words: words, instruction: "Avoid clichés. Write nothing but the chapter's prose.")
    /// "deepen emotion" is a documented trigger: emotion-bearing sentences 0.05 → 0.15.
    static let emotional = SimulatedChapters.prompt(words: words, instruction: "Avoid clichés. Write only the chapter's prose. Deepen emotion.")

    /// Runs `count` experiments, two at a time (the machine has two cores), and returns each one's result.
    static func experiments<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: count)
            var next = 0
            for _ in 0..<min(2, count) { let index = next; next += 1; group.addTask { (index, try await body(index)) } }
            while let (index, value) = try await group.next() {
                results[index] = value
                if next < count { let index = next; next += 1; group.addTask { (index, try await body(index)) } }
            }
            return results.map { $0! }
        }
    }

    @Test("A/A: fixed-size paired tests reject 4–6% of 3,000 experiments at alpha 0.05")
    func fixedFalsePositives() async throws {
        let chapters = SimulatedChapters(words: Self.words)
        let flags = try await Self.experiments(3_000) { index in
            let design = SimulatedChapters.design(samples: 10, metrics: ["quality", "emotion"], seed: UInt64(index) * 7_919 + 1, batch: 10)
            let outcome = try await chapters.runner(design: design, prompts: ["control": Self.control, "variant": Self.cosmetic]).run()
            let result = ABTestAnalysis.analyze(id: "aa", design: design, samples: outcome.samples, stop: outcome.stop)
            // Unadjusted per metric (each is its own 5% test), and the corrected family.
            return (result.comparisons.map { $0.pValue < 0.05 }, result.comparisons.contains { $0.significant })
        }
        for (index, metric) in ["quality", "emotion"].enumerated() {
            let rate = Double(flags.filter { $0.0[index] }.count) / Double(flags.count)
            print("calibration: A/A fixed \(metric) false-positive rate \(rate) over \(flags.count) experiments")
            #expect(rate >= 0.04 && rate <= 0.06, "\(metric): A/A false-positive rate \(rate)")
        }
        // Holm over two metrics keeps the family's rate at or below alpha.
        let family = Double(flags.filter(\.1).count) / Double(flags.count)
        #expect(family <= 0.06, "family-wise rate \(family)")
    }

    @Test("A/A: sequential tests looked at after every pair reject 4–6% of 2,000 experiments")
    func sequentialFalsePositives() async throws {
        let chapters = SimulatedChapters(words: Self.words)
        let outcomes = try await Self.experiments(2_000) { index in
            let design = SimulatedChapters.design(samples: 20, metrics: ["quality"], seed: UInt64(index) * 104_729 + 3, sequential: true, batch: 1)
            let outcome = try await chapters.runner(design: design, prompts: ["control": Self.control, "variant": Self.cosmetic]).run()
            let trace = ABTestAnalysis.sequentialTraces(design: design, samples: outcome.samples, looks: outcome.looks)[0]
            return (trace.decision, outcome.looks.count, outcome.samples.count / 2)
        }
        let rate = Double(outcomes.filter { $0.0 == "efficacy" }.count) / Double(outcomes.count)
        let futile = Double(outcomes.filter { $0.0 == "futility" }.count) / Double(outcomes.count)
        let meanPairs = Double(outcomes.map(\.2).reduce(0, +)) / Double(outcomes.count)
        print("calibration: A/A sequential false-positive rate \(rate), futility stops \(futile), mean pairs \(meanPairs) of 20")
        #expect(rate >= 0.04 && rate <= 0.06, "sequential A/A false-positive rate \(rate)")
        // It really peeked after every pair (16 looks when it runs to the end) and some stopped early.
        #expect(outcomes.contains { $0.0 == "continue" && $0.1 == 16 })
        #expect(outcomes.contains { $0.2 < 20 })
    }

    @Test("an injected effect is detected as often as the power calculator predicts (within 5 points)")
    func detectionMatchesPower() async throws {
        let chapters = SimulatedChapters(words: Self.words)
        let pairs = 10
        let runs = try await Self.experiments(2_000) { index in
            let design = SimulatedChapters.design(samples: pairs, metrics: ["emotion"], seed: UInt64(index) * 15_485_863 + 7, batch: pairs)
            let outcome = try await chapters.runner(design: design, prompts: ["control": Self.control, "variant": Self.emotional]).run()
            let result = ABTestAnalysis.analyze(id: "ab", design: design, samples: outcome.samples, stop: outcome.stop)
            return (result.comparisons[0].significant, result.comparisons[0].differences)
        }
        // The true standardised effect, from all 20,000 pairs at once.
        let (mean, sd) = ABTestAnalysis.meanAndSD(runs.flatMap(\.1))
        let predicted = try Power.power(design: .paired, effect: mean / sd, n: pairs, alpha: 0.05)
        let detected = Double(runs.filter(\.0).count) / Double(runs.count)
        print("calibration: detection \(detected) vs power calculator \(predicted) at d_z \(mean / sd), n \(pairs)")
        #expect(predicted > 0.3 && predicted < 0.9, "the effect should leave power in the informative middle: \(predicted)")
        #expect(abs(detected - predicted) <= 0.05, "detected \(detected), power calculator \(predicted) (d_z \(mean / sd))")
    }
}
