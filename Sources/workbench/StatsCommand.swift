import ArgumentParser
import Foundation
import Reports
import Stats
import WorkbenchCore

extension Workbench {
    struct StatsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Hypothesis tests on plain data files, with SciPy's conventions.",
            discussion: """
                A FILE holds one number per line (blank lines and lines starting with # are skipped), \
                or a CSV whose column --column names. welch = ttest_ind(equal_var=False), student = \
                ttest_ind(equal_var=True), paired = ttest_rel, onesample = ttest_1samp, mannwhitney = \
                mannwhitneyu, wilcoxon = wilcoxon (on A − B, or A alone), permutation = permutation_test \
                of the mean difference, bootstrap = bootstrap (BCa by default) of the mean or mean \
                difference, bayes = posterior probability that A beats B and expected losses, effectsize = Cohen's d, \
                Hedges' g and the rank-biserial correlation (Cliff's delta) with intervals, adjust = Holm or \
                false_discovery_control (bh, by) over a file of p-values, power = statsmodels' \
                TTestPower / TTestIndPower. Non-finite values, empty or \
                constant samples and mismatched pairs exit 65.
                """,
            subcommands: [Welch.self, Student.self, Paired.self, OneSample.self, MannWhitney.self, Wilcoxon.self, Permutation.self, BootstrapCommand.self, Bayes.self, EffectSize.self, Adjust.self, PowerCommand.self]
        )
    }
}

/// The options every test takes.
struct StatsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Sample A.", valueName: "file")) var a: String
    @Option(help: ArgumentHelp("Sample B (two-sample and paired tests).", valueName: "file")) var b: String?
    @Option(help: "The CSV column holding the numbers (default: one number per line).") var column: String?
    @Option(help: "two-sided, less or greater.") var alternative: String = "two-sided"
    @Option(help: "Confidence level of the interval.") var confidence: Double = 0.95
    @Flag(help: "Print JSON: statistic, p_value, df, ci_low, ci_high, effect_size, n_a, n_b.") var json = false

    func validate() throws {
        guard Alternative(rawValue: alternative) != nil else { throw ValidationError("--alternative must be two-sided, less or greater") }
    }

    var parsedAlternative: Alternative { Alternative(rawValue: alternative)! }

    func sampleA() throws -> [Double] { try SampleFile.read(a, column: column) }

    /// Runs a test with its samples' errors naming the files they came from: the library
    /// says "sample A", the user gave --a FILE.
    func naming<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StatsError {
            throw error.naming(a: a, b: b)
        }
    }
    func sampleB() throws -> [Double] {
        guard let b else { throw ValidationError("this test needs --b FILE") }
        return try SampleFile.read(b, column: column)
    }

    /// `extra` adds test-specific JSON fields and a note to the text line (the permutation
    /// test's resample count).
    func print(_ result: TestResult, extra: [String: Any] = [:], note: String = "") throws {
        if ["mannwhitney", "wilcoxon", "permutation"].contains(result.test) {
            if json {
                let fields: [String: Any] = [
                    "test": result.test, "statistic": result.statistic, "p_value": result.pValue, "df": NSNull(),
                    "effect_size": result.effectSize.isFinite ? result.effectSize : NSNull(), "n_a": result.nA,
                    "n_b": result.nB ?? NSNull(), "alternative": alternative,
                ]
                try Console.output(JSONOutput.render(fields.merging(extra) { $1 }))
            } else {
                let name = ["wilcoxon": "Wilcoxon signed-rank", "mannwhitney": "Mann–Whitney U"][result.test] ?? "Permutation test of the mean difference"
                let effect = result.test == "permutation" ? "standardised difference" : "rank-biserial"
                Console.output("\(name) (\(alternative)): statistic = \(String(format: "%.6g", result.statistic)), p = \(String(format: "%.6g", result.pValue)), \(effect) \(String(format: "%.4g", result.effectSize)), n = \(result.nA)\(result.nB.map { " and \($0)" } ?? "")\(note)\n")
            }
            return
        }
        if json {
            try Console.output(JSONOutput.render([
                "test": result.test, "statistic": result.statistic, "p_value": result.pValue, "df": result.df ?? NSNull(),
                "ci_low": jsonNumber(result.ciLow), "ci_high": jsonNumber(result.ciHigh), "confidence": result.confidence,
                "estimate": result.estimate, "effect_size": result.effectSize, "n_a": result.nA, "n_b": result.nB ?? NSNull(),
                "alternative": alternative,
            ] as [String: Any]))
        } else {
            Console.output("""
                \(result.test) t test (\(alternative)): t = \(String(format: "%.6g", result.statistic)), df = \(String(format: "%.6g", result.df ?? .nan)), p = \(String(format: "%.6g", result.pValue))
                estimate \(String(format: "%.6g", result.estimate)), \(Int(result.confidence * 100))% CI [\(String(format: "%.6g", result.ciLow)), \(String(format: "%.6g", result.ciHigh))], effect size \(String(format: "%.4g", result.effectSize)), n = \(result.nA)\(result.nB.map { " and \($0)" } ?? "")

                """)
        }
    }
}

