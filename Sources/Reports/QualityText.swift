import Foundation
import Quality

/// `workbench analyze` as a person reads it: bars per metric, the composite, the issues.
public enum QualityText {
    public static func bar(_ score: Double, width: Int = 10) -> String {
        let filled = Int((max(0, min(10, score)) / 10 * Double(width)).rounded())
        return String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    }

    public static func render(_ report: QualityReport, title: String, style: TerminalStyle) -> String {
        var lines = ["\(style.bold(title)): quality \(format(report.quality))/10 (\(report.scorer), \(report.lexicon))"]
        let width = report.metrics.map(\.name.count).max() ?? 0
        for metric in report.metrics {
            let name = metric.name + String(repeating: " ", count: width - metric.name.count)
            let value = format(metric.value)
            if let score = metric.score {
                let mark = score >= 8 ? style.green(bar(score)) : score >= 6 ? style.yellow(bar(score)) : style.red(bar(score))
                let target = metric.target.map { " (target \(format($0)))" } ?? ""
                lines.append("  \(name)  \(mark) \(format(score))  \(value)\(target)")
            } else {
                lines.append("  \(name)  \(String(repeating: " ", count: 10)) \(String(repeating: " ", count: 4)) \(value)")
            }
        }
        if report.issues.isEmpty {
            lines.append("  no issues")
        } else {
            lines.append("  issues:")
            for issue in report.issues {
                let place = issue.line.map { " (line \($0))" } ?? ""
                lines.append("  - \(issue.severity == .major ? style.red(issue.message) : issue.message)\(place)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) >= 10 { return String(Int(value)) }
        return String(format: abs(value) >= 100 ? "%.0f" : abs(value) >= 1 ? "%.2f" : "%.3f", value)
    }
}

/// The JSON shape of an analysis, shared by `analyze --json` and the reports.
public enum QualityJSON {
    public static func object(for report: QualityReport, file: String?) -> [String: Any] {
        var object: [String: Any] = [
            "quality": report.quality, "scorer": report.scorer, "lexicon": report.lexicon,
            "metrics": Dictionary(uniqueKeysWithValues: report.metrics.map { metric in
                (metric.name, ["value": metric.value, "score": metric.score ?? NSNull(), "target": metric.target ?? NSNull()] as [String: Any])
            }),
            "issues": report.issues.map { issue -> [String: Any] in
                ["metric": issue.metric, "paragraph": issue.paragraph ?? NSNull(), "line": issue.line ?? NSNull(),
                 "message": issue.message, "severity": issue.severity.rawValue]
            },
        ]
        if let file { object["file"] = file }
        return object
    }

    /// `JSONOutput.render` of these reports' `object(for:file:)` array, the same text to the
    /// byte, written directly (see `PrettyJSONWriter`): what `analyze --json` prints.
    public static func render(_ reports: [(file: String?, report: QualityReport)]) throws -> String {
        var writer = PrettyJSONWriter(capacity: 16_384 * max(1, reports.count))
        writer.beginArray()
        for (file, report) in reports { try write(report, file: file, into: &writer) }
        writer.endArray()
        return writer.finished()
    }

    /// One report as `object(for:file:)`'s object, keys in `JSONOutput`'s sorted order; a
    /// non-finite number throws `JSONOutput.Failure.notFinite` naming its field.
    public static func write(_ report: QualityReport, file: String?, into writer: inout PrettyJSONWriter) throws {
        writer.beginObject()
        if let file {
            writer.key("file")
            writer.string(file)
        }
        writer.key("issues")
        writer.beginArray()
        for issue in report.issues {
            writer.beginObject()
            writer.key("line")
            writer.integer(issue.line)
            writer.key("message")
            writer.string(issue.message)
            writer.key("metric")
            writer.string(issue.metric)
            writer.key("paragraph")
            writer.integer(issue.paragraph)
            writer.key("severity")
            writer.string(issue.severity.rawValue)
            writer.endObject()
        }
        writer.endArray()
        writer.key("lexicon")
        writer.string(report.lexicon)
        writer.key("metrics")
        writer.beginObject()
        for metric in report.metrics.sorted(by: { PrettyJSONWriter.keyOrder($0.name, $1.name) }) {
            writer.key(metric.name)
            writer.beginObject()
            writer.key("score")
            try writer.number(metric.score)
            writer.key("target")
            try writer.number(metric.target)
            writer.key("value")
            try writer.number(metric.value)
            writer.endObject()
        }
        writer.endObject()
        writer.key("quality")
        try writer.number(report.quality)
        writer.key("scorer")
        writer.string(report.scorer)
        writer.endObject()
    }
}
