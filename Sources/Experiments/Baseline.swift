import Engine
import Foundation
import Style
import Quality
import Store
import WorkbenchCore

/// A frozen baseline folder (`Baselines/<version>/`):
///
///     suite.yaml         the standard chapters it measured
///     experiment.yaml    the experiment it was made with (a copy), providers.yaml beside it
///     prompts/<v>/       the prompt templates it was made with (a copy)
///     chapters/<id>/<k>.md  every sample's text
///     scores.json        per chapter and metric: every sample, mean, sd; scorer and lexicon versions
///     provenance.json    provider, model, seeds, workbench version, date
///
/// Loading checks everything a comparison relies on, so a missing or edited file is named
/// and never passes as a baseline.
public struct Baseline: Sendable {
    public var version: String
    public var folder: String
    public var suite: RegressionSuite
    /// As stored, or re-scored from the texts when this build's scorer is another version.
    public var scores: SuiteScores
    public var provenance: BaselineProvenance
    /// Set when the stored scores came from another scorer or lexicon version and the
    /// chapters were re-scored from their texts with this build's.
    public var rescoredFrom: String?
    /// Every sample's text, as checked on loading: chapter id → sample → text.
    public var texts: [String: [Int: String]] = [:]

    public static let suiteFile = "suite.yaml", scoresFile = "scores.json", provenanceFile = "provenance.json", experimentFile = "experiment.yaml"
    /// The author style profile the chapters were scored against, when they were.
    public static let styleProfileFile = "style-profile.json"
    /// That profile, read and checked on loading, with a copy guard over its exemplars.
    public var style: StyleTarget?

    /// The folder of a version: a path as given when it names a folder, else `<root>/<version>`.
    /// The suite a baseline measured, read on its own (for `abtest --suite` and `optimize --suite`).
    public static func suite(of version: String, root: String) throws -> RegressionSuite {
        try RegressionSuite.load(file: folder(of: version, root: root) + "/" + suiteFile)
    }

    public static func folder(of version: String, root: String) -> String {
        version.contains("/") ? version : (root as NSString).appendingPathComponent(version)
    }

