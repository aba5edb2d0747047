import Foundation
import Quality
import Store

extension BookReport {
    /// The book's continuity as its last `continuity check` stored it: violations per 10,000
    /// words (ConStory-Bench's CED), violations by type, severity, chapter and status, and each
    /// one as a located issue of the chapter that contradicts what an earlier one set up.
    public struct Continuity: Sendable, Equatable {
        public var bookID: String
        /// The stored graph; nil when the book was never checked.
        public var graph: ContinuityGraphRecord?
        /// Chapters whose kept version is not the one the graph was read from.
        public var staleChapters: [Int]
        /// Every fix tried on the book (`continuity fix`, or `generate` with `continuity.fix`), oldest first.
        public var fixes: [ContinuityFixRecord]

        public init(bookID: String, graph: ContinuityGraphRecord?, staleChapters: [Int] = [], fixes: [ContinuityFixRecord] = []) {
            self.bookID = bookID
            self.graph = graph
            self.staleChapters = staleChapters
            self.fixes = fixes
        }

        /// The fixes that were kept: each removed a violation the check no longer finds.
        public var keptFixes: [ContinuityFixRecord] { fixes.filter(\.isKept) }

        public var checked: Bool { graph != nil }
        public var violations: [ContinuityViolationRecord] { graph?.violations ?? [] }
        /// Violations per 10,000 words; nil when not checked.
        public var ced: Double? { graph?.violationsPer10kWords }
        public var major: Int { violations.filter(\.isMajor).count }
        public var minor: Int { violations.count - major }

        /// What to run to check the book.
        public var checkCommand: String { "workbench continuity check \(bookID)" }

        /// Violation types, most frequent first (then by name), with how many of each are major.
        public var byType: [(type: String, count: Int, major: Int)] {
            Dictionary(grouping: violations, by: \.type)
                .map { (type: $0.key, count: $0.value.count, major: $0.value.filter(\.isMajor).count) }
                .sorted { ($1.count, $0.type) < ($0.count, $1.type) }
        }

        /// Per contradicting chapter, in chapter order: violations, major and minor.
        public var byChapter: [(chapter: Int, count: Int, major: Int)] {
            Dictionary(grouping: violations, by: \.contradicting.chapter)
                .map { (chapter: $0.key, count: $0.value.count, major: $0.value.filter(\.isMajor).count) }
                .sorted { $0.chapter < $1.chapter }
        }

        /// How many violations stand in each status.
        public func count(_ status: ContinuityViolationRecord.Status) -> Int { violations.filter { $0.status == status }.count }

        /// The violations a chapter contradicts its book with, as located issues of the chapter
        /// (metric `continuity`): where, what, the earlier passage, the fix, and whether it was fixed.
        public func issues(chapter: Int) -> [LocatedIssue] {
            violations.filter { $0.contradicting.chapter == chapter }.map { violation in
                LocatedIssue(metric: "continuity", paragraph: violation.contradicting.paragraph, line: violation.contradicting.line,
                             message: BookReport.Continuity.issueMessage(violation), severity: LocatedIssue.Severity(rawValue: violation.severity) ?? .minor)
            }
        }

        /// "immutableChanged: Marcus Hale's eyes: grey here, blue before (…); fix: …", with "(fixed)" where a fix removed it.
        static func issueMessage(_ violation: ContinuityViolationRecord) -> String {
            "\(violation.type)\(statusNote(violation.status)): \(violation.message); fix: \(violation.suggestedFix)"
        }

        static func statusNote(_ status: ContinuityViolationRecord.Status) -> String {
            switch status {
            case .open: ""
            case .fixed: " (fixed)"
            case .unfixed: " (a fix was tried; still there)"
            }
        }

