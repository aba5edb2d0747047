import ArgumentParser
import Continuity
import Foundation
import LLM
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
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the book's kept chapters, check them and store the graph; exit 1 when a major violation is found.",
            discussion: """
                Each violation is printed with its type, severity, both quotes with chapter, paragraph and line, and \
                a suggested fix; the last line gives violations per 10,000 words. Checking again replaces the stored graph. \
                --extractor model (or both) asks the provider routed for `extract` (or --provider) for each chapter's facts; \
                every answer item that is refused is printed on standard error with its reason and never stored. \
                Exit codes: 0 no major violation, 1 major violations, 2 unknown book, 65 a book with no chapters.
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "A book id (or a unique prefix), or a run id for its first book.") var book: String
        @Option(help: "Where facts come from: pattern (the deterministic extractor), model (the extract route) or both.") var extractor: ExtractorChoice = .pattern
        @OptionGroup var model: ModelOptions
        @Flag(help: "Print the result as JSON on standard output instead of the text.") var json = false

        func run() async throws {
            let database = try workspace.open()
            let book = try database.book(matchingBookOrRun: self.book)
            let factory = ProviderOptions.factory()
            let result: (graph: ContinuityGraphRecord, rejected: [ContinuityError], refused: [ExtractionRejection])
            do {
                var provider: (any LLMProvider)?
                if extractor.usesModel {
                    let (table, _) = try model.table()
                    guard let chain = model.provider.map({ [$0] }) ?? table.routes[.extract], !chain.isEmpty else { throw BookContinuityError.noExtractProvider }
                    var providers: [any LLMProvider] = []
                    for name in chain {
                        providers.append(RecordingProvider(try await factory.provider(for: table.provider(named: name), seed: model.seed ?? 1), store: database,
                                                           context: CallContext(bookID: book.id)))
                    }
                    provider = FallbackProvider(task: .extract, chain: providers)
                }
                result = try await BookContinuity.check(book, in: database, extractor: extractor, provider: provider, seed: model.seed ?? 1)
            } catch {
                await factory.shutdown()
                throw error
            }
            await factory.shutdown()
            let (graph, rejected, refused) = result
            for refusal in rejected.prefix(5) { Console.error("refused a fact: \(refusal.message)") }
            for refusal in refused { Console.error("refused an extracted fact: \(refusal.message)") }
            let refusedMessages = extractor.usesModel ? refused.map(\.message) : nil
            Console.output(json ? try ContinuityReport.checkJSON(graph, title: book.title, rejectedFacts: rejected.count, refusedExtractions: refusedMessages)
                                : ContinuityReport.check(graph, title: book.title, rejectedFacts: rejected.count + refused.count))
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
            abstract: "The stored graph: entities, aliases, facts and violations as JSON, or as Graphviz DOT.")

        enum Format: String, CaseIterable, ExpressibleByArgument { case json, dot }

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "A book id (or a unique prefix), or a run id for its first book.") var book: String
        @Option(help: "json, or dot for Graphviz (`dot -Tsvg`).") var format: Format = .json

        func run() throws {
            let database = try workspace.open()
            let book = try database.book(matchingBookOrRun: self.book)
            let (graph, stale) = try BookContinuity.graph(of: book, in: database)
            warnIfStale(stale, book: book)
            Console.output(format == .json ? try ContinuityReport.graphJSON(graph) : ContinuityReport.graphDOT(graph))
        }
    }
}

/// A graph read from older chapter versions still shows, with a word on standard error.
private func warnIfStale(_ chapters: [Int], book: BookRecord) {
    guard !chapters.isEmpty else { return }
    Console.error("note: chapter\(chapters.count == 1 ? "" : "s") \(chapters.map(String.init).joined(separator: ", ")) changed since the last check; `workbench continuity check \(book.id)` brings the graph up to date")
}

extension ExtractorChoice: ExpressibleByArgument {}
