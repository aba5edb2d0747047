import Foundation
import Store
import WorkbenchCore

/// What `workbench ensemble report RUN` shows: per merged chapter, which candidate won which
/// units, the oracle gap, the seams, continuity against the best candidate, and the tokens and
/// cost against one generation; with the merged text coloured by provider (terminal, HTML).
public struct EnsembleRunSummary: Sendable {
    public struct Chapter: Sendable {
        public var record: EnsembleChapterRecord
        public var units: [EnsembleUnitRecord]
        /// The merged version's text (what the units' byte ranges point into).
        public var text: String?

        /// The unit chosen at each position, in order.
        public var chosen: [EnsembleUnitRecord] { units.filter(\.chosen).sorted { $0.position < $1.position } }
        public var positions: Int { Set(units.map(\.position)).count }
        /// Positions where the judges' (else the heuristics') best unit is the one merged.
        public var oracleAgreements: Int { Set(units.filter { $0.chosen && $0.oracle }.map(\.position)).count }
        /// Mean over positions of the oracle's evidence less the chosen unit's (0–10 points).
        public var oracleGap: Double {
            let byPosition = Dictionary(grouping: units, by: \.position)
            let gaps = byPosition.values.compactMap { units -> Double? in
                guard let chosen = units.first(where: \.chosen), let oracle = units.first(where: \.oracle) else { return nil }
                return oracle.evidence - chosen.evidence
            }
            return gaps.isEmpty ? 0 : gaps.reduce(0, +) / Double(gaps.count)
        }
        public var judgedPositions: Int { Set(units.filter { $0.judgeShare != nil }.map(\.position)).count }
        /// Units won per candidate (`sim-a`, `sim-c#2`).
        public var won: [String: Int] { chosen.reduce(into: [:]) { $0[$1.label, default: 0] += 1 } }
        public var tokenRatio: Double { Double(record.tokens) / max(record.singleTokens, 1) }
    }

    public var runID: String
    public var chapters: [Chapter]
    public var verdicts: Int
    public var orderFlips: Int

    /// Every candidate label of the run, in a stable order (their colours follow it).
    public var labels: [String] {
        var seen: [String] = []
        for chapter in chapters {
            for candidate in chapter.record.candidates {
                if !seen.contains(candidate.label) { seen.append(candidate.label) }
            }
        }
        return seen
    }

    public static func load(runID: String, database: WorkbenchDatabase) throws -> EnsembleRunSummary {
        let run = try database.run(matching: runID)
        let records = try database.ensembleChapters(runID: run.id.rawValue)
        guard !records.isEmpty else { throw EnsembleReportError.noEnsemble(runID: run.id.rawValue) }
        let chapters = try records.map { record in
            let text = try database.chapterVersions(bookID: record.bookID, chapter: record.chapter).first { $0.version == record.version }?.text
            return Chapter(record: record, units: try database.ensembleUnits(bookID: record.bookID, chapter: record.chapter, version: record.version), text: text)
        }
        let duels = try database.ensembleDuels(runID: run.id.rawValue)
        return EnsembleRunSummary(runID: run.id.rawValue, chapters: chapters, verdicts: duels.map { $0.winsA + $0.winsB + $0.ties }.reduce(0, +),
                                  orderFlips: duels.map(\.orderFlips).reduce(0, +))
    }
}

/// A run with no ensemble chapter to report.
public enum EnsembleReportError: WorkbenchError, Equatable {
    case noEnsemble(runID: String)
    public var message: String {
        switch self {
        case .noEnsemble(let run): "run \(run) merged no chapter: it was not generated with an `ensemble:`, or stopped before its first chapter was merged"
        }
    }
    public var fix: String? { "add `ensemble:` to the experiment (see Experiments/ensemble-sim.yaml); `workbench runs list` shows the runs" }
    public var exitStatus: ExitStatus { .dataError }
}

public enum EnsembleReport {
    /// ANSI colours and HTML colours per candidate, in `labels` order (repeating past six).
    static let ansi = ["36", "35", "33", "32", "34", "31"]
    static let css = ["#d0ecf5", "#f1d9f0", "#fbefc4", "#d8f0d2", "#d9e1fb", "#f9d9d6"]

