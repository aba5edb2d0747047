import Foundation
import Stats
import Store
import WorkbenchCore

/// Why a test stopped taking samples.
public enum ABTestStop: String, Codable, Sendable, Equatable {
    /// Every planned pair is in.
    case completed
    /// Sequential: every variant crossed its boundary or was shown futile.
    case decided
    /// The next batch would pass the cost cap, or the cap was reached.
    case costCap = "cost-cap"
    /// Still running, or stopped by a crash or a signal: `abtest resume` continues it.
    case unfinished
}

/// The analysis of an A/B test: what every report renders and `--json` prints.
public struct ABTestResult: Codable, Sendable, Equatable {
    public struct ArmSummary: Codable, Sendable, Equatable {
        public var name: String
        public var prompts: String
        public var done: Int
        public var failed: Int
        public var costUSD: Double
        enum CodingKeys: String, CodingKey { case name, prompts, done, failed, costUSD = "cost_usd" }
    }

    /// One variant against the control on one metric, over the pairs both completed.
    public struct Comparison: Codable, Sendable, Equatable {
        public var variant: String
        public var metric: String
        public var pairs: Int
        public var controlMean: Double
        public var variantMean: Double
        public var controlSD: Double
        public var variantSD: Double
        /// variant − control, its mean over pairs and a 95% (1 − alpha) interval.
        public var difference: Double
        public var ciLow: Double
        public var ciHigh: Double
        /// Paired t test; Wilcoxon signed-rank beside it (nil when every difference is zero).
        public var pValue: Double
        public var wilcoxonP: Double?
        /// Corrected across every variant × metric (Holm or Benjamini–Hochberg).
        public var adjustedP: Double
        /// d_z: the mean difference over the differences' standard deviation.
        public var effectSize: Double?
        public var effectLow: Double?
        public var effectHigh: Double?
        /// The matched-pairs rank-biserial correlation (Wilcoxon's effect size) and its interval.
        public var rankBiserial: EffectSizes.Estimate?
        /// Power of this paired test at the effect observed (a post-hoc figure: it says how
        /// likely an effect this large was to be seen, not whether this one is real).
        public var achievedPower: Double?
        /// The difference this many pairs detect with the design's power at the corrected alpha.
        public var minimumDetectable: Double?
        /// Pairs needed for the design's minimum effect, when one was given.
        public var pairsNeeded: Int?
        public var significant: Bool
        /// The pair-by-pair differences, in sample order (for the paired-difference plot).
        public var differences: [Double]
        public var verdict: String

        enum CodingKeys: String, CodingKey {
            case variant, metric, pairs, difference, significant, differences, verdict
            case controlMean = "control_mean", variantMean = "variant_mean", controlSD = "control_sd", variantSD = "variant_sd"
            case ciLow = "ci_low", ciHigh = "ci_high", pValue = "p_value", wilcoxonP = "wilcoxon_p", adjustedP = "p_adjusted"
            case effectSize = "effect_size", effectLow = "effect_low", effectHigh = "effect_high", achievedPower = "achieved_power", rankBiserial = "rank_biserial"
            case minimumDetectable = "mde", pairsNeeded = "pairs_needed"
        }
    }

    public struct Guard: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case sampleRatioMismatch = "sample-ratio-mismatch", tooFewSamples = "too-few-samples", failedSamples = "failed-samples", sequential }
        public var kind: Kind
        public var message: String
    }

    public struct FailedSample: Codable, Sendable, Equatable {
        public var arm: String
        public var sample: Int
        public var error: String
    }

    /// The sequential record of one variant on the primary metric.
    public struct SequentialTrace: Codable, Sendable, Equatable {
        public var variant: String
        public var looks: [SequentialPairedTest.Look]
        public var decision: String
    }

    public var id: String
    public var name: String
    public var design: ABTestDesign
    public var stop: ABTestStop
    public var arms: [ArmSummary]
    public var comparisons: [Comparison]
    public var guards: [Guard]
    public var failed: [FailedSample]
    public var sequential: [SequentialTrace]
    /// Per-arm metric values of the completed samples, for the distribution plots.
    public var values: [String: [String: [Double]]]

    public var totalCostUSD: Double { arms.map(\.costUSD).reduce(0, +) }

    /// The one-line verdicts, primary metric first.
    public var verdicts: [String] { comparisons.map { "\($0.metric): \($0.verdict)" } }
}

