import ArgumentParser
import Continuity
import Foundation
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct ContinuityCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "continuity",
            abstract: "Find contradictions across a book's chapters, and show the facts and graph they rest on.",
            discussion: "BOOK is a book id (or a unique prefix), or a run id whose first book is meant.",
            subcommands: [Check.self, Facts.self, Graph.self])
    }
}

extension Workbench.ContinuityCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the book's kept chapters, check them and store the graph; exit 1 when a major violation is found.",
            discussion: """
                Each violation is printed with its type, severity, both quotes with chapter, paragraph and line, and \
                a suggested fix; the last line gives violations per 10,000 words. Checking again replaces the stored graph. \
                Exit codes: 0 no major violation, 1 major violations, 2 unknown book, 65 a book with no chapters.
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "A book id (or a unique prefix), or a run id for its first book.") var book: String
        @Flag(help: "Print the result as JSON on standard output instead of the text.") var json = false

        func run() throws {
            let database = try workspace.open()
            let book = try database.book(matchingBookOrRun: self.book)
            let (graph, rejected) = try BookContinuity.check(book, in: database)
            for refusal in rejected.prefix(5) { Console.error("refused a fact: \(refusal.message)") }
            Console.output(json ? try ContinuityReport.checkJSON(graph, title: book.title, rejectedFacts: rejected.count)
                                : ContinuityReport.check(graph, title: book.title, rejectedFacts: rejected.count))
            if graph.majorViolations > 0 { throw ExitCode(ExitStatus.checkFailed.rawValue) }
        }
    }

    struct Facts: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The facts the last check stored about one entity, by any of its names, in story order with their quotes.")

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "A book id (or a unique prefix), or a run id for its first book.") var book: String
        @Option(help: ArgumentHelp("The entity's name or any alias (\"Marcus\", \"Mr Hale\", \"brass key\").", valueName: "name")) var entity: String
        @Flag(help: "Print the facts as JSON on standard output instead of the table.") var json = false

        func run() throws {
            let database = try workspace.open()
            let book = try database.book(matchingBookOrRun: self.book)
            let (graph, stale) = try BookContinuity.graph(of: book, in: database)
            warnIfStale(stale, book: book)
            let (found, facts) = try BookContinuity.facts(about: entity, of: book, in: database)
            Console.output(json ? try ContinuityReport.factsJSON(facts, about: found, in: graph) : ContinuityReport.facts(facts, about: found, in: graph))
        }
    }

    struct Graph: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The stored graph: entities, aliases, facts and violations as JSON, Graphviz DOT or one HTML page.",
            discussion: """
                html is one self-contained page (no scripts, nothing fetched): the violations with both quotes, \
                places and fixes, the entities, and every fact chapter by chapter with the facts a violation rests \
                on highlighted. A graph read from chapter versions that have changed since is still shown, with a note.
                """)

        enum Format: String, CaseIterable, ExpressibleByArgument { case json, dot, html }

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "A book id (or a unique prefix), or a run id for its first book.") var book: String
        @Option(help: "json, dot for Graphviz (`dot -Tsvg`), or html.") var format: Format = .json
        @Option(help: ArgumentHelp("Write the graph to this file instead of standard output.", valueName: "path")) var out: String?

        func run() throws {
            let database = try workspace.open()
            let book = try database.book(matchingBookOrRun: self.book)
            let (graph, stale) = try BookContinuity.graph(of: book, in: database)
            warnIfStale(stale, book: book)
            let text: String
            switch format {
            case .json: text = try ContinuityReport.graphJSON(graph)
            case .dot: text = ContinuityReport.graphDOT(graph)
            case .html: text = ContinuityHTML.render(graph, title: book.title, staleChapters: stale)
            }
            try Console.deliver(text, to: out)
        }
    }
}

/// A graph read from older chapter versions still shows, with a word on standard error.
private func warnIfStale(_ chapters: [Int], book: BookRecord) {
    guard !chapters.isEmpty else { return }
    Console.error("note: chapter\(chapters.count == 1 ? "" : "s") \(chapters.map(String.init).joined(separator: ", ")) changed since the last check; `workbench continuity check \(book.id)` brings the graph up to date")
}
