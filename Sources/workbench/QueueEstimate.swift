import ArgumentParser
import Engine
import Foundation
import LLM
import Queue
import Reports
import Store
import WorkbenchCore

extension Workbench.QueueCommand {
    struct Estimate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How long a batch takes and what it costs on each provider, naming the limit that binds.",
            discussion: """
                A book's requests and tokens come from this workspace's finished books (requests per chapter, tokens per \
                word, scaled to the book asked for), or, with none, from the experiment's call pattern. Each provider's \
                pace is the tightest of: its requests and tokens per minute (the provider table), its concurrent calls at \
                the speed measured in this workspace's call log, and the --rate-limit/--token-limit you would process with. \
                Cost is from the table's prices. The roadmap's targets (100 books a day, under $0.15 a book) are checked.
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Option(help: "Books in the batch (default: the queue's pending and running jobs, else 100).") var books: Int?
        @Option(help: ArgumentHelp("A provider of the table to plan for (repeatable; default: the experiment's generate route).", valueName: "name"))
        var provider: [String] = []
        @Option(help: ArgumentHelp("The experiment the books are written under.", valueName: "file")) var experiment = "Experiments/sim.yaml"
        @Option(help: "Chapters per book (default: the experiment's).") var chapters: Int?
        @Option(help: "Words per chapter (default: the experiment's).") var words: Int?
        @Option(help: "Books written at once (as `queue process --parallel`).") var parallel = 3
        @OptionGroup var limits: GlobalLimitOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func validate() throws {
            if let books, !(1...1_000_000).contains(books) { throw ValidationError("--books must be 1 to 1000000 (got \(books))") }
            if let chapters, !(1...200).contains(chapters) { throw ValidationError("--chapters must be 1 to 200 (got \(chapters))") }
            if let words, !(50...20_000).contains(words) { throw ValidationError("--words must be 50 to 20000 (got \(words))") }
            guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be 1 to 64 (got \(parallel))") }
        }

        func run() throws {
            let database = try workspace.openForReading()
            var config = try ExperimentConfig.load(file: experiment)
            if let chapters { config.chapters = chapters }
            if let words { config.wordsPerChapter = words }
            let table = try config.providerTable()
            let names = provider.isEmpty ? try ProviderRoutes(config: config, needs: [.generate]).chains[.generate] ?? [] : provider
            let providers = try names.map { name -> ProviderConfig in
                do { return try table.provider(named: name) } catch {
                    throw ValidationError("--provider \(name): no such provider (the table has \(table.providers.map(\.name).joined(separator: ", ")))")
                }
            }
            let queued = try SQLiteJobQueue(database: database).jobs(status: [.pending, .running]).count
            let count = books ?? (queued > 0 ? queued : 100)
            let demand = BookDemand.history(try database.bookDemandHistory(), experiment: ExperimentConfig.absolute(config.file),
                                            chapters: config.chapters, words: config.wordsPerChapter) ?? BookDemand.pattern(config)
            let speeds = try database.providerSpeeds()
            let estimates = providers.map {
                CapacityEstimate.plan(books: count, wordsPerBook: config.chapters * config.wordsPerChapter, demand: demand, provider: $0,
                                      speed: speeds[$0.name], inFlight: parallel * config.concurrency, requestLimit: limits.requests, tokenLimit: limits.tokens)
            }
            if json { return Console.output(try JSONOutput.render(estimates.map(Self.object))) }
            var lines = ["\(count) book\(count == 1 ? "" : "s") of \(config.chapters) × \(config.wordsPerChapter) words under \(config.file)",
                         "a book: \(Int(demand.requests.rounded())) requests, \(Int(demand.promptTokens.rounded())) prompt + \(Int(demand.completionTokens.rounded())) completion tokens (from \(demand.basis))",
                         ""]
            var rows = TextTable(columns: [.init("PROVIDER"), .init("$/BOOK", .right), .init("BOOKS/HOUR", .right), .init("BATCH", .right),
                                            .init("BINDING"), .init("100/DAY"), .init("<$0.15/BOOK")])
            for estimate in estimates {
                rows.append([estimate.provider, String(format: "%.4f", estimate.costPerBookUSD), estimate.booksPerHour.map { String(format: "%.1f", $0) } ?? "–",
                              estimate.hours.map(CapacityEstimate.duration) ?? "–", estimate.binding?.kind.rawValue ?? "nothing known",
                              estimate.meetsBooksPerDay.map { $0 ? "yes" : "no" } ?? "?", estimate.meetsCostPerBook ? "yes" : "no"])
            }
            lines.append(rows.render())
            for estimate in estimates {
                lines.append(estimate.sentence)
                lines += estimate.unknowns.map { "  note: " + $0 }
            }
            Console.output(lines.joined(separator: "\n") + "\n")
        }

        static func object(_ estimate: CapacityEstimate) -> [String: Any] {
            ["provider": estimate.provider, "books": estimate.books, "words_per_book": estimate.wordsPerBook,
             "demand": ["requests": estimate.demand.requests, "prompt_tokens": estimate.demand.promptTokens,
                        "completion_tokens": estimate.demand.completionTokens, "basis": estimate.demand.basis] as [String: Any],
             "cost_per_book_usd": estimate.costPerBookUSD, "total_cost_usd": estimate.totalCostUSD,
             "books_per_hour": estimate.booksPerHour ?? NSNull(), "hours": estimate.hours ?? NSNull(),
             "binding": estimate.binding.map { ["kind": $0.kind.rawValue, "description": $0.description] as [String: Any] } ?? NSNull(),
             "constraints": estimate.constraints.map { ["kind": $0.kind.rawValue, "books_per_hour": $0.booksPerHour, "description": $0.description] as [String: Any] },
             "meets_100_books_per_day": estimate.meetsBooksPerDay ?? NSNull(), "meets_015_per_book": estimate.meetsCostPerBook,
             "unknowns": estimate.unknowns, "summary": estimate.sentence]
        }
    }
}