/// Turns stored samples into the result: pure, so `abtest show` recomputes what `abtest`
/// printed, and the calibration tests run it thousands of times without a database.
public enum ABTestAnalysis {
    public static func analyze(id: String, design: ABTestDesign, samples: [ABTestSampleRecord], looks: [Int] = [], stop: ABTestStop) -> ABTestResult {
        let byArm = Dictionary(grouping: samples, by: \.arm)
        func done(_ arm: String) -> [Int: ABTestSampleRecord] {
            Dictionary((byArm[arm] ?? []).filter { $0.status == .done }.map { ($0.sample, $0) }, uniquingKeysWith: { a, _ in a })
        }
        let control = done(design.control.name)
        let hypotheses = design.variants.count * design.metrics.count
        // The strictest step of Holm (and Bonferroni): what sizes and power are figured at.
        let familyAlpha = design.alpha / Double(max(1, hypotheses))

        var comparisons: [ABTestResult.Comparison] = []
        var traces: [ABTestResult.SequentialTrace] = []
        for variant in design.variants {
            let other = done(variant.name)
            let pairs = control.keys.filter { other[$0] != nil }.sorted()
            for metric in design.metrics {
                let usable = pairs.filter { control[$0]?.metrics[metric] != nil && other[$0]?.metrics[metric] != nil }
                let a = usable.map { control[$0]!.metrics[metric]! }
                let b = usable.map { other[$0]!.metrics[metric]! }
                comparisons.append(compare(variant: variant.name, metric: metric, control: a, variant: b, design: design, familyAlpha: familyAlpha))
                if design.sequential, metric == design.primaryMetric {
                    traces.append(trace(variant: variant.name, differences: zip(b, a).map { $0 - $1 }, looks: looks, design: design))
                }
            }
        }
        // Corrected p-values across every variant × metric.
        if let adjusted = try? MultipleComparisons.adjust(comparisons.map(\.pValue), method: design.correction) {
            for index in comparisons.indices { comparisons[index].adjustedP = adjusted[index] }
        }
        for index in comparisons.indices {
            let sequentialTrace = design.sequential && comparisons[index].metric == design.primaryMetric
                ? traces.first { $0.variant == comparisons[index].variant } : nil
            decide(&comparisons[index], design: design, trace: sequentialTrace)
        }

        let failed = samples.filter { $0.status == .failed }.sorted { ($0.sample, $0.arm) < ($1.sample, $1.arm) }
            .map { ABTestResult.FailedSample(arm: $0.arm, sample: $0.sample, error: $0.error ?? "unknown error") }
        let arms = design.arms.map { arm in
            let rows = byArm[arm.name] ?? []
            return ABTestResult.ArmSummary(name: arm.name, prompts: arm.prompts, done: rows.filter { $0.status == .done }.count,
                                           failed: rows.filter { $0.status == .failed }.count, costUSD: rows.map(\.costUSD).reduce(0, +))
        }
        var values: [String: [String: [Double]]] = [:]
        for arm in design.arms {
            let rows = done(arm.name).values.sorted { $0.sample < $1.sample }
            for metric in design.metrics { values[arm.name, default: [:]][metric] = rows.compactMap { $0.metrics[metric] } }
        }
        return ABTestResult(id: id, name: design.name, design: design, stop: stop, arms: arms, comparisons: comparisons,
                            guards: guards(design: design, arms: arms, comparisons: comparisons, failed: failed, traces: traces),
                            failed: failed, sequential: traces, values: values)
    }

    static func compare(variant: String, metric: String, control a: [Double], variant b: [Double], design: ABTestDesign, familyAlpha: Double) -> ABTestResult.Comparison {
        let n = a.count
        let differences = zip(b, a).map { $0 - $1 }
        let (meanDifference, sdDifference) = meanAndSD(differences)
        let (controlMean, controlSD) = meanAndSD(a), (variantMean, variantSD) = meanAndSD(b)
        var comparison = ABTestResult.Comparison(
            variant: variant, metric: metric, pairs: n, controlMean: controlMean, variantMean: variantMean, controlSD: controlSD, variantSD: variantSD,
            difference: meanDifference, ciLow: .nan, ciHigh: .nan, pValue: 1, wilcoxonP: nil, adjustedP: 1, effectSize: nil, effectLow: nil,
            effectHigh: nil, rankBiserial: nil, achievedPower: nil, minimumDetectable: nil, pairsNeeded: nil, significant: false, differences: differences, verdict: "")
        guard n >= 2 else { return comparison }
        if sdDifference == 0 {
            // Every pair differs by the same amount (zero for identical arms): exact, no test needed.
            comparison.ciLow = meanDifference
            comparison.ciHigh = meanDifference
            comparison.pValue = meanDifference == 0 ? 1 : 0
            comparison.minimumDetectable = 0
            return comparison
        }
        if let test = try? TTests.paired(b, a, confidence: 1 - design.alpha) {
            comparison.pValue = test.pValue
            comparison.ciLow = test.ciLow
            comparison.ciHigh = test.ciHigh
        }
        comparison.wilcoxonP = try? RankTests.wilcoxon(b, a).pValue
        comparison.rankBiserial = try? EffectSizes.pairedRankBiserial(b, a, confidence: 1 - design.alpha)
        if let effect = try? EffectSizes.standardised(b, a, paired: true, confidence: 1 - design.alpha) {
            comparison.effectSize = effect.cohensD.value
            comparison.effectLow = effect.cohensD.low
            comparison.effectHigh = effect.cohensD.high
            comparison.achievedPower = try? Power.power(design: .paired, effect: abs(effect.cohensD.value), n: n, alpha: familyAlpha)
        }
        if let d = try? Power.minimumDetectableEffect(design: .paired, n: n, power: design.power, alpha: familyAlpha) {
            comparison.minimumDetectable = d * sdDifference
        }
        if let wanted = design.minimumEffect, metric == design.primaryMetric {
            comparison.pairsNeeded = try? Power.sampleSize(design: .paired, effect: wanted / sdDifference, power: design.power, alpha: familyAlpha)
        }
        return comparison
    }