    public static func text(_ summary: EnsembleRunSummary, style: TerminalStyle, showText: Bool = false) -> String {
        let labels = summary.labels
        func paint(_ text: String, _ label: String) -> String {
            guard style.colors, let index = labels.firstIndex(of: label) else { return text }
            return "\u{1B}[\(ansi[index % ansi.count])m\(text)\u{1B}[0m"
        }
        var lines = ["Ensemble of run \(summary.runID): \(summary.chapters.count) merged chapter\(summary.chapters.count == 1 ? "" : "s"); candidates "
                     + labels.map { paint($0, $0) }.joined(separator: ", ")]
        var totalWon: [String: Int] = [:]
        for chapter in summary.chapters {
            let record = chapter.record
            for (label, count) in chapter.won { totalWon[label, default: 0] += count }
            lines.append("")
            lines.append(style.bold("Chapter \(record.chapter) (version \(record.version)): \(chapter.positions) \(record.unit) unit\(chapter.positions == 1 ? "" : "s"), \(record.weights) weights"))
            lines.append("  won: " + chapter.won.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { paint("\($0.key) \($0.value)", $0.key) }.joined(separator: ", "))
            lines.append(String(format: "  oracle: merged the judges' best unit at %d of %d positions (judged %d); gap %.2f points", chapter.oracleAgreements,
                                chapter.positions, chapter.judgedPositions, chapter.oracleGap))
            lines.append("  seams: \(record.seams) join\(record.seams == 1 ? "" : "s") between candidates, \(record.seamsFused) rewritten")
            let best = record.bestCandidatePer10kWords.map { String(format: "%.2f", $0) } ?? "–"
            lines.append(String(format: "  continuity: %d violation%@, %.2f per 10,000 words (best candidate %@)", record.violations, record.violations == 1 ? "" : "s",
                                record.violationsPer10kWords, best))
            lines.append(String(format: "  tokens: %d = %.2f× one generation (%.0f); cost $%.4f", record.tokens, chapter.tokenRatio, record.singleTokens, record.costUSD))
            for candidate in record.candidates where candidate.failure != nil {
                lines.append(style.yellow("  \(candidate.label) failed, the merge went on without it: \(candidate.failure!)"))
            }
            if let fallback = record.fallback { lines.append(style.yellow("  kept one whole candidate instead of the merge: \(fallback)")) }
            var table = TextTable(columns: [.init("UNIT", .right), .init("KIND"), .init("BEATS"), .init("WON BY"), .init("EVIDENCE", .right),
                                            .init("RUNNER-UP"), .init("MARGIN", .right), .init("ORACLE")])
            for position in chapter.chosen {
                let rivals = chapter.units.filter { $0.position == position.position && !$0.chosen }.sorted { $0.evidence + $0.prior > $1.evidence + $1.prior }
                let label = position.label
                let oracle = chapter.units.first { $0.position == position.position && $0.oracle }
                table.append([String(position.position + 1), position.kind,
                              position.beatEnd - position.beatStart == 1 ? String(position.beatStart + 1) : "\(position.beatStart + 1)–\(position.beatEnd)"
                                + (position.paragraph.map { " ¶\($0 + 1)" } ?? ""),
                              label + (position.fused ? " (seam rewritten)" : ""), String(format: "%.2f", position.evidence),
                              rivals.first.map { $0.label } ?? "–",
                              rivals.first.map { String(format: "%.2f", position.evidence + position.prior - $0.evidence - $0.prior) } ?? "–",
                              oracle.map { $0.chosen ? "=" : $0.label } ?? "–"])
            }
            lines.append(table.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            if showText, let text = chapter.text {
                lines.append("")
                lines.append(colouredText(text, chapter.chosen) { paint($0, $1) })
            }
        }
        lines.append("")
        lines.append("Units won over the run: " + totalWon.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { paint("\($0.key) \($0.value)", $0.key) }.joined(separator: ", "))
        let tokens = summary.chapters.map(\.record.tokens).reduce(0, +)
        let single = summary.chapters.map(\.record.singleTokens).reduce(0, +)
        lines.append(String(format: "Tokens: %d = %.2f× one generation of each chapter; %d judge verdicts, %d order flips counted as ties", tokens,
                            Double(tokens) / max(single, 1), summary.verdicts, summary.orderFlips))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The merged text with each chosen unit's bytes painted by `paint(text, label)`; bytes outside every unit as they are.
    static func colouredText(_ text: String, _ chosen: [EnsembleUnitRecord], paint: (String, String) -> String) -> String {
        let bytes = Array(text.utf8)
        var result = ""
        var cursor = 0
        for unit in chosen {
            guard let range = unit.bytes, range.lowerBound >= cursor, range.upperBound <= bytes.count else { continue }
            result += String(decoding: bytes[cursor..<range.lowerBound], as: UTF8.self)
            result += paint(String(decoding: bytes[range], as: UTF8.self), unit.label)
            cursor = range.upperBound
        }
        return result + String(decoding: bytes[cursor...], as: UTF8.self)
    }

    public static func json(_ summary: EnsembleRunSummary) throws -> String {
        let chapters: [[String: Any]] = summary.chapters.map { chapter in
            let record = chapter.record
            return [
                "chapter": record.chapter, "version": record.version, "unit": record.unit, "weights": record.weights,
                "won": chapter.won, "positions": chapter.positions, "oracle_agreements": chapter.oracleAgreements, "oracle_gap": chapter.oracleGap,
                "judged_positions": chapter.judgedPositions, "seams": record.seams, "seams_rewritten": record.seamsFused,
                "violations": record.violations, "violations_per_10k": record.violationsPer10kWords, "best_candidate_violations_per_10k": record.bestCandidatePer10kWords ?? NSNull(),
                "tokens": record.tokens, "single_generation_tokens": record.singleTokens, "token_ratio": chapter.tokenRatio, "cost_usd": record.costUSD,
                "fallback": record.fallback ?? NSNull(),
                "candidates": record.candidates.map { candidate -> [String: Any] in
                    ["provider": candidate.provider, "sample": candidate.sample, "words": candidate.words, "tokens": candidate.tokens, "cost_usd": candidate.costUSD,
                     "violations": candidate.violations, "quality": candidate.quality, "failure": candidate.failure ?? NSNull()]
                },
                "units": chapter.units.map { unit -> [String: Any] in
                    ["position": unit.position + 1, "kind": unit.kind, "beats": [unit.beatStart + 1, unit.beatEnd], "paragraph": unit.paragraph.map { $0 + 1 } ?? NSNull(),
                     "provider": unit.provider, "sample": unit.sample, "composite": unit.composite, "judge_share": unit.judgeShare ?? NSNull(), "predicted": unit.predicted ?? NSNull(),
                     "prior": unit.prior, "evidence": unit.evidence, "words": unit.words, "chosen": unit.chosen, "oracle": unit.oracle,
                     "bytes": unit.bytes.map { [$0.lowerBound, $0.upperBound] } ?? NSNull(), "seam_rewritten": unit.fused]
                },
            ]
        }
        return try JSONOutput.render(["run": summary.runID, "chapters": chapters, "verdicts": summary.verdicts, "order_flips": summary.orderFlips] as [String: Any])
    }

    /// The report as a page: per chapter the summary, the unit table, and the merged text
    /// with each unit's background the colour of the candidate that wrote it.
    public static func html(_ summary: EnsembleRunSummary) -> String {
        let labels = summary.labels
        func colour(_ label: String) -> String { css[(labels.firstIndex(of: label) ?? 0) % css.count] }
        var body = "<h1>Ensemble of run \(HTMLPage.escape(summary.runID))</h1>\n<p class=\"legend\">"
            + labels.map { "<span style=\"background:\(colour($0))\">\(HTMLPage.escape($0))</span>" }.joined(separator: " ") + "</p>\n"
        for chapter in summary.chapters {
            let record = chapter.record
            body += "<h2>Chapter \(record.chapter) (version \(record.version))</h2>\n<ul>\n"
            body += "<li>\(chapter.positions) \(record.unit) units, \(record.weights) weights; won: "
                + chapter.won.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\(HTMLPage.escape($0.key)) \($0.value)" }.joined(separator: ", ") + "</li>\n"
            body += String(format: "<li>Oracle: the judges' best unit merged at %d of %d positions (judged %d); gap %.2f points</li>\n",
                           chapter.oracleAgreements, chapter.positions, chapter.judgedPositions, chapter.oracleGap)
            body += "<li>Seams: \(record.seams), \(record.seamsFused) rewritten</li>\n"
            body += String(format: "<li>Continuity: %d violations, %.2f per 10,000 words (best candidate %@)</li>\n", record.violations, record.violationsPer10kWords,
                           record.bestCandidatePer10kWords.map { String(format: "%.2f", $0) } ?? "–")
            body += String(format: "<li>Tokens: %d = %.2f× one generation; cost $%.4f</li>\n", record.tokens, chapter.tokenRatio, record.costUSD)
            for candidate in record.candidates where candidate.failure != nil {
                body += "<li class=\"warn\">\(HTMLPage.escape(candidate.label)) failed; the merge went on without it: \(HTMLPage.escape(candidate.failure!))</li>\n"
            }
            if let fallback = record.fallback { body += "<li class=\"warn\">Kept one whole candidate instead of the merge: \(HTMLPage.escape(fallback))</li>\n" }
            body += "</ul>\n"
            if let text = chapter.text {
                body += "<div class=\"merged\">" + paragraphs(text, chapter.chosen, colour: colour) + "</div>\n"
            }
        }
        return HTMLPage.render(title: "Ensemble of run \(summary.runID)", body: body,
                               style: ".legend span, .merged span { padding: 0 3px; border-radius: 3px; } .merged p { text-align: left; }")
    }

    /// The merged text as paragraphs, each unit's bytes in a span of its candidate's colour.
    static func paragraphs(_ text: String, _ chosen: [EnsembleUnitRecord], colour: (String) -> String) -> String {
        let marked = colouredText(text, chosen) { piece, label in "\u{1}\(label)\u{2}\(piece)\u{3}" }
        var html = ""
        var open: String?
        for paragraph in marked.components(separatedBy: "\n\n") {
            var line = ""
            if let open { line += "<span style=\"background:\(colour(open))\" title=\"\(HTMLPage.escape(open))\">" }
            var index = paragraph.startIndex
            while index < paragraph.endIndex {
                let character = paragraph[index]
                if character == "\u{1}", let end = paragraph[index...].firstIndex(of: "\u{2}") {
                    let label = String(paragraph[paragraph.index(after: index)..<end])
                    open = label
                    line += "<span style=\"background:\(colour(label))\" title=\"\(HTMLPage.escape(label))\">"
                    index = paragraph.index(after: end)
                    continue
                }
                if character == "\u{3}" {
                    open = nil
                    line += "</span>"
                } else {
                    line += HTMLPage.escape(String(character))
                }
                index = paragraph.index(after: index)
            }
            if open != nil { line += "</span>" }
            html += "<p>\(line)</p>\n"
        }
        return html
    }
}
