import Foundation
import GRDB
import Testing
import WorkbenchCore
@testable import Store

/// Likes of 9223372036854775807 were accepted once; SQLite's `sum` then failed with an
/// integer overflow on every read of the feedback (exit 70 for `feedback list` and
/// `train preferences`) until the row was deleted by hand.
@Suite struct FeedbackOverflowTests {
    @Test func likesBeyondInt64AreSummedWithoutFailing() throws {
        let database = try WorkbenchDatabase.inMemory()
        let run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        let book = try database.createBook(runID: run.id, title: "T", chapterCount: 2)
        let first = try database.addChapterVersion(bookID: book.id, chapter: 1, text: "One.", wordCount: 1, origin: "import")
        let second = try database.addChapterVersion(bookID: book.id, chapter: 2, text: "Two.", wordCount: 1, origin: "import")
        // Rows as an unbounded import stored them: the sum of the first chapter's is beyond Int64.
        try database.addFeedback(versionID: first.id!, rating: 4, likes: Int.max, source: "old")
        try database.addFeedback(versionID: first.id!, rating: nil, likes: Int.max, source: "old")
        try database.addFeedback(versionID: second.id!, rating: 3, likes: 12, source: "cli")
        try database.addFeedback(versionID: second.id!, rating: 5, likes: 30, source: "cli")
        let summaries = try database.feedbackSummaries()
        #expect(summaries.count == 2)
        #expect(summaries[0].likes == Int.max, "saturated, not an error")
        #expect(summaries[0].ratings == 1 && summaries[0].meanRating == 4)
        #expect(summaries[1].likes == 42 && summaries[1].meanRating == 4)
    }

    @Test func theBoundLeavesRoomForEveryRowOfAChapter() {
        // A billion likes per entry: 9 billion entries of a chapter before the sum could overflow.
        #expect(WorkbenchDatabase.maximumLikes == 1_000_000_000)
        #expect(Int.max / WorkbenchDatabase.maximumLikes > 9_000_000_000)
    }
}
