import Foundation
import Stats

/// The comparison of a suite's scores now with a baseline's: pure, so `regress` and
/// `baseline diff` give the same verdicts from the same figures, and the tests run it
/// without writing a chapter.
public struct RegressionResult: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Dropped by more than the threshold, beyond what the samples' variation explains.
        case regressed
        /// Dropped by more than the threshold, but the samples' variation explains it.
        case withinNoise = "within-noise"
        case improved
        case unchanged
    }

    /// One chapter's metric, baseline → now.
    public struct Row: Codable, Sendable, Equatable {
        public var chapter: String
        public var kind: String
        public var metric: String
        /// Whether a regression of this row fails the run (the chosen metrics) or is reported only.
        public var gated: Bool
        public var baselineMean: Double
        public var baselineSD: Double?
        public var baselineSamples: Int
        public var currentMean: Double
        public var currentSD: Double?
        public var currentSamples: Int
        public var delta: Double
        /// One-sided p-value of a drop (or of a rise, for an improvement) given the samples'
        /// variation; nil when neither side has two samples to estimate it from.
        public var noiseP: Double?
        public var status: Status
        public var note: String

        enum CodingKeys: String, CodingKey {
            case chapter, kind, metric, gated, delta, status, note
            case baselineMean = "baseline_mean", baselineSD = "baseline_sd", baselineSamples = "baseline_samples"
            case currentMean = "current_mean", currentSD = "current_sd", currentSamples = "current_samples", noiseP = "noise_p"
        }

        public var failed: Bool { gated && status == .regressed }
    }

    /// The suite mean of the composite over chapters, and the paired test of its change.
    public struct SuiteMean: Codable, Sendable, Equatable {
        public var baseline: Double
        public var current: Double
        public var delta: Double
        public var chapters: Int
        /// Paired t test over chapters, one-sided (a drop); nil with fewer than two chapters.
        public var pValue: Double?
        public var wilcoxonP: Double?
        public var failed: Bool
        public var note: String

        enum CodingKeys: String, CodingKey {
            case baseline, current, delta, chapters, failed, note
            case pValue = "p_value", wilcoxonP = "wilcoxon_p"
        }
    }

    public struct Options: Codable, Sendable, Equatable {
        /// Points a gated metric may drop before the chapter fails.
        public var threshold: Double
        /// The metrics that gate (`quality` is the composite).
        public var metrics: [String]
        /// For the noise check of each row and the suite-mean test.
        public var alpha: Double
        /// The suite mean fails when its drop is significant and at least this many points.
        public var suiteThreshold: Double

        public init(threshold: Double = 0.5, metrics: [String] = ["quality"], alpha: Double = 0.05, suiteThreshold: Double = 0.2) {
            self.threshold = threshold
            self.metrics = metrics
            self.alpha = alpha
            self.suiteThreshold = suiteThreshold
        }

        enum CodingKeys: String, CodingKey {
            case threshold, metrics, alpha
            case suiteThreshold = "suite_threshold"
        }
    }

    /// "baseline v3.0" and "now" (or the two versions a diff compares).
    public var baselineLabel: String
    public var currentLabel: String
    public var options: Options
    public var rows: [Row]
    public var suite: SuiteMean
    /// Chapters of the baseline the current run has no scores for (they fail the run).
    public var missing: [String]
    public var notes: [String]

    public var passed: Bool { !rows.contains(where: \.failed) && !suite.failed && missing.isEmpty }
    public var regressions: [Row] { rows.filter(\.failed) }
    public var improvements: [Row] { rows.filter { $0.status == .improved } }

    /// "keeper-climax quality −0.72, orchard-chase obsession_depth −1.10": what dropped.
    public var summaryLine: String {
        if passed {
            let better = improvements.filter(\.gated).count
            return "PASS: no chapter dropped more than \(RegressionAnalysis.points(options.threshold)) on \(options.metrics.joined(separator: ", "))"
                + (better > 0 ? "; \(better) improved" : "")
        }
        var parts = regressions.map { "\($0.chapter) \($0.metric) \(RegressionAnalysis.signed($0.delta))" }
        if suite.failed { parts.append("suite mean quality \(RegressionAnalysis.signed(suite.delta))") }
        parts += missing.map { "\($0) not written" }
        return "FAIL: " + parts.joined(separator: ", ")
    }
}