        /// The lines every format shows, in order: the headline, by type, by chapter, what was fixed, staleness.
        var summaryLines: [String] {
            guard let graph else {
                return ["Not checked for continuity: `\(checkCommand)` finds contradictions between chapters and stores them for this report."]
            }
            var lines = [
                (violations.isEmpty ? "No violations" : "\(violations.count) violation\(violations.count == 1 ? "" : "s") (\(major) major, \(minor) minor)")
                    + String(format: "; CED %.2f per 10,000 words", graph.violationsPer10kWords)
                    + " (\(graph.extractor) extractor, \(ContinuityReport.grouped(graph.wordCount)) words, checked \(RunsReport.iso(graph.checkedAt)))",
            ]
            if !violations.isEmpty {
                lines.append("By type: " + byType.map { "\($0.type) \($0.count)" + ($0.major > 0 && $0.major < $0.count ? " (\($0.major) major)" : "") }.joined(separator: ", "))
                lines.append("By chapter: " + byChapter.map { "chapter \($0.chapter): \($0.count)" + ($0.major > 0 ? " (\($0.major) major)" : "") }.joined(separator: ", "))
            }
            if !violations.isEmpty || !fixes.isEmpty {
                lines.append(fixedLine)
            }
            for fix in keptFixes.prefix(20) {
                lines.append("Fixed in chapter \(fix.chapter), paragraph \(fix.paragraph) (\(fix.scope), version \(fix.fromVersion) → \(fix.toVersion ?? fix.fromVersion)): "
                             + "\(fix.summary): \"\(ContinuityReport.oneLine(fix.original))\" → \"\(ContinuityReport.oneLine(fix.replacement))\"")
            }
            if !staleChapters.isEmpty {
                lines.append("Chapter\(staleChapters.count == 1 ? "" : "s") \(staleChapters.map(String.init).joined(separator: ", ")) changed since the check: "
                             + "these figures are of the versions it read (`\(checkCommand)` brings them up to date)")
            }
            return lines
        }

        /// "Fixed: 1 of 3; 1 tried and still there; 1 open; 4 fixes tried", or "Fixed: none yet (3 open)".
        /// A kept fix removed its violation from the graph, so it counts among the violations.
        var fixedLine: String {
            let fixed = keptFixes.count + count(.fixed), unfixed = count(.unfixed), open = count(.open)
            guard fixed + unfixed > 0 else { return "Fixed: none yet (\(open) open)" + (fixes.isEmpty ? "" : "; \(fixes.count) fix\(fixes.count == 1 ? "" : "es") tried") }
            var parts = ["\(fixed) of \(violations.count + keptFixes.count)"]
            if unfixed > 0 { parts.append("\(unfixed) tried and still there") }
            if open > 0 { parts.append("\(open) open") }
            if !fixes.isEmpty { parts.append("\(fixes.count) fix\(fixes.count == 1 ? "" : "es") tried") }
            return "Fixed: " + parts.joined(separator: "; ")
        }

        /// "Chapter 3, paragraph 4, line 10 (major)": an issue's place and severity, with its status when not open.
        static func place(_ violation: ContinuityViolationRecord) -> String {
            "Chapter \(violation.contradicting.chapter), paragraph \(violation.contradicting.paragraph), line \(violation.contradicting.line) (\(violation.severity)"
                + (violation.status == .open ? "" : ", \(violation.status.rawValue)") + ")"
        }

        var json: [String: Any] {
            guard let graph else {
                return ["checked": false, "ced": NSNull(), "violations": NSNull(), "how_to_check": checkCommand]
            }
            return [
                "checked": true, "ced": graph.violationsPer10kWords, "extractor": graph.extractor, "words": graph.wordCount,
                "checked_at": RunsReport.iso(graph.checkedAt), "stale_chapters": staleChapters,
                "violations": violations.count, "major": major, "minor": minor,
                "by_type": Dictionary(uniqueKeysWithValues: byType.map { ($0.type, $0.count) }),
                "by_chapter": byChapter.map { ["chapter": $0.chapter, "violations": $0.count, "major": $0.major, "minor": $0.count - $0.major] },
                "by_status": Dictionary(uniqueKeysWithValues: ContinuityViolationRecord.Status.allCases.map { ($0.rawValue, count($0) + ($0 == .fixed ? keptFixes.count : 0)) }),
                "fixes": ["tried": fixes.count, "kept": keptFixes.count,
                          "kept_fixes": keptFixes.map { ["chapter": $0.chapter, "paragraph": $0.paragraph, "scope": $0.scope, "type": $0.violationType,
                                                         "summary": $0.summary, "original": $0.original, "replacement": $0.replacement,
                                                         "from_version": $0.fromVersion, "to_version": $0.toVersion ?? NSNull(), "tokens_changed": $0.tokensChanged] as [String: Any] }] as [String: Any],
                "issues": violations.map { violation -> [String: Any] in
                    ["chapter": violation.contradicting.chapter, "paragraph": violation.contradicting.paragraph, "line": violation.contradicting.line,
                     "type": violation.type, "severity": violation.severity, "status": violation.status.rawValue, "summary": violation.summary,
                     "message": violation.message, "suggested_fix": violation.suggestedFix, "quote": violation.contradicting.quote,
                     "established": ["chapter": violation.established.chapter, "paragraph": violation.established.paragraph,
                                     "line": violation.established.line, "quote": violation.established.quote] as [String: Any]]
                },
            ]
        }
    }

