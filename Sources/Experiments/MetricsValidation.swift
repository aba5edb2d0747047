import Foundation
import Quality
import Stats
import WorkbenchCore

/// The quality instrument validated like a benchmark (issue 14): chapters of real novels
/// against perturbed copies of themselves. A discrimination perturbation makes a chapter
/// worse, so a metric that works scores the original better; an invariance perturbation
/// leaves it as good, so the composite should barely move. Pure: texts in, figures out.
public enum MetricsValidation {
    /// A novel to draw chapters from.
    public struct Novel: Sendable, Equatable {
        /// How tables name it (the file's name without .txt).
        public var name: String
        /// Where it came from (the file's path), for errors.
        public var source: String
        public var text: String

        public init(name: String, source: String? = nil, text: String) {
            self.name = name
            self.source = source ?? name
            self.text = text
        }
    }

    public struct Options: Sendable {
        public var perturbations: [Perturbation]
        /// Chapters drawn; each is perturbed by every family.
        public var samples: Int
        public var seed: UInt64
        /// Invariance: the largest |Δ composite| that counts as "barely moved".
        public var tolerance: Double
        public var context: AnalysisContext

        public init(perturbations: [Perturbation] = Perturbation.allCases, samples: Int = 40, seed: UInt64 = 1,
                    tolerance: Double = 0.2, context: AnalysisContext = AnalysisContext()) {
            self.perturbations = perturbations
            self.samples = samples
            self.seed = seed
            self.tolerance = tolerance
            self.context = context
        }
    }

    /// Pairs whose values differ by no more than this (relative to their size) are ties: a
    /// reordered sum can differ in its last bits, which is no difference a metric made.
    static func same(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
    }

    /// Cuts every novel into chapters, draws `samples` of them (seeded: each novel's chapters
    /// in a random order, taken from the novels in turn, so every novel gives its share),
    /// perturbs each with every family and scores original and copy with `QualityAnalyzer`.
    /// Substitution takes its donor sentences from a random chapter of another novel, so
    /// with one novel it is left out (and a note says so). A novel too short for a chapter
    /// of 800 words is an error naming its file.
    public static func run(_ novels: [Novel], options: Options) throws -> MetricsValidationResult {
        guard !novels.isEmpty else { throw MetricsValidationError.noNovels(folder: "the corpus", others: 0) }
        let chapters = try novels.map { novel -> [NovelChapter] in
            let pieces = NovelChapters.cut(novel.text)
            guard !pieces.isEmpty else {
                throw MetricsValidationError.tooShort(source: novel.source, words: TextScanner.scan(novel.text).wordCount)
            }
            return pieces
        }
        let drawn = draw(chapters.map(\.count), samples: options.samples, seed: options.seed)
        var notes: [String] = []
        var families = options.perturbations
        if novels.count < 2, families.contains(.substitution) {
            families.removeAll { $0 == .substitution }
            notes.append("substitution left out: its donor sentences come from another novel, and the corpus has one")
        }
        if drawn.count < options.samples {
            notes.append("\(options.samples) chapters asked for, the corpus has \(drawn.count): all of them were used")
        }

        var pairs: [Perturbation: [(original: QualityReport, perturbed: QualityReport)]] = [:]
        var skips: [Perturbation: [String: Int]] = [:]
        var metricNames: [String] = []
        for (novel, number) in drawn {
            let chapter = chapters[novel][number]
            let original = QualityAnalyzer.analyze(chapter.text, context: options.context)
            for metric in original.metrics where !metricNames.contains(metric.name) { metricNames.append(metric.name) }
            let tag = "\(options.seed)/\(novels[novel].name)/\(number)"
            var pairSeeds = SeededGenerator(hashing: "pair/" + tag)
            let seed = pairSeeds.next()
            for family in families {
                var donor: String?
                if family.needsDonor {
                    var pick = SeededGenerator(hashing: "donor/" + tag)
                    let other = (novel + 1 + pick.below(novels.count - 1)) % novels.count
                    donor = chapters[other][pick.below(chapters[other].count)].text
                }
                switch family.apply(to: chapter.text, seed: seed, donor: donor) {
                case .success(let text):
                    pairs[family, default: []].append((original, QualityAnalyzer.analyze(text, context: options.context)))
                case .failure(let reason):
                    skips[family, default: [:]][reason.key, default: 0] += 1
                }
            }
        }

        let columns = ["quality"] + metricNames
        let results = families.map { family in
            MetricsValidationResult.Family(
                perturbation: family, pairs: pairs[family]?.count ?? 0, skipped: skips[family]?.values.reduce(0, +) ?? 0,
                skipReasons: skips[family] ?? [:],
                cells: columns.map { cell(family, metric: $0, pairs: pairs[family] ?? [], tolerance: options.tolerance) })
        }
        let uses = novels.indices.map { index in
            MetricsValidationResult.NovelUse(name: novels[index].name, chapters: chapters[index].count, drawn: drawn.filter { $0.novel == index }.count)
        }
        return MetricsValidationResult(seed: options.seed, samples: options.samples, tolerance: options.tolerance, novels: uses,
                                       chapters: drawn.count, metrics: columns, families: results, notes: notes)
    }

