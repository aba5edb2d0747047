import Foundation
import Quality

/// Renders a `BookReport` as terminal text, Markdown (for CI job summaries), one
/// self-contained HTML file with inline SVG charts (readable without JavaScript), or JSON.
public enum BookReportRenderer {
    public enum Format: String, CaseIterable, Sendable { case terminal, md, html, json }

    public static func render(_ report: BookReport, as format: Format, style: TerminalStyle = .plain) -> String {
        switch format {
        case .terminal: return terminal(report, style: style)
        case .md: return markdown(report)
        case .html: return html(report)
        case .json: return json(report)
        }
    }

    static func f1(_ value: Double) -> String { String(format: "%.1f", value) }
    static func f2(_ value: Double) -> String { String(format: "%.2f", value) }

    // MARK: A chapter's own targets

    /// "target 9.0; emotion ≥ 9.0": the chapter's own targets where they differ from the
    /// book's, nil when it has none.
    static func ownTargets(_ chapter: BookReport.Chapter) -> String? {
        guard !chapter.requirements.isEmpty else { return nil }
        var parts: [String] = []
        if let quality = chapter.requirements["quality"] { parts.append("target \(f1(quality))") }
        for metric in chapter.requirements.keys.sorted() where metric != "quality" {
            let required = chapter.requirements[metric]!
            parts.append("\(metric) \(MetricCatalog.lowerIsBetter.contains(metric) ? "≤" : "≥") \(BookReport.MissedRequirement.format(required))")
        }
        return parts.joined(separator: "; ")
    }

