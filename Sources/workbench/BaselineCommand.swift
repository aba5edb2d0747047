import ArgumentParser
import Engine
import Experiments
import Foundation
import LLM
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct BaselineCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "baseline",
            abstract: "Create, list, show and compare frozen quality baselines (Baselines/<version>/).",
            subcommands: [Create.self, List.self, Show.self, Diff.self]
        )
    }
}

/// `--baselines DIR`, shared by the baseline subcommands.
struct BaselineFolderOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The folder of baselines.", valueName: "dir"))
    var baselines: String = "Baselines"
}

extension Workbench.BaselineCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write and score the standard suite, and freeze it as a new baseline.",
            discussion: """
                Writes every suite chapter --samples times through the engine with the \
                experiment's providers, prompts, enhancement and judges; scores each sample; \
                and writes Baselines/VERSION/ whole (suite.yaml, experiment.yaml and its \
                providers.yaml, the prompt templates, every chapter text, scores.json, \
                provenance.json), or nothing if it fails. An existing version is never replaced.
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @OptionGroup var folder: BaselineFolderOptions

        @Argument(help: ArgumentHelp("The new version's name (e.g. v3.0).", valueName: "version"))
        var version: String

        @Option(help: ArgumentHelp("The experiment configuration (YAML).", valueName: "file"))
        var experiment: String

        @Option(help: "Samples per chapter: two or more let regress tell a drop from noise.")
        var samples: Int = 2

        @Option(help: ArgumentHelp("A suite of chapter specs (YAML, the shape of a baseline's suite.yaml); default: the built-in standard suite.", valueName: "file"))
        var suite: String?

        @OptionGroup var model: ModelOptions

        func validate() throws {
            guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
            guard !version.isEmpty, !version.hasPrefix("."), version.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
                throw ValidationError("the version `\(version)` must be letters, digits, '.', '_' or '-' (it names a folder)")
            }
        }

        func run() async throws {
            let root = folder.baselines
            let target = Baseline.folder(of: version, root: root)
            guard !FileManager.default.fileExists(atPath: target) else { throw BaselineError.exists(version: version, folder: target) }
            var config = try ExperimentConfig.load(file: experiment)
            model.apply(to: &config)
            let chapters = try suite.map(RegressionSuite.load(file:)) ?? StandardSuite.suite
            let prompts = try PromptSet.load(folder: config.promptsFolder)
            let database = try workspace.open()
            let output = try await RegressionOutputs.write(suite: chapters, samples: samples, config: config, prompts: prompts, database: database,
                                                           kind: .baseline, fileFor: { Baseline.textFile(chapter: $0, sample: $1) })
            let resolved = try ProviderRoutes(config: config, needs: config.tasks(planning: false))
            let table = resolved.table
            var routes: [String: [String]] = [:]
            for task in config.tasks(planning: false) { routes[task.rawValue] = resolved.chains[task] }
            let providers = routes.sorted { $0.key < $1.key }.flatMap { task, chain in
                chain.compactMap { name in (try? table.provider(named: name)).map { BaselineProvenance.Provider(task: task, name: name, kind: $0.kind.rawValue, model: $0.model) } }
            }
            let experimentText = (try? String(contentsOfFile: experiment, encoding: .utf8)) ?? ""
            let provenance = BaselineProvenance(
                version: version, createdAt: CivilTime(secondsSince1970: Date().timeIntervalSince1970).iso8601, workbenchVersion: WorkbenchVersion.current,
                gitRevision: GitRevision.current(), experiment: Self.relative(experiment, to: RegressionRun.repositoryRoot(baselines: root)),
                experimentSHA256: SHA256.hex(of: experimentText), promptsSHA256: try PromptSet.fingerprint(folder: config.promptsFolder),
                routes: routes, providers: providers, samples: samples, runID: output.runID.rawValue, seconds: output.seconds, costUSD: output.scores.totalCostUSD)
            let written = try Baseline.write(
                version: version, root: root, suite: chapters, scores: output.scores, texts: output.texts, provenance: provenance,
                sources: .init(experimentFile: experiment, providersFile: config.providersFile, promptsFolder: config.promptsFolder, rubricsFolder: config.judge?.rubrics,
                                 styleProfile: config.style?.profile))
            Console.output(Self.describe(try Baseline.load(version: written, root: root)))
            Console.output("baseline \(version) written to \(written) in \(String(format: "%.1f", output.seconds)) s\n")
        }

        /// `path` relative to `root` when it lies inside it, else absolute.
        static func relative(_ path: String, to root: String) -> String {
            let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)).standardized.path
            let prefix = root.hasSuffix("/") ? root : root + "/"
            return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
        }

        /// A baseline's provenance and its chapters' composite (and sample spread).
        static func describe(_ baseline: Baseline) -> String {
            let p = baseline.provenance
            let out = "baseline \(baseline.version): suite \(baseline.suite.name), \(baseline.suite.chapters.count) chapters × \(p.samples) samples, "
                + "made \(p.createdAt) by workbench \(p.workbenchVersion)\(p.gitRevision.map { " (\($0))" } ?? "") with \(p.writer)\n"
                + "  experiment \(p.experiment), scorer \(baseline.scores.scorer)/\(baseline.scores.lexicon)"
                + (baseline.rescoredFrom.map { " (re-scored; stored by \($0))" } ?? "") + String(format: ", %.1f s, $%.4f\n", p.seconds, p.costUSD)
            var table = TextTable(columns: [.init("chapter"), .init("kind"), .init("quality", .right), .init("sd", .right), .init("words", .right), .init("weakest metric")])
            for chapter in baseline.scores.chapters {
                let quality = chapter.metrics["quality"]
                let weakest = chapter.metrics.filter { $0.key != "quality" }.min { $0.value.mean < $1.value.mean }
                let words = chapter.samples.map(\.words).reduce(0, +) / max(1, chapter.samples.count)
                table.append([chapter.id, chapter.kind, quality.map { String(format: "%.2f", $0.mean) } ?? "–", quality?.sd.map { String(format: "%.2f", $0) } ?? "–",
                              "\(words)", weakest.map { String(format: "%@ %.2f", $0.key, $0.value.mean) } ?? "–"])
            }
            return out + table.render() + String(format: "  suite mean quality %.2f\n", baseline.scores.meanQuality)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the baselines, oldest version first.")

        @OptionGroup var folder: BaselineFolderOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            let versions = Baseline.versions(root: folder.baselines)
            let loaded = versions.map { version in (version, Result { try Baseline.load(version: version, root: folder.baselines) }) }
            if json {
                let rows: [[String: Any]] = loaded.map { version, result in
                    switch result {
                    case .success(let baseline):
                        return ["version": version, "valid": true, "created_at": baseline.provenance.createdAt, "writer": baseline.provenance.writer,
                                "chapters": baseline.suite.chapters.count, "samples": baseline.provenance.samples,
                                "suite_quality": baseline.scores.meanQuality]
                    case .failure(let error):
                        return ["version": version, "valid": false, "error": (error as? any WorkbenchError)?.message ?? "\(error)"]
                    }
                }
                return try Console.output(JSONOutput.render(rows))
            }
            guard !loaded.isEmpty else { return Console.output("no baselines in \(folder.baselines): `workbench baseline create VERSION --experiment FILE`\n") }
            var table = TextTable(columns: [.init("version"), .init("created"), .init("writer"), .init("chapters", .right), .init("samples", .right), .init("quality", .right)])
            for (version, result) in loaded {
                switch result {
                case .success(let baseline):
                    table.append([version, baseline.provenance.createdAt, baseline.provenance.writer, "\(baseline.suite.chapters.count)",
                                  "\(baseline.provenance.samples)", String(format: "%.2f", baseline.scores.meanQuality)])
                case .failure(let error):
                    table.append([version, "invalid: \((error as? any WorkbenchError)?.message ?? "\(error)")", "", "", "", ""])
                }
            }
            Console.output(table.render())
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a baseline: provenance and each chapter's scores (checked against its files).")

        @OptionGroup var folder: BaselineFolderOptions

        @Argument(help: ArgumentHelp("The version (or a baseline folder's path).", valueName: "version"))
        var version: String

        @Flag(help: "Print the provenance and scores as JSON.")
        var json = false

        func run() throws {
            let baseline = try Baseline.load(version: version, root: folder.baselines)
            if json {
                struct Document: Encodable { var provenance: BaselineProvenance; var rescoredFrom: String?; var scores: SuiteScores
                    enum CodingKeys: String, CodingKey { case provenance, scores, rescoredFrom = "rescored_from" } }
                return Console.output(ABTestReport.encodeJSON(Document(provenance: baseline.provenance, rescoredFrom: baseline.rescoredFrom, scores: baseline.scores)))
            }
            Console.output(Create.describe(baseline))
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two baselines chapter by chapter, with the statistics regress uses (B against A).",
            discussion: "Informational: it exits 0 whatever moved; `regress` is the gate.")

        @OptionGroup var folder: BaselineFolderOptions

        @Argument(help: ArgumentHelp("The earlier version.", valueName: "a"))
        var a: String

        @Argument(help: ArgumentHelp("The later version.", valueName: "b"))
        var b: String

        @Option(help: "Points a gated metric may drop before it is flagged.")
        var threshold: Double = 0.5

        @Option(help: ArgumentHelp("Metrics to flag, comma-separated (default: quality,outline_adherence; the latter where A scores it).", valueName: "m1,m2"))
        var metrics: String?

        @Option(help: "The false-alarm budget, split over the flagged metrics and the suite-mean test.")
        var alpha: Double = 0.05

        @Flag(name: .customLong("per-chapter"), help: "Judge each chapter on its own samples only (no partial pooling over the suite).")
        var perChapter = false

        @OptionGroup var outputs: RegressionOutputs

        func run() throws {
            let first = try Baseline.load(version: a, root: folder.baselines)
            let second = try Baseline.load(version: b, root: folder.baselines)
            let options = RegressionResult.Options(threshold: threshold, metrics: try RegressionOutputs.gatedMetrics(metrics, in: first), alpha: alpha,
                                                   partialPooling: !perChapter)
            let result = RegressionAnalysis.compare(baseline: first.scores, current: second.scores, options: options,
                                                    baselineLabel: first.version, currentLabel: second.version)
            try outputs.deliver(result, seconds: 0, reportName: nil, workspace: WorkspaceOptions())
        }
    }
}

/// The repository's current commit, when the working folder is inside a git checkout
/// (a linked worktree too: its `.git` is a file naming its git folder, whose branch refs
/// live in the main repository's, its `commondir`).
enum GitRevision {
    static func current() -> String? {
        var folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        for _ in 0..<32 {
            var git = folder.appendingPathComponent(".git")
            if let link = try? String(contentsOf: git, encoding: .utf8), link.hasPrefix("gitdir: ") {
                git = URL(fileURLWithPath: link.dropFirst("gitdir: ".count).trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: folder).standardizedFileURL
            }
            if let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) {
                guard head.hasPrefix("ref: ") else { return String(head.prefix(12)) }
                let ref = String(head.dropFirst(5))
                let common = (try? String(contentsOf: git.appendingPathComponent("commondir"), encoding: .utf8))
                    .map { URL(fileURLWithPath: $0.trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: URL(fileURLWithPath: git.path, isDirectory: true)).standardizedFileURL }
                for place in [git] + (common.map { [$0] } ?? []) {
                    if let hash = try? String(contentsOf: place.appendingPathComponent(ref), encoding: .utf8) { return String(hash.prefix(12)) }
                    let packed = (try? String(contentsOf: place.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
                    if let line = packed.split(separator: "\n").first(where: { $0.hasSuffix(" " + ref) }) { return String(line.prefix(12)) }
                }
                return nil
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
        return nil
    }
}
