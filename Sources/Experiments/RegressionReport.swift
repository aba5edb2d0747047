import Foundation
import Reports

/// A regression result as a terminal table, a Markdown summary (a CI job summary), JUnit XML
/// (one test case per chapter and gated metric, plus the suite mean) and JSON.
public enum RegressionReport {
    public enum Format: String, CaseIterable, Sendable { case terminal, markdown, junit, json }

    public static func render(_ result: RegressionResult, as format: Format, style: TerminalStyle = .plain, seconds: Double? = nil) -> String {
        switch format {
        case .terminal: return terminal(result, style: style)
        case .markdown: return markdown(result)
        case .junit: return junit(result, seconds: seconds ?? 0)
        case .json: return json(result)
        }
    }

    static func figure(_ value: Double?, _ format: String = "%.2f") -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: format, value)
    }

    /// "7.90 ±0.31 (3)": a side's mean, its sd and samples.
    static func side(_ mean: Double, _ sd: Double?, _ n: Int) -> String {
        figure(mean) + (sd.map { " ±" + figure($0) } ?? "") + (n > 1 ? " (\(n))" : "")
    }

    static func flag(_ row: RegressionResult.Row) -> String {
        switch row.status {
        case .regressed: return row.gated ? "✗ regressed" : "↓ dropped (not gated)"
        case .withinNoise: return "~ within noise"
        case .improved: return "✓ improved"
        case .unchanged: return ""
        }
    }

    /// The table's rows: the gated metrics of every chapter.
    static func shown(_ result: RegressionResult) -> [RegressionResult.Row] {
        result.rows.filter(\.gated)
    }

    /// Ungated metrics that moved past the threshold beyond noise: reported, not failed.
    static func alsoMoved(_ result: RegressionResult) -> String? {
        let moved = result.rows.filter { !$0.gated && ($0.status == .regressed || $0.status == .improved) }
        guard !moved.isEmpty else { return nil }
        let list = { (rows: [RegressionResult.Row]) in rows.map { "\($0.chapter) \($0.metric) \(figure($0.delta, "%+.2f"))" + estimated($0) }.joined(separator: ", ") }
        let down = moved.filter { $0.status == .regressed }, up = moved.filter { $0.status == .improved }
        return [down.isEmpty ? nil : "dropped beyond noise: " + list(down), up.isEmpty ? nil : "rose beyond noise: " + list(up)]
            .compactMap { $0 }.joined(separator: "; ") + " (not gated: add them to --metrics to gate)"
    }

    /// " (est. −2.90)" when partial pooling moved the decision's estimate away from Δ.
    static func estimated(_ row: RegressionResult.Row) -> String {
        guard let estimate = row.estimate, abs(estimate - row.delta) >= 0.005 else { return "" }
        return " (est. \(figure(estimate, "%+.2f")))"
    }

    static func table(_ result: RegressionResult) -> (header: [String], rows: [[String]]) {
        // With partial pooling, the change each chapter is judged by: its Δ seen with the suite's evidence.
        let pooled = result.options.partialPooling && shown(result).contains { $0.estimate != nil }
        let header = ["chapter", "kind", "metric", result.baselineLabel, result.currentLabel, "Δ"] + (pooled ? ["est."] : []) + ["flag"]
        let rows = shown(result).map { row in
            [row.chapter, row.kind, row.metric, side(row.baselineMean, row.baselineSD, row.baselineSamples),
             side(row.currentMean, row.currentSD, row.currentSamples), figure(row.delta, "%+.2f")]
                + (pooled ? [figure(row.estimate, "%+.2f")] : []) + [flag(row)]
        }
        return (header, rows)
    }

    static func suiteLine(_ result: RegressionResult) -> String {
        let suite = result.suite
        return "suite mean quality \(figure(suite.baseline)) → \(figure(suite.current)) (\(figure(suite.delta, "%+.2f")) over \(suite.chapters) chapters): \(suite.note)"
    }

    static func headline(_ result: RegressionResult) -> String {
        let metrics = result.gatedMetrics.isEmpty ? result.options.metrics : result.gatedMetrics
        return "regression: \(result.currentLabel) against \(result.baselineLabel); threshold \(figure(result.options.threshold)) points on "
            + "\(metrics.joined(separator: ", ")), alpha \(result.options.alpha)"
            + (result.options.partialPooling ? ", chapters judged with the suite's evidence (partial pooling)" : ", each chapter on its own samples")
    }

    static func terminal(_ result: RegressionResult, style: TerminalStyle) -> String {
        var out = style.bold(headline(result)) + "\n\n"
        let (header, rows) = table(result)
        var text = TextTable(columns: header.enumerated().map { .init($0.element, (3..<(header.count - 1)).contains($0.offset) ? .right : .left) })
        rows.forEach { text.append($0) }
        out += text.render() + "\n"
        if let (header, rows) = continuityTable(result) {
            var counts = TextTable(columns: header.enumerated().map { .init($0.element, (1..<(header.count - 1)).contains($0.offset) ? .right : .left) })
            rows.forEach { counts.append($0) }
            out += counts.render() + "\n"
        }
        out += "  " + suiteLine(result) + "\n"
        for row in shown(result) where row.status != .unchanged {
            let line = "  \(row.chapter) \(row.metric): \(row.note)"
            out += (row.failed ? style.red(line) : row.status == .improved ? style.green(line) : line) + "\n"
        }
        if let moved = alsoMoved(result) { out += "  other metrics \(moved)\n" }
        if let drift = result.styleDriftLine { out += (result.styleDrift?.now.isEmpty == false ? style.yellow("  " + drift) : "  " + drift) + "\n" }
        if let gate = result.continuity {
            out += (gate.failed ? style.red("  " + gate.line) : "  " + gate.line) + "\n"
            for line in gate.quoted() { out += (gate.failed ? style.red : { $0 })("    new: " + line) + "\n" }
        }
        for id in result.missing { out += style.red("  \(id): not written") + "\n" }
        for note in result.notes { out += style.yellow("  note: \(note)") + "\n" }
        out += "\n" + (result.passed ? style.green(result.summaryLine) : style.red(style.bold(result.summaryLine))) + "\n"
        return out
    }

    static func markdown(_ result: RegressionResult) -> String {
        var lines = ["# Quality regression: \(result.passed ? "passed ✓" : "failed ✗")", "", headline(result), "", "**\(result.summaryLine)**", "",
                     "- " + suiteLine(result)]
        let regressions = result.regressions, improvements = result.improvements.filter(\.gated)
        if !regressions.isEmpty {
            lines += ["", "## Regressions", ""] + regressions.map { "- **\($0.chapter)** \($0.metric): \(side($0.baselineMean, $0.baselineSD, $0.baselineSamples)) → \(side($0.currentMean, $0.currentSD, $0.currentSamples)), \($0.note)" }
        }
        if !improvements.isEmpty {
            lines += ["", "## Improvements", ""] + improvements.map { "- \($0.chapter) \($0.metric): \(figure($0.baselineMean)) → \(figure($0.currentMean)), \($0.note)" }
        }
        if let moved = alsoMoved(result) { lines += ["", "## Other metrics", "", "- " + moved] }
        if let drift = result.styleDriftLine { lines += ["", "## Style drift", "", "- " + drift] }
        if let gate = result.continuity {
            lines += ["", "## Continuity", "", "- " + (gate.failed ? "**\(gate.line)**" : gate.line)]
            lines += gate.quoted().map { "- new: " + $0 }
            lines += gate.notes.map { "- note: \($0)" }
            if let (header, rows) = continuityTable(result) { lines += ["", ABTestReport.markdownTable(header, rows)] }
        }
        let noise = result.rows.filter { $0.gated && $0.status == .withinNoise }
        if !noise.isEmpty { lines += ["", "## Within noise", ""] + noise.map { "- \($0.chapter) \($0.metric): \($0.note)" } }
        if !result.missing.isEmpty { lines += ["", "## Not written", ""] + result.missing.map { "- \($0)" } }
        if !result.notes.isEmpty { lines += ["", "## Notes", ""] + result.notes.map { "- \($0)" } }
        let (header, rows) = table(result)
        lines += ["", "## Chapters", "", ABTestReport.markdownTable(header, rows)]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Per chapter: major and minor continuity violations, baseline → now, and the new majors; nil when the gate did not run.
    static func continuityTable(_ result: RegressionResult) -> (header: [String], rows: [[String]])? {
        guard let gate = result.continuity, gate.skipped == nil else { return nil }
        let header = ["chapter", "major violations", "minor violations", "new major", "flag"]
        let rows = gate.rows.map { row in
            [row.chapter, "\(row.baselineMajor) → \(row.currentMajor)", "\(row.baselineMinor) → \(row.currentMinor)", String(row.newMajor),
             row.newMajor > 0 ? (gate.failed ? "✗ new contradiction" : "~ within threshold") : ""]
        }
        return (header, rows)
    }

    static func xml(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 forbids most control characters, even escaped.
            case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r": out += "?"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// JUnit XML in the shape CI systems read (testsuites / testsuite / testcase / failure).
    static func junit(_ result: RegressionResult, seconds: Double) -> String {
        var cases: [String] = []
        for row in result.rows where row.gated {
            let name = "\(row.metric)"
            let detail = "\(result.baselineLabel) \(side(row.baselineMean, row.baselineSD, row.baselineSamples)) → \(result.currentLabel) \(side(row.currentMean, row.currentSD, row.currentSamples)), Δ \(figure(row.delta, "%+.2f"))"
            var body = ""
            if row.failed {
                body = "<failure type=\"regression\" message=\"\(xml(row.note))\">\(xml(detail))</failure>"
            } else if row.status != .unchanged {
                body = "<system-out>\(xml(row.note + "; " + detail))</system-out>"
            } else {
                body = "<system-out>\(xml(detail))</system-out>"
            }
            cases.append("    <testcase classname=\"regress.\(xml(row.chapter))\" name=\"\(xml(name))\" time=\"0\">\(body)</testcase>")
        }
        for id in result.missing {
            cases.append("    <testcase classname=\"regress.\(xml(id))\" name=\"written\" time=\"0\"><failure type=\"missing\" message=\"not written\"/></testcase>")
        }
        let suiteBody = result.suite.failed
            ? "<failure type=\"regression\" message=\"\(xml(result.suite.note))\">\(xml(suiteLine(result)))</failure>"
            : "<system-out>\(xml(suiteLine(result)))</system-out>"
        cases.append("    <testcase classname=\"regress.suite\" name=\"suite mean quality\" time=\"0\">\(suiteBody)</testcase>")
        if let gate = result.continuity {
            let detail = ([gate.line] + gate.quoted().map { "new: " + $0 } + gate.notes).joined(separator: "\n")
            let body = gate.failed
                ? "<failure type=\"continuity\" message=\"\(xml(gate.line))\">\(xml(detail))</failure>"
                : gate.skipped != nil ? "<skipped message=\"\(xml(gate.skipped!))\"/>" : "<system-out>\(xml(detail))</system-out>"
            cases.append("    <testcase classname=\"regress.suite\" name=\"continuity\" time=\"0\">\(body)</testcase>")
        }
        let failures = result.regressions.count + result.missing.count + (result.suite.failed ? 1 : 0) + (result.continuity?.failed == true ? 1 : 0)
        let skipped = result.continuity?.skipped != nil ? 1 : 0
        let time = String(format: "%.3f", seconds)
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="workbench regress" tests="\(cases.count)" failures="\(failures)" errors="0" time="\(time)">
              <testsuite name="\(xml("regress " + result.baselineLabel))" tests="\(cases.count)" failures="\(failures)" errors="0" skipped="\(skipped)" time="\(time)">
            \(cases.joined(separator: "\n"))
              </testsuite>
            </testsuites>

            """
    }

    static func json(_ result: RegressionResult) -> String {
        struct Drift: Encodable {
            var now: [String]
            var baseline: [String]
        }
        struct Document: Encodable {
            var passed: Bool
            var summary: String
            var result: RegressionResult
            /// Chapters outside the author's own spread (`style` under 8), when the suite is scored against a profile.
            var styleDrift: Drift?
            enum CodingKeys: String, CodingKey { case passed, summary, result, styleDrift = "style_drift" }
        }
        return ABTestReport.encodeJSON(Document(passed: result.passed, summary: result.summaryLine, result: result,
                                                styleDrift: result.styleDrift.map { Drift(now: $0.now, baseline: $0.baseline) }))
    }
}

extension RegressionResult {
    /// The style drift reading, when the suite is scored against an author's profile: the
    /// chapters whose mean `style` is under 8 (Delta beyond the author's own 90th percentile)
    /// now and in the baseline. Flagged in the report; `--metrics style` gates drops of it.
    public var styleDrift: (now: [String], baseline: [String], chapters: Int)? {
        let rows = self.rows.filter { $0.metric == "style" }
        guard !rows.isEmpty else { return nil }
        return (rows.filter { $0.currentMean < 8 - 1e-9 }.map(\.chapter), rows.filter { $0.baselineMean < 8 - 1e-9 }.map(\.chapter), rows.count)
    }

    var styleDriftLine: String? {
        guard let drift = styleDrift else { return nil }
        let now = drift.now.isEmpty ? "none of \(drift.chapters) chapters" : "\(drift.now.count) of \(drift.chapters) chapters (\(drift.now.joined(separator: ", ")))"
        return "style drift: \(now) outside the author's own spread now; \(drift.baseline.count) in the baseline"
    }
}