    /// "quality 8.7 below its target 9.0; emotion 8.1 below its requirement 9.0": what a
    /// chapter misses of its own targets, nil when it misses none.
    static func misses(_ chapter: BookReport.Chapter, in report: BookReport) -> String? {
        var parts: [String] = []
        if let own = chapter.requirements["quality"], chapter.quality < own { parts.append("quality \(f1(chapter.quality)) below its target \(f1(own))") }
        parts += chapter.missedRequirements.map(\.description)
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    // MARK: Checks shared by every format

    struct Check {
        var label: String
        var value: String
        var ok: Bool
    }

    static func checks(_ report: BookReport) -> [Check] {
        var checks: [Check] = []
        if let voice = report.voiceConsistency { checks.append(Check(label: "Voice consistency", value: "\(Int(voice.rounded()))%", ok: voice >= 85)) }
        if let spread = report.detailDensitySpread {
            checks.append(Check(label: "Detail density σ", value: f1(spread) + (spread <= 1.5 ? " (low variance)" : " (uneven)"), ok: spread <= 1.5))
        }
        if let accuracy = report.wordCountAccuracy { checks.append(Check(label: "Word count accuracy", value: "\(Int(accuracy.rounded()))%", ok: accuracy >= 90)) }
        if let spread = report.qualitySpread { checks.append(Check(label: "Quality σ across chapters", value: String(format: "%.2f", spread), ok: spread < 0.5)) }
        return checks
    }

    // MARK: Terminal

    static func terminal(_ report: BookReport, style: TerminalStyle) -> String {
        let heading = "BOOK QUALITY REPORT: \"\(report.title)\""
        var lines = [style.bold(heading), String(repeating: "=", count: heading.count)]
        let met = report.overall >= report.target
        lines.append("Overall Quality: \(f1(report.overall))/10 (TARGET: \(f1(report.target))) \(met ? style.green("✓") : style.red("✗"))")
        lines.append("\(report.chapters.count) chapters, \(report.totalWords) words (book \(report.book))")
        if let reader = report.overallReader { lines.append(String(format: "Predicted reader score: %.2f (%@)", reader, report.readerModel ?? "preference model")) }
        lines.append("")
        lines.append("Chapter Breakdown:")
        let width = String(report.chapters.map(\.number).max() ?? 1).count
        for chapter in report.chapters {
            let label = "Ch \(chapter.number):" + String(repeating: " ", count: width - String(chapter.number).count + 1)
            let own = ownTargets(chapter).map { " (\($0))" } ?? ""
            let missed = chapter.missedRequirements.map { "\($0.metric) \(BookReport.MissedRequirement.format($0.value))" }.joined(separator: ", ")
            let mark = report.missesTarget(chapter) ? " " + style.yellow("⚠") + (missed.isEmpty ? "" : " " + missed) : ""
            lines.append("\(label) \(QualityText.bar(chapter.quality)) \(f1(chapter.quality))/10\(own)\(chapter.reader.map { String(format: "  reader %.2f", $0) } ?? "")\(mark)")
        }
        lines.append("")
        lines.append("Consistency Metrics:")
        for check in checks(report) { lines.append("- \(check.label): \(check.value) \(check.ok ? style.green("✓") : style.yellow("⚠"))") }
        let weak = report.weakAreas
        lines.append("")
        lines.append("Weak Areas:")
        lines += weak.isEmpty ? ["- none"] : weak.map { "- \($0.message)" }
        let recommendations = report.recommendations
        if !recommendations.isEmpty {
            lines.append("")
            lines.append("Recommendations:")
            lines += recommendations.enumerated().map { "\($0.offset + 1). \($0.element)" }
        }
        let disagreements = report.disagreements
        if !disagreements.isEmpty {
            lines.append("")
            lines.append("Judges and heuristics disagree:")
            lines += disagreements.map { "- Chapter \($0.chapter), \($0.dimension): judge \(f1($0.judge)), heuristic \(f1($0.heuristic))" }
        }
        if !report.pluginMetrics.isEmpty {
            lines += ["", "Plugin metrics:"]
            lines += report.pluginMetrics.map { name in
                "- \(name): " + report.chapters.map { chapter in "ch\(chapter.number) " + (chapter.plugins[name].map(f2) ?? "–") }.joined(separator: ", ")
            }
        }
        if let drift = report.styleDrift { lines += styleTerminal(drift, style: style) }
        if let continuity = report.continuity { lines += continuityTerminal(continuity, style: style) }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Markdown

    static let tableMetrics = ["detail_density", "emotion", "voice", "obsession_depth", "dialogue_ratio", "lexical_diversity", "repetition", "style"]

    static func markdown(_ report: BookReport) -> String {
        var lines = ["# Book quality report: \(report.title)", ""]
        lines.append("**Overall quality \(f1(report.overall))/10** (target \(f1(report.target))) \(report.overall >= report.target ? "✅" : "❌") — \(report.chapters.count) chapters, \(report.totalWords) words.")
        lines.append("")
        let metrics = tableMetrics.filter { name in report.chapters.contains { $0.values[name] != nil } }
        if let reader = report.overallReader { lines += [String(format: "Predicted reader score %.2f (%@).", reader, report.readerModel ?? "preference model"), ""] }
        let readerColumn = report.overallReader != nil
        // A column of the chapters' own targets, when any chapter has some.
        let ownColumn = report.chapters.contains { !$0.requirements.isEmpty }
        lines.append("| chapter | quality | | \(ownColumn ? "own targets | " : "")\(readerColumn ? "reader | " : "")words | " + metrics.joined(separator: " | ") + " |")
        lines.append("|---:|---:|---|\(ownColumn ? "---|" : "")\(readerColumn ? "---:|" : "")---:|" + metrics.map { _ in "---:" }.joined(separator: "|") + "|")
        for chapter in report.chapters {
            let cells = metrics.map { name in chapter.values[name].map { String(format: $0 < 1 ? "%.3f" : "%.1f", $0) } ?? "–" }
            let own = ownColumn ? (ownTargets(chapter) ?? "–") + " | " : ""
            lines.append("| \(chapter.number) | \(f1(chapter.quality)) | `\(QualityText.bar(chapter.quality))`\(report.missesTarget(chapter) ? " ⚠️" : "") | \(own)\(readerColumn ? (chapter.reader.map { String(format: "%.2f", $0) } ?? "–") + " | " : "")\(chapter.words) | " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("## Consistency")
        lines.append("")
        for check in checks(report) { lines.append("- \(check.label): \(check.value) \(check.ok ? "✅" : "⚠️")") }
        lines.append("")
        lines.append("## Weak areas")
        lines.append("")
        let weak = report.weakAreas
        lines += weak.isEmpty ? ["- none"] : weak.map { "- \($0.message)" }
        let recommendations = report.recommendations
        if !recommendations.isEmpty {
            lines.append("")
            lines.append("## Recommendations")
            lines.append("")
            lines += recommendations.enumerated().map { "\($0.offset + 1). \($0.element)" }
        }
        let disagreements = report.disagreements
        if !disagreements.isEmpty {
            lines += ["", "## Judges and heuristics disagree", "", "| chapter | dimension | judge | heuristic |", "|---:|---|---:|---:|"]
            lines += disagreements.map { "| \($0.chapter) | \($0.dimension) | \(f1($0.judge)) | \(f1($0.heuristic)) |" }
        }
        if !report.pluginMetrics.isEmpty {
            lines += ["", "## Plugin metrics", "", "| chapter | " + report.pluginMetrics.joined(separator: " | ") + " |",
                      "|---:|" + report.pluginMetrics.map { _ in "---:" }.joined(separator: "|") + "|"]
            lines += report.chapters.map { chapter in
                "| \(chapter.number) | " + report.pluginMetrics.map { chapter.plugins[$0].map(f2) ?? "–" }.joined(separator: " | ") + " |"
            }
        }
        if let drift = report.styleDrift { lines += styleMarkdown(drift) }
        if let continuity = report.continuity { lines += continuityMarkdown(continuity) }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: JSON

    static func json(_ report: BookReport) -> String {
        var object: [String: Any] = [
            "title": report.title, "book": report.book, "overall": (report.overall * 100).rounded() / 100, "target": report.target,
            "meets_target": report.overall >= report.target, "words": report.totalWords,
            "reader": report.overallReader ?? NSNull(), "reader_model": report.readerModel ?? NSNull(),
            "consistency": [
                "voice_consistency_percent": report.voiceConsistency ?? NSNull(), "detail_density_sd": report.detailDensitySpread ?? NSNull(),
                "word_count_accuracy_percent": report.wordCountAccuracy ?? NSNull(), "quality_sd": report.qualitySpread ?? NSNull(),
            ] as [String: Any],
            "chapters": report.chapters.map { chapter -> [String: Any] in
                ["chapter": chapter.number, "version": chapter.version, "words": chapter.words, "quality": chapter.quality,
                 "values": chapter.values, "scores": chapter.scores, "judge": chapter.judge, "reader": chapter.reader ?? NSNull(), "plugins": chapter.plugins,
                 // The chapter's composite target (its own, else the book's), its own targets where
                 // they differ from the book's, and what it misses of them.
                 "target": report.target(of: chapter), "requirements": chapter.requirements, "meets_target": !report.missesTarget(chapter),
                 "missed_requirements": chapter.missedRequirements.map { ["metric": $0.metric, "value": $0.value, "required": $0.required] as [String: Any] }]
                    .merging(report.continuity.map { continuity in
                        // The chapter's continuity violations as its located issues.
                        ["issues": continuity.issues(chapter: chapter.number).map { issue -> [String: Any] in
                            ["metric": issue.metric, "paragraph": issue.paragraph ?? NSNull(), "line": issue.line ?? NSNull(),
                             "message": issue.message, "severity": issue.severity.rawValue]
                        }]
                    } ?? [:]) { a, _ in a }
            },
            "weak_areas": report.weakAreas.map { ["first": $0.chapters.lowerBound, "last": $0.chapters.upperBound, "message": $0.message] as [String: Any] },
            "recommendations": report.recommendations,
            "disagreements": report.disagreements.map { ["chapter": $0.chapter, "dimension": $0.dimension, "judge": $0.judge, "heuristic": $0.heuristic] as [String: Any] },
        ]
        if let drift = report.styleDrift { object["style"] = drift.json }
        if let continuity = report.continuity { object["continuity"] = continuity.json }
        return JSONOutput.renderWithNulls(object)
    }

    // MARK: HTML

    static func escape(_ text: String) -> String { HTMLPage.escape(text) }

    static func html(_ report: BookReport) -> String {
        let title = escape(report.title)
        var body = """
            <h1>Book quality report: \(title)</h1>
            <p class="overall \(report.overall >= report.target ? "ok" : "bad")"><strong>Overall quality \(f1(report.overall))/10</strong> \
            (target \(f1(report.target))) — \(report.chapters.count) chapters, \(report.totalWords) words.</p>
            <h2>Quality per chapter</h2>
            \(chapterBars(report))
            <h2>Metric trends</h2>
            \(trends(report))
            <h2>Distribution of chapter quality</h2>
            \(histogram(report))
            <h2>Consistency</h2>
            <ul>\(checks(report).map { "<li class=\"\($0.ok ? "ok" : "warn")\">\(escape($0.label)): \(escape($0.value))</li>" }.joined())</ul>
            <h2>Weak areas</h2>
            <ul>\(report.weakAreas.isEmpty ? "<li>none</li>" : report.weakAreas.map { "<li>\(escape($0.message))</li>" }.joined())</ul>
            """
        let recommendations = report.recommendations
        if !recommendations.isEmpty {
            body += "\n<h2>Recommendations</h2>\n<ol>" + recommendations.map { "<li>\(escape($0))</li>" }.joined() + "</ol>"
        }
        if !report.pluginMetrics.isEmpty {
            body += "\n<h2>Plugin metrics</h2>\n<table><thead><tr><th>chapter</th>" + report.pluginMetrics.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
                + report.chapters.map { chapter in
                    "<tr><td>\(chapter.number)</td>" + report.pluginMetrics.map { "<td>\(chapter.plugins[$0].map(f2) ?? "–")</td>" }.joined() + "</tr>"
                }.joined() + "</tbody></table>"
        }
        let disagreements = report.disagreements
        if !disagreements.isEmpty {
            body += "\n<h2>Judges and heuristics disagree</h2>\n<table><thead><tr><th>chapter</th><th>dimension</th><th>judge</th><th>heuristic</th></tr></thead><tbody>"
                + disagreements.map { "<tr><td>\($0.chapter)</td><td>\(escape($0.dimension))</td><td>\(f1($0.judge))</td><td>\(f1($0.heuristic))</td></tr>" }.joined()
                + "</tbody></table>"
        }
        let metrics = tableMetrics.filter { name in report.chapters.contains { $0.values[name] != nil } }
        let readerColumn = report.overallReader != nil
        if let reader = report.overallReader { body += String(format: "\n<p>Predicted reader score %.2f (%@).</p>", reader, escape(report.readerModel ?? "preference model")) }
        let ownColumn = report.chapters.contains { !$0.requirements.isEmpty }
        body += "\n<h2>Chapters</h2>\n<table><thead><tr><th>chapter</th><th>quality</th>\(ownColumn ? "<th>own targets</th>" : "")\(readerColumn ? "<th>reader</th>" : "")<th>words</th>"
            + metrics.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for chapter in report.chapters {
            let missed = misses(chapter, in: report).map { " <span class=\"warn\">⚠ \(escape($0))</span>" } ?? ""
            let own = ownColumn ? "<td>\(escape(ownTargets(chapter) ?? "–"))\(missed)</td>" : ""
            body += "<tr class=\"\(report.missesTarget(chapter) ? "below" : "")\"><td>\(chapter.number)</td><td>\(f1(chapter.quality))</td>\(own)\(readerColumn ? "<td>\(chapter.reader.map { String(format: "%.2f", $0) } ?? "–")</td>" : "")<td>\(chapter.words)</td>"
                + metrics.map { name in "<td>\(chapter.values[name].map { String(format: $0 < 1 ? "%.3f" : "%.1f", $0) } ?? "–")</td>" }.joined() + "</tr>"
        }
        body += "</tbody></table>"
        if let drift = report.styleDrift { body += styleHTML(drift) }
        if let continuity = report.continuity { body += continuityHTML(continuity) }
        return HTMLPage.render(title: "Quality report: \(report.title)", body: body)
    }

    /// Per-chapter bars with the target as a dashed line.
    static func chapterBars(_ report: BookReport) -> String {
        let count = max(report.chapters.count, 1)
        let width = 900.0, height = 240.0, left = 30.0, bottom = 20.0
        let slot = (width - left) / Double(count)
        func y(_ value: Double) -> Double { (height - bottom) * (1 - value / 10) }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"quality per chapter\">"
        for tick in stride(from: 0, through: 10, by: 2) {
            svg += "<line x1=\"\(left)\" x2=\"\(width)\" y1=\"\(y(Double(tick)))\" y2=\"\(y(Double(tick)))\" stroke=\"#eee\"/><text x=\"4\" y=\"\(y(Double(tick)) + 4)\">\(tick)</text>"
        }
        for (index, chapter) in report.chapters.enumerated() {
            let x = left + Double(index) * slot + slot * 0.15
            let colour = report.missesTarget(chapter) ? "#d9822b" : "#4c9a6a"
            let own = chapter.requirements["quality"]
            svg += "<rect x=\"\(String(format: "%.1f", x))\" y=\"\(String(format: "%.1f", y(chapter.quality)))\" width=\"\(String(format: "%.1f", slot * 0.7))\" height=\"\(String(format: "%.1f", (height - bottom) - y(chapter.quality)))\" fill=\"\(colour)\"><title>Chapter \(chapter.number): \(f1(chapter.quality))\(own.map { " (target \(f1($0)))" } ?? "")</title></rect>"
            if let own {
                // The chapter's own target: a short line across its bar.
                svg += "<line x1=\"\(String(format: "%.1f", x - slot * 0.05))\" x2=\"\(String(format: "%.1f", x + slot * 0.75))\" y1=\"\(String(format: "%.1f", y(own)))\" y2=\"\(String(format: "%.1f", y(own)))\" stroke=\"#b42318\" stroke-width=\"2\"><title>Chapter \(chapter.number) target \(f1(own))</title></line>"
            }
            svg += "<text x=\"\(String(format: "%.1f", x + slot * 0.35))\" y=\"\(height - 5)\" text-anchor=\"middle\">\(chapter.number)</text>"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(width)\" y1=\"\(y(report.target))\" y2=\"\(y(report.target))\" stroke=\"#b42318\" stroke-dasharray=\"6 4\"/>"
        svg += "<text x=\"\(width - 4)\" y=\"\(y(report.target) - 4)\" text-anchor=\"end\">target \(f1(report.target))</text></svg>"
        return svg
    }

    /// Lines of the 0–10 scores of the main dimensions across chapters.
    static func trends(_ report: BookReport) -> String {
        let series: [(String, String)] = [("quality", "#222"), ("emotion", "#b42318"), ("detail_density", "#1570ef"), ("voice", "#7a5af8"), ("obsession_depth", "#d9822b")]
        let width = 900.0, height = 240.0, left = 30.0, bottom = 20.0
        let count = report.chapters.count
        func x(_ index: Int) -> Double { count <= 1 ? left + (width - left) / 2 : left + Double(index) * (width - left - 10) / Double(count - 1) }
        func y(_ value: Double) -> Double { (height - bottom) * (1 - min(10, max(0, value)) / 10) + 2 }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"metric trends\">"
        for tick in stride(from: 0, through: 10, by: 2) {
            svg += "<line x1=\"\(left)\" x2=\"\(width)\" y1=\"\(y(Double(tick)))\" y2=\"\(y(Double(tick)))\" stroke=\"#eee\"/><text x=\"4\" y=\"\(y(Double(tick)) + 4)\">\(tick)</text>"
        }
        var legend = 0.0
        for (name, colour) in series {
            let points = report.chapters.enumerated().compactMap { index, chapter -> String? in
                let value = name == "quality" ? chapter.quality : chapter.scores[name]
                return value.map { String(format: "%.1f,%.1f", x(index), y($0)) }
            }
            guard !points.isEmpty else { continue }
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"><title>\(name)</title></polyline>"
            svg += "<text x=\"\(left + 10 + legend)\" y=\"14\" fill=\"\(colour)\" style=\"fill:\(colour)\">\(name)</text>"
            legend += Double(name.count) * 7 + 20
        }
        return svg + "</svg>"
    }

    /// How many chapters fall in each one-point band of quality.
    static func histogram(_ report: BookReport) -> String {
        var bins = [Int](repeating: 0, count: 10)
        for chapter in report.chapters { bins[min(9, max(0, Int(chapter.quality)))] += 1 }
        let peak = max(bins.max() ?? 1, 1)
        let width = 900.0, height = 160.0, bottom = 20.0, slot = width / 10
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"distribution of chapter quality\">"
        for (band, count) in bins.enumerated() {
            let barHeight = (height - bottom - 14) * Double(count) / Double(peak)
            svg += "<rect x=\"\(Double(band) * slot + 4)\" y=\"\(height - bottom - barHeight)\" width=\"\(slot - 8)\" height=\"\(barHeight)\" fill=\"#9db4d6\"><title>\(band)–\(band + 1): \(count)</title></rect>"
            svg += "<text x=\"\(Double(band) * slot + slot / 2)\" y=\"\(height - 5)\" text-anchor=\"middle\">\(band)–\(band + 1)</text>"
            if count > 0 { svg += "<text x=\"\(Double(band) * slot + slot / 2)\" y=\"\(height - bottom - barHeight - 3)\" text-anchor=\"middle\">\(count)</text>" }
        }
        return svg + "</svg>"
    }
}
