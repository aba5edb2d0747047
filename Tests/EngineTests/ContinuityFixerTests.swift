import Continuity
import Foundation
import Synchronization
import Testing
@testable import Engine
import Quality
import Store
import WorkbenchCore

/// The fixer over a stored book: what it sends, what it keeps, what it stores and logs.
@Suite struct ContinuityFixerTests {
    static let chapters = [
        "Marcus Hale came to the mill in the spring. Marcus had grey eyes and a quiet voice.\n\nHe walked to the river and back again.",
        "The winter was long and hard. Mr. Hale looked up, and Marcus's blue eyes were wet with the cold of it.\n\nHe said nothing to anyone that night.",
    ]

    func book() throws -> (WorkbenchDatabase, BookRecord) {
        let database = try WorkbenchDatabase.inMemory()
        let run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        let book = try database.createBook(runID: run.id, title: "The Mill", chapterCount: 2)
        for (index, text) in Self.chapters.enumerated() {
            try database.addChapterVersion(bookID: book.id, chapter: index + 1, text: text, wordCount: TextScanner.scan(text).wordCount, origin: "generate")
        }
        return (database, book)
    }

    final class Prompts: Sendable {
        let sent = Mutex<[String]>([])
    }

    func fixer(_ answer: @escaping @Sendable (String, Int) -> String, prompts: Prompts = Prompts()) throws -> ContinuityFixer {
        let template = try ContinuityFixer.template(folder: nil)
        return ContinuityFixer(policy: FixPolicy(rounds: 2), template: template, seed: 1, context: { _ in AnalysisContext() },
                            rewrite: { prompt, _, _ in
                                let count = prompts.sent.withLock { $0.append(prompt); return $0.count }
                                return answer(prompt, count)
                            })
    }

    @Test func aSentenceFixIsSentKeptStoredAndLogged() async throws {
        let (database, book) = try book()
        let prompts = Prompts()
        let fixer = try fixer({ _, _ in "\"Mr. Hale looked up, and Marcus's grey eyes were wet with the cold of it.\"" }, prompts: prompts)
        let result = try await fixer.fix(chapters: try database.latestChapterVersions(bookID: book.id), title: book.title,
                                         store: (database: database, bookID: book.id, runID: RunID?.none))
        let sent = try #require(prompts.sent.withLock { $0.first })
        #expect(sent.contains("FIX_CONTINUITY") && sent.contains("Established: \"Marcus had grey eyes\""))
        #expect(sent.contains("\"\"\"\nMr. Hale looked up, and Marcus's blue eyes were wet with the cold of it.\n\"\"\""), "the sentence, not the paragraph")
        #expect(result.before.count == 1 && result.after.isEmpty && result.resolved == 1)
        let attempt = try #require(result.attempts.first)
        #expect(attempt.outcome == .kept && attempt.edit.tokensChanged == 1 && attempt.version == 2)
        // The wrapping quotes are gone; every other byte of the chapter is kept.
        let latest = try database.latestChapterVersions(bookID: book.id)
        #expect(latest[1].text == Self.chapters[1].replacingOccurrences(of: "blue", with: "grey") && latest[1].origin == "continuity:FIX_CONTINUITY")
        #expect(latest[0].version == 1)
        let log = try database.continuityFixes(bookID: book.id)
        #expect(log.count == 1 && log[0].outcome == "kept" && log[0].fromVersion == 1 && log[0].toVersion == 2 && log[0].tokensChanged == 1)
    }

    @Test func aRefusedFixIsTriedAgainThenTheParagraphIsRewritten() async throws {
        let (database, book) = try book()
        // Round 1 leaves the contradiction, round 2 rewrites too much, the paragraph rewrite works.
        let fixer = try fixer { prompt, count in
            switch count {
            case 1: "Mr. Hale looked up, and Marcus's blue eyes were wet with the cold of it all."
            case 2: "Mr. Hale looked up. He looked at the sky and the mill and the river and the fields and the road and the hills beyond them."
            default: "The winter was long and hard. Mr. Hale looked up, and Marcus's grey eyes were wet with the cold of it."
            }
        }
        let result = try await fixer.fix(chapters: try database.latestChapterVersions(bookID: book.id), title: book.title,
                                         store: (database: database, bookID: book.id, runID: RunID?.none))
        #expect(result.attempts.map(\.outcome) == [.violationRemains, .tooLarge, .kept])
        #expect(result.attempts.map(\.round) == [1, 2, 3] && result.attempts.last?.edit.span.scope == .paragraph)
        #expect(try database.continuityFixes(bookID: book.id).map(\.outcome) == ["violationRemains", "tooLarge", "kept"])
        #expect(try database.latestChapterVersions(bookID: book.id)[1].version == 2, "refused fixes store no version")
    }

    @Test func aDryRunStoresNothing() async throws {
        let (database, book) = try book()
        let fixer = try fixer { _, _ in "Mr. Hale looked up, and Marcus's grey eyes were wet with the cold of it." }
        let result = try await fixer.fix(chapters: try database.latestChapterVersions(bookID: book.id), title: book.title, store: nil)
        #expect(result.kept.count == 1 && result.after.isEmpty)
        #expect(try database.latestChapterVersions(bookID: book.id).map(\.version) == [1, 1])
        #expect(try database.continuityFixes(bookID: book.id).isEmpty)
    }
}
