import Foundation
import GRDB
import WorkbenchCore

/// What readers said of one chapter version, summed up.
public struct FeedbackSummary: Sendable, Equatable {
    public var versionID: Int64
    public var ratings: Int
    /// The mean of its ratings; nil when it has none.
    public var meanRating: Double?
    /// The sum of its likes; nil when none were recorded.
    public var likes: Int?
}

/// One pairwise preference between two chapter versions.
public struct ReaderPreferenceRecord: Sendable, Equatable {
    public var preferredVersionID: Int64
    public var otherVersionID: Int64
    public var source: String
}

extension WorkbenchDatabase {
    /// The chapter version `BOOK:N` names (the kept version of chapter N of the book, the book
    /// given by id or unique prefix), or a version id given as a number.
    public func chapterVersion(named reference: String) throws -> ChapterVersionRecord {
        if let id = Int64(reference) {
            guard let version = try read({ db in try ChapterVersionRecord.fetchOne(db, key: id) }) else { throw StoreError.chapterNotFound(reference) }
            return version
        }
        let parts = reference.split(separator: ":")
        guard parts.count == 2, let number = Int(parts[1]) else { throw StoreError.chapterNotFound(reference) }
        let book = try self.book(matching: String(parts[0]))
        guard let version = try latestChapterVersions(bookID: book.id).first(where: { $0.chapter == number }) else { throw StoreError.chapterNotFound(reference) }
        return version
    }

    /// The most likes one feedback entry may carry: more than any chapter gets, and far
    /// enough below Int64's limit that the sum over every entry of a chapter cannot overflow.
    public static let maximumLikes = 1_000_000_000

    public func addFeedback(versionID: Int64, rating: Double?, likes: Int?, source: String, at time: Date = Date()) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO reader_feedback (chapter_version_id, rating, likes, source, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [versionID, rating, likes, source, time])
        }
    }

    public func addPreference(preferred: Int64, over other: Int64, source: String, at time: Date = Date()) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO reader_preferences (preferred_version_id, other_version_id, source, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [preferred, other, source, time])
        }
    }

    /// Per chapter version with feedback: its number of ratings, their mean and its likes, in version order.
    /// Likes are summed as floating point (`total`) and cast back, which saturates at Int64's
    /// limit: a row stored before likes were bounded cannot make `sum` overflow and fail
    /// every query of the workspace's feedback.
    public func feedbackSummaries() throws -> [FeedbackSummary] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT chapter_version_id, count(rating) AS ratings, avg(rating) AS mean_rating,
                       CASE WHEN count(likes) > 0 THEN CAST(total(likes) AS INTEGER) END AS likes
                FROM reader_feedback GROUP BY chapter_version_id ORDER BY chapter_version_id
                """).map {
                FeedbackSummary(versionID: $0["chapter_version_id"], ratings: $0["ratings"], meanRating: $0["mean_rating"], likes: $0["likes"])
            }
        }
    }

    public func preferences() throws -> [ReaderPreferenceRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT preferred_version_id, other_version_id, source FROM reader_preferences ORDER BY id").map {
                ReaderPreferenceRecord(preferredVersionID: $0["preferred_version_id"], otherVersionID: $0["other_version_id"], source: $0["source"])
            }
        }
    }

    /// Chapter versions by id (for their text).
    public func chapterVersions(ids: [Int64]) throws -> [Int64: ChapterVersionRecord] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            let rows = try ChapterVersionRecord.fetchAll(db, keys: ids)
            return Dictionary(uniqueKeysWithValues: rows.compactMap { record in record.id.map { ($0, record) } })
        }
    }
}
