import Foundation
import Quality
import Reports

/// A metrics validation as terminal tables, Markdown and JSON. Each table has a row per
/// metric (the composite first) and a column per perturbation family: twelve metrics across
/// are too wide for a terminal, eleven families are not.
public enum MetricsValidationReport {
    static let dash = "–"

    /// "93 (80–98)": a rate and its interval in percent.
    static func rate(_ cell: MetricsValidationResult.Cell?) -> String {
        guard let cell, let rate = cell.rate, let low = cell.low, let high = cell.high else { return dash }
        func percent(_ value: Double) -> String { String(format: "%.0f", value * 100) }
        return "\(percent(rate)) (\(percent(low))–\(percent(high)))"
    }

    /// A mean |Δ| with three significant digits.
    static func size(_ value: Double?) -> String {
        guard let value, value.isFinite else { return dash }
        return value == 0 ? "0" : String(format: "%.3g", value)
    }

    /// Header and rows of one kind's table.
    static func table(_ result: MetricsValidationResult, kind: Perturbation.Kind) -> (header: [String], rows: [[String]])? {
        let families = result.families.filter { $0.perturbation.kind == kind }
        guard !families.isEmpty else { return nil }
        var rows: [[String]] = [
            ["pairs"] + families.map { "\($0.pairs)" },
            ["skipped"] + families.map { "\($0.skipped)" },
        ]
        for metric in result.metrics {
            switch kind {
            case .discrimination:
                rows.append([metric] + families.map { rate($0.cell(metric)) })
            case .invariance:
                if metric == "quality" {
                    rows.append(["quality within ±\(size(result.tolerance))"] + families.map { rate($0.cell(metric)) })
                    rows.append(["quality mean |Δ|"] + families.map { size($0.cell(metric)?.meanAbsoluteDelta) })
                } else {
                    rows.append([metric] + families.map { size($0.cell(metric)?.meanAbsoluteDelta) })
                }
            }
        }
        return (["metric"] + families.map(\.perturbation.rawValue), rows)
    }

    static let discriminationCaption = "Discrimination: % of pairs where the original scores better (95% Wilson interval); ties count as losses"
    static func invarianceCaption(_ result: MetricsValidationResult) -> String {
        "Invariance: % of pairs whose composite moved by \(size(result.tolerance)) or less (95% Wilson interval), and each metric's mean |Δ|"
    }

    static func headline(_ result: MetricsValidationResult) -> String {
        "metrics validation: \(result.chapters) chapters of \(result.novels.count) novel\(result.novels.count == 1 ? "" : "s"), "
            + "\(result.families.count) perturbation\(result.families.count == 1 ? "" : "s"), seed \(result.seed)"
    }

    static func novelsLine(_ result: MetricsValidationResult) -> String {
        "novels: " + result.novels.map { "\($0.name) (\($0.drawn) of \($0.chapters) chapters)" }.joined(separator: ", ")
    }

    /// "contractions 12 (nothing-to-change)", for the families that skipped chapters.
    static func skipsLine(_ result: MetricsValidationResult) -> String? {
        let skipped = result.families.filter { $0.skipped > 0 }
        guard !skipped.isEmpty else { return nil }
        return "skipped: " + skipped.map { family in
            "\(family.perturbation.rawValue) \(family.skipped) (" + family.skipReasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }.joined(separator: "; ")
    }

    public static func terminal(_ result: MetricsValidationResult, style: TerminalStyle = .plain) -> String {
        var out = style.bold(headline(result)) + "\n"
        for kind in [Perturbation.Kind.discrimination, .invariance] {
            guard let (header, rows) = table(result, kind: kind) else { continue }
            out += "\n" + (kind == .discrimination ? discriminationCaption : invarianceCaption(result)) + "\n"
            var text = TextTable(columns: header.enumerated().map { .init($0.element, $0.offset == 0 ? .left : .right) })
            rows.forEach { text.append($0) }
            out += text.render()
        }
        out += "\n" + novelsLine(result) + "\n"
        if let skips = skipsLine(result) { out += skips + "\n" }
        for note in result.notes { out += "note: \(note)\n" }
        return out
    }

    public static func markdown(_ result: MetricsValidationResult) -> String {
        var out = "## Metrics validation\n\n" + headline(result) + ".\n"
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        for kind in [Perturbation.Kind.discrimination, .invariance] {
            guard let (header, rows) = table(result, kind: kind) else { continue }
            out += "\n" + (kind == .discrimination ? discriminationCaption : invarianceCaption(result)) + ".\n\n"
            out += "| " + header.map(cell).joined(separator: " | ") + " |\n"
            out += "|" + header.indices.map { $0 == 0 ? "---|" : "---:|" }.joined() + "\n"
            for row in rows { out += "| " + row.map(cell).joined(separator: " | ") + " |\n" }
        }
        out += "\n" + novelsLine(result) + ".\n"
        if let skips = skipsLine(result) { out += "\n" + skips + ".\n" }
        for note in result.notes { out += "\nNote: \(note).\n" }
        return out
    }

    /// The result as one JSON object; a figure without pairs is null.
    public static func json(_ result: MetricsValidationResult) -> String {
        let families: [[String: Any]] = result.families.map { family in
            var cells: [String: Any] = [:]
            for cell in family.cells {
                var object: [String: Any] = [
                    "pairs": cell.pairs, "mean_delta": cell.meanDelta ?? NSNull(), "mean_abs_delta": cell.meanAbsoluteDelta ?? NSNull(),
                ]
                if let successes = cell.successes {
                    object[family.perturbation.kind == .discrimination ? "wins" : "within_tolerance"] = successes
                    object["rate"] = cell.rate ?? NSNull()
                    object["low"] = cell.low ?? NSNull()
                    object["high"] = cell.high ?? NSNull()
                }
                if let ties = cell.ties { object["ties"] = ties }
                cells[cell.metric] = object
            }
            return [
                "perturbation": family.perturbation.rawValue, "kind": family.perturbation.kind.rawValue, "pairs": family.pairs,
                "skipped": family.skipped, "skip_reasons": family.skipReasons, "metrics": cells,
            ]
        }
        return JSONOutput.renderWithNulls([
            "seed": result.seed, "samples": result.samples, "chapters": result.chapters, "tolerance": result.tolerance,
            "confidence": 0.95, "metrics": result.metrics, "families": families, "notes": result.notes,
            "novels": result.novels.map { ["name": $0.name, "chapters": $0.chapters, "drawn": $0.drawn] as [String: Any] },
        ] as [String: Any])
    }
}