    /// `samples` (novel, chapter) pairs: each novel's chapters shuffled, then taken a round
    /// at a time over the novels in a shuffled order, until enough or none are left.
    static func draw(_ counts: [Int], samples: Int, seed: UInt64) -> [(novel: Int, chapter: Int)] {
        var rng = SeededGenerator(hashing: "metrics-validate/\(seed)")
        let orders = counts.map { rng.permutation($0) }
        let novels = rng.permutation(counts.count)
        var drawn: [(novel: Int, chapter: Int)] = []
        var round = 0
        while drawn.count < samples {
            var took = false
            for novel in novels where round < orders[novel].count && drawn.count < samples {
                drawn.append((novel, orders[novel][round]))
                took = true
            }
            if !took { break }
            round += 1
        }
        return drawn
    }

    /// One metric over one family's pairs.
    static func cell(_ family: Perturbation, metric: String, pairs: [(original: QualityReport, perturbed: QualityReport)], tolerance: Double) -> MetricsValidationResult.Cell {
        let values: [(Double, Double)] = pairs.compactMap { pair in
            if metric == "quality" { return (pair.original.quality, pair.perturbed.quality) }
            guard let a = pair.original[metric], let b = pair.perturbed[metric], a.isFinite, b.isFinite else { return nil }
            return (a, b)
        }
        let n = values.count
        let meanDelta = n == 0 ? nil : values.reduce(0) { $0 + ($1.1 - $1.0) } / Double(n)
        let meanAbsolute = n == 0 ? nil : values.reduce(0) { $0 + abs($1.1 - $1.0) } / Double(n)
        var cell = MetricsValidationResult.Cell(metric: metric, pairs: n, meanDelta: meanDelta, meanAbsoluteDelta: meanAbsolute)
        switch family.kind {
        case .discrimination:
            let lower = MetricCatalog.lowerIsBetter.contains(metric)
            let ties = values.filter { same($0.0, $0.1) }.count
            let wins = values.filter { !same($0.0, $0.1) && (lower ? $0.0 < $0.1 : $0.0 > $0.1) }.count
            cell.successes = wins
            cell.ties = ties
        case .invariance:
            guard metric == "quality" else { return cell }
            cell.successes = values.filter { abs($0.1 - $0.0) <= tolerance + 1e-9 }.count
        }
        if n > 0, let successes = cell.successes {
            cell.rate = Double(successes) / Double(n)
            let interval = Proportion.wilson(successes: successes, trials: n)
            cell.low = interval.low
            cell.high = interval.high
        }
        return cell
    }
}