    /// Each variant's sequential record on the primary metric: all a look needs, without the
    /// rest of the analysis (the runner calls this after every batch).
    public static func sequentialTraces(design: ABTestDesign, samples: [ABTestSampleRecord], looks: [Int]) -> [ABTestResult.SequentialTrace] {
        let byArm = Dictionary(grouping: samples.filter { $0.status == .done }, by: \.arm)
        func values(_ arm: String) -> [Int: Double] {
            Dictionary((byArm[arm] ?? []).compactMap { sample in sample.metrics[design.primaryMetric].map { (sample.sample, $0) } }, uniquingKeysWith: { a, _ in a })
        }
        let control = values(design.control.name)
        return design.variants.map { variant in
            let other = values(variant.name)
            let differences = control.keys.filter { other[$0] != nil }.sorted().map { other[$0]! - control[$0]! }
            return trace(variant: variant.name, differences: differences, looks: looks, design: design)
        }
    }

    /// The primary metric's sequential looks, replayed from the stored look sizes.
    static func trace(variant: String, differences: [Double], looks: [Int], design: ABTestDesign) -> ABTestResult.SequentialTrace {
        let test = SequentialPairedTest(maximumPairs: design.samples, alpha: design.alpha / Double(max(1, design.variants.count)), spending: design.spending)
        var done: [SequentialPairedTest.Look] = []
        var sizes: [Int] = []
        var decision = "continue"
        for size in looks where size >= 2 && size <= differences.count && size > (sizes.last ?? 0) {
            sizes.append(size)
            guard let look = try? test.look(sizes: sizes, differences: Array(differences.prefix(size))) else { continue }
            done.append(look)
            decision = sequentialDecision(look, design: design, differences: Array(differences.prefix(size)))
            if decision != "continue" { break }
        }
        return ABTestResult.SequentialTrace(variant: variant, looks: done, decision: decision)
    }

    /// "efficacy" when the look crosses its boundary; "futility" when its repeated interval
    /// lies inside ±(the smallest effect worth finding); else "continue".
    public static func sequentialDecision(_ look: SequentialPairedTest.Look, design: ABTestDesign, differences: [Double]) -> String {
        if look.crossed { return "efficacy" }
        if let margin = futilityMargin(design: design, differences: differences), look.intervalLow > -margin, look.intervalHigh < margin { return "futility" }
        return "continue"
    }

    /// The design's minimum effect, else what the planned maximum detects at the design's
    /// power, in units of the current differences' spread.
    static func futilityMargin(design: ABTestDesign, differences: [Double]) -> Double? {
        if let wanted = design.minimumEffect { return wanted }
        guard differences.count > 1 else { return nil }
        let sd = meanAndSD(differences).sd
        let alpha = design.alpha / Double(max(1, design.variants.count))
        guard let d = try? Power.minimumDetectableEffect(design: .paired, n: design.samples, power: design.power, alpha: alpha) else { return nil }
        return sd == 0 ? .ulpOfOne : d * sd
    }