    /// The versions under `root`, in version order (v2.10 after v2.9).
    public static func versions(root: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent($0) + "/" + scoresFile) }
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
    }

    public static func load(version: String, root: String) throws -> Baseline {
        let folder = folder(of: version, root: root)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw BaselineError.notFound(version: version, folder: folder, known: versions(root: root))
        }
        func path(_ name: String) -> String { folder + "/" + name }
        let suite = try RegressionSuite.load(file: path(suiteFile))
        let scores: SuiteScores = try decodeJSON(path(scoresFile), what: "the scores")
        let provenance: BaselineProvenance = try decodeJSON(path(provenanceFile), what: "the provenance")
        try checkRoutes(provenance, path: path(provenanceFile))
        var baseline = Baseline(version: URL(fileURLWithPath: folder).lastPathComponent, folder: folder, suite: suite, scores: scores, provenance: provenance)
        try baseline.check()
        return baseline
    }

    /// `regress` writes with the routes a baseline was made with: each must name a task the
    /// engine has and a chain of at least one provider.
    static func checkRoutes(_ provenance: BaselineProvenance, path: String) throws {
        for task in provenance.routes.keys.sorted() {
            let field = "routes.\(task)"
            guard let known = LLMTask(rawValue: task), LLMTask.routable.contains(known) else {
                throw BaselineError.invalid(path: path, field: field, problem: "unknown task `\(task)` (tasks: \(LLMTask.routable.map(\.rawValue).joined(separator: ", ")))")
            }
            let chain = provenance.routes[task]!
            guard !chain.isEmpty else { throw BaselineError.invalid(path: path, field: field, problem: "the provider chain is empty") }
            if let index = chain.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw BaselineError.invalid(path: path, field: "\(field)[\(index)]", problem: "the provider name is empty")
            }
        }
    }

    static func decodeJSON<T: Decodable>(_ path: String, what: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else { throw BaselineError.missingFile(path: path, what: what) }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw BaselineError.invalid(path: path, field: DecodingProblem.field(of: error), problem: DecodingProblem.problem(of: error))
        }
    }

    /// Every chapter of the suite has its samples, every text its file with the recorded
    /// hash, every figure is finite and agrees with its samples, and the stored scores are
    /// what this build's scorer gives the texts (re-scored instead when the scorer changed).
    mutating func check() throws {
        let scoresPath = folder + "/" + Self.scoresFile
        func invalid(_ field: String, _ problem: String) -> BaselineError { .invalid(path: scoresPath, field: field, problem: problem) }
        guard scores.format == SuiteScores.currentFormat else {
            throw invalid("format", "format \(scores.format) is not \(SuiteScores.currentFormat), the one this build reads")
        }
        guard scores.suiteSHA256 == suite.fingerprint else {
            throw invalid("suite_sha256", "the scores were measured on another suite than \(Self.suiteFile) holds")
        }
        let ids = suite.chapters.map(\.id)
        for id in ids where scores.chapter(id) == nil { throw invalid("chapters", "no scores for suite chapter `\(id)`") }
        for chapter in scores.chapters where !ids.contains(chapter.id) { throw invalid("chapters", "`\(chapter.id)` is not a chapter of the suite") }

        var texts: [String: [(sample: Int, seed: UInt64, file: String, text: String, costUSD: Double)]] = [:]
        for (index, chapter) in scores.chapters.enumerated() {
            let field = "chapters[\(index)] (\(chapter.id))"
            guard !chapter.samples.isEmpty else { throw invalid(field + ".samples", "no samples") }
            guard chapter.metrics["quality"] != nil else { throw invalid(field + ".metrics", "no `quality` (the composite)") }
            for (name, metric) in chapter.metrics.sorted(by: { $0.key < $1.key }) {
                let place = "\(field).metrics.\(name)"
                guard metric.samples.count == chapter.samples.count, metric.raw.count == chapter.samples.count else {
                    throw invalid(place, "\(metric.samples.count) values for \(chapter.samples.count) samples")
                }
                guard (metric.samples + metric.raw + [metric.mean]).allSatisfy(\.isFinite) else { throw invalid(place, "a value is not a finite number") }
                let again = SuiteScores.Metric(samples: metric.samples, raw: metric.raw)
                guard abs(again.mean - metric.mean) <= 1e-9 * max(1, abs(metric.mean)), abs((again.sd ?? 0) - (metric.sd ?? 0)) <= 1e-9 * max(1, metric.sd ?? 0) else {
                    throw invalid(place, "mean or sd disagrees with the samples")
                }
            }
            for sample in chapter.samples {
                let file = folder + "/" + sample.file
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw BaselineError.missingFile(path: file, what: "chapter \(chapter.id) sample \(sample.sample)'s text")
                }
                guard SHA256.hex(of: text) == sample.textSHA256 else {
                    throw BaselineError.invalid(path: file, field: "", problem: "the text is not the one that was scored (its SHA-256 differs from \(Self.scoresFile))")
                }
                texts[chapter.id, default: []].append((sample.sample, sample.seed, sample.file, text, sample.costUSD))
                self.texts[chapter.id, default: [:]][sample.sample] = text
            }
        }
        let contexts = Dictionary(uniqueKeysWithValues: scores.chapters.map { ($0.id, $0.context) })
        if let fingerprint = contexts.values.compactMap(\.styleProfileSHA256).first {
            let path = folder + "/" + Self.styleProfileFile
            guard let data = FileManager.default.contents(atPath: path) else {
                throw BaselineError.missingFile(path: path, what: "the style profile its chapters were scored against")
            }
            let profile: StyleProfile
            do { profile = try StyleProfile.decode(data) } catch {
                throw BaselineError.invalid(path: path, field: "", problem: (error as? StyleError)?.message ?? "not a style profile: \(error)")
            }
            guard profile.fingerprint == fingerprint else {
                throw invalid("chapters.context.style_profile_sha256", "names profile \(fingerprint.prefix(12)), but \(Self.styleProfileFile) is \(profile.fingerprint.prefix(12))")
            }
            style = StyleTarget(profile: profile, copyGuard: CopyGuard(texts: profile.content.exemplars, scope: .exemplars))
        }
        var rescored = SuiteScores.score(suite: suite, contexts: contexts, texts: texts, style: style)
        if scores.scorer != rescored.scorer || scores.lexicon != rescored.lexicon {
            rescoredFrom = "\(scores.scorer)/\(scores.lexicon)"
            // Plugin metrics were measured by the plugins when the texts were written: kept.
            for chapter in scores.chapters {
                guard let index = rescored.chapters.firstIndex(where: { $0.id == chapter.id }) else { continue }
                for (name, metric) in chapter.metrics where SuiteScores.isPluginMetric(name) { rescored.chapters[index].metrics[name] = metric }
            }
            scores = rescored
            return
        }
        // Same scorer: the stored figures must be what it gives (else scores.json was edited,
        // or a formula changed without a new scorer version).
        for chapter in scores.chapters {
            guard let again = rescored.chapter(chapter.id) else { continue }
            for (name, metric) in chapter.metrics where !SuiteScores.isPluginMetric(name) {
                guard let fresh = again.metrics[name], fresh.samples.count == metric.samples.count,
                      zip(fresh.samples, metric.samples).allSatisfy({ abs($0 - $1) <= 1e-6 }) else {
                    throw BaselineError.scoresDisagree(path: scoresPath, chapter: chapter.id, metric: name, scorer: scores.scorer)
                }
            }
        }
    }

    // MARK: Writing

    /// What `baseline create` freezes besides the scores.
    public struct Sources: Sendable {
        public var experimentFile: String
        public var providersFile: String?
        public var promptsFolder: String
        public var rubricsFolder: String?
        /// The experiment's author style profile, frozen beside the scores.
        public var styleProfile: StyleProfile?
        public init(experimentFile: String, providersFile: String?, promptsFolder: String, rubricsFolder: String?, styleProfile: StyleProfile? = nil) {
            self.experimentFile = experimentFile
            self.providersFile = providersFile
            self.promptsFolder = promptsFolder
            self.rubricsFolder = rubricsFolder
            self.styleProfile = styleProfile
        }
    }

    /// Writes the folder whole or not at all: into a hidden sibling first, renamed into place.
    /// An existing version is never replaced (baselines are frozen).
    public static func write(version: String, root: String, suite: RegressionSuite, scores: SuiteScores, texts: [String: [Int: String]],
                             provenance: BaselineProvenance, sources: Sources) throws -> String {
        let manager = FileManager.default
        let final = folder(of: version, root: root)
        guard !manager.fileExists(atPath: final) else { throw BaselineError.exists(version: version, folder: final) }
        let parent = (final as NSString).deletingLastPathComponent
        let staging = (parent as NSString).appendingPathComponent(".\(URL(fileURLWithPath: final).lastPathComponent).partial-\(UInt32.random(in: 0...UInt32.max))")
        func attempt<T>(_ path: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch { throw StoreError.cannotCreate(path: path, reason: "\(error)") }
        }
        func write(_ text: String, _ name: String) throws {
            let path = staging + "/" + name
            try attempt(path) {
                try manager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            }
        }
        func copy(_ from: String, _ to: String) throws {
            try attempt(staging + "/" + to) {
                try manager.createDirectory(atPath: ((staging + "/" + to) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try manager.copyItem(atPath: from, toPath: staging + "/" + to)
            }
        }
        do {
            try attempt(staging) { try manager.createDirectory(atPath: staging, withIntermediateDirectories: true) }
            try write(try suite.yaml(), suiteFile)
            try copy(sources.experimentFile, experimentFile)
            if let providers = sources.providersFile { try copy(providers, "providers.yaml") }
            try copy(sources.promptsFolder, "prompts/" + URL(fileURLWithPath: sources.promptsFolder).lastPathComponent)
            if let rubrics = sources.rubricsFolder { try copy(rubrics, "prompts/judge/" + URL(fileURLWithPath: rubrics).lastPathComponent) }
            if let profile = sources.styleProfile { try write(try profile.encoded(), styleProfileFile) }
            for chapter in scores.chapters {
                for sample in chapter.samples {
                    guard let text = texts[chapter.id]?[sample.sample] else { continue }
                    try write(text, sample.file)
                }
            }
            try write(try pretty(scores), scoresFile)
            try write(try pretty(provenance), provenanceFile)
            try attempt(final) { try manager.moveItem(atPath: staging, toPath: final) }
        } catch {
            try? manager.removeItem(atPath: staging)
            throw error
        }
        return final
    }

    /// The text file of a sample, relative to the baseline folder.
    public static func textFile(chapter: String, sample: Int) -> String { "chapters/\(chapter)/\(sample + 1).md" }

    static func pretty<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}

public enum BaselineError: WorkbenchError, Equatable {
    case notFound(version: String, folder: String, known: [String])
    case missingFile(path: String, what: String)
    case invalid(path: String, field: String, problem: String)
    case scoresDisagree(path: String, chapter: String, metric: String, scorer: String)
    case exists(version: String, folder: String)
    case experimentMissing(path: String)
    /// A gated metric the baseline does not score (empty: none named).
    case metricNotScored(metric: String, version: String, scored: [String])

    public var message: String {
        switch self {
        case .notFound(let version, let folder, let known):
            return "no baseline \(version) (\(folder) does not exist)" + (known.isEmpty ? "" : "; baselines here: \(known.joined(separator: ", "))")
        case .missingFile(let path, let what): return "\(path): missing or unreadable (\(what))"
        case .invalid(let path, let field, let problem): return field.isEmpty ? "\(path): \(problem)" : "\(path): \(field): \(problem)"
        case .scoresDisagree(let path, let chapter, let metric, let scorer):
            return "\(path): chapters.\(chapter).metrics.\(metric): the stored scores are not what scorer \(scorer) gives the chapter's texts"
        case .exists(let version, let folder): return "baseline \(version) already exists at \(folder)"
        case .experimentMissing(let path): return "the baseline's experiment \(path) does not exist"
        case .metricNotScored(let metric, let version, let scored):
            return (metric.isEmpty ? "no gated metric is named" : "`\(metric)` is not scored in baseline \(version)") + "; scored: \(scored.joined(separator: ", "))"
        }
    }

    public var fix: String? {
        switch self {
        case .notFound: return "`workbench baseline list` shows the baselines; `workbench baseline create VERSION --experiment FILE` makes one"
        case .missingFile, .invalid, .scoresDisagree:
            return "baselines are written by `workbench baseline create`, never by hand: restore the folder from git, or create a new version"
        case .exists: return "baselines are frozen: choose a new version, or delete the folder to make it again"
        case .experimentMissing: return "give the current experiment with --experiment FILE"
        case .metricNotScored: return "gate on `quality` or metrics the baseline scores (listed above)"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .exists, .metricNotScored: return .usage
        default: return .dataError
        }
    }
}
