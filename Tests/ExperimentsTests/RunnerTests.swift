import Foundation
import Stats
import Store
import Testing
import WorkbenchCore
@testable import Experiments

/// The runner and the analysis on scripted samples: what is decided, stopped, listed and warned.
@Suite("A/B runner and analysis")
struct RunnerTests {
    typealias Written = ABTestRunner.Written

    /// A runner whose sample values come from `value(arm, sample)`; `fail` makes a sample throw.
    static func runner(_ design: ABTestDesign, cost: Double = 0, fail: @escaping @Sendable (String, Int) -> Bool = { _, _ in false },
                       value: @escaping @Sendable (String, Int) -> Double) -> ABTestRunner {
        ABTestRunner(design: design, runID: RunID(startedAt: 0, random: 2)) { arm, index, _ in
            struct Scripted: Error, CustomStringConvertible { var description: String { "scripted failure" } }
            if fail(arm.name, index) { throw Scripted() }
            return Written(chapter: 1, metrics: ["quality": value(arm.name, index)], costUSD: cost)
        }
    }

    static func salt(_ arm: String) -> Int { arm.unicodeScalars.reduce(0) { $0 + Int($1.value) } }

    /// Deterministic noise in [-1, 1].
    static func noise(_ index: Int, _ salt: Int) -> Double {
        var random = SeededGenerator(seed: UInt64(index * 7_919 + salt))
        return Double.random(in: -1...1, using: &random)
    }

    @Test("identical arms give an exact zero difference, not an error")
    func identicalArms() async throws {
        let design = SimulatedChapters.design(samples: 6, metrics: ["quality"], seed: 1, batch: 3)
        let outcome = try await Self.runner(design) { _, index in Double(index) }.run()
        let result = ABTestAnalysis.analyze(id: "t", design: design, samples: outcome.samples, stop: outcome.stop)
        let comparison = result.comparisons[0]
        #expect(comparison.difference == 0 && comparison.pValue == 1 && !comparison.significant)
        #expect(comparison.verdict.hasPrefix("no detectable difference (n=6"))
        #expect(result.stop == .completed && result.guards.isEmpty)
    }

    @Test("a clear improvement is reported in the roadmap's style, a worsening with ✗")
    func verdictLines() async throws {
        let design = SimulatedChapters.design(samples: 12, metrics: ["quality"], seed: 1, batch: 4, arms: ["control", "better", "worse"])
        let outcome = try await Self.runner(design) { arm, index in
            7 + Self.noise(index, 1) + (arm == "better" ? 0.7 : arm == "worse" ? -0.9 : 0) + 0.2 * Self.noise(index, Self.salt(arm))
        }.run()
        let result = ABTestAnalysis.analyze(id: "t", design: design, samples: outcome.samples, stop: outcome.stop)
        let better = try #require(result.comparisons.first { $0.variant == "better" })
        let worse = try #require(result.comparisons.first { $0.variant == "worse" })
        #expect(better.significant && better.verdict.hasPrefix("better +0.") && better.verdict.hasSuffix("✓"), "\(better.verdict)")
        #expect(worse.significant && worse.verdict.hasPrefix("worse -0.") && worse.verdict.hasSuffix("✗"), "\(worse.verdict)")
        // Holm across the two variants: each corrected p is at least its raw p.
        #expect(result.comparisons.allSatisfy { $0.adjustedP >= $0.pValue })
        #expect(result.verdicts.count == 2)
    }

    @Test("failed samples are listed, left out of the pairs, and an arm that fails more trips the ratio guard")
    func failuresAndSampleRatioMismatch() async throws {
        let design = SimulatedChapters.design(samples: 40, metrics: ["quality"], seed: 1, batch: 8)
        let outcome = try await Self.runner(design, fail: { arm, index in arm == "variant" && (index % 2 == 0 || index % 3 == 0) }) { _, index in 7 + Self.noise(index, 3) }.run()
        let result = ABTestAnalysis.analyze(id: "t", design: design, samples: outcome.samples, stop: outcome.stop)
        #expect(result.failed.count == 27 && result.failed.allSatisfy { $0.arm == "variant" && $0.error == "scripted failure" })
        #expect(result.comparisons[0].pairs == 13)
        #expect(result.guards.contains { $0.kind == .failedSamples && $0.message.contains("27 samples failed") })
        #expect(result.guards.contains { $0.kind == .sampleRatioMismatch })
        // Resumed with the fault gone: only the failures are written again.
        let retried = Counter()
        let resumed = try await ABTestRunner(design: design, runID: RunID(startedAt: 0, random: 2)) { _, index, _ in
            retried.add()
            return Written(chapter: 1, metrics: ["quality": 7 + Self.noise(index, 3)], costUSD: 0)
        }.run(existing: outcome.samples)
        #expect(retried.value == 27)
        #expect(ABTestAnalysis.analyze(id: "t", design: design, samples: resumed.samples, stop: resumed.stop).guards.isEmpty)
    }