/// JSON has no infinity: one-sided interval ends are written as the strings "inf" and "-inf".
func jsonNumber(_ value: Double) -> Any { value.isNaN ? NSNull() : value.isFinite ? value : (value > 0 ? "inf" : "-inf") }

extension StatsError {
    /// The error with each sample named by its file as well (`A (scores-a.txt)`).
    func naming(a: String, b: String?) -> StatsError {
        func name(_ sample: String) -> String {
            switch (sample, b) {
            case ("A", _): return "A (\(a))"
            case ("B", let b?): return "B (\(b))"
            case ("A − B", let b?): return "A − B (\(a) − \(b))"
            case ("A and B", let b?): return "A and B (\(a), \(b))"
            default: return sample
            }
        }
        switch self {
        case .empty(let sample): return .empty(sample: name(sample))
        case .nonFinite(let sample, let index): return .nonFinite(sample: name(sample), index: index)
        case .constant(let sample): return .constant(sample: name(sample))
        case .tooSmall(let sample, let count, let needed): return .tooSmall(sample: name(sample), count: count, needed: needed)
        case .overflow(let sample): return .overflow(sample: name(sample))
        case .mismatchedPairs, .badConfidence, .badProbability: return self
        }
    }
}

/// Reads a sample: one number per line, or a named CSV column; errors name the file and line.
enum SampleFile {
    enum Failure: WorkbenchError {
        case unreadable(String), notANumber(file: String, line: Int, text: String), noColumn(file: String, column: String, header: [String])
        var message: String {
            switch self {
            case .unreadable(let file): return "\(file) cannot be read"
            case .notANumber(let file, let line, let text): return "\(file):\(line): `\(text)` is not a number"
            case .noColumn(let file, let column, let header): return "\(file) has no column `\(column)` (columns: \(header.joined(separator: ", ")))"
            }
        }
        var fix: String? { "one number per line, or --column NAME for a CSV with a header" }
        var exitStatus: ExitStatus { .dataError }
    }

    static func read(_ file: String, column: String?) throws -> [Double] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw Failure.unreadable(file) }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r"))) }
        var index = 0
        if let column {
            let header = lines.first?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
            guard let position = header.firstIndex(of: column) else { throw Failure.noColumn(file: file, column: column, header: header) }
            index = position
            lines = Array(lines.dropFirst())
            return try lines.enumerated().compactMap { number, line in
                guard !line.isEmpty else { return nil }
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                let field = index < fields.count ? fields[index].trimmingCharacters(in: .whitespaces) : ""
                guard let value = Double(field) else { throw Failure.notANumber(file: file, line: number + 2, text: field) }
                return value
            }
        }
        return try lines.enumerated().compactMap { number, line in
            guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
            guard let value = Double(line) else { throw Failure.notANumber(file: file, line: number + 1, text: line) }
            return value
        }
    }
}