/// What `MetricsValidation.run` found.
public struct MetricsValidationResult: Sendable, Equatable {
    public struct NovelUse: Sendable, Equatable {
        public var name: String
        /// Chapters the novel was cut into, and how many of them were drawn.
        public var chapters: Int
        public var drawn: Int
    }

    /// One family × one metric.
    public struct Cell: Sendable, Equatable {
        public var metric: String
        /// Pairs where both texts have the metric.
        public var pairs: Int
        /// Discrimination: pairs where the original scored strictly better (higher; lower for
        /// `MetricCatalog.lowerIsBetter`). Invariance, composite only: pairs with |Δ| within
        /// the tolerance. Nil for invariance metrics other than the composite.
        public var successes: Int?
        /// Discrimination: pairs with equal values (counted as losses).
        public var ties: Int?
        /// successes / pairs, and its Wilson 95% interval.
        public var rate: Double?
        public var low: Double?
        public var high: Double?
        /// Mean of perturbed − original, and of its absolute value; nil without pairs.
        public var meanDelta: Double?
        public var meanAbsoluteDelta: Double?

        public init(metric: String, pairs: Int, successes: Int? = nil, ties: Int? = nil, rate: Double? = nil, low: Double? = nil,
                    high: Double? = nil, meanDelta: Double? = nil, meanAbsoluteDelta: Double? = nil) {
            self.metric = metric
            self.pairs = pairs
            self.successes = successes
            self.ties = ties
            self.rate = rate
            self.low = low
            self.high = high
            self.meanDelta = meanDelta
            self.meanAbsoluteDelta = meanAbsoluteDelta
        }
    }

    public struct Family: Sendable, Equatable {
        public var perturbation: Perturbation
        /// Chapters the perturbation applied to, and those it could not (by reason key).
        public var pairs: Int
        public var skipped: Int
        public var skipReasons: [String: Int]
        /// The composite ("quality") first, then every metric in the analyser's order.
        public var cells: [Cell]

        public func cell(_ metric: String) -> Cell? { cells.first { $0.metric == metric } }
    }

    public var seed: UInt64
    /// Chapters asked for, and drawn.
    public var samples: Int
    public var tolerance: Double
    public var novels: [NovelUse]
    public var chapters: Int
    /// The columns: "quality", then the metrics.
    public var metrics: [String]
    public var families: [Family]
    public var notes: [String]

    public func family(_ perturbation: Perturbation) -> Family? { families.first { $0.perturbation == perturbation } }
}

public enum MetricsValidationError: WorkbenchError, Equatable {
    case missingFolder(String)
    case unreadable(String)
    /// A directory, FIFO or device named like a novel.
    case notAFile(String)
    case emptyFolder(String)
    /// A folder with no .txt file; `others` counts the files it does hold.
    case noNovels(folder: String, others: Int)
    /// A novel with no chapter of 800 words.
    case tooShort(source: String, words: Int)

    public var message: String {
        switch self {
        case .missingFolder(let folder): return "\(folder): no such folder"
        case .unreadable(let path): return "\(path): cannot be read"
        case .notAFile(let path): return "\(path) is not a regular file"
        case .emptyFolder(let folder): return "\(folder) is empty: there are no novels to validate the metrics on"
        case .noNovels(let folder, let others): return "\(folder) holds no .txt novel (\(others) other file\(others == 1 ? "" : "s"))"
        case .tooShort(let source, let words):
            return "\(source) is too short to cut into chapters: \(words) word\(words == 1 ? "" : "s"), and a chapter needs 800"
        }
    }

    public var fix: String? {
        switch self {
        case .missingFolder, .unreadable: return "check the path and its permissions"
        case .notAFile: return "put novels there as plain .txt files, or move it out of the folder"
        case .emptyFolder, .noNovels: return "put whole novels there as UTF-8 .txt files, e.g. from Project Gutenberg"
        case .tooShort: return "remove it from the folder, or give the whole novel"
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}
