import ArgumentParser
import Engine
import Foundation
import Learning
import Quality
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct Books: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Books in the workspace: list them, or import a manuscript's chapters to analyse and report on.",
            subcommands: [List.self, Show.self, Export.self, Import.self],
            defaultSubcommand: List.self
        )
    }
}

extension Workbench.Books {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List books, newest first.")
        @OptionGroup var workspace: WorkspaceOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() throws {
            let books = try workspace.openForReading().books()
            if json {
                try Console.output(JSONOutput.render(books.map { ["id": $0.id, "run": $0.runID.rawValue, "title": $0.title, "chapters": $0.chapterCount, "status": $0.status] as [String: Any] }))
                return
            }
            if books.isEmpty { return Console.output("No books yet. `workbench books import --title T FILE...` adds a manuscript.\n") }
            var table = TextTable(columns: [.init("ID"), .init("TITLE"), .init("CHAPTERS", .right), .init("STATUS"), .init("UPDATED (UTC)")])
            for book in books {
                table.append([book.id, book.title, String(book.chapterCount), book.status, CivilTime(secondsSince1970: book.updatedAt.timeIntervalSince1970).shortDisplay])
            }
            Console.output(table.render())
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A book: its outline and, per chapter, versions, the kept one, words and quality.")
        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The book id (or a unique prefix).") var id: String

        func run() throws {
            let database = try workspace.openForReading()
            let book = try database.book(matching: id)
            let outline = book.outlineJSON.flatMap { try? JSONDecoder().decode(Outline.self, from: Data($0.utf8)) }
            var lines = ["\(book.title)  (book \(book.id), run \(book.runID), \(book.status))"]
            if let outline {
                lines.append("logline:   \(outline.logline)")
                lines.append("obsession: \(outline.obsession)")
                lines.append("setting:   \(outline.setting)")
                lines.append("cast:      \(outline.characters.map(\.name).joined(separator: ", "))")
            }
            let kept = try database.latestChapterVersions(bookID: book.id)
            let scores = try database.scores(versionIDs: kept.compactMap(\.id))
            var table = TextTable(columns: [.init("CHAPTER", .right), .init("TITLE"), .init("VERSIONS", .right), .init("KEPT", .right), .init("WORDS", .right), .init("QUALITY", .right)])
            for version in kept {
                let all = try database.chapterVersions(bookID: book.id, chapter: version.chapter)
                let quality = scores[version.id ?? -1]?[QualityAnalyzer.scorer]?["quality"]
                table.append([String(version.chapter), outline?.chapters.first { $0.number == version.chapter }?.title ?? "", String(all.count),
                              "v\(version.version)", String(version.wordCount), quality.map { String(format: "%.2f", $0) } ?? "-"])
            }
            Console.output(lines.joined(separator: "\n") + "\n\n" + table.render())
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The manuscript: each chapter's kept version, as Markdown.")
        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The book id (or a unique prefix).") var id: String
        @Option(help: "markdown (or md): the one format so far.") var format: ReportFormat = .markdown
        @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "path")) var out: String?

        func validate() throws {
            guard format == .markdown else { throw ValidationError("--format markdown is the one manuscript format so far (EPUB is not built yet)") }
        }

        func run() throws {
            let database = try workspace.openForReading()
            let book = try database.book(matching: id)
            try Console.deliver(Manuscript.markdown(of: book, chapters: try database.latestChapterVersions(bookID: book.id)), to: out)
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import chapter files (in order) as a book, scoring each with the heuristic metrics.",
            discussion: "Records an `import` run. Each file becomes chapter 1, 2, … (version 1, origin `import`).")

        @OptionGroup var workspace: WorkspaceOptions

        @Option(help: "The book's title.")
        var title: String

        @Option(help: "Target words per chapter (adds word_count_accuracy).")
        var targetWords: Int?

        @Option(help: "The book's central obsession (adds obsession_depth).")
        var obsession: String?

        @Argument(help: "Chapter files, in order.")
        var files: [String]

        func validate() throws {
            guard !title.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--title must not be empty") }
            if let targetWords, targetWords < 1 { throw ValidationError("--target-words must be at least 1") }
        }

        func run() throws {
            // Read and check every file before writing anything.
            let texts = try files.map { try Workbench.Analyze.read($0) }
            let database = try workspace.open()
            let config: [String: Any] = ["title": title, "files": files, "target_words": targetWords ?? NSNull(), "obsession": obsession ?? NSNull()]
            let configJSON = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
            let run = try database.startRun(kind: RunKind(rawValue: "import"), configJSON: configJSON, gitRevision: nil)
            let book = try database.createBook(runID: run.id, title: title, chapterCount: texts.count)
            let context = AnalysisContext(targetWords: targetWords, obsession: obsession)
            for (index, text) in texts.enumerated() {
                let report = QualityAnalyzer.analyze(text, context: context)
                try database.addChapterVersion(bookID: book.id, chapter: index + 1, text: text, wordCount: Int(report["word_count"] ?? 0),
                                               origin: "import", scores: report.scoreRows)
            }
            try database.setBookStatus(book.id, "imported")
            try database.finishRun(run.id, status: .succeeded)
            Console.output("imported \(texts.count) chapters as book \(book.id) (run \(run.id))\n")
        }
    }
}

extension Workbench {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The book quality report: overall against target, chapters, consistency, weak areas, recommendations.",
            discussion: "BOOK is a book id (or a unique prefix), or a run id whose first book is reported.")

        @OptionGroup var workspace: WorkspaceOptions

        @Argument(help: "A book or run id.")
        var id: String

        @Option(help: "terminal, markdown (or md), html or json.")
        var format: ReportFormat = .terminal

        @Option(help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "path"))
        var out: String?

        @Option(help: "The composite quality target (default: the one the book was generated with, else 8.0).")
        var target: Double?

        @Option(name: .customLong("reader-model"), help: ArgumentHelp("A model from `train preferences` (or `train predictor`): its predictions are shown as each chapter's reader score.", valueName: "model"))
        var readerModel: String?

        func validate() throws {
            if let target, !(0...10).contains(target) { throw ValidationError("--target must be between 0 and 10") }
        }

        func run() throws {
            let database = try workspace.openForReading()
            let book: BookRecord
            if let run = try? database.run(matching: id), let first = try database.books().filter({ $0.runID == run.id }).sorted(by: { $0.id < $1.id }).first {
                book = first
            } else {
                book = try database.book(matching: id)
            }
            // The targets the book was generated with, each chapter's own among them.
            var (targets, requirements) = try BookReport.recordedTargets(of: book, in: database)
            if let target { targets.quality = target }
            var report = try BookReport.load(book, from: database, targets: targets, chapterRequirements: requirements)
            if let readerModel {
                let model = try QualityPredictor.load(from: readerModel)
                let versions = try database.latestChapterVersions(bookID: book.id)
                let predictions = try model.predict(versions.map(\.text))
                let byChapter = Dictionary(uniqueKeysWithValues: zip(versions.map(\.chapter), predictions))
                for index in report.chapters.indices { report.chapters[index].reader = byChapter[report.chapters[index].number] }
                report.readerModel = "\(model.target) from \((readerModel as NSString).lastPathComponent)"
            }
            let format = self.format.as(BookReportRenderer.Format.self)
            try Console.deliver(BookReportRenderer.render(report, as: format, style: out == nil ? Console.style : .plain), to: out)
        }
    }
}
