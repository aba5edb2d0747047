import Foundation
import GRDB
import WorkbenchCore

/// A row of `books`.
public struct BookRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "books"
    public var id: String
    public var runID: RunID
    public var title: String
    public var premise: String?
    public var outlineJSON: String?
    public var chapterCount: Int
    public var status: String
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, title, premise, status
        case runID = "run_id", outlineJSON = "outline_json", chapterCount = "chapter_count"
        case createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// A row of `chapter_versions`: one version of one chapter, never overwritten.
public struct ChapterVersionRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "chapter_versions"
    public var id: Int64?
    public var bookID: String
    public var chapter: Int
    public var version: Int
    public var parentVersion: Int?
    public var origin: String
    public var text: String
    public var wordCount: Int
    public var textHash: String
    public var createdAt: Date
    /// False for a version that scored worse than its parent: stored, but not the chapter.
    public var kept: Bool

    enum CodingKeys: String, CodingKey {
        case id, chapter, version, origin, text, kept
        case bookID = "book_id", parentVersion = "parent_version", wordCount = "word_count", textHash = "text_hash", createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One metric of one chapter version by one scorer.
public struct ScoreRecord: Sendable, Equatable {
    public var chapterVersionID: Int64
    public var scorer: String
    public var metric: String
    public var value: Double
    public var detailJSON: String?

    public init(chapterVersionID: Int64, scorer: String, metric: String, value: Double, detailJSON: String? = nil) {
        self.chapterVersionID = chapterVersionID
        self.scorer = scorer
        self.metric = metric
        self.value = value
        self.detailJSON = detailJSON
    }
}

extension WorkbenchDatabase {
    /// A new book of a run; its id is `<run id>-<n>`, n counting the run's books.
    public func createBook(runID: RunID, title: String, premise: String? = nil, outlineJSON: String? = nil, chapterCount: Int, at time: Date = Date()) throws -> BookRecord {
        try write { db in
            let existing = try Int.fetchOne(db, sql: "SELECT count(*) FROM books WHERE run_id = ?", arguments: [runID]) ?? 0
            let book = BookRecord(id: "\(runID.rawValue)-\(existing + 1)", runID: runID, title: title, premise: premise, outlineJSON: outlineJSON,
                                  chapterCount: chapterCount, status: "writing", createdAt: time, updatedAt: time)
            try book.insert(db)
            return book
        }
    }

    /// Stores a new version of a chapter (numbered after the last) with its scores, in one transaction.
    @discardableResult
    public func addChapterVersion(
        bookID: String, chapter: Int, text: String, wordCount: Int, origin: String, parentVersion: Int? = nil,
        scores: [(scorer: String, metric: String, value: Double)] = [], kept: Bool = true, at time: Date = Date()
    ) throws -> ChapterVersionRecord {
        try write { db in
            let last = try Int.fetchOne(db, sql: "SELECT max(version) FROM chapter_versions WHERE book_id = ? AND chapter = ?", arguments: [bookID, chapter]) ?? 0
            var record = ChapterVersionRecord(
                id: nil, bookID: bookID, chapter: chapter, version: last + 1, parentVersion: parentVersion, origin: origin, text: text,
                wordCount: wordCount, textHash: SHA256.hex(of: text), createdAt: time, kept: kept)
            try record.insert(db)
            try Self.upsertScores(db, versionID: record.id!, scores, at: time)
            try db.execute(sql: "UPDATE books SET updated_at = ? WHERE id = ?", arguments: [time, bookID])
            return record
        }
    }

    /// Adds (or replaces) scores of an existing chapter version: a judge's, a new scorer's.
    public func addScores(versionID: Int64, _ scores: [(scorer: String, metric: String, value: Double)], at time: Date = Date()) throws {
        try write { db in try Self.upsertScores(db, versionID: versionID, scores, at: time) }
    }

    private static func upsertScores(_ db: Database, versionID: Int64, _ scores: [(scorer: String, metric: String, value: Double)], at time: Date) throws {
        for score in scores {
            try db.execute(sql: """
                INSERT INTO scores (chapter_version_id, scorer, metric, value, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (chapter_version_id, scorer, metric) DO UPDATE SET value = excluded.value, created_at = excluded.created_at
                """, arguments: [versionID, score.scorer, score.metric, score.value, time])
        }
    }

    public func setBookStatus(_ bookID: String, _ status: String, at time: Date = Date()) throws {
        try write { db in try db.execute(sql: "UPDATE books SET status = ?, updated_at = ? WHERE id = ?", arguments: [status, time, bookID]) }
    }

    public func books(limit: Int? = nil) throws -> [BookRecord] {
        try read { db in
            var request = BookRecord.order(Column("created_at").desc, Column("id").desc)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// A book by its full id or a unique prefix.
    public func book(matching idOrPrefix: String) throws -> BookRecord {
        try read { db in
            if let exact = try BookRecord.fetchOne(db, key: idOrPrefix) { return exact }
            let escaped = idOrPrefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            let matches = try BookRecord.filter(sql: "id LIKE ? ESCAPE '\\'", arguments: [escaped + "%"]).order(Column("id")).limit(20).fetchAll(db)
            switch matches.count {
            case 0: throw StoreError.bookNotFound(id: idOrPrefix, path: path)
            case 1: return matches[0]
            default: throw StoreError.ambiguousRunID(prefix: idOrPrefix, candidates: matches.map(\.id))
            }
        }
    }

    /// The book a command names by its id (or a unique prefix), or by a run's id (or a unique
    /// prefix): that run's first book, as `workbench report` reads it.
    public func book(matchingBookOrRun id: String) throws -> BookRecord {
        if let run = try? self.run(matching: id),
           let first = try read({ db in try BookRecord.filter(Column("run_id") == run.id.rawValue).order(Column("id")).fetchOne(db) }) {
            return first
        }
        return try book(matching: id)
    }

    /// The kept version of every chapter of a book (its newest version not rejected), in chapter order.
    public func latestChapterVersions(bookID: String) throws -> [ChapterVersionRecord] {
        try read { db in
            try ChapterVersionRecord.fetchAll(db, sql: """
                SELECT cv.* FROM chapter_versions cv
                WHERE cv.book_id = ? AND cv.kept = 1
                  AND cv.version = (SELECT max(version) FROM chapter_versions WHERE book_id = cv.book_id AND chapter = cv.chapter AND kept = 1)
                ORDER BY cv.chapter
                """, arguments: [bookID])
        }
    }

    /// Every version of one chapter, oldest first.
    public func chapterVersions(bookID: String, chapter: Int) throws -> [ChapterVersionRecord] {
        try read { db in
            try ChapterVersionRecord.filter(Column("book_id") == bookID && Column("chapter") == chapter).order(Column("version")).fetchAll(db)
        }
    }

    /// Every score of the given versions: version id → scorer → metric → value.
    public func scores(versionIDs: [Int64]) throws -> [Int64: [String: [String: Double]]] {
        guard !versionIDs.isEmpty else { return [:] }
        return try read { db in
            var result: [Int64: [String: [String: Double]]] = [:]
            let rows = try Row.fetchAll(db, sql: "SELECT chapter_version_id, scorer, metric, value FROM scores WHERE chapter_version_id IN (\(versionIDs.map { _ in "?" }.joined(separator: ",")))",
                                        arguments: StatementArguments(versionIDs))
            for row in rows {
                let id: Int64 = row["chapter_version_id"]
                result[id, default: [:]][row["scorer"], default: [:]][row["metric"]] = row["value"]
            }
            return result
        }
    }
}