extension Workbench.StatsCommand {
    struct Welch: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Welch's two-sample t test (unequal variances).")
        @OptionGroup var options: StatsOptions
        func run() throws { try options.print(options.naming { try TTests.welch(options.sampleA(), options.sampleB(), alternative: options.parsedAlternative, confidence: options.confidence) }) }
    }

    struct Student: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Student's two-sample t test (pooled variance).")
        @OptionGroup var options: StatsOptions
        func run() throws { try options.print(options.naming { try TTests.student(options.sampleA(), options.sampleB(), alternative: options.parsedAlternative, confidence: options.confidence) }) }
    }

    struct Paired: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Paired t test on A − B.")
        @OptionGroup var options: StatsOptions
        func run() throws { try options.print(options.naming { try TTests.paired(options.sampleA(), options.sampleB(), alternative: options.parsedAlternative, confidence: options.confidence) }) }
    }

    struct MannWhitney: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "mannwhitney", abstract: "Mann–Whitney U rank test (exact for small samples without ties).")
        @OptionGroup var options: StatsOptions
        func run() throws { try options.print(options.naming { try RankTests.mannWhitney(options.sampleA(), options.sampleB(), alternative: options.parsedAlternative) }) }
    }

    struct Wilcoxon: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Wilcoxon signed-rank test on A − B (or on A alone without --b).")
        @OptionGroup var options: StatsOptions
        func run() throws {
            try options.print(options.naming { try RankTests.wilcoxon(options.sampleA(), options.b == nil ? nil : options.sampleB(), alternative: options.parsedAlternative) })
        }
    }

    struct Permutation: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Permutation test of mean(A) − mean(B), or of mean(A − B) with --paired.")
        @OptionGroup var options: StatsOptions
        @Flag(help: "Pairs: swap the members of each pair instead of shuffling labels.") var paired = false
        @Option(help: "Random arrangements when there are more than this many (else all are enumerated).") var resamples: Int = 9999
        @Option(help: "Seed of the random arrangements.") var seed: UInt64 = 0

        func validate() throws {
            guard resamples >= 1 else { throw ValidationError("--resamples must be at least 1, e.g. 9999") }
        }

        func run() throws {
            let (a, b) = (try options.sampleA(), try options.sampleB())
            let outcome = try options.naming {
                paired
                    ? try PermutationTest.paired(a, b, alternative: options.parsedAlternative, resamples: resamples, seed: seed)
                    : try PermutationTest.independent(a, b, alternative: options.parsedAlternative, resamples: resamples, seed: seed)
            }
            let note = outcome.exact ? ", all \(outcome.resamples) arrangements" : ", \(outcome.resamples) random arrangements (seed \(seed))"
            try options.print(outcome.result, extra: ["exact": outcome.exact, "resamples": outcome.resamples, "paired": paired], note: note)
        }
    }

    struct BootstrapCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bootstrap",
            abstract: "Bootstrap confidence interval of mean(A), mean(A) − mean(B), or mean(A − B) with --paired."
        )
        @OptionGroup var options: StatsOptions
        @Flag(help: "Pairs: resample the pairs together.") var paired = false
        @Option(help: "BCa or percentile.") var method: String = "BCa"
        @Option(help: "Bootstrap resamples.") var resamples: Int = 9999
        @Option(help: "Seed of the resampling.") var seed: UInt64 = 0

        func validate() throws {
            guard Bootstrap.Method(rawValue: method) != nil else { throw ValidationError("--method must be BCa or percentile") }
            guard resamples >= 2 else { throw ValidationError("--resamples must be at least 2, e.g. 9999") }
        }

        func run() throws {
            let a = try options.sampleA(), b = options.b == nil ? [] : try options.sampleB()
            let statistic: Bootstrap.Statistic = options.b == nil ? .mean : paired ? .pairedMeanDifference : .meanDifference
            let interval = try options.naming {
                try Bootstrap.interval(statistic, a, b, method: Bootstrap.Method(rawValue: method)!, confidence: options.confidence,
                                       alternative: options.parsedAlternative, resamples: resamples, seed: seed)
            }
            let what = ["mean(A)", "mean(A) − mean(B)", "mean(A − B)"][statistic == .mean ? 0 : statistic == .meanDifference ? 1 : 2]
            if options.json {
                try Console.output(JSONOutput.render([
                    "test": "bootstrap", "statistic": interval.estimate, "ci_low": jsonNumber(interval.low), "ci_high": jsonNumber(interval.high),
                    "confidence": interval.confidence, "method": interval.method.rawValue, "resamples": interval.resamples,
                    "standard_error": interval.standardError, "n_a": a.count, "n_b": b.isEmpty ? NSNull() : b.count,
                    "alternative": options.alternative, "seed": seed,
                ] as [String: Any]))
                return
            }
            Console.output("Bootstrap \(interval.method.rawValue) (\(options.alternative)): \(what) = \(String(format: "%.6g", interval.estimate)), \(String(format: "%g", interval.confidence * 100))% CI [\(String(format: "%.6g", interval.low)), \(String(format: "%.6g", interval.high))], standard error \(String(format: "%.4g", interval.standardError)), \(interval.resamples) resamples (seed \(seed))\n")
        }
    }

    struct Bayes: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Probability that mean(A) beats mean(B), expected loss of choosing either, credible interval.")
        @OptionGroup var options: StatsOptions
        @Flag(help: "Pairs: the posterior of the mean difference of pairs.") var paired = false

        func run() throws {
            let a = try options.sampleA(), b = try options.sampleB()
            let summary = try options.naming {
                paired ? try BayesianSummary.paired(a, b, credibility: options.confidence)
                       : try BayesianSummary.independent(a, b, credibility: options.confidence)
            }
            if options.json {
                try Console.output(JSONOutput.render([
                    "test": "bayes", "difference": summary.difference, "scale": summary.scale, "df": summary.df,
                    "probability_a_better": summary.probabilityABetter, "expected_loss_choosing_a": summary.expectedLossChoosingA,
                    "expected_loss_choosing_b": summary.expectedLossChoosingB, "ci_low": summary.credibleLow, "ci_high": summary.credibleHigh,
                    "credibility": summary.credibility, "n_a": a.count, "n_b": b.count, "paired": paired,
                ] as [String: Any]))
                return
            }
            Console.output("""
                P(A better than B) = \(String(format: "%.4f", summary.probabilityABetter)); difference \(String(format: "%.6g", summary.difference)), \(String(format: "%g", summary.credibility * 100))% credible interval [\(String(format: "%.6g", summary.credibleLow)), \(String(format: "%.6g", summary.credibleHigh))]
                expected loss choosing A \(String(format: "%.4g", summary.expectedLossChoosingA)), choosing B \(String(format: "%.4g", summary.expectedLossChoosingB)) (metric units; \(paired ? "paired" : "independent"), n = \(a.count) and \(b.count))

                """)
        }
    }

    struct EffectSize: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "effectsize", abstract: "Cohen's d, Hedges' g and the rank-biserial correlation (Cliff's delta), with intervals.")
        @OptionGroup var options: StatsOptions
        @Flag(help: "Pairs: d_z of the differences, and the matched-pairs rank-biserial.") var paired = false

        func run() throws {
            let a = try options.sampleA(), b = try options.sampleB()
            let standardised = try options.naming { try EffectSizes.standardised(a, b, paired: paired, confidence: options.confidence) }
            let ranks = try options.naming {
                paired ? try EffectSizes.pairedRankBiserial(a, b, confidence: options.confidence)
                       : try EffectSizes.rankBiserial(a, b, confidence: options.confidence)
            }
            // An interval bound no finite effect reaches (nearly constant samples) is "inf" / "-inf".
            func fields(_ estimate: EffectSizes.Estimate) -> [String: Any] { ["value": estimate.value, "ci_low": jsonNumber(estimate.low), "ci_high": jsonNumber(estimate.high)] }
            if options.json {
                var object: [String: Any] = ["cohens_d": fields(standardised.cohensD), "hedges_g": fields(standardised.hedgesG), "df": standardised.df,
                                             "confidence": options.confidence, "paired": paired, "n_a": a.count, "n_b": b.count]
                object["rank_biserial"] = fields(ranks)
                try Console.output(JSONOutput.render(object))
                return
            }
            let level = "\(String(format: "%g", options.confidence * 100))%"
            func line(_ name: String, _ estimate: EffectSizes.Estimate) -> String {
                "\(name) \(String(format: "%.4g", estimate.value)), \(level) CI [\(String(format: "%.4g", estimate.low)), \(String(format: "%.4g", estimate.high))]\n"
            }
            Console.output(line(paired ? "Cohen's d_z" : "Cohen's d", standardised.cohensD) + line("Hedges' g", standardised.hedgesG)
                           + line(paired ? "matched-pairs rank-biserial" : "rank-biserial (Cliff's delta)", ranks))
        }
    }

    struct OneSample: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "onesample", abstract: "One-sample t test of A against --mu.")
        @OptionGroup var options: StatsOptions
        @Option(help: "The mean under the null hypothesis.") var mu: Double = 0
        func run() throws { try options.print(options.naming { try TTests.oneSample(options.sampleA(), mu: mu, alternative: options.parsedAlternative, confidence: options.confidence) }) }
    }

    struct Adjust: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Adjust a family of p-values for multiple comparisons (Holm, Benjamini–Hochberg, Benjamini–Yekutieli).")
        @Option(help: ArgumentHelp("The p-values, one per line (or a CSV column with --column).", valueName: "file")) var p: String
        @Option(help: "The CSV column holding the p-values.") var column: String?
        @Option(help: "holm (family-wise error), bh or by (false discovery rate).") var method: String = "holm"
        @Option(help: "Mark the p-values whose adjusted value is at most this level.") var alpha: Double = 0.05
        @Flag(help: "Print JSON: method, alpha and per p-value the raw and adjusted values and whether it is rejected.") var json = false

        func validate() throws {
            guard MultipleComparisons.Method(rawValue: method) != nil else { throw ValidationError("--method must be holm, bh or by") }
            guard alpha > 0 && alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1, e.g. 0.05") }
        }

        func run() throws {
            let raw = try SampleFile.read(p, column: column)
            guard !raw.isEmpty else { throw StatsError.empty(sample: p) }
            let adjusted = try MultipleComparisons.adjust(raw, method: MultipleComparisons.Method(rawValue: method)!)
            if json {
                let rows = zip(raw, adjusted).map { ["p_value": $0, "adjusted": $1, "rejected": $1 <= alpha] as [String: Any] }
                try Console.output(JSONOutput.render(["method": method, "alpha": alpha, "results": rows] as [String: Any]))
                return
            }
            var table = TextTable(columns: [.init("#", .right), .init("P", .right), .init("ADJUSTED", .right), .init("AT \(String(format: "%g", alpha))")])
            for (index, (value, adjustedValue)) in zip(raw, adjusted).enumerated() {
                table.append(["\(index + 1)", String(format: "%.6g", value), String(format: "%.6g", adjustedValue), adjustedValue <= alpha ? "rejected" : ""])
            }
            Console.output(table.render() + "\(adjusted.filter { $0 <= alpha }.count) of \(raw.count) rejected (\(method))\n")
        }
    }

    struct PowerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "power",
            abstract: "Power, sample size or minimum detectable effect of a t test: give two of effect, n and power.",
            discussion: """
                --effect is Cohen's d (for paired, d of the differences); or give --difference in points \
                with the --sd of the scores (paired: of the differences). With effect and --n: the power. \
                With effect and --power: the n per arm needed. With --n and --power: the smallest effect \
                detected (in points too when --sd is given).
                """
        )
        @Option(help: "onesample, paired (n pairs) or twosample (n per arm).") var design: String = "paired"
        @Option(help: "The effect as Cohen's d.") var effect: Double?
        @Option(help: "The effect in points (with --sd).") var difference: Double?
        @Option(help: "The standard deviation that turns points into d.") var sd: Double?
        @Option(help: "Observations per arm (pairs for paired).") var n: Int?
        @Option(help: "The target power, e.g. 0.8.") var power: Double?
        @Option(help: "Significance level.") var alpha: Double = 0.05
        @Option(help: "two-sided, less or greater.") var alternative: String = "two-sided"
        @Flag(help: "Print JSON: design, alpha, alternative, effect_size, n, power (and difference, sd when given).") var json = false

        func validate() throws {
            guard Power.Design(rawValue: design) != nil else { throw ValidationError("--design must be onesample, paired or twosample") }
            guard Alternative(rawValue: alternative) != nil else { throw ValidationError("--alternative must be two-sided, less or greater") }
            if effect != nil && difference != nil { throw ValidationError("give --effect or --difference, not both") }
            if difference != nil && sd == nil { throw ValidationError("--difference needs --sd to become an effect size") }
            if let sd, !(sd > 0 && sd.isFinite) { throw ValidationError("--sd must be a positive number") }
            let given = [effect != nil || difference != nil, n != nil, power != nil].filter { $0 }.count
            guard given == 2 else { throw ValidationError("give exactly two of the effect (--effect or --difference), --n and --power; the third is computed") }
        }

        func run() throws {
            let design = Power.Design(rawValue: design)!, alternative = Alternative(rawValue: alternative)!
            var d = effect ?? difference.map { $0 / sd! }
            var n = n, power = power
            if let effectSize = d, let observations = n {
                power = try Power.power(design: design, effect: effectSize, n: observations, alpha: alpha, alternative: alternative)
            } else if let effectSize = d, let target = power {
                n = try Power.sampleSize(design: design, effect: effectSize, power: target, alpha: alpha, alternative: alternative)
                // Report what that whole n achieves, which is at least the target.
                power = try Power.power(design: design, effect: effectSize, n: n!, alpha: alpha, alternative: alternative)
            } else {
                d = try Power.minimumDetectableEffect(design: design, n: n!, power: power!, alpha: alpha, alternative: alternative)
            }
            let points = sd.map { d! * $0 }
            if json {
                var object: [String: Any] = ["design": design.rawValue, "alpha": alpha, "alternative": alternative.rawValue,
                                             "effect_size": d!, "n": n!, "power": power!]
                if let sd { object["sd"] = sd; object["difference"] = points! }
                try Console.output(JSONOutput.render(object))
                return
            }
            let unit = design == .twoSample ? "per arm" : design == .paired ? "pairs" : "observations"
            let effectText = "d = \(String(format: "%.4g", d!))" + (points.map { " (\(String(format: "%.4g", $0)) points at sd \(String(format: "%g", sd!)))" } ?? "")
            Console.output("\(design.rawValue) t test (\(alternative.rawValue), alpha \(String(format: "%g", alpha))): \(effectText), n = \(n!) \(unit), power = \(String(format: "%.4f", power!))\n")
        }
    }
}
