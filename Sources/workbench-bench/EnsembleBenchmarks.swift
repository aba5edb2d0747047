import Engine
import Foundation
import Judge
import LLM
import Stats
import Store
import WorkbenchCore
import Yams

/// Issue #18's targets and ablations, against the simulator's specialists (sim-a talk, sim-b
/// places and moods, sim-c deeds) on the six-chapter outline Experiments/outlines/keepers-daughter.yaml:
/// every arm writes the book for the same seeds; the merged chapters are then judged
/// pairwise (the simulator's judge, three samples, each asked in both orders, an order flip a
/// tie) against the best single provider's chapters and the Self-MoA arm's.
///
///     .build/release/workbench-bench --only ensemble [--seeds N]
enum EnsembleBenchmarks {
    struct Arm {
        var name: String
        var ensemble: EnsembleSettings?
        /// The provider a single arm writes with (its `generate` route).
        var single: String?
    }

    struct Book {
        var chapters: [Int: String]
        var quality: Double
        var records: [EnsembleChapterRecord]
    }

    static func run(into report: inout BenchReport, binary: URL, seeds: Int) async throws {
        let simulator = try LLMBenchmarks.startSimulator(binary, extra: ["--threads", "2"])
        defer { kill(simulator.process.processIdentifier, SIGKILL) }
        let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments").standardized.path
        let base = try ExperimentConfig.load(file: experiments + "/ensemble-sim.yaml")
        let outline = try YAMLDecoder().decode(Outline.self, from: String(contentsOfFile: experiments + "/outlines/keepers-daughter.yaml", encoding: .utf8))
        let prompts = try PromptSet.load(folder: base.promptsFolder)
        let providers = Dictionary(uniqueKeysWithValues: ["sim", "sim-a", "sim-b", "sim-c"].map { name in
            (name, ResilientProvider(OpenAICompatibleProvider(config: ProviderConfig(name: name, kind: .sim, baseURL: simulator.baseURL,
                                                                                      model: name == "sim" ? "sim-1" : name, maxConcurrent: 1000), environment: [:])))
        })
        let mixed = base.ensemble!
        func arm(_ name: String, _ change: (inout EnsembleSettings) -> Void) -> Arm {
            var settings = mixed
            change(&settings)
            return Arm(name: name, ensemble: settings, single: nil)
        }

        // Singles first: the best one is what the merge must beat, and what Self-MoA samples.
        var books: [String: [Book]] = [:]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-ensemble-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try WorkbenchDatabase.open(Workspace(root: folder), create: true)
        func write(_ arm: Arm, seed: UInt64, in database: WorkbenchDatabase) async throws -> Book {
            var config = base
            config.seed = seed
            config.ensemble = arm.ensemble
            let writer = arm.single ?? "sim"
            let generator = BookGenerator(config: config, prompts: prompts, database: database, route: { task, context in
                RecordingProvider(providers[task == .generate ? writer : "sim"]!, store: database, cache: .off, context: context)
            }, named: { name, context in RecordingProvider(providers[name]!, store: database, cache: .off, context: context) })
            let result = try await generator.generate(premise: nil, outline: outline)
            let chapters = Dictionary(uniqueKeysWithValues: try database.latestChapterVersions(bookID: result.bookID).map { ($0.chapter, $0.text) })
            return Book(chapters: chapters, quality: result.quality, records: try database.ensembleChapters(runID: result.runID.rawValue))
        }
        let seedList = (1...UInt64(seeds)).map { $0 }
        for name in ["sim-a", "sim-b", "sim-c", "sim"] {
            for seed in seedList { books["single \(name)", default: []].append(try await write(Arm(name: name, single: name), seed: seed, in: database)) }
        }
        let best = ["sim-a", "sim-b", "sim-c", "sim"].max { mean(books["single \($0)"]!.map(\.quality)) < mean(books["single \($1)"]!.map(\.quality)) }!
        for name in ["sim-a", "sim-b", "sim-c", "sim"] {
            report.add("ensemble", "single \(name): mean chapter quality", mean(books["single \(name)"]!.map(\.quality)), "")
        }

        var arms = [
            arm("mixed, beat units, fixed weights") { _ in },
            Arm(name: "Self-MoA (\(best) ×3)", ensemble: {
                var settings = mixed
                settings.providers = [best]
                settings.samplesPerProvider = 3
                settings.weights = .fixed([1])
                return settings
            }(), single: nil),
            arm("mixed, judges with an 8× token budget") { $0.tokenBudget = 8 },
            arm("mixed, whole-chapter selection") { $0.unit = .chapter },
            arm("mixed, scene units") { $0.unit = .scene },
            arm("mixed, paragraph units") { $0.unit = .paragraph },
            arm("mixed, no seam rewrite") { $0.fuse = false },
        ]
        // Learned weights: strengths fitted on the verdicts of other seeds' books, judged with
        // room to judge (an 8× budget), then used at the default 3.5× budget.
        let learnedFolder = folder.appendingPathComponent("learned")
        let learnedDatabase = try WorkbenchDatabase.open(Workspace(root: learnedFolder), create: true)
        for seed in seedList { _ = try await write(arms[2], seed: 1_000 + seed, in: learnedDatabase) }
        let strengths = try EnsembleStrengths.fit(try learnedDatabase.ensembleDuels(), providers: mixed.providers)
        for (kind, values) in strengths.strengths.sorted(by: { $0.key < $1.key }) {
            report.add("ensemble", "learned strengths at \(kind) units (\(strengths.verdicts[kind] ?? 0) verdicts): "
                       + values.sorted { $0.key < $1.key }.map { String(format: "%@ %+.2f", $0.key, $0.value) }.joined(separator: ", "), 0, "")
        }
        arms.append(arm("mixed, learned weights") { $0.weights = .learned })

        for arm in arms {
            for seed in seedList {
                let target = arm.ensemble?.weights == .learned ? learnedDatabase : database
                books[arm.name, default: []].append(try await write(arm, seed: seed, in: target))
            }
        }

        let judge = Judge(judges: [providers["sim"]!], rubrics: try Rubrics.load(folder: experiments + "/prompts/judge/v1"), samples: 3, seed: 77)
        func duel(_ a: [Book], _ b: [Book]) async throws -> (wins: Int, losses: Int, ties: Int) {
            var result = (wins: 0, losses: 0, ties: 0)
            for (left, right) in zip(a, b) {
                for chapter in left.chapters.keys.sorted() {
                    let verdict = try await judge.compare(left.chapters[chapter]!, right.chapters[chapter]!, dimension: "overall", bothOrders: true)
                    result.wins += verdict.winsA
                    result.losses += verdict.winsB
                    result.ties += verdict.ties
                }
            }
            return result
        }
        for arm in arms {
            let name = arm.name
            let armBooks = books[name]!
            report.add("ensemble", "\(name): mean chapter quality", mean(armBooks.map(\.quality)), "")
            for (rival, label) in [("single \(best)", "best single (\(best))"), (arms[1].name, "Self-MoA")] where rival != name {
                let (wins, losses, ties) = try await duel(armBooks, books[rival]!)
                let n = wins + losses + ties
                let share = (Double(wins) + Double(ties) / 2) / Double(max(n, 1))
                let interval = Proportion.wilson(successes: wins + ties / 2, trials: n)
                report.add("ensemble", String(format: "%@ vs %@: %d wins, %d losses, %d ties of %d judgments; score (W + T/2)/n, 95%% CI %.0f–%.0f%%",
                                               name, label, wins, losses, ties, n, interval.low * 100, interval.high * 100), share * 100, "%")
            }
            let records = armBooks.flatMap(\.records)
            if !records.isEmpty {
                let ratios = records.map { Double($0.tokens) / max($0.singleTokens, 1) }
                report.add("ensemble", "\(name): tokens / one generation (mean; max \(String(format: "%.2f", ratios.max() ?? 0)))", mean(ratios), "×")
                let merged = records.map(\.violationsPer10kWords)
                let bestCandidate = records.map { $0.bestCandidatePer10kWords ?? 0 }
                report.add("ensemble", String(format: "%@: continuity violations per 10,000 words, merged vs best candidate %.2f (worse in %d of %d chapters; %d fell back to one candidate)",
                                              name, mean(bestCandidate), zip(merged, bestCandidate).filter { $0 > $1 + 1e-9 }.count, records.count,
                                              records.filter { $0.fallback != nil }.count), mean(merged), "")
            }
        }
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
}
