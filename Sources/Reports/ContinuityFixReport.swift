import Foundation
import Store
import WorkbenchCore

/// What `workbench continuity fix` did (or, in a dry run, would do): each fix tried with its
/// passage before and after, and violations per 10,000 words before and after.
public struct ContinuityFixSummary: Sendable {
    public var bookID: String
    public var title: String
    public var dryRun: Bool
    /// The chapters' words before and after the fixes.
    public var wordsBefore: Int
    public var words: Int
    public var before: (violations: Int, major: Int)
    public var after: (violations: Int, major: Int)
    /// Violations found before that the last check no longer finds.
    public var resolved: Int
    public var attempts: [ContinuityFixRecord]

    public init(bookID: String, title: String, dryRun: Bool, wordsBefore: Int, words: Int, before: (Int, Int), after: (Int, Int), resolved: Int, attempts: [ContinuityFixRecord]) {
        self.bookID = bookID
        self.title = title
        self.dryRun = dryRun
        self.wordsBefore = wordsBefore
        self.words = words
        self.before = before
        self.after = after
        self.resolved = resolved
        self.attempts = attempts
    }

    var cedBefore: Double { ContinuityGraphRecord.density(violations: before.violations, words: wordsBefore) }
    var cedAfter: Double { ContinuityGraphRecord.density(violations: after.violations, words: words) }
    var kept: [ContinuityFixRecord] { attempts.filter(\.isKept) }
}

extension ContinuityReport {
    public static func fix(_ summary: ContinuityFixSummary) -> String {
        var lines = ["Continuity fixes for \"\(summary.title)\" (book \(summary.bookID))\(summary.dryRun ? ": dry run, nothing stored" : "")"]
        if summary.attempts.isEmpty { lines.append(summary.before.violations == 0 ? "No violations to fix." : "No fix could be tried.") }
        for (index, attempt) in summary.attempts.enumerated() {
            lines.append("")
            let verdict = attempt.isKept ? (summary.dryRun ? "would keep" : "kept as version \(attempt.toVersion.map(String.init) ?? "?")") : "refused: \(outcomeText(attempt))"
            lines.append("\(index + 1). chapter \(attempt.chapter), paragraph \(attempt.paragraph), round \(attempt.round) (\(attempt.scope)): \(verdict)")
            lines.append("   \(attempt.violationType) (\(attempt.severity)): \(attempt.summary)")
            lines.append("   - \"\(oneLine(attempt.original))\"")
            lines.append("   + \"\(oneLine(attempt.replacement))\"")
            lines.append("   \(attempt.tokensChanged) of \(grouped(attempt.chapterWords)) words changed (\(percent(attempt.tokenShare)))"
                         + qualityText(attempt))
        }
        lines.append("")
        let tried = summary.attempts.count, kept = summary.kept.count
        lines.append("\(kept) of \(tried) fix\(tried == 1 ? "" : "es") \(summary.dryRun ? "would be " : "")kept; "
                     + "violations \(summary.before.violations) → \(summary.after.violations) (\(summary.before.major) → \(summary.after.major) major), "
                     + "\(summary.resolved) of \(summary.before.violations) resolved; "
                     + String(format: "%.2f → %.2f per 10,000 words (CED)", summary.cedBefore, summary.cedAfter))
        return lines.joined(separator: "\n") + "\n"
    }

    public static func fixJSON(_ summary: ContinuityFixSummary) throws -> String {
        try JSONOutput.render([
            "book": summary.bookID, "title": summary.title, "dry_run": summary.dryRun, "words": summary.words,
            "before": ["violations": summary.before.violations, "major": summary.before.major, "violations_per_10k_words": summary.cedBefore] as [String: Any],
            "after": ["violations": summary.after.violations, "major": summary.after.major, "violations_per_10k_words": summary.cedAfter] as [String: Any],
            "resolved": summary.resolved, "tried": summary.attempts.count, "kept": summary.kept.count,
            "fixes": summary.attempts.map(fixObject),
        ] as [String: Any])
    }

    static func fixObject(_ fix: ContinuityFixRecord) -> [String: Any] {
        [
            "chapter": fix.chapter, "paragraph": fix.paragraph, "round": fix.round, "scope": fix.scope, "type": fix.violationType, "severity": fix.severity,
            "summary": fix.summary, "original": fix.original, "replacement": fix.replacement, "tokens_changed": fix.tokensChanged,
            "chapter_words": fix.chapterWords, "token_share": fix.tokenShare, "outcome": fix.outcome, "detail": fix.detail ?? NSNull(),
            "quality_before": fix.qualityBefore ?? NSNull(), "quality_after": fix.qualityAfter ?? NSNull(),
            "from_version": fix.fromVersion, "to_version": fix.toVersion ?? NSNull(),
        ]
    }

    static func outcomeText(_ fix: ContinuityFixRecord) -> String {
        let reason: String
        switch fix.outcome {
        case "violationRemains": reason = "the contradiction is still there"
        case "newViolation": reason = "it made a new contradiction"
        case "qualityDropped": reason = "the chapter's quality dropped"
        case "tooLarge": reason = "it changed more than 2% of the chapter"
        case "emptyAnswer": reason = "the model returned nothing usable"
        default: reason = fix.outcome
        }
        return reason + (fix.detail.map { " (\($0))" } ?? "")
    }

    static func qualityText(_ fix: ContinuityFixRecord) -> String {
        guard let before = fix.qualityBefore, let after = fix.qualityAfter else { return "" }
        return String(format: "; quality %.2f → %.2f", before, after)
    }

    static func percent(_ share: Double) -> String { String(format: "%.2f%%", share * 100) }
}