    @Test("too few samples for the minimum effect says how many are needed")
    func tooFewSamples() async throws {
        var design = SimulatedChapters.design(samples: 8, metrics: ["quality"], seed: 1, batch: 8)
        design.minimumEffect = 0.3
        let outcome = try await Self.runner(design) { arm, index in 7 + Self.noise(index, Self.salt(arm)) }.run()
        let result = ABTestAnalysis.analyze(id: "t", design: design, samples: outcome.samples, stop: outcome.stop)
        let needed = try #require(result.comparisons[0].pairsNeeded)
        #expect(needed > 8)
        #expect(result.guards.contains { $0.kind == .tooFewSamples && $0.message.contains("needs n=\(needed)") })
    }

    @Test("the cost cap stops before a batch would pass it")
    func costCap() async throws {
        var design = SimulatedChapters.design(samples: 20, metrics: ["quality"], seed: 1, batch: 2)
        design.maxCostUSD = 0.05
        // 0.004 per sample, 4 samples a batch: batches of 0.016; the fourth would pass 0.05.
        let outcome = try await Self.runner(design, cost: 0.004) { _, index in Double(index) }.run()
        #expect(outcome.stop == .costCap)
        #expect(outcome.samples.count == 12)
        #expect(outcome.samples.map(\.costUSD).reduce(0, +) <= 0.05)
    }

    @Test("sequential mode stops early for a large effect and for futility, and records its looks")
    func sequentialStops() async throws {
        let large = SimulatedChapters.design(samples: 40, metrics: ["quality"], seed: 1, sequential: true, batch: 2)
        let winner = try await Self.runner(large) { arm, index in 7 + Self.noise(index, Self.salt(arm)) * 0.5 + (arm == "variant" ? 1.5 : 0) }.run()
        #expect(winner.stop == .decided)
        #expect(winner.looks.first == 6 && winner.looks.last! < 40)
        let result = ABTestAnalysis.analyze(id: "t", design: large, samples: winner.samples, looks: winner.looks, stop: winner.stop)
        #expect(result.sequential[0].decision == "efficacy")
        #expect(result.comparisons[0].significant && result.comparisons[0].verdict.contains("sequential, stopped at n="), "\(result.comparisons[0].verdict)")

        var flat = large
        flat.minimumEffect = 1.0
        let futile = try await Self.runner(flat) { arm, index in 7 + Self.noise(index, Self.salt(arm)) * 0.3 }.run()
        #expect(futile.stop == .decided)
        let futileResult = ABTestAnalysis.analyze(id: "t", design: flat, samples: futile.samples, looks: futile.looks, stop: futile.stop)
        #expect(futileResult.sequential[0].decision == "futility")
        #expect(!futileResult.comparisons[0].significant && futileResult.comparisons[0].verdict.contains("futility"))
    }

    @Test("bad designs are refused naming the flag")
    func validation() throws {
        let good = SimulatedChapters.design(samples: 10, metrics: ["quality"], seed: 1)
        var unknown = good
        unknown.metrics = ["qualty"]
        #expect(throws: ABTestError.self) { try unknown.validate(judgeDimensions: []) }
        do { try unknown.validate(judgeDimensions: []) } catch let error as ABTestError {
            #expect(error.message.hasPrefix("--metrics: unknown metric `qualty`") && error.exitStatus == .usage)
        }
        var one = good
        one.arms = [one.arms[0]]
        #expect(throws: ABTestError.self) { try one.validate(judgeDimensions: []) }
        var judge = good
        judge.metrics = ["judge.overall"]
        #expect(throws: ABTestError.self) { try judge.validate(judgeDimensions: []) }
        try judge.validate(judgeDimensions: ["overall"])
    }

    @Test("reports render every format; JSON turns non-finite figures into null")
    func reports() async throws {
        let design = SimulatedChapters.design(samples: 6, metrics: ["quality", "emotion"], seed: 1, batch: 6)
        let outcome = try await Self.runner(design, fail: { arm, _ in arm == "variant" }) { _, index in Double(index) }.run()
        let result = ABTestAnalysis.analyze(id: "t", design: design, samples: outcome.samples, stop: outcome.stop)
        let json = ABTestReport.render(result, as: .json)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let first = try #require((parsed["comparisons"] as? [[String: Any]])?.first)
        #expect(first["variant_mean"] is NSNull && first["pairs"] as? Int == 0)
        #expect(result.comparisons[0].verdict == "too few pairs to compare (n=0)")
        let html = ABTestReport.render(result, as: .html)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && html.contains("Failed samples"))
        #expect(ABTestReport.render(result, as: .markdown).contains("| metric | variant |"))
        #expect(ABTestReport.render(result, as: .terminal).contains("⚠"))
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