public enum RegressionAnalysis {
    public static func compare(baseline: SuiteScores, current: SuiteScores, options: RegressionResult.Options,
                               baselineLabel: String, currentLabel: String) -> RegressionResult {
        var rows: [RegressionResult.Row] = []
        var missing: [String] = []
        var pairs: [(Double, Double)] = []
        for chapter in baseline.chapters {
            guard let now = current.chapter(chapter.id) else { missing.append(chapter.id); continue }
            if let before = chapter.metrics["quality"], let after = now.metrics["quality"] { pairs.append((before.mean, after.mean)) }
            // The gated metrics first, in the order asked, then the rest by name.
            let names = chapter.metrics.keys.sorted { a, b in
                let ia = options.metrics.firstIndex(of: a) ?? Int.max, ib = options.metrics.firstIndex(of: b) ?? Int.max
                return ia != ib ? ia < ib : a < b
            }
            for name in names {
                guard let before = chapter.metrics[name], let after = now.metrics[name] else { continue }
                rows.append(row(chapter: chapter.id, kind: chapter.kind, metric: name, gated: options.metrics.contains(name), before: before, after: after, options: options))
            }
        }
        var notes: [String] = []
        if baseline.scorer != current.scorer || baseline.lexicon != current.lexicon {
            notes.append("scored with \(current.scorer)/\(current.lexicon), the baseline with \(baseline.scorer)/\(baseline.lexicon)")
        }
        if baseline.suiteSHA256 != current.suiteSHA256 { notes.append("the suites differ: only chapters with the same id are compared") }
        let samplesBefore = baseline.samplesPerChapter, samplesNow = current.samplesPerChapter
        if samplesBefore < 2 && samplesNow < 2 {
            notes.append("one sample per chapter on both sides: drops are judged by the threshold alone, with no estimate of noise (use --samples 2 or more)")
        }
        return RegressionResult(baselineLabel: baselineLabel, currentLabel: currentLabel, options: options, rows: rows,
                                suite: suiteMean(pairs, options: options), missing: missing, notes: notes)
    }

    static func row(chapter: String, kind: String, metric: String, gated: Bool, before: SuiteScores.Metric, after: SuiteScores.Metric,
                    options: RegressionResult.Options) -> RegressionResult.Row {
        let delta = after.mean - before.mean
        var row = RegressionResult.Row(
            chapter: chapter, kind: kind, metric: metric, gated: gated, baselineMean: before.mean, baselineSD: before.sd, baselineSamples: before.samples.count,
            currentMean: after.mean, currentSD: after.sd, currentSamples: after.samples.count, delta: delta, noiseP: nil, status: .unchanged, note: "")
        guard abs(delta) > options.threshold else { return row }
        let dropped = delta < 0
        row.noiseP = noiseP(before: before.samples, after: after.samples, drop: dropped)
        let beyondNoise = row.noiseP.map { $0 < options.alpha } ?? true
        switch (dropped, beyondNoise) {
        case (true, true):
            row.status = .regressed
            row.note = "dropped \(points(-delta)) (> \(points(options.threshold)))" + (row.noiseP.map { ", beyond noise (p=\(p($0)))" } ?? "")
        case (true, false):
            row.status = .withinNoise
            row.note = "dropped \(points(-delta)), but within the samples' variation (sd \(sds(before, after)), p=\(p(row.noiseP!)) ≥ \(options.alpha))"
        case (false, true):
            row.status = .improved
            row.note = "rose \(points(delta))" + (row.noiseP.map { " (p=\(p($0)))" } ?? "")
        case (false, false):
            row.note = "rose \(points(delta)), within the samples' variation (p=\(p(row.noiseP!)))"
        }
        return row
    }

