import Foundation
import Quality
import WorkbenchCore

/// The simulator as a judge: it reads the chapter quoted in a rubric prompt, analyses it with
/// the heuristic metrics and answers with the score they imply, plus documented noise. So
/// judge/heuristic agreement and decisions driven by a judge can be tested offline: a better
/// chapter gets a higher score, by as much as the metrics say, and samples scatter as much as
/// `noise` says.
///
/// A request is a judge's when its JSON schema asks for an object with a numeric `score`
/// (or a `winner` among "first" and "second") and the prompt quotes the chapter (both
/// versions) between lines of `"""`, as the rubrics in `Experiments/prompts/judge/` do.
/// Anything else gets `SchemaFaker`'s arbitrary valid answer, as before.
public enum SimulatedJudge {
    /// Standard deviation of a score on a 1–10 scale; on a scale [lo, hi] it is
    /// `noise × (hi − lo) / 9`. Drawn per request, so per sample of a judge.
    public static let noise = ResponseSurface.judgeNoise
    /// A judge model that prefers whatever it reads first, as LLM judges are known to: the
    /// first version's pairwise score gets `positionBias` points (before the tie check). Asked
    /// in both orders it contradicts itself whenever the two are within the bias.
    public static let positionBiasedJudge = "sim-judge-biased"
    public static let positionBias = 2.0
    /// How much a dimension's own metric weighs against the composite in its signal.
    public static let metricWeight = ResponseSurface.judgeMetricWeight

    /// A rubric dimension, recognised by a keyword, and the metric it follows.
    public struct Dimension: Sendable, Equatable {
        public var name: String
        public var keywords: [String]
        /// Nil: the composite alone.
        public var metric: String?
    }

    /// In order: the first whose keyword the asked quality contains wins; none is `overall`.
    public static let dimensions: [Dimension] = [
        Dimension(name: "overall", keywords: ["overall"], metric: nil),
        Dimension(name: "detail", keywords: ["detail", "sensory"], metric: "detail_density"),
        Dimension(name: "emotion", keywords: ["emotion"], metric: "emotion"),
        Dimension(name: "voice", keywords: ["voice"], metric: "voice"),
        Dimension(name: "obsession", keywords: ["obsession"], metric: "obsession_depth"),
        Dimension(name: "coherence", keywords: ["coheren", "continuity"], metric: "coherence"),
        Dimension(name: "prose", keywords: ["prose", "style", "fluen"], metric: "fluency"),
    ]

    /// What a judge request asks, read from its prompt.
    public struct Reading: Sendable, Equatable {
        public var dimension: Dimension
        /// The quoted chapter, or both versions of a pairwise comparison.
        public var chapters: [String]
        /// The book's obsession, from the rubric's `obsession ("…")`.
        public var obsession: String?
    }