    /// The book's stored continuity graph (or none), and which chapters changed since it was read.
    public static func continuity(of book: BookRecord, in database: WorkbenchDatabase, versions: [ChapterVersionRecord]) throws -> Continuity {
        guard let graph = try database.continuityGraph(bookID: book.id) else { return Continuity(bookID: book.id, graph: nil) }
        let latest = Dictionary(versions.compactMap { version in version.id.map { (version.chapter, $0) } }, uniquingKeysWith: { a, _ in a })
        return Continuity(bookID: book.id, graph: graph, staleChapters: graph.staleChapters(latest: latest), fixes: try database.continuityFixes(bookID: book.id))
    }
}

extension BookReportRenderer {
    // MARK: Continuity, in every format

    static func continuityTerminal(_ continuity: BookReport.Continuity, style: TerminalStyle) -> [String] {
        var lines = ["", "Continuity:"]
        let summary = continuity.summaryLines
        lines.append("- " + summary[0] + (continuity.checked ? (continuity.major > 0 ? " " + style.red("✗") : " " + style.green("✓")) : ""))
        lines += summary.dropFirst().map { "- \($0)" }
        for violation in continuity.violations {
            lines.append("  \(BookReport.Continuity.place(violation)) \(violation.type): \(ContinuityReport.oneLine(violation.message))")
            lines.append("    fix: \(violation.suggestedFix)")
        }
        return lines
    }

    static func continuityMarkdown(_ continuity: BookReport.Continuity) -> [String] {
        var lines = ["", "## Continuity", ""]
        lines += continuity.summaryLines.map { "- \($0)" }
        if !continuity.violations.isEmpty {
            lines += ["", "| chapter | paragraph | line | severity | type | status | what | fix |", "|---:|---:|---:|---|---|---|---|---|"]
            for violation in continuity.violations {
                let cells = [String(violation.contradicting.chapter), String(violation.contradicting.paragraph), String(violation.contradicting.line),
                             violation.severity, violation.type, violation.status.rawValue, ContinuityReport.oneLine(violation.message), violation.suggestedFix]
                lines.append("| " + cells.map(markdownCell).joined(separator: " | ") + " |")
            }
        }
        return lines
    }

    /// A table cell: pipes escaped, line breaks as spaces.
    static func markdownCell(_ text: String) -> String {
        ContinuityReport.oneLine(text).replacingOccurrences(of: "|", with: "\\|")
    }

    static func continuityHTML(_ continuity: BookReport.Continuity) -> String {
        var html = "\n<h2>Continuity</h2>\n<ul>" + continuity.summaryLines.enumerated().map { index, line in
            "<li\(index == 0 && continuity.checked ? " class=\"\(continuity.major > 0 ? "warn" : "ok")\"" : "")>\(escape(line))</li>"
        }.joined() + "</ul>"
        guard !continuity.violations.isEmpty else { return html }
        html += "\n<table><thead><tr><th>chapter</th><th>paragraph</th><th>line</th><th>severity</th><th>type</th><th>status</th><th style=\"text-align: left\">what</th><th style=\"text-align: left\">fix</th></tr></thead><tbody>"
        for violation in continuity.violations {
            html += "<tr class=\"\(violation.isMajor && violation.status != .fixed ? "below" : "")\"><td>\(violation.contradicting.chapter)</td><td>\(violation.contradicting.paragraph)</td>"
                + "<td>\(violation.contradicting.line)</td><td>\(escape(violation.severity))</td><td>\(escape(violation.type))</td><td>\(escape(violation.status.rawValue))</td>"
                + "<td style=\"text-align: left\">\(escape(violation.message))</td><td style=\"text-align: left\">\(escape(violation.suggestedFix))</td></tr>"
        }
        return html + "</tbody></table>"
    }
}