    /// Mean and sample standard deviation (NaN where undefined: no values, or one for the sd).
    public static func meanAndSD(_ values: [Double]) -> (mean: Double, sd: Double) {
        guard !values.isEmpty else { return (.nan, .nan) }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, .nan) }
        return (mean, (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot())
    }

    static func decide(_ comparison: inout ABTestResult.Comparison, design: ABTestDesign, trace: ABTestResult.SequentialTrace?) {
        let n = comparison.pairs
        guard n >= 2 else {
            comparison.verdict = "too few pairs to compare (n=\(n))"
            return
        }
        if let trace, let last = trace.looks.last {
            // Sequential primary metric: the boundary decides, the repeated interval is the one to read.
            comparison.significant = last.crossed
            comparison.ciLow = last.intervalLow
            comparison.ciHigh = last.intervalHigh
            switch trace.decision {
            case "efficacy":
                comparison.verdict = "\(signedLine(comparison)) (sequential, stopped at n=\(last.pairs): p=\(pText(last.pValue)) ≤ \(pText(last.nominalLevel)))\(mark(comparison))"
            case "futility":
                comparison.verdict = String(format: "no difference worth finding (stopped for futility at n=%d: interval %+.2f…%+.2f)", last.pairs, last.intervalLow, last.intervalHigh)
            case _ where last.pairs >= design.samples:
                comparison.verdict = "no detectable difference (sequential, n=\(last.pairs): p=\(pText(last.pValue)), needed ≤ \(pText(last.nominalLevel)))"
            default:
                comparison.verdict = "no detectable difference yet (sequential, n=\(last.pairs) of \(design.samples): p=\(pText(last.pValue)), needs ≤ \(pText(last.nominalLevel)))"
            }
            return
        }
        comparison.significant = comparison.adjustedP < design.alpha
        if comparison.significant {
            comparison.verdict = "\(signedLine(comparison)) (p\(comparison.adjustedP < 0.001 ? "<0.001" : "=" + pText(comparison.adjustedP)) < \(design.alpha))\(mark(comparison))"
        } else if let mde = comparison.minimumDetectable {
            comparison.verdict = String(format: "no detectable difference (n=%d, MDE %.2g)", n, mde)
        } else {
            comparison.verdict = "no detectable difference (n=\(n))"
        }
    }

    static func signedLine(_ comparison: ABTestResult.Comparison) -> String {
        let unit = ["quality", "emotion", "voice", "obsession_depth"].contains(comparison.metric) || comparison.metric.hasPrefix("judge.") ? " points" : ""
        return "\(comparison.variant) " + String(format: "%+.2f", comparison.difference) + unit
    }

    static func mark(_ comparison: ABTestResult.Comparison) -> String {
        guard let better = ABTestDesign.higherIsBetter(comparison.metric) else { return "" }
        return (comparison.difference > 0) == better ? " ✓" : " ✗"
    }

    static func pText(_ p: Double) -> String {
        p < 0.0001 ? String(format: "%.1e", p) : String(format: "%.2g", p)
    }

    static func guards(design: ABTestDesign, arms: [ABTestResult.ArmSummary], comparisons: [ABTestResult.Comparison],
                       failed: [ABTestResult.FailedSample], traces: [ABTestResult.SequentialTrace]) -> [ABTestResult.Guard] {
        var result: [ABTestResult.Guard] = []
        // Sample-ratio mismatch: the paired design plans equal counts, so unequal completions
        // mean an arm fails more often, and the pairs left are no longer a fair sample.
        let counts = arms.map { Double($0.done) }
        if counts.reduce(0, +) > 0, Set(counts).count > 1, let fit = try? GoodnessOfFit.chiSquare(observed: counts), fit.pValue < 0.001 {
            result.append(.init(kind: .sampleRatioMismatch, message: "sample-ratio mismatch: "
                + arms.map { "\($0.name) \($0.done) done" }.joined(separator: ", ")
                + String(format: " (χ² p=%.1e): one arm fails more often, so the pairs left may not be comparable", fit.pValue)))
        }
        for comparison in comparisons where comparison.metric == design.primaryMetric {
            if let needed = comparison.pairsNeeded, needed > comparison.pairs, let wanted = design.minimumEffect {
                result.append(.init(kind: .tooFewSamples, message: String(
                    format: "too few samples for %@: %d pairs detect %.2g at %.0f%% power; %.2g needs n=%d", comparison.variant, comparison.pairs,
                    comparison.minimumDetectable ?? .nan, design.power * 100, wanted, needed)))
            }
            if comparison.pairs < 2 {
                result.append(.init(kind: .tooFewSamples, message: "\(comparison.variant): \(comparison.pairs) complete pair\(comparison.pairs == 1 ? "" : "s"); a paired test needs at least 2"))
            }
        }
        if !failed.isEmpty {
            let list = failed.prefix(5).map { "\($0.arm) #\($0.sample): \($0.error)" }.joined(separator: "; ")
            result.append(.init(kind: .failedSamples, message: "\(failed.count) sample\(failed.count == 1 ? "" : "s") failed and \(failed.count == 1 ? "is" : "are") left out of the pairs: \(list)\(failed.count > 5 ? "; …" : "") (`workbench abtest resume` retries them)"))
        }
        return result
    }
}
