import ArgumentParser
import Foundation
import Judge
import LLM
import Quality
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct JudgeChapter: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "judge",
            abstract: "Score a chapter with LLM judges, beside the heuristic metrics, or compare two versions.",
            discussion: """
                Each dimension is scored 1–10 by every judge, --samples times each (seeded), and the \
                judges' means are averaged. The table shows the heuristic score of the same dimension \
                and flags a disagreement of 2 points or more. With --against, the two texts are compared \
                pairwise per dimension, their order drawn at random per sample against position bias; \
                with --both-orders every sample is asked A-first and B-first, a sample whose two answers \
                disagree counts as a tie, and ORDER FLIPS says how many did.
                """
        )

        @OptionGroup var model: ModelOptions
        @OptionGroup var workspace: WorkspaceOptions

        @Argument(help: "The chapter to judge (- for standard input); omit with --book.")
        var file: String?

        @Option(help: ArgumentHelp("Judge the newest version of every chapter of a stored book, and store the scores.", valueName: "book"))
        var book: String?

        @Option(help: ArgumentHelp("A second version to compare FILE with.", valueName: "file"))
        var against: String?

        @Option(help: "Judges: provider names, comma-separated (--provider NAME is one judge, NAME).")
        var judges: String = "sim"

        @Option(help: "Dimensions to judge, comma-separated (a rubric each).")
        var dimensions: String = "detail,emotion,voice,overall"

        @Option(help: "Samples per judge and dimension.")
        var samples: Int = 3

        @Option(help: "The book's central obsession (for the obsession rubric and metric).")
        var obsession: String?

        @Option(help: ArgumentHelp("The rubric folder.", valueName: "dir"))
        var rubrics: String = Rubrics.defaultFolder

        @Flag(help: "With --against: ask every sample in both orders; answers that disagree are a tie.")
        var bothOrders = false

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func validate() throws {
            guard (1...50).contains(samples) else { throw ValidationError("--samples must be 1…50") }
            guard !judges.split(separator: ",").isEmpty else { throw ValidationError("--judges needs at least one provider") }
            guard (file == nil) != (book == nil) else { throw ValidationError("give a FILE or --book BOOK, not both or neither") }
            if book != nil, against != nil { throw ValidationError("--against compares two files; it does not apply to --book") }
            if bothOrders, against == nil { throw ValidationError("--both-orders applies to --against (a pairwise comparison)") }
        }

        func run() async throws {
            let text = try file.map { try Workbench.Analyze.read($0) } ?? ""
            let other = try against.map { try Workbench.Analyze.read($0) }
            let loaded = try Rubrics.load(folder: rubrics)
            let wanted = dimensions.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for dimension in wanted where loaded.dimensions[dimension] == nil {
                throw JudgeError.unknownDimension(dimension, known: Array(loaded.dimensions.keys))
            }
            let (table, _) = try model.table()
            let factory = ProviderOptions.factory()
            let database = try? workspace.open()
            do {
                var panel: [any LLMProvider] = []
                for name in model.provider.map({ [$0] }) ?? judges.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    let resilient = try await factory.provider(for: table.provider(named: name))
                    panel.append(database.map { RecordingProvider(resilient, store: $0) } ?? resilient)
                }
                let judge = Judge(judges: panel, rubrics: loaded, samples: samples, seed: model.seed ?? 1)
                if let book, let database {
                    try await judgeBook(book, judge: judge, dimensions: wanted, database: database)
                } else if book != nil {
                    throw StoreError.workspaceNotFound(searchedFrom: workspace.currentDirectory.path)
                } else if let other {
                    var verdicts: [PairwiseVerdict] = []
                    for dimension in wanted { verdicts.append(try await judge.compare(text, other, dimension: dimension, bothOrders: bothOrders)) }
                    try Console.output(json ? JSONOutput.render(verdicts.map(Self.object)) : Self.pairTable(verdicts, a: file ?? "", b: against ?? ""))
                } else {
                    let heuristic = QualityAnalyzer.analyze(text, context: AnalysisContext(obsession: obsession))
                    var verdicts: [JudgeVerdict] = []
                    for dimension in wanted { verdicts.append(try await judge.score(text, dimension: dimension, obsession: obsession)) }
                    try Console.output(json ? JSONOutput.render(verdicts.map { Self.object($0, heuristic: heuristic) }) : Self.scoreTable(verdicts, heuristic: heuristic))
                }
            } catch {
                await factory.shutdown()
                throw error
            }
            await factory.shutdown()
        }

        /// Scores the newest version of each chapter and stores the verdicts under the judge's scorer name.
        func judgeBook(_ id: String, judge: Judge, dimensions: [String], database: WorkbenchDatabase) async throws {
            let record = try database.book(matching: id)
            let versions = try database.latestChapterVersions(bookID: record.id)
            var table = TextTable(columns: [.init("CHAPTER", .right)] + dimensions.map { .init($0.uppercased(), .right) })
            for version in versions {
                var row = [String(version.chapter)]
                var scores: [(scorer: String, metric: String, value: Double)] = []
                for dimension in dimensions {
                    let verdict = try await judge.score(version.text, dimension: dimension, obsession: obsession)
                    scores.append((verdict.scorer, dimension, verdict.score))
                    row.append(String(format: "%.2f", verdict.score))
                }
                try database.addScores(versionID: version.id!, scores)
                table.append(row)
            }
            Console.output("scorer \(judge.scorer), stored for book \(record.id)\n" + table.render())
        }

        /// The heuristic score of the same dimension, for the disagreement column.
        static func heuristicScore(_ dimension: String, _ report: QualityReport) -> Double? {
            let scores = Dictionary(uniqueKeysWithValues: report.metrics.compactMap { metric in metric.score.map { (metric.name, $0) } })
            return BookReport.heuristicScore(dimension: dimension, scores: scores, quality: report.quality)
        }

        static func scoreTable(_ verdicts: [JudgeVerdict], heuristic: QualityReport) -> String {
            var table = TextTable(columns: [.init("DIMENSION"), .init("JUDGE", .right), .init("SPREAD", .right), .init("HEURISTIC", .right), .init("AGREE"), .init("A REASON")])
            for verdict in verdicts {
                let other = heuristicScore(verdict.dimension, heuristic)
                let agree = other.map { abs($0 - verdict.score) >= 2 ? "DISAGREE" : "yes" } ?? "-"
                table.append([verdict.dimension, String(format: "%.2f", verdict.score), String(format: "%.2f", verdict.spread),
                              other.map { String(format: "%.2f", $0) } ?? "-", agree, String(verdict.samples.first?.reason.prefix(60) ?? "")])
            }
            return "scorer \(verdicts.first?.scorer ?? "-")\n" + table.render()
        }

        static func pairTable(_ verdicts: [PairwiseVerdict], a: String, b: String) -> String {
            let bothOrders = verdicts.contains { $0.orderFlips != nil }
            var table = TextTable(columns: [.init("DIMENSION"), .init("A WINS", .right), .init("B WINS", .right), .init("TIES", .right), .init("PREFER A", .right),
                                            bothOrders ? .init("ORDER FLIPS", .right) : .init("A SHOWN FIRST", .right)])
            for verdict in verdicts {
                table.append([verdict.dimension, String(verdict.winsA), String(verdict.winsB), String(verdict.ties),
                              String(format: "%.0f%%", verdict.preferenceA * 100), String(bothOrders ? verdict.orderFlips ?? 0 : verdict.aShownFirst)])
            }
            return "A = \(a), B = \(b)\n" + table.render()
        }

        static func object(_ verdict: JudgeVerdict, heuristic: QualityReport) -> [String: Any] {
            [
                "dimension": verdict.dimension, "score": verdict.score, "spread": verdict.spread, "scorer": verdict.scorer,
                "heuristic_score": heuristicScore(verdict.dimension, heuristic) ?? NSNull(),
                "samples": verdict.samples.map { ["judge": $0.judge, "score": $0.score, "reason": $0.reason] as [String: Any] },
            ]
        }

        static func object(_ verdict: PairwiseVerdict) -> [String: Any] {
            ["dimension": verdict.dimension, "wins_a": verdict.winsA, "wins_b": verdict.winsB, "ties": verdict.ties,
             "preference_a": verdict.preferenceA, "a_shown_first": verdict.aShownFirst, "order_flips": verdict.orderFlips ?? NSNull()]
        }
    }
}
