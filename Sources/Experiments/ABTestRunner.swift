import Foundation
import Stats
import Store
import WorkbenchCore

/// Drives an A/B test: writes the pairs in batches (every arm of a pair at once), saves each
/// sample as it finishes, looks at the primary metric after each batch in sequential mode,
/// and stops when the plan is done, the test is decided, or the next batch would pass the
/// cost cap. Samples and looks already stored are taken as they are, so a stopped test
/// continues where it was.
///
/// It knows nothing of engines or databases: `write` produces one sample and `save` keeps
/// it, so the same loop runs the CLI's engine-backed tests and the calibration tests'
/// thousands of in-memory experiments.
public struct ABTestRunner: Sendable {
    /// One arm's sample as written: its metrics and what it cost.
    public struct Written: Sendable {
        public var chapter: Int
        public var metrics: [String: Double]
        public var costUSD: Double
        public init(chapter: Int, metrics: [String: Double], costUSD: Double) {
            self.chapter = chapter
            self.metrics = metrics
            self.costUSD = costUSD
        }
    }

    /// What the runner reports as it goes.
    public enum Progress: Sendable {
        case sample(ABTestSampleRecord)
        case look(pairs: Int, traces: [ABTestResult.SequentialTrace])
        case stopped(ABTestStop, pairs: Int)
    }

    /// Thrown by `write` to stop the whole test at the cost cap (the sample is not recorded).
    public struct CostCapReached: Error {
        public init() {}
    }

    public var design: ABTestDesign
    public var runID: RunID
    /// The outline chapter sample i is written from (recorded with failures too).
    public var chapterOf: @Sendable (Int) -> Int
    public var write: @Sendable (_ arm: ABTestDesign.Arm, _ sample: Int, _ seed: UInt64) async throws -> Written
    public var save: @Sendable (ABTestSampleRecord) throws -> Void
    public var saveLook: @Sendable (Int) throws -> Void
    public var progress: @Sendable (Progress) -> Void

    public init(design: ABTestDesign, runID: RunID, chapterOf: @escaping @Sendable (Int) -> Int = { _ in 1 },
                write: @escaping @Sendable (ABTestDesign.Arm, Int, UInt64) async throws -> Written,
                save: @escaping @Sendable (ABTestSampleRecord) throws -> Void = { _ in },
                saveLook: @escaping @Sendable (Int) throws -> Void = { _ in },
                progress: @escaping @Sendable (Progress) -> Void = { _ in }) {
        self.design = design
        self.runID = runID
        self.chapterOf = chapterOf
        self.write = write
        self.save = save
        self.saveLook = saveLook
        self.progress = progress
    }

    public struct Outcome: Sendable {
        public var samples: [ABTestSampleRecord]
        public var looks: [Int]
        public var stop: ABTestStop
    }

    public func run(existing: [ABTestSampleRecord] = [], looks existingLooks: [Int] = []) async throws -> Outcome {
        var samples: [String: ABTestSampleRecord] = [:]
        func key(_ arm: String, _ index: Int) -> String { "\(arm)#\(index)" }
        for sample in existing { samples[key(sample.arm, sample.sample)] = sample }
        var looks = existingLooks

        func completePairs() -> Int {
            (1...design.samples).filter { index in design.arms.allSatisfy { samples[key($0.name, index)]?.status == .done } }.count
        }
        func spent() -> Double { samples.values.map(\.costUSD).reduce(0, +) }

        var stop = ABTestStop.completed
        var next = 1
        loop: while true {
            // A look after every batch that added pairs (and once on resume if the last batch had none).
            if design.sequential {
                let pairs = completePairs()
                if pairs >= design.firstLook, pairs > (looks.last ?? 0) {
                    looks.append(pairs)
                    try saveLook(pairs)
                    let traces = ABTestAnalysis.sequentialTraces(design: design, samples: Array(samples.values), looks: looks)
                    progress(.look(pairs: pairs, traces: traces))
                    if !traces.isEmpty, traces.allSatisfy({ $0.decision != "continue" }) {
                        stop = .decided
                        break loop
                    }
                }
            }
            guard next <= design.samples else { break }
            let batch = Array(next...min(design.samples, next + design.batch - 1))
            next += design.batch
            let pending = batch.flatMap { index in design.arms.filter { samples[key($0.name, index)]?.status != .done }.map { ($0, index) } }
            if pending.isEmpty { continue }
            if let cap = design.maxCostUSD {
                // Project the batch from what samples have cost so far; stop before passing the cap.
                let paid = samples.values.filter { $0.status == .done }
                let average = paid.isEmpty ? 0 : paid.map(\.costUSD).reduce(0, +) / Double(paid.count)
                if spent() >= cap || spent() + average * Double(pending.count) > cap {
                    stop = .costCap
                    break
                }
            }
            var capReached = false
            var lastError: String?
            try await withThrowingTaskGroup(of: ABTestSampleRecord?.self) { group in
                for (arm, index) in pending {
                    let seed = design.seed(ofSample: index)
                    group.addTask {
                        do {
                            let written = try await write(arm, index, seed)
                            return ABTestSampleRecord(runID: runID, arm: arm.name, sample: index, chapter: written.chapter, seed: seed,
                                                      status: .done, metrics: written.metrics, costUSD: written.costUSD)
                        } catch is CostCapReached {
                            return nil
                        } catch is CancellationError {
                            throw CancellationError()
                        } catch {
                            return ABTestSampleRecord(runID: runID, arm: arm.name, sample: index, chapter: chapterOf(index), seed: seed, status: .failed,
                                                      metrics: [:], costUSD: 0, error: "\(error)")
                        }
                    }
                }
                for try await record in group {
                    guard let record else { capReached = true; continue }
                    if record.status == .failed { lastError = record.error }
                    samples[key(record.arm, record.sample)] = record
                    try save(record)
                    progress(.sample(record))
                }
            }
            if capReached {
                stop = .costCap
                break
            }
            if let lastError, pending.allSatisfy({ samples[key($0.0.name, $0.1)]?.status == .failed }) {
                throw ABTestError.everySampleFailed(batch: "samples \(batch.first!)…\(batch.last!)", error: lastError)
            }
        }
        progress(.stopped(stop, pairs: completePairs()))
        return Outcome(samples: samples.values.sorted { ($0.arm, $0.sample) < ($1.arm, $1.sample) }, looks: looks, stop: stop)
    }
}