    /// How likely a change this large (down when `drop`, else up) is from the samples'
    /// variation alone: Welch's t with two samples or more a side; with one on a side, that
    /// value against the other side's spread (a prediction interval); nil with one a side.
    /// Identical samples on both sides make any change certain (p = 0).
    static func noiseP(before: [Double], after: [Double], drop: Bool) -> Double? {
        let alternative: Alternative = drop ? .less : .greater
        let (meanB, sdB) = ABTestAnalysis.meanAndSD(before), (meanA, sdA) = ABTestAnalysis.meanAndSD(after)
        let spreadB = before.count > 1 ? sdB : 0, spreadA = after.count > 1 ? sdA : 0
        if before.count > 1 || after.count > 1, spreadB == 0, spreadA == 0 { return meanA == meanB ? 1 : 0 }
        if before.count > 1, after.count > 1 {
            return try? TTests.welch(after, before, alternative: alternative).pValue
        }
        // One value against the other side's mean and spread: t = d / (s √(1 + 1/n)), df n − 1.
        let (spread, n) = before.count > 1 ? (sdB, before.count) : after.count > 1 ? (sdA, after.count) : (0, 1)
        guard n > 1 else { return nil }
        let t = (meanA - meanB) / (spread * (1 + 1 / Double(n)).squareRoot())
        let distribution = StudentT(df: Double(n - 1))
        return drop ? distribution.cdf(t) : distribution.sf(t)
    }

    static func suiteMean(_ pairs: [(Double, Double)], options: RegressionResult.Options) -> RegressionResult.SuiteMean {
        let before = pairs.map(\.0), after = pairs.map(\.1)
        let meanBefore = before.isEmpty ? .nan : before.reduce(0, +) / Double(before.count)
        let meanAfter = after.isEmpty ? .nan : after.reduce(0, +) / Double(after.count)
        let delta = meanAfter - meanBefore
        var result = RegressionResult.SuiteMean(baseline: meanBefore, current: meanAfter, delta: delta, chapters: pairs.count, pValue: nil,
                                                wilcoxonP: nil, failed: false, note: "")
        guard pairs.count >= 2 else {
            result.note = "fewer than two chapters: no suite-level test"
            return result
        }
        let differences = zip(after, before).map { $0 - $1 }
        if differences.allSatisfy({ $0 == differences[0] }) {
            result.pValue = differences[0] < 0 ? 0 : 1
        } else {
            result.pValue = try? TTests.paired(after, before, alternative: .less).pValue
            result.wilcoxonP = try? RankTests.wilcoxon(after, before, alternative: .less).pValue
        }
        let significant = (result.pValue ?? 1) < options.alpha
        result.failed = significant && -delta >= options.suiteThreshold
        if result.failed {
            result.note = "the suite mean dropped \(points(-delta)) (paired t over \(pairs.count) chapters, p=\(p(result.pValue!)))"
        } else if significant {
            result.note = "a significant but small drop of \(points(-delta)) (< \(points(options.suiteThreshold)))"
        } else {
            result.note = "suite mean \(signed(delta)) (paired t p=\(p(result.pValue ?? 1)))"
        }
        return result
    }

    static func points(_ value: Double) -> String { String(format: "%.2f points", value) }
    static func signed(_ value: Double) -> String { String(format: "%+.2f", value) }
    static func p(_ value: Double) -> String { value < 0.001 ? String(format: "%.1e", value) : String(format: "%.3f", value) }
    static func sds(_ a: SuiteScores.Metric, _ b: SuiteScores.Metric) -> String {
        [a.sd, b.sd].map { $0.map { String(format: "%.2f", $0) } ?? "–" }.joined(separator: " / ")
    }
}
