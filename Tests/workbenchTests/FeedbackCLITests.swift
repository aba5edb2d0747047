import Foundation
import Testing

/// `workbench feedback` and `workbench train preferences` as processes, on the chapters a
/// regression run against the simulator baseline leaves in a workspace.
@Suite("feedback and train preferences commands")
struct FeedbackCLITests {
    static func workspace() throws -> (Scratch, [String]) {
        let scratch = try Scratch()
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let baselines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Baselines").standardized.path
        #expect(try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", baselines], in: scratch.url, timeout: 120).status == 0)
        let books = try JSONSerialization.jsonObject(with: Data(try CLI.run(["books", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]] ?? []
        return (scratch, books.compactMap { $0["id"] as? String }.sorted())
    }

    @Test func ratingsAndPreferencesAreStoredAndLearned() throws {
        let (scratch, books) = try Self.workspace()
        defer { scratch.delete() }
        #expect(books.count == 10)
        let add = try CLI.run(["feedback", "add", "--chapter", "\(books[0]):1", "--rating", "4.5", "--likes", "127"], in: scratch.url)
        #expect(add.status == 0 && add.stdout.contains("recorded for \(books[0]) chapter 1"), "\(add.stderr)")
        #expect(try CLI.run(["feedback", "add", "--chapter", "\(books[0]):9", "--rating", "3"], in: scratch.url).status == 2)
        #expect(try CLI.run(["feedback", "add", "--chapter", "\(books[0]):1", "--rating", "6"], in: scratch.url).status == 2)

        // Ratings for every chapter (higher for the earlier books), and preferences that agree.
        var csv = "chapter,rating,likes\n"
        for (index, book) in books.enumerated() { for chapter in 1...3 { csv += "\(book):\(chapter),\(Double(10 - index) / 2),\(index * 3)\n" } }
        try Data(csv.utf8).write(to: scratch.url.appendingPathComponent("ratings.csv"))
        let ratings = try CLI.run(["feedback", "import", "ratings.csv"], in: scratch.url)
        #expect(ratings.status == 0 && ratings.stdout.contains("imported 30 ratings"), "\(ratings.stderr)")
        var pairs = "preferred,other\n"
        for index in 0..<9 { for _ in 0..<3 { pairs += "\(books[index]):1,\(books[index + 1]):1\n" } }
        pairs += "\(books[9]):1,\(books[0]):1\n"
        try Data(pairs.utf8).write(to: scratch.url.appendingPathComponent("pairs.csv"))
        #expect(try CLI.run(["feedback", "import", "pairs.csv"], in: scratch.url).stdout.contains("imported 28 preferences"))

        // A bad row stores nothing and is named.
        try Data("chapter,rating,likes\n\(books[1]):1,4,\n\(books[1]):2,nine,\n".utf8).write(to: scratch.url.appendingPathComponent("bad.csv"))
        let bad = try CLI.run(["feedback", "import", "bad.csv"], in: scratch.url)
        #expect(bad.status == 65 && bad.stderr.contains("bad.csv:3: rating `nine`"), "\(bad.stderr)")
        let list = try CLI.run(["feedback", "list", "--json"], in: scratch.url)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        #expect((summary["chapters"] as? [Any])?.count == 30 && summary["preferences"] as? Int == 28, "\(list.stdout)")

        let train = try CLI.run(["train", "preferences", "--resamples", "50", "--json", "--out", "reader.json"], in: scratch.url)
        #expect(train.status == 0, "\(train.stderr)")
        let trained = try #require(try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any])
        #expect((trained["ratings"] as? [String: Any])?["chapters"] as? Int == 30)
        let board = try #require((trained["preferences"] as? [String: Any])?["leaderboard"] as? [[String: Any]])
        #expect(board.count == 10 && board.first?["chapter"] as? String == "\(books[0]):1" && board.last?["chapter"] as? String == "\(books[9]):1", "\(board.map { $0["chapter"] ?? "" })")
        #expect(FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("reader.json").path))

        // The reader score beside the quality score in the book report.
        let report = try CLI.run(["report", books[0], "--reader-model", "reader.json", "--format", "json"], in: scratch.url)
        #expect(report.status == 0, "\(report.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        #expect((document["chapters"] as? [[String: Any]])?.allSatisfy { $0["reader"] is Double } == true)
        #expect((document["reader_model"] as? String)?.hasPrefix("reader.rating from reader.json") == true)
        let terminal = try CLI.run(["report", books[0], "--reader-model", "reader.json"], in: scratch.url)
        #expect(terminal.stdout.contains("Predicted reader score") && terminal.stdout.contains("reader "), "\(terminal.stdout)")
        #expect(try CLI.run(["report", books[0], "--reader-model", "nope.json"], in: scratch.url).status == 65)
    }

    @Test func nothingToLearnFromIsSaid() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let empty = try CLI.run(["train", "preferences"], in: scratch.url)
        #expect(empty.status == 65 && empty.stderr.contains("no reader feedback yet"), "\(empty.stderr)")
        try Data("who,what\n".utf8).write(to: scratch.url.appendingPathComponent("x.csv"))
        let header = try CLI.run(["feedback", "import", "x.csv"], in: scratch.url)
        #expect(header.status == 65 && header.stderr.contains("x.csv:1: the header must be"), "\(header.stderr)")
    }
}
