import ArgumentParser
import Foundation
import Learning
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct Feedback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record what readers said of chapters: ratings, likes and pairwise preferences.",
            discussion: "A chapter is BOOK:N (a book id or unique prefix, and a chapter number: its kept version) or a chapter version id.",
            subcommands: [Add.self, Prefer.self, Import.self, List.self])
    }
}

extension Workbench.Feedback {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a rating (0–5 stars) and/or likes for a chapter.")
        @OptionGroup var workspace: WorkspaceOptions
        @Option(help: ArgumentHelp("BOOK:N or a chapter version id.", valueName: "chapter")) var chapter: String
        @Option(help: "Stars, 0 to 5.") var rating: Double?
        @Option(help: "Likes, 0 to 1,000,000,000.") var likes: Int?
        @Option(help: "Where the feedback came from.") var source: String = "cli"

        func validate() throws {
            guard rating != nil || likes != nil else { throw ValidationError("give --rating, --likes or both") }
            if let rating, !(0...5).contains(rating) { throw ValidationError("--rating must be between 0 and 5 (got \(rating))") }
            if let likes, !(0...WorkbenchDatabase.maximumLikes).contains(likes) {
                throw ValidationError("--likes must be a whole number from 0 to \(WorkbenchDatabase.maximumLikes) (got \(likes))")
            }
        }

        func run() throws {
            let database = try workspace.open()
            let version = try database.chapterVersion(named: chapter)
            try database.addFeedback(versionID: version.id!, rating: rating, likes: likes, source: source)
            Console.output("recorded for \(version.bookID) chapter \(version.chapter) v\(version.version)\n")
        }
    }

    struct Prefer: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that a reader preferred one chapter to another.")
        @OptionGroup var workspace: WorkspaceOptions
        @Option(help: ArgumentHelp("The preferred chapter: BOOK:N or a version id.", valueName: "chapter")) var chapter: String
        @Option(help: ArgumentHelp("The other chapter.", valueName: "chapter")) var over: String
        @Option(help: "Where the preference came from.") var source: String = "cli"

        func run() throws {
            let database = try workspace.open()
            let (a, b) = (try database.chapterVersion(named: chapter), try database.chapterVersion(named: over))
            guard a.id != b.id else { throw ValidationError("a chapter cannot be preferred to itself") }
            try database.addPreference(preferred: a.id!, over: b.id!, source: source)
            Console.output("recorded: \(a.bookID):\(a.chapter) over \(b.bookID):\(b.chapter)\n")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import feedback from CSV: a header `chapter,rating,likes` (either value may be empty) or `preferred,other`.",
            discussion: "Every row is checked before any is stored: a bad row stores nothing and is named file:line.")
        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: ArgumentHelp("The CSV file.", valueName: "file.csv")) var file: String

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw LearningError.invalidData(source: file, problem: "missing, unreadable or not UTF-8")
            }
            let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
            guard let header = lines.first else { throw LearningError.invalidData(source: file, problem: "empty") }
            let database = try workspace.open()
            let source = "import:" + (file as NSString).lastPathComponent
            if header == ["preferred", "other"] {
                var pairs: [(Int64, Int64)] = []
                for (index, row) in lines.dropFirst().enumerated() {
                    let place = "\(file):\(index + 2)"
                    guard row.count == 2 else { throw LearningError.invalidData(source: place, problem: "2 columns expected, got \(row.count)") }
                    let a = try Self.version(row[0], place, database), b = try Self.version(row[1], place, database)
                    guard a != b else { throw LearningError.invalidData(source: place, problem: "a chapter is compared with itself") }
                    pairs.append((a, b))
                }
                for (a, b) in pairs { try database.addPreference(preferred: a, over: b, source: source) }
                return Console.output("imported \(pairs.count) preferences from \(file)\n")
            }
            guard header == ["chapter", "rating", "likes"] else {
                throw LearningError.invalidData(source: "\(file):1", problem: "the header must be `chapter,rating,likes` or `preferred,other`, got `\(header.joined(separator: ","))`")
            }
            var rows: [(Int64, Double?, Int?)] = []
            for (index, row) in lines.dropFirst().enumerated() {
                let place = "\(file):\(index + 2)"
                guard row.count == 3 else { throw LearningError.invalidData(source: place, problem: "3 columns expected, got \(row.count)") }
                let rating = row[1].isEmpty ? nil : Double(row[1]), likes = row[2].isEmpty ? nil : Int(row[2])
                if !row[1].isEmpty, !(rating.map { (0...5).contains($0) } ?? false) { throw LearningError.invalidData(source: place, problem: "rating `\(row[1])` is not a number from 0 to 5") }
                if !row[2].isEmpty, !(likes.map { (0...WorkbenchDatabase.maximumLikes).contains($0) } ?? false) {
                    throw LearningError.invalidData(source: place, problem: "likes `\(row[2])` is not a whole number from 0 to \(WorkbenchDatabase.maximumLikes)")
                }
                guard rating != nil || likes != nil else { throw LearningError.invalidData(source: place, problem: "neither a rating nor likes") }
                rows.append((try Self.version(row[0], place, database), rating, likes))
            }
            for (version, rating, likes) in rows { try database.addFeedback(versionID: version, rating: rating, likes: likes, source: source) }
            Console.output("imported \(rows.count) ratings from \(file)\n")
        }

        static func version(_ reference: String, _ place: String, _ database: WorkbenchDatabase) throws -> Int64 {
            do {
                return try database.chapterVersion(named: reference).id!
            } catch let error as StoreError {
                throw LearningError.invalidData(source: place, problem: error.message)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Summarise the feedback: per chapter version, ratings, mean and likes; the number of preferences.")
        @OptionGroup var workspace: WorkspaceOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let database = try workspace.openForReading()
            let summaries = try database.feedbackSummaries(), preferences = try database.preferences()
            let versions = try database.chapterVersions(ids: summaries.map(\.versionID))
            func chapter(_ summary: FeedbackSummary) -> String { versions[summary.versionID].map { "\($0.bookID):\($0.chapter)" } ?? "?" }
            if json {
                let rows: [[String: Any]] = summaries.map {
                    ["version_id": $0.versionID, "chapter": chapter($0), "ratings": $0.ratings, "mean_rating": $0.meanRating ?? Double.nan, "likes": $0.likes ?? 0]
                }
                return Console.output(JSONOutput.renderWithNulls(["chapters": rows, "preferences": preferences.count] as [String: Any]))
            }
            var table = TextTable(columns: [.init("chapter"), .init("version", .right), .init("ratings", .right), .init("mean", .right), .init("likes", .right)])
            for summary in summaries {
                table.append([chapter(summary), "\(summary.versionID)", "\(summary.ratings)", summary.meanRating.map { String(format: "%.2f", $0) } ?? "–", "\(summary.likes ?? 0)"])
            }
            Console.output((summaries.isEmpty ? "no ratings yet\n" : table.render()) + "\(preferences.count) pairwise preference\(preferences.count == 1 ? "" : "s")\n")
        }
    }
}
