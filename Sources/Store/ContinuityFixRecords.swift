import Foundation
import GRDB

/// One fix tried on a continuity violation (`continuity_fixes`): kept, or refused and why.
public struct ContinuityFixRecord: Sendable, Hashable, Codable {
    public var id: Int64?
    public var bookID: String
    public var runID: String?
    public var chapter: Int
    public var fromVersion: Int
    /// The chapter version the kept fix made; nil when the fix was refused.
    public var toVersion: Int?
    public var violationType: String
    public var severity: String
    public var summary: String
    public var round: Int
    /// sentence or paragraph.
    public var scope: String
    public var paragraph: Int
    public var original: String
    public var replacement: String
    public var tokensChanged: Int
    public var chapterWords: Int
    public var qualityBefore: Double?
    public var qualityAfter: Double?
    /// kept, violationRemains, newViolation, qualityDropped, tooLarge or emptyAnswer.
    public var outcome: String
    public var detail: String?
    public var createdAt: Date

    public init(id: Int64? = nil, bookID: String, runID: String?, chapter: Int, fromVersion: Int, toVersion: Int?, violationType: String, severity: String,
                summary: String, round: Int, scope: String, paragraph: Int, original: String, replacement: String, tokensChanged: Int, chapterWords: Int,
                qualityBefore: Double?, qualityAfter: Double?, outcome: String, detail: String?, createdAt: Date = Date()) {
        self.id = id
        self.bookID = bookID
        self.runID = runID
        self.chapter = chapter
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.violationType = violationType
        self.severity = severity
        self.summary = summary
        self.round = round
        self.scope = scope
        self.paragraph = paragraph
        self.original = original
        self.replacement = replacement
        self.tokensChanged = tokensChanged
        self.chapterWords = chapterWords
        self.qualityBefore = qualityBefore
        self.qualityAfter = qualityAfter
        self.outcome = outcome
        self.detail = detail
        self.createdAt = createdAt
    }

    public var isKept: Bool { outcome == "kept" }
    /// Share of the chapter's words the fix changed.
    public var tokenShare: Double { Double(tokensChanged) / Double(max(chapterWords, 1)) }
}

extension WorkbenchDatabase {
    /// Appends a tried fix to the book's log; returns it with its id.
    @discardableResult
    public func addContinuityFix(_ fix: ContinuityFixRecord) throws -> ContinuityFixRecord {
        try write { db in
            try db.execute(sql: """
                INSERT INTO continuity_fixes (book_id, run_id, chapter, from_version, to_version, violation_type, severity, summary, round, scope, paragraph,
                                              original, replacement, tokens_changed, chapter_words, quality_before, quality_after, outcome, detail, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [fix.bookID, fix.runID, fix.chapter, fix.fromVersion, fix.toVersion, fix.violationType, fix.severity, fix.summary, fix.round,
                                 fix.scope, fix.paragraph, fix.original, fix.replacement, fix.tokensChanged, fix.chapterWords, fix.qualityBefore,
                                 fix.qualityAfter, fix.outcome, fix.detail, fix.createdAt])
            var stored = fix
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    /// Every fix tried on the book, oldest first.
    public func continuityFixes(bookID: String) throws -> [ContinuityFixRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM continuity_fixes WHERE book_id = ? ORDER BY id", arguments: [bookID]).map { row in
                ContinuityFixRecord(
                    id: row["id"], bookID: row["book_id"], runID: row["run_id"], chapter: row["chapter"], fromVersion: row["from_version"], toVersion: row["to_version"],
                    violationType: row["violation_type"], severity: row["severity"], summary: row["summary"], round: row["round"], scope: row["scope"],
                    paragraph: row["paragraph"], original: row["original"], replacement: row["replacement"], tokensChanged: row["tokens_changed"],
                    chapterWords: row["chapter_words"], qualityBefore: row["quality_before"], qualityAfter: row["quality_after"], outcome: row["outcome"],
                    detail: row["detail"], createdAt: row["created_at"])
            }
        }
    }
}
