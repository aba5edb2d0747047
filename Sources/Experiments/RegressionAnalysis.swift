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
        /// The chapter's own evidence, for the report: one-sided p-value of a drop (or of a
        /// rise) from its samples alone (Welch's t; a prediction interval with one sample on a
        /// side); nil when neither side has two samples.
        public var noiseP: Double?
        /// The chapter's change as the decision sees it: with partial pooling, the posterior
        /// mean given every chapter of the suite; else its own Δ. Nil without a noise estimate.
        public var estimate: Double?
        /// The standard error the decision gave this chapter's Δ (the suite's pooled noise, or
        /// the chapter's own when larger).
        public var standardError: Double?
        /// The probability that the true change passes the threshold in the direction seen
        /// (a drop below −threshold, or a rise above it); the row moves when it reaches
        /// 1 − the family's alpha. Nil without a noise estimate.
        public var confidence: Double?
        public var status: Status
        public var note: String

        enum CodingKeys: String, CodingKey {
            case chapter, kind, metric, gated, delta, status, note, estimate, confidence
            case baselineMean = "baseline_mean", baselineSD = "baseline_sd", baselineSamples = "baseline_samples"
            case currentMean = "current_mean", currentSD = "current_sd", currentSamples = "current_samples", noiseP = "noise_p"
            case standardError = "standard_error"
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
        /// The metrics that gate (`quality` is the composite). A gated metric the baseline
        /// does not score gates nothing (see `RegressionAnalysis.defaultMetrics`).
        public var metrics: [String]
        /// The run's false-alarm budget, split evenly (Bonferroni) over the gated metrics and
        /// the suite-mean test: each family is judged at alpha / families.
        public var alpha: Double
        /// The suite mean fails when its drop is significant and at least this many points.
        public var suiteThreshold: Double
        /// Judge each chapter with the evidence of the whole suite (partial pooling, the
        /// default); false judges each on its own samples only.
        public var partialPooling: Bool

        public init(threshold: Double = 0.5, metrics: [String] = RegressionAnalysis.defaultMetrics, alpha: Double = 0.05, suiteThreshold: Double = 0.2,
                    partialPooling: Bool = true) {
            self.threshold = threshold
            self.metrics = metrics
            self.alpha = alpha
            self.suiteThreshold = suiteThreshold
            self.partialPooling = partialPooling
        }

        enum CodingKeys: String, CodingKey {
            case threshold, metrics, alpha
            case suiteThreshold = "suite_threshold", partialPooling = "partial_pooling"
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
    /// The gated metrics scored on both sides (`options.metrics` less those that are not).
    public var gatedMetrics: [String] = []
    /// The alpha each family (a gated metric, the suite mean) is judged at.
    public var familyAlpha: Double?
    /// Continuity violations per chapter, baseline → now; nil where not checked (a comparison of scores alone).
    public var continuity: ContinuityGate?

    enum CodingKeys: String, CodingKey {
        case baselineLabel, currentLabel, options, rows, suite, missing, notes, continuity
        case gatedMetrics = "gated_metrics", familyAlpha = "family_alpha"
    }

    public var passed: Bool { !rows.contains(where: \.failed) && !suite.failed && missing.isEmpty && !(continuity?.failed ?? false) }
    public var regressions: [Row] { rows.filter(\.failed) }
    public var improvements: [Row] { rows.filter { $0.status == .improved } }

    /// "keeper-climax quality −0.72, orchard-chase obsession_depth −1.10": what dropped.
    public var summaryLine: String {
        if passed {
            let better = improvements.filter(\.gated).count
            return "PASS: no chapter dropped more than \(RegressionAnalysis.points(options.threshold)) on \((gatedMetrics.isEmpty ? options.metrics : gatedMetrics).joined(separator: ", "))"
                + (better > 0 ? "; \(better) improved" : "")
                + (continuity.map { gate in gate.skipped != nil ? "; continuity not checked"
                    : gate.newMajor == 0 ? "; no new major continuity violation" : "; \(gate.newMajor) new major continuity violation\(gate.newMajor == 1 ? "" : "s") (threshold \(gate.threshold))" } ?? "")
        }
        var parts = regressions.map { "\($0.chapter) \($0.metric) \(RegressionAnalysis.signed($0.delta))" }
        if suite.failed { parts.append("suite mean quality \(RegressionAnalysis.signed(suite.delta))") }
        if let continuity, continuity.failed {
            parts += continuity.worse.map { "\($0.chapter) continuity +\($0.newMajor) major" }
        }
        parts += missing.map { "\($0) not written" }
        return "FAIL: " + parts.joined(separator: ", ")
    }
}

public enum RegressionAnalysis {
    /// What gates by default: the composite and whether the chapter does what its outline
    /// asks. `outline_adherence` gates only where the baseline scores it (baselines made
    /// before chapter plans were stored do not).
    public static let defaultMetrics = ["quality", "outline_adherence"]

    /// Chapters a metric needs for partial pooling: with fewer, each is judged on its own.
    static let poolingChapters = 3

    public static func compare(baseline: SuiteScores, current: SuiteScores, options: RegressionResult.Options,
                               baselineLabel: String, currentLabel: String) -> RegressionResult {
        var missing: [String] = []
        var pairs: [(Double, Double)] = []
        // Metric → the chapters (in suite order) scored on both sides.
        var byMetric: [String: [(chapter: SuiteScores.Chapter, before: SuiteScores.Metric, after: SuiteScores.Metric)]] = [:]
        for chapter in baseline.chapters {
            guard let now = current.chapter(chapter.id) else { missing.append(chapter.id); continue }
            if let before = chapter.metrics["quality"], let after = now.metrics["quality"] { pairs.append((before.mean, after.mean)) }
            for (name, before) in chapter.metrics {
                guard let after = now.metrics[name] else { continue }
                byMetric[name, default: []].append((chapter, before, after))
            }
        }
        // The false-alarm budget, split over the families that can fail the run: each gated
        // metric present, and the suite-mean test when there are two chapters for it.
        let gated = options.metrics.filter { byMetric[$0] != nil }
        let families = max(1, gated.count + (pairs.count >= 2 ? 1 : 0))
        let familyAlpha = options.alpha / Double(families)

        var judged: [String: [String: RegressionResult.Row]] = [:]
        var notes: [String] = []
        for (name, chapters) in byMetric {
            let evidence = judge(chapters.map { ($0.before, $0.after) }, threshold: options.threshold, pooling: options.partialPooling)
            for (item, judgement) in zip(chapters, evidence) {
                judged[name, default: [:]][item.chapter.id] = row(chapter: item.chapter.id, kind: item.chapter.kind, metric: name, gated: gated.contains(name),
                                                                  before: item.before, after: item.after, judgement: judgement, options: options, alpha: familyAlpha)
            }
        }
        // Rows in suite order; per chapter the gated metrics first, in the order asked, then the rest by name.
        var rows: [RegressionResult.Row] = []
        for chapter in baseline.chapters where current.chapter(chapter.id) != nil {
            let names = chapter.metrics.keys.sorted { a, b in
                let ia = options.metrics.firstIndex(of: a) ?? Int.max, ib = options.metrics.firstIndex(of: b) ?? Int.max
                return ia != ib ? ia < ib : a < b
            }
            rows += names.compactMap { judged[$0]?[chapter.id] }
        }
        let unscored = options.metrics.filter { byMetric[$0] == nil }
        if !unscored.isEmpty { notes.append("not scored on both sides, so not gated: \(unscored.joined(separator: ", "))") }
        if baseline.scorer != current.scorer || baseline.lexicon != current.lexicon {
            notes.append("scored with \(current.scorer)/\(current.lexicon), the baseline with \(baseline.scorer)/\(baseline.lexicon)")
        }
        if baseline.suiteSHA256 != current.suiteSHA256 { notes.append("the suites differ: only chapters with the same id are compared") }
        let samplesBefore = baseline.samplesPerChapter, samplesNow = current.samplesPerChapter
        if samplesBefore < 2 && samplesNow < 2 {
            notes.append("one sample per chapter on both sides: drops are judged by the threshold alone, with no estimate of noise (use --samples 2 or more)")
        }
        if families > 1 {
            notes.append("alpha \(options.alpha) split over \(families) families (\((gated + (pairs.count >= 2 ? ["suite mean"] : [])).joined(separator: ", "))): "
                         + String(format: "%.4f", familyAlpha) + " each")
        }
        var result = RegressionResult(baselineLabel: baselineLabel, currentLabel: currentLabel, options: options, rows: rows,
                                      suite: suiteMean(pairs, options: options, alpha: familyAlpha), missing: missing, notes: notes)
        result.gatedMetrics = gated
        result.familyAlpha = familyAlpha
        return result
    }

    /// How the decision saw one chapter's change of one metric.
    struct Judgement: Equatable {
        var delta: Double
        /// Nil without any estimate of noise (one sample a side everywhere).
        var standardError: Double?
        /// Posterior mean with partial pooling, else Δ; nil without noise.
        var estimate: Double?
        /// P(true change < −threshold) and P(true change > threshold); nil without noise.
        var dropConfidence: Double?
        var riseConfidence: Double?
        var pooled: Bool
    }

    /// Judges one metric over the suite's chapters (before, after), in order:
    ///
    /// 1. Noise: the within-chapter variance pooled over every chapter and both sides,
    ///    s² = Σ (n − 1)·sd² / Σ (n − 1), so a chapter whose three samples happen to agree
    ///    does not make any small change look certain. A chapter's Δ gets the standard error
    ///    s·√(1/n_b + 1/n_a), or its own (Welch's) when its samples vary more than the suite's.
    /// 2. Partial pooling (three chapters or more): the chapters' true changes are taken as
    ///    draws from one distribution N(μ, τ²), τ² estimated by DerSimonian–Laird's method of
    ///    moments. Each chapter's change is then estimated by its posterior: its own Δ shrunk
    ///    toward the suite's μ by B = se² / (se² + τ²), with variance (1 − B)·se² + B²·Var(μ̂).
    ///    A change everywhere (τ² ≈ 0) is seen in every chapter, even one whose own samples
    ///    missed it; a change in one chapter only (τ² large) is judged on that chapter's own
    ///    samples. With fewer chapters each is judged on its own, with Student's t on the
    ///    pooled degrees of freedom.
    /// 3. The confidence of a drop is P(true change < −threshold), of a rise P(> threshold).
    ///
    /// With no noise estimate (one sample a side everywhere) or no noise at all (every
    /// chapter's samples identical) a change past the threshold is certain.
    static func judge(_ pairs: [(SuiteScores.Metric, SuiteScores.Metric)], threshold: Double, pooling: Bool) -> [Judgement] {
        let deltas = pairs.map { $0.1.mean - $0.0.mean }
        var squares = 0.0, df = 0
        for (before, after) in pairs {
            for side in [before, after] where side.samples.count > 1 {
                let sd = ABTestAnalysis.meanAndSD(side.samples).sd
                squares += Double(side.samples.count - 1) * sd * sd
                df += side.samples.count - 1
            }
        }
        func certain(_ delta: Double, noise: Double?) -> Judgement {
            Judgement(delta: delta, standardError: noise, estimate: noise == nil ? nil : delta,
                      dropConfidence: noise == nil ? nil : (delta < -threshold ? 1 : 0), riseConfidence: noise == nil ? nil : (delta > threshold ? 1 : 0), pooled: false)
        }
        guard df > 0 else { return deltas.map { certain($0, noise: nil) } }
        let pooledSD = (squares / Double(df)).squareRoot()
        guard pooledSD > 0, pooledSD.isFinite else { return deltas.map { certain($0, noise: 0) } }
        let errors = pairs.map { before, after -> Double in
            let nb = Double(before.samples.count), na = Double(after.samples.count)
            let own = [(before, nb), (after, na)].reduce(0.0) { sum, side in
                side.1 > 1 ? sum + pow(ABTestAnalysis.meanAndSD(side.0.samples).sd, 2) / side.1 : sum
            }.squareRoot()
            return max(pooledSD * (1 / nb + 1 / na).squareRoot(), own)
        }
        guard pooling, pairs.count >= poolingChapters else {
            let t = StudentT(df: Double(df))
            return zip(deltas, errors).map { delta, se in
                Judgement(delta: delta, standardError: se, estimate: delta, dropConfidence: t.cdf((-threshold - delta) / se),
                          riseConfidence: t.cdf((delta - threshold) / se), pooled: false)
            }
        }
        let posterior = partialPooling(deltas: deltas, errors: errors).posteriors
        return deltas.indices.map { index in
            let (mean, variance) = posterior[index]
            let normal = Normal(mean: mean, sd: variance.squareRoot())
            return Judgement(delta: deltas[index], standardError: errors[index], estimate: mean, dropConfidence: normal.cdf(-threshold),
                             riseConfidence: normal.sf(threshold), pooled: true)
        }
    }

    /// The normal–normal random-effects model over a metric's chapters: observed changes
    /// d_c ~ N(δ_c, se_c²), true changes δ_c ~ N(μ, τ²).
    public struct PartialPooling: Sendable, Equatable {
        /// τ², by DerSimonian and Laird's method of moments (1986), never below 0.
        public var tau2: Double
        /// μ, the random-effects weighted mean of the changes, and its variance.
        public var mu: Double
        public var varianceMu: Double
        /// Per chapter, in order: the posterior mean and variance of δ_c (μ estimated, its
        /// uncertainty carried into the posterior).
        public var posteriors: [(mean: Double, variance: Double)]

        public static func == (a: PartialPooling, b: PartialPooling) -> Bool {
            a.tau2 == b.tau2 && a.mu == b.mu && a.varianceMu == b.varianceMu
                && a.posteriors.map(\.mean) == b.posteriors.map(\.mean) && a.posteriors.map(\.variance) == b.posteriors.map(\.variance)
        }
    }

    public static func partialPooling(deltas: [Double], errors: [Double]) -> PartialPooling {
        let weights = errors.map { 1 / ($0 * $0) }
        let sumW = weights.reduce(0, +), sumW2 = weights.reduce(0) { $0 + $1 * $1 }
        let fixed = zip(weights, deltas).reduce(0) { $0 + $1.0 * $1.1 } / sumW
        let q = zip(weights, deltas).reduce(0) { $0 + $1.0 * ($1.1 - fixed) * ($1.1 - fixed) }
        let tau2 = max(0, (q - Double(deltas.count - 1)) / (sumW - sumW2 / sumW))
        let randomWeights = errors.map { 1 / ($0 * $0 + tau2) }
        let sumRandom = randomWeights.reduce(0, +)
        let mu = zip(randomWeights, deltas).reduce(0) { $0 + $1.0 * $1.1 } / sumRandom
        let varianceMu = 1 / sumRandom
        let posteriors = zip(deltas, errors).map { delta, se -> (mean: Double, variance: Double) in
            let shrink = se * se / (se * se + tau2)
            return (shrink * mu + (1 - shrink) * delta, (1 - shrink) * se * se + shrink * shrink * varianceMu)
        }
        return PartialPooling(tau2: tau2, mu: mu, varianceMu: varianceMu, posteriors: posteriors)
    }

    static func row(chapter: String, kind: String, metric: String, gated: Bool, before: SuiteScores.Metric, after: SuiteScores.Metric,
                    judgement: Judgement, options: RegressionResult.Options, alpha: Double) -> RegressionResult.Row {
        let delta = judgement.delta
        var row = RegressionResult.Row(
            chapter: chapter, kind: kind, metric: metric, gated: gated, baselineMean: before.mean, baselineSD: before.sd, baselineSamples: before.samples.count,
            currentMean: after.mean, currentSD: after.sd, currentSamples: after.samples.count, delta: delta, noiseP: nil,
            estimate: judgement.estimate, standardError: judgement.standardError, confidence: nil, status: .unchanged, note: "")
        guard delta != 0 else { return row }
        let dropped = delta < 0
        row.noiseP = noiseP(before: before.samples, after: after.samples, drop: dropped)
        row.confidence = dropped ? judgement.dropConfidence : judgement.riseConfidence
        let threshold = points(options.threshold)
        // Without a noise estimate the threshold alone decides; with no noise at all any change past it is certain.
        let moved = row.confidence.map { $0 >= 1 - alpha } ?? (abs(delta) > options.threshold)
        let direction = dropped ? "drop" : "rise"
        var evidence: String {
            guard let confidence = row.confidence else { return "no estimate of noise: the threshold alone decides" }
            guard let se = judgement.standardError, se > 0, let estimate = judgement.estimate else { return "the samples do not vary: the change is certain" }
            let seen = judgement.pooled ? "with the suite's evidence" : "from its samples"
            let own = abs(estimate - delta) < 0.005 ? "" : " the change is estimated at \(signed(estimate)),"
            return "\(seen)\(own) P(\(direction) > \(threshold)) = \(String(format: "%.3f", confidence))"
                + (moved ? " ≥ " : " < ") + String(format: "%.4g", 1 - alpha)
        }
        switch (dropped, moved) {
        case (true, true):
            row.status = .regressed
            row.note = "dropped \(points(-delta)); \(evidence)"
        case (false, true):
            row.status = .improved
            row.note = "rose \(points(delta)); \(evidence)"
        case (true, false) where -delta > options.threshold:
            row.status = .withinNoise
            row.note = "dropped \(points(-delta)), but within the samples' variation (sd \(sds(before, after)); \(evidence))"
        case (false, false) where delta > options.threshold:
            row.note = "rose \(points(delta)), within the samples' variation (\(evidence))"
        default:
            break
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

    static func suiteMean(_ pairs: [(Double, Double)], options: RegressionResult.Options, alpha: Double) -> RegressionResult.SuiteMean {
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
        let significant = (result.pValue ?? 1) < alpha
        result.failed = significant && -delta >= options.suiteThreshold
        if result.failed {
            result.note = "the suite mean dropped \(points(-delta)) (paired t over \(pairs.count) chapters, p=\(p(result.pValue!)) < \(String(format: "%.4g", alpha)))"
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
