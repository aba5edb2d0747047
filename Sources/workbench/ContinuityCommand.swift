import ArgumentParser
import Continuity
import Engine
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
            subcommands: [Check.self, Fix.self, Facts.self, Graph.self])
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
        @Flag(help: "Ask the provider routed for `judge` (or --provider) whether each flagged pair truly contradicts; a verdict quoting both passages that says no dismisses it.")
        var verify = false
        @OptionGroup var model: ModelOptions
        @Flag(help: "Print the result as JSON on standard output instead of the text.") var json = false

        func run() async throws {
            let database = try workspace.open()
            let book = try database.book(matchingBookOrRun: self.book)
            let factory = ProviderOptions.factory()
            let result: BookContinuity.ModelCheck
            do {
                /// The chain routed for `task` (or --provider), its calls logged against the book.
                func provider(for task: LLMTask) async throws -> any LLMProvider {
                    let (table, _) = try model.table()
                    guard let chain = model.provider.map({ [$0] }) ?? table.routes[task], !chain.isEmpty else {
                        throw task == .extract ? BookContinuityError.noExtractProvider : BookContinuityError.noProvider(task: task.rawValue, bookID: book.id)
                    }
                    var providers: [any LLMProvider] = []
                    for name in chain {
                        providers.append(RecordingProvider(try await factory.provider(for: table.provider(named: name), seed: model.seed ?? 1), store: database,
                                                           context: CallContext(bookID: book.id)))
                    }
                    return FallbackProvider(task: task, chain: providers)
                }
                result = try await BookContinuity.check(book, in: database, extractor: extractor, provider: extractor.usesModel ? try await provider(for: .extract) : nil,
                                                        seed: model.seed ?? 1, verifier: verify ? try await provider(for: .judge) : nil)
            } catch {
                await factory.shutdown()
                throw error
            }
            await factory.shutdown()
            let graph = result.graph, rejected = result.rejected, refused = result.refused
            for refusal in rejected.prefix(5) { Console.error("refused a fact: \(refusal.message)") }
            for refusal in refused { Console.error("refused an extracted fact: \(refusal.message)") }
            for refusal in result.unverified { Console.error("refused a verdict: \(refusal.message)") }
            for (violation, reason) in result.dismissed { Console.error("dismissed by the verifier: \(violation.summary) (\(violation.contradicting.quote.place)): \(reason)") }
            let refusedMessages = extractor.usesModel ? refused.map(\.message) : nil
            Console.output(json ? try ContinuityReport.checkJSON(graph, title: book.title, rejectedFacts: rejected.count, refusedExtractions: refusedMessages,
                                                                 dismissed: verify ? result.dismissed.map { "\($0.violation.summary): \($0.reason)" } : nil)
                                : ContinuityReport.check(graph, title: book.title, rejectedFacts: rejected.count + refused.count)
                                  + (verify ? "\(result.dismissed.count) flagged pair\(result.dismissed.count == 1 ? "" : "s") dismissed by the verifier; \(result.unverified.count) verdict\(result.unverified.count == 1 ? "" : "s") refused\n" : ""))
            if graph.majorViolations > 0 { throw ExitCode(ExitStatus.checkFailed.rawValue) }
        }
    }

    struct Fix: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fix the book's continuity violations with the smallest edits that remove them; exit 1 when a major one remains.",
            discussion: """
                Checks the book, then sends the sentence holding each contradiction to the `enhance` route as a \
                FIX_CONTINUITY operation and checks again: a fix is kept only when the violation is gone, no new one \
                appears, the chapter's quality does not drop by more than 0.25 and at most 2% of its words changed. What a round leaves \
                is tried again; after --rounds rounds the paragraph holding it is rewritten. A kept fix is a new chapter \
                version; every try is logged and the graph of the fixed book is stored. The provider: the book's \
                experiment (its `enhance` route), --experiment, or --provider. With --dry-run the model is asked and \
                every verdict reached, but nothing is stored. \
                Exit codes: 0 no major violation left, 1 major violations left, 2 unknown book or no provider, \
                65 a book with no chapters or a bad experiment, 75 provider unavailable.
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "A book id (or a unique prefix), or a run id for its first book.") var book: String
        @Flag(name: .customLong("dry-run"), help: "Ask for the fixes and judge them, but store nothing.") var dryRun = false
        @Option(help: "Rounds of sentence fixes before a violation's paragraph is rewritten (1–5).") var rounds = 2
        @Option(help: ArgumentHelp("The experiment whose `enhance` route and prompts fix (default: the one the book was generated with).", valueName: "file"))
        var experiment: String?
        @OptionGroup var model: ModelOptions
        @Flag(help: "Print the result as JSON on standard output instead of the text.") var json = false

        func validate() throws {
            guard (1...5).contains(rounds) else { throw ValidationError("--rounds must be 1 to 5") }
        }

        func run() async throws {
            let database = try workspace.open()
            let book = try database.book(matchingBookOrRun: self.book)
            let versions = try database.latestChapterVersions(bookID: book.id)
            guard !versions.isEmpty else { throw BookContinuityError.noChapters(bookID: book.id, title: book.title) }
            var config = try experimentConfig(for: book, in: database)
            if var chosen = config { model.apply(to: &chosen); config = chosen }
            let seed = model.seed ?? config?.seed ?? 1
            let factory = ProviderOptions.factory()
            let result: ContinuityFixer.Result
            if let config {
                result = try await ProviderRouter.run(config: config, needs: [.enhance], factory: factory, store: database) { router in
                    let provider = try await router.provider(for: .enhance, context: CallContext(bookID: book.id))
                    return try await fix(book, versions: versions, config: config, provider: provider, seed: seed, database: database)
                }
            } else {
                let (table, _) = try model.table()
                guard let name = model.provider ?? table.routes[.enhance]?.first else { throw BookContinuityError.noProvider(task: "enhance", bookID: book.id) }
                do {
                    let provider = RecordingProvider(try await factory.provider(for: table.provider(named: name), seed: seed), store: database, context: CallContext(bookID: book.id))
                    result = try await fix(book, versions: versions, config: nil, provider: provider, seed: seed, database: database)
                } catch {
                    await factory.shutdown()
                    throw error
                }
                await factory.shutdown()
            }
            let summary = ContinuityFixSummary(
                bookID: book.id, title: book.title, dryRun: dryRun, wordsBefore: result.wordsBefore, words: result.words,
                before: (result.before.count, result.before.filter { $0.severity == .major }.count),
                after: (result.after.count, result.after.filter { $0.severity == .major }.count),
                resolved: result.resolved, attempts: result.attempts.map { $0.record(bookID: book.id, runID: nil) })
            Console.output(json ? try ContinuityReport.fixJSON(summary) : ContinuityReport.fix(summary))
            if summary.after.major > 0 { throw ExitCode(ExitStatus.checkFailed.rawValue) }
        }

        func fix(_ book: BookRecord, versions: [ChapterVersionRecord], config: ExperimentConfig?, provider: any LLMProvider, seed: UInt64,
                 database: WorkbenchDatabase) async throws -> ContinuityFixer.Result {
            let fixer = try ContinuityFixer.forBook(book, config: config, provider: provider, rounds: rounds, seed: seed)
            let result = try await fixer.fix(chapters: versions, title: book.title, store: dryRun ? nil : (database: database, bookID: book.id, runID: nil))
            if !dryRun { try ContinuityFixer.storeGraph(after: result, of: book, in: database) }
            return result
        }

        /// --experiment, else the configuration the book's run was started with (its experiment
        /// read again, the run's seed and provider put back) when its file is still there; nil for
        /// a book without one (imported), which needs --provider.
        func experimentConfig(for book: BookRecord, in database: WorkbenchDatabase) throws -> ExperimentConfig? {
            if let experiment { return try ExperimentConfig.load(file: experiment) }
            guard let run = try? database.run(matching: book.runID.rawValue) else { return nil }
            do {
                return try ExperimentConfig.resumed(run: run.id.rawValue, fromRunJSON: run.configJSON, allowChanged: true)
            } catch EngineError.unresumable {
                return nil
            }
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

extension ExtractorChoice: ExpressibleByArgument {}
