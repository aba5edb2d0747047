import Foundation
import Reports

/// An A/B test's result as a terminal table, Markdown (for a CI job summary), JSON, or a
/// self-contained HTML page with each arm's distribution and the paired differences.
public enum ABTestReport {
    public enum Format: String, CaseIterable, Sendable { case terminal, markdown, json, html }

    public static func render(_ result: ABTestResult, as format: Format, style: TerminalStyle = .plain) -> String {
        switch format {
        case .terminal: return terminal(result, style: style)
        case .markdown: return markdown(result)
        case .json: return json(result)
        case .html: return html(result)
        }
    }

    static func number(_ value: Double?, _ format: String = "%.2f") -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: format, value)
    }

    static func p(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return value < 0.001 ? String(format: "%.1e", value) : String(format: "%.3f", value)
    }

    static func interval(_ c: ABTestResult.Comparison) -> String {
        guard c.ciLow.isFinite || c.ciHigh.isFinite else { return "–" }
        return "\(number(c.ciLow, "%+.2f"))…\(number(c.ciHigh, "%+.2f"))"
    }

    static func headline(_ result: ABTestResult) -> String {
        let design = result.design
        let pairs = result.comparisons.map(\.pairs).min() ?? 0
        let mode = design.sequential ? "sequential (up to \(design.samples) pairs, \(design.spending.rawValue) spending)" : "\(design.samples) pairs planned"
        return "A/B test \(result.id) \"\(result.name)\": \(design.control.name) vs \(design.variants.map(\.name).joined(separator: ", ")); "
            + "\(mode), \(pairs) complete; alpha \(design.alpha), \(design.correction.rawValue) correction; stopped: \(result.stop.rawValue)"
    }

    static func comparisonRows(_ result: ABTestResult) -> (header: [String], rows: [[String]]) {
        let header = ["metric", "variant", "n", "control", "variant mean", "Δ", "95% CI", "p (t)", "p (Wilcoxon)", "p adj", "d_z", "power", "MDE"]
        let rows = result.comparisons.map { c in
            [c.metric, c.variant, "\(c.pairs)", number(c.controlMean), number(c.variantMean), number(c.difference, "%+.2f"), interval(c), p(c.pValue),
             p(c.wilcoxonP), p(c.adjustedP), number(c.effectSize), number(c.achievedPower), number(c.minimumDetectable, "%.2g")]
        }
        return (header, rows)
    }

    static func armRows(_ result: ABTestResult) -> (header: [String], rows: [[String]]) {
        (["arm", "prompts", "done", "failed", "cost"],
         result.arms.map { [$0.name, $0.prompts, "\($0.done)", "\($0.failed)", String(format: "$%.4f", $0.costUSD)] })
    }

    static func terminal(_ result: ABTestResult, style: TerminalStyle) -> String {
        var out = style.bold(headline(result)) + "\n\n"
        let arms = armRows(result)
        var armTable = TextTable(columns: arms.header.enumerated().map { .init($0.element, $0.offset >= 2 ? .right : .left) })
        arms.rows.forEach { armTable.append($0) }
        out += armTable.render() + "\n"
        let comparisons = comparisonRows(result)
        var table = TextTable(columns: comparisons.header.enumerated().map { .init($0.element, $0.offset >= 2 ? .right : .left) })
        comparisons.rows.forEach { table.append($0) }
        out += table.render() + "\n"
        for c in result.comparisons {
            let line = "\(c.metric): \(c.verdict)"
            out += "  " + (c.significant ? (c.verdict.hasSuffix("✗") ? style.red(line) : style.green(line)) : line) + "\n"
        }
        for trace in result.sequential {
            out += "  sequential \(trace.variant): \(trace.looks.count) look\(trace.looks.count == 1 ? "" : "s"), decision \(trace.decision)\n"
        }
        for item in result.guards { out += style.yellow("  ⚠ \(item.message)") + "\n" }
        return out
    }

    static func markdownTable(_ header: [String], _ rows: [[String]]) -> String {
        let escape = { (cell: String) in cell.replacingOccurrences(of: "|", with: "\\|") }
        return (["| " + header.map(escape).joined(separator: " | ") + " |", "|" + header.map { _ in " --- |" }.joined()]
            + rows.map { "| " + $0.map(escape).joined(separator: " | ") + " |" }).joined(separator: "\n")
    }

    static func markdown(_ result: ABTestResult) -> String {
        let arms = armRows(result), comparisons = comparisonRows(result)
        var lines = ["# A/B test: \(result.name)", "", headline(result), "", "## Verdicts", ""]
        lines += result.comparisons.map { "- **\($0.metric)**: \($0.verdict)" }
        if !result.guards.isEmpty { lines += ["", "## Warnings", ""] + result.guards.map { "- ⚠ \($0.message)" } }
        lines += ["", "## Arms", "", markdownTable(arms.header, arms.rows), "", "## Comparisons", "", markdownTable(comparisons.header, comparisons.rows)]
        if !result.failed.isEmpty {
            lines += ["", "## Failed samples", "", markdownTable(["arm", "sample", "error"], result.failed.map { [$0.arm, "\($0.sample)", $0.error] })]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// JSON with every figure; values that are not finite (a mean of no samples) are null.
    static func json(_ result: ABTestResult) -> String { encodeJSON(result) }

    /// Pretty, sorted JSON of any report value, with non-finite numbers as null.
    public static func encodeJSON<T: Encodable>(_ result: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let marker = "\u{1}nonfinite\u{1}"
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: marker, negativeInfinity: marker, nan: marker)
        guard let data = try? encoder.encode(result) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"\\u0001nonfinite\\u0001\"", with: "null") + "\n"
    }

    // MARK: HTML

    static func html(_ result: ABTestResult) -> String {
        let arms = armRows(result), comparisons = comparisonRows(result)
        let table = htmlTable
        var body = "<h1>A/B test: \(HTMLPage.escape(result.name))</h1>\n<p>\(HTMLPage.escape(headline(result)))</p>\n<h2>Verdicts</h2>\n<ul>"
        body += result.comparisons.map { c in
            let tone = c.significant ? (c.verdict.hasSuffix("✗") ? "worse" : "better") : ""
            return "<li class=\"\(tone)\"><strong>\(HTMLPage.escape(c.metric))</strong>: \(HTMLPage.escape(c.verdict))</li>"
        }.joined() + "</ul>\n"
        if !result.guards.isEmpty { body += "<h2>Warnings</h2>\n<ul>" + result.guards.map { "<li class=\"warn\">\(HTMLPage.escape($0.message))</li>" }.joined() + "</ul>\n" }
        body += "<h2>Arms</h2>\n" + table(arms.header, arms.rows) + "\n<h2>Comparisons</h2>\n" + table(comparisons.header, comparisons.rows) + "\n"
        for metric in result.design.metrics {
            body += "<h2>\(HTMLPage.escape(metric)): distribution per arm</h2>\n" + distributionPlot(result, metric: metric) + "\n"
            for c in result.comparisons where c.metric == metric {
                body += "<h2>\(HTMLPage.escape(metric)): \(HTMLPage.escape(c.variant)) − \(HTMLPage.escape(result.design.control.name)), pair by pair</h2>\n" + differencePlot(c) + "\n"
            }
        }
        if !result.failed.isEmpty { body += "<h2>Failed samples</h2>\n" + table(["arm", "sample", "error"], result.failed.map { [$0.arm, "\($0.sample)", $0.error] }) }
        return HTMLPage.render(title: "A/B test: \(result.name)", body: body)
    }

    static func htmlTable(_ header: [String], _ rows: [[String]]) -> String {
        "<table><thead><tr>" + header.map { "<th>\(HTMLPage.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
            + rows.map { "<tr>" + $0.map { "<td>\(HTMLPage.escape($0))</td>" }.joined() + "</tr>" }.joined() + "</tbody></table>"
    }

    static let palette = ["#5b7db1", "#c9733a", "#4f9a6b", "#9a5bb1", "#b1a05b"]

    /// One row per arm: every sample as a dot (jittered vertically by sample number, so the
    /// picture is the same each time), the mean as a bar.
    static func distributionPlot(_ result: ABTestResult, metric: String) -> String {
        let series = result.design.arms.map { ($0.name, result.values[$0.name]?[metric] ?? []) }
        let all = series.flatMap(\.1)
        guard let low = all.min(), let high = all.max() else { return "<p>no samples</p>" }
        let span = high > low ? high - low : 1
        let width = 760.0, left = 110.0, row = 46.0, height = row * Double(series.count) + 30
        func x(_ value: Double) -> Double { left + (value - low) / span * (width - left - 20) }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTMLPage.escape(metric)) per arm\">"
        for tick in 0...4 {
            let value = low + span * Double(tick) / 4
            svg += "<line x1=\"\(number(x(value), "%.1f"))\" x2=\"\(number(x(value), "%.1f"))\" y1=\"0\" y2=\"\(Int(height - 20))\" stroke=\"#eee\"/>"
                + "<text x=\"\(number(x(value), "%.1f"))\" y=\"\(Int(height - 5))\" text-anchor=\"middle\">\(number(value, "%.3g"))</text>"
        }
        for (index, (name, values)) in series.enumerated() {
            let colour = palette[index % palette.count], middle = row * Double(index) + row / 2
            svg += "<text x=\"4\" y=\"\(number(middle + 4, "%.1f"))\">\(HTMLPage.escape(name))</text>"
            for (sample, value) in values.enumerated() {
                let jitter = (Double((sample * 7919) % 17) / 16 - 0.5) * row * 0.5
                svg += "<circle cx=\"\(number(x(value), "%.1f"))\" cy=\"\(number(middle + jitter, "%.1f"))\" r=\"3\" fill=\"\(colour)\" fill-opacity=\"0.6\"><title>\(number(value, "%.3f"))</title></circle>"
            }
            if !values.isEmpty {
                let mean = values.reduce(0, +) / Double(values.count)
                svg += "<line x1=\"\(number(x(mean), "%.1f"))\" x2=\"\(number(x(mean), "%.1f"))\" y1=\"\(number(middle - row * 0.4, "%.1f"))\" y2=\"\(number(middle + row * 0.4, "%.1f"))\" stroke=\"#222\" stroke-width=\"2\"><title>mean \(number(mean, "%.3f"))</title></line>"
            }
        }
        return svg + "</svg>"
    }

    /// Each pair's difference, in sample order, with zero, the mean and its interval.
    static func differencePlot(_ c: ABTestResult.Comparison) -> String {
        let values = c.differences
        guard !values.isEmpty else { return "<p>no complete pairs</p>" }
        let extremes = values + [0] + [c.ciLow, c.ciHigh].filter(\.isFinite)
        let low = extremes.min()!, high = extremes.max()!
        let span = high > low ? high - low : 1
        let width = 760.0, height = 220.0, left = 50.0, bottom = 20.0
        func y(_ value: Double) -> Double { 10 + (high - value) / span * (height - bottom - 20) }
        func x(_ index: Int) -> Double { left + (Double(index) + 0.5) * (width - left - 10) / Double(values.count) }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"paired differences\">"
        if c.ciLow.isFinite, c.ciHigh.isFinite {
            svg += "<rect x=\"\(left)\" y=\"\(number(y(c.ciHigh), "%.1f"))\" width=\"\(width - left - 10)\" height=\"\(number(max(1, y(c.ciLow) - y(c.ciHigh)), "%.1f"))\" fill=\"#9db4d6\" fill-opacity=\"0.3\"><title>interval \(interval(c))</title></rect>"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(number(y(0), "%.1f"))\" y2=\"\(number(y(0), "%.1f"))\" stroke=\"#888\"/><text x=\"4\" y=\"\(number(y(0) + 4, "%.1f"))\">0</text>"
        svg += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(number(y(c.difference), "%.1f"))\" y2=\"\(number(y(c.difference), "%.1f"))\" stroke=\"#222\" stroke-dasharray=\"6 4\"/>"
            + "<text x=\"4\" y=\"\(number(y(c.difference) + 4, "%.1f"))\">mean</text>"
        for (index, value) in values.enumerated() {
            let colour = value >= 0 ? "#4f9a6b" : "#c9733a"
            svg += "<line x1=\"\(number(x(index), "%.1f"))\" x2=\"\(number(x(index), "%.1f"))\" y1=\"\(number(y(0), "%.1f"))\" y2=\"\(number(y(value), "%.1f"))\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
                + "<circle cx=\"\(number(x(index), "%.1f"))\" cy=\"\(number(y(value), "%.1f"))\" r=\"3\" fill=\"\(colour)\"><title>pair \(index + 1): \(number(value, "%+.3f"))</title></circle>"
        }
        return svg + "</svg>"
    }
}