    public static func read(_ prompt: String) -> Reading {
        var outside = "", chapters: [String] = [], block: [Substring]? = nil
        for line in prompt.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces) == "\"\"\"" {
                if let lines = block {
                    chapters.append(lines.joined(separator: "\n"))
                    block = nil
                } else {
                    block = []
                }
            } else if block != nil {
                block!.append(line)
            } else {
                outside += line + "\n"
            }
        }
        // The rubric's "Quality: emotional depth — …", or the pairwise "on one quality: emotion."
        var asked = "overall"
        if let range = outside.range(of: "quality:", options: .caseInsensitive) {
            let rest = outside[range.upperBound...]
            let end = rest.firstIndex { "—–.\n(".contains($0) } ?? rest.endIndex
            asked = rest[..<end].trimmingCharacters(in: .whitespaces).lowercased()
        }
        let dimension = dimensions.first { $0.keywords.contains(where: asked.contains) } ?? dimensions[0]
        var obsession: String?
        if let mark = outside.range(of: "obsession (\"", options: .caseInsensitive),
           let close = outside[mark.upperBound...].range(of: "\")") {
            let value = outside[mark.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !value.isEmpty { obsession = value }
        }
        return Reading(dimension: dimension, chapters: chapters, obsession: obsession)
    }

    /// What a chapter deserves on a dimension, 0–10, before noise and before the rubric's
    /// scale: the composite for `overall`; otherwise G × (w × m + (1 − w) × Q / G), with m the
    /// dimension metric's score (its value when it has no target), Q the composite, w
    /// `metricWeight` and G the composite's gates (repetition, fluency), so a broken text
    /// scores low on every dimension however rich its words. A dimension whose metric the
    /// analysis did not produce (no obsession given, a metric not yet built) follows the composite.
    public static func signal(_ report: QualityReport, dimension: Dimension) -> Double {
        guard let name = dimension.metric, let metric = report.metric(name) else { return report.quality }
        let own = min(10, max(0, metric.score ?? metric.value))
        var gate = 1.0
        for gated in MetricCatalog.gates {
            if let score = report.metric(gated)?.score { gate *= MetricCatalog.gate(gated, score: score) }
        }
        guard gate > 0 else { return 0 }
        let composite = min(10, report.quality / gate)
        return min(10, gate * (metricWeight * own + (1 - metricWeight) * composite))
    }

    public static func analyze(_ chapter: String, obsession: String?) -> QualityReport {
        QualityAnalyzer.analyze(chapter, context: AnalysisContext(obsession: obsession))
    }

    /// The rubric's scale: a score property's bounds (1–10 when it states none) and its step
    /// (1 for an integer, else `multipleOf`, else 0.1).
    public struct Scale: Sendable, Equatable {
        public var low: Double
        public var high: Double
        public var step: Double

        init(_ property: [String: Any]) {
            let integer = (property["type"] as? String) == "integer"
            low = (property["minimum"] as? NSNumber)?.doubleValue ?? 1
            high = max(low, (property["maximum"] as? NSNumber)?.doubleValue ?? max(low, 10))
            step = integer ? 1 : (property["multipleOf"] as? NSNumber)?.doubleValue ?? 0.1
        }

        public init(low: Double, high: Double, step: Double) {
            self.low = low
            self.high = high
            self.step = step
        }

        /// `signal` (0–10) placed on the scale, with Gaussian noise of sd `noise × (high − low) / 9`, unrounded.
        public func noisy(_ signal: Double, random: inout SeededGenerator) -> Double {
            low + (high - low) * signal / 10 + SimulatedJudge.noise * (high - low) / 9 * random.nextGaussian()
        }

        /// Rounded to the step and kept within the scale.
        public func rounded(_ value: Double) -> Double {
            let stepped = step > 0 ? (value / step).rounded() * step : value
            return min(high, max(low, (stepped * 1e6).rounded() / 1e6))
        }
    }

    /// The answer to a judge request, or nil when the request is not one (see the type's doc).
    /// `model` `positionBiasedJudge` favours the version shown first (`positionBias` points).
    static func answer(schema text: String, prompt: String, model: String? = nil, random: inout SeededGenerator) -> String? {
        guard let schema = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              let properties = schema["properties"] as? [String: Any] else { return nil }
        let reading = read(prompt)
        var object: [String: Any] = [:]
        if let scoreProperty = properties["score"] as? [String: Any], ["integer", "number"].contains(scoreProperty["type"] as? String ?? ""),
           let chapter = reading.chapters.first {
            let scale = Scale(scoreProperty)
            let report = analyze(chapter, obsession: reading.obsession)
            let signal = signal(report, dimension: reading.dimension)
            let score = scale.rounded(scale.noisy(signal, random: &random))
            object["score"] = scoreProperty["type"] as? String == "integer" ? Int(score) as Any : score as Any
            object["reason"] = reason(report, dimension: reading.dimension)
        } else if let winner = properties["winner"] as? [String: Any], let choices = winner["enum"] as? [String],
                  choices.contains("first"), choices.contains("second"), reading.chapters.count >= 2 {
            // Each version scored as on a 1–10 rubric; equal rounded scores are a tie.
            let scale = Scale(low: 1, high: 10, step: 1)
            let reports = reading.chapters.prefix(2).map { analyze($0, obsession: reading.obsession) }
            var scores = reports.map { scale.rounded(scale.noisy(signal($0, dimension: reading.dimension), random: &random)) }
            if model == positionBiasedJudge { scores[0] = scale.rounded(scores[0] + positionBias) }
            object["winner"] = scores[0] > scores[1] ? "first" : scores[1] > scores[0] ? "second" : (choices.contains("tie") ? "tie" : "first")
            object["reason"] = "Scored \(format(scores[0])) against \(format(scores[1])) on \(reading.dimension.name), from the heuristic metrics."
        } else {
            return nil
        }
        // Any other property the schema asks for: a valid value, as for any schema.
        for name in properties.keys.sorted() where object[name] == nil {
            object[name] = (try? SchemaFaker.make(properties[name]!, random: &random, key: name, depth: 1, prompt: prompt)) ?? NSNull()
        }
        if var reason = object["reason"] as? String, let limit = (properties["reason"] as? [String: Any])?["maxLength"] as? Int, reason.count > limit {
            reason = String(reason.prefix(limit))
            object["reason"] = reason
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func reason(_ report: QualityReport, dimension: Dimension) -> String {
        let composite = "composite quality \(format(report.quality))"
        guard let name = dimension.metric, let metric = report.metric(name) else { return "Follows the \(composite)." }
        return "Follows \(name) \(format(metric.score ?? metric.value)) of 10 beside the \(composite)."
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
