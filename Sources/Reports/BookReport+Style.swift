import Foundation
import Quality

extension BookReport {
    /// The style drift gate's reading of a book written to an author's profile (`style:`):
    /// per chapter, Burrows' Delta against the profile, its percentile in the author's own
    /// spread, the `style` score and the copy guard's count. A chapter drifts when it leaves the
    /// author's spread, i.e. its Delta is beyond their 90th percentile (`style` under 8).
    public struct StyleDrift: Sendable, Equatable {
        public struct Row: Sendable, Equatable {
            public var chapter: Int
            public var score: Double
            public var delta: Double
            public var percentile: Double
            public var copied: Int
            public var drifts: Bool { score < 8 - 1e-9 }
        }
        /// The profile's name, when the run recorded it.
        public var name: String?
        public var rows: [Row]
        public var drifting: [Int] { rows.filter(\.drifts).map(\.chapter) }
        public var copied: Int { rows.map(\.copied).reduce(0, +) }

        /// One line for the whole book, then one per drifting chapter or copy.
        public var summaryLines: [String] {
            let matching = rows.count - drifting.count
            var lines = ["\(matching) of \(rows.count) chapter\(rows.count == 1 ? "" : "s") inside the author's own spread" + (name.map { " (\($0))" } ?? "")
                         + (drifting.isEmpty ? "" : "; drifting: chapter\(drifting.count == 1 ? "" : "s") " + drifting.map(String.init).joined(separator: ", "))]
            lines.append("Copy guard: \(copied == 0 ? "no 8-gram of the author's sample in the book" : "\(copied) 8-gram\(copied == 1 ? "" : "s") of the author's sample in the book")")
            return lines
        }

        public func line(_ row: Row) -> String {
            let place = row.percentile >= 100 ? "beyond the author's own spread" : String(format: "%.0fth percentile of the author's own spread", row.percentile)
            return String(format: "Chapter %d: Delta %.2f, %@, style %.1f", row.chapter, row.delta, place, row.score)
                + (row.copied > 0 ? ", \(row.copied) copied 8-gram\(row.copied == 1 ? "" : "s")" : "") + (row.drifts ? " — drifts" : "")
        }

        var json: [String: Any] {
            ["name": name ?? NSNull(), "drifting": drifting, "copied_8grams": copied,
             "chapters": rows.map { ["chapter": $0.chapter, "style": $0.score, "delta": $0.delta, "percentile": $0.percentile,
                                      "copied_8grams": $0.copied, "drifts": $0.drifts] as [String: Any] }]
        }
    }

    /// The drift reading, when the chapters were scored against a style profile.
    public var styleDrift: StyleDrift? {
        let rows = chapters.compactMap { chapter -> StyleDrift.Row? in
            guard let score = chapter.values["style"], let delta = chapter.values["style_delta"] else { return nil }
            return StyleDrift.Row(chapter: chapter.number, score: score, delta: delta, percentile: chapter.values["style_percentile"] ?? 0,
                                  copied: Int(chapter.values["copied_8grams"] ?? 0))
        }
        return rows.isEmpty ? nil : StyleDrift(name: styleName, rows: rows)
    }

    /// The style profile's name from a run's configuration JSON (`style.name`).
    static func styleName(configJSON: String) -> String? {
        let object = (try? JSONSerialization.jsonObject(with: Data(configJSON.utf8))) as? [String: Any]
        return (object?["style"] as? [String: Any])?["name"] as? String
    }
}

extension BookReportRenderer {
    static func styleTerminal(_ drift: BookReport.StyleDrift, style: TerminalStyle) -> [String] {
        var lines = ["", "Style:"]
        let summary = drift.summaryLines
        lines.append("- " + summary[0] + " " + (drift.drifting.isEmpty ? style.green("✓") : style.yellow("⚠")))
        lines += summary.dropFirst().map { "- \($0)" + (drift.copied > 0 ? " " + style.red("✗") : "") }
        lines += drift.rows.filter { $0.drifts || $0.copied > 0 }.map { "  " + drift.line($0) }
        return lines
    }

    static func styleMarkdown(_ drift: BookReport.StyleDrift) -> [String] {
        var lines = ["", "## Style", ""]
        lines += drift.summaryLines.map { "- \($0)" }
        lines += ["", "| chapter | style | Delta | percentile | copied 8-grams | |", "|---:|---:|---:|---:|---:|---|"]
        for row in drift.rows {
            lines.append(String(format: "| %d | %.1f | %.2f | %.0f | %d | %@ |", row.chapter, row.score, row.delta, row.percentile, row.copied, row.drifts ? "drifts ⚠️" : "✅"))
        }
        return lines
    }

    static func styleHTML(_ drift: BookReport.StyleDrift) -> String {
        "\n<h2>Style</h2>\n<ul>" + drift.summaryLines.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
            + "<table><thead><tr><th>chapter</th><th>style</th><th>Delta</th><th>percentile</th><th>copied 8-grams</th><th></th></tr></thead><tbody>"
            + drift.rows.map { row in
                String(format: "<tr class=\"%@\"><td>%d</td><td>%.1f</td><td>%.2f</td><td>%.0f</td><td>%d</td><td>%@</td></tr>",
                       row.drifts ? "below" : "", row.chapter, row.score, row.delta, row.percentile, row.copied, row.drifts ? "drifts" : "inside")
            }.joined() + "</tbody></table>"
    }
}
