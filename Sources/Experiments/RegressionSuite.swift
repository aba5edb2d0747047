import Engine
import Foundation
import Quality
import WorkbenchCore
import Yams

/// The standard chapters a regression run writes: each one an outline chapter of a suite book
/// (its premise and outline give the context), with the chapter's own targets, length and seed.
/// Kept as `suite.yaml` in every baseline, so a baseline says exactly what it measured.
public struct RegressionSuite: Codable, Sendable, Equatable {
    public struct Book: Codable, Sendable, Equatable {
        public var premise: String
        public var outline: Outline
    }

    public struct Chapter: Codable, Sendable, Equatable {
        /// Stable name, used for files and in reports (`opening`, `climax`).
        public var id: String
        /// What kind of chapter it stands for: opening, dialogue, action, introspective, climax, ending.
        public var kind: String
        /// The key of its book in `books`.
        public var book: String
        /// The outline chapter it writes (1-based).
        public var chapter: Int
        public var targetWords: Int
        /// Metric → target (or `quality` → the composite's target) over the experiment's.
        public var targets: [String: Double]
        /// Sample k (0-based) is written with `seed + k × 1,000,003`.
        public var seed: UInt64

        enum CodingKeys: String, CodingKey {
            case id, kind, book, chapter, targets, seed
            case targetWords = "target_words"
        }

        public init(id: String, kind: String, book: String, chapter: Int, targetWords: Int, targets: [String: Double] = [:], seed: UInt64) {
            self.id = id
            self.kind = kind
            self.book = book
            self.chapter = chapter
            self.targetWords = targetWords
            self.targets = targets
            self.seed = seed
        }

        public func seed(ofSample sample: Int) -> UInt64 {
            (seed &+ UInt64(sample) &* 1_000_003) & ((1 << 62) - 1)
        }
    }

    public var name: String
    public var books: [String: Book]
    public var chapters: [Chapter]

    public init(name: String, books: [String: Book], chapters: [Chapter]) {
        self.name = name
        self.books = books
        self.chapters = chapters
    }

    /// The outline a chapter is written from (its target length set) and its spec in it.
    public func outline(for chapter: Chapter) -> (outline: Outline, spec: ChapterSpec) {
        var outline = books[chapter.book]!.outline
        outline.chapters[chapter.chapter - 1].targetWords = chapter.targetWords
        return (outline, outline.chapters[chapter.chapter - 1])
    }

    /// The chapter's targets: the experiment's, with the chapter's own on top.
    public func targets(for chapter: Chapter, over base: QualityTargets) -> QualityTargets {
        var result = base
        for (metric, value) in chapter.targets {
            if metric == "quality" { result.quality = value } else { result.targets[metric] = value }
        }
        return result
    }

    /// Every problem that makes the suite unusable, each naming its field.
    public func problems() -> [String] {
        var problems: [String] = []
        if chapters.isEmpty { problems.append("chapters: the suite has no chapters") }
        let known = Set(MetricCatalog.entries.map(\.name) + ["quality"])
        var seen: Set<String> = []
        for (key, book) in books.sorted(by: { $0.key < $1.key }) {
            problems += book.outline.problems(expectedChapters: nil).map { "books.\(key).outline: \($0)" }
        }
        for (index, chapter) in chapters.enumerated() {
            let field = "chapters[\(index)]"
            if chapter.id.isEmpty || chapter.id.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                problems.append("\(field).id `\(chapter.id)` must be letters, digits, - or _ (it names files)")
            }
            if !seen.insert(chapter.id).inserted { problems.append("\(field).id `\(chapter.id)` repeats") }
            guard let book = books[chapter.book] else {
                problems.append("\(field).book `\(chapter.book)` is not in books (\(books.keys.sorted().joined(separator: ", ")))")
                continue
            }
            if !(1...max(1, book.outline.chapters.count)).contains(chapter.chapter) {
                problems.append("\(field).chapter is \(chapter.chapter); book \(chapter.book) has chapters 1…\(book.outline.chapters.count)")
            }
            if chapter.targetWords < ChapterSpec.targetWordsRange.lowerBound {
                problems.append("\(field).target_words is \(chapter.targetWords), at least \(ChapterSpec.targetWordsRange.lowerBound) expected")
            } else if chapter.targetWords > ChapterSpec.targetWordsRange.upperBound {
                problems.append("\(field).target_words is \(chapter.targetWords), at most \(ChapterSpec.targetWordsRange.upperBound) expected")
            }
            for metric in chapter.targets.keys.sorted() where !known.contains(metric) {
                problems.append("\(field).targets: unknown metric `\(metric)`")
            }
        }
        return problems
    }

    // MARK: Files

    public static func load(file: String) throws -> RegressionSuite {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw BaselineError.missingFile(path: file, what: "the suite") }
        let suite: RegressionSuite
        do {
            suite = try YAMLDecoder().decode(RegressionSuite.self, from: text)
        } catch {
            throw BaselineError.invalid(path: file, field: DecodingProblem.field(of: error), problem: DecodingProblem.problem(of: error))
        }
        if let problem = suite.problems().first { throw BaselineError.invalid(path: file, field: "", problem: problem) }
        return suite
    }

    public func yaml() throws -> String {
        // Keys sorted: the books are a dictionary, whose order would change from run to run.
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        return "# The standard chapters of a regression suite: written by `workbench baseline create`.\n" + (try encoder.encode(self))
    }

    /// SHA-256 of the suite's canonical JSON: what a baseline was measured on.
    public var fingerprint: String { (try? CanonicalJSON.encode(self)).map(SHA256.hex(of:)) ?? "" }
}

extension ExperimentConfig {
    /// A suite chapter is written to its own targets: they replace the book's, and the
    /// book's per-chapter requirements (which name the outline's chapter numbers) no longer apply.
    mutating func writeSuiteChapter(to targets: QualityTargets) {
        self.targets = targets
        chapterRequirements = [:]
    }
}

/// The built-in standard suite: ten short chapters from two books, covering the kinds of
/// chapter a prompt change must not break — openings, dialogue-heavy scenes, action,
/// introspection, climaxes and endings. Short (250 words) so the local model on two cores
/// writes the whole suite in a few minutes.
public enum StandardSuite {
    public static let words = 250

    public static var suite: RegressionSuite {
        let keeper = StandardOutline.outline(wordsPerChapter: words)
        let orchard = Outline(
            title: "The Glass Orchard",
            logline: "A village glazier suspects that the fire which killed the orchard's owner was set by someone she loves.",
            obsession: "the burnt key",
            setting: "An apple orchard and its glasshouses above a river town, late summer, 1954.",
            characters: [
                BookCharacter(name: "Hedda", attributes: ["age": "31", "hair": "red", "occupation": "glazier"], relationships: ["Anton": "sister of"]),
                BookCharacter(name: "Anton", attributes: ["age": "27", "occupation": "orchard foreman"], relationships: ["Hedda": "brother of"]),
                BookCharacter(name: "Sergeant Pell", attributes: ["age": "45", "occupation": "police sergeant"], relationships: ["Hedda": "suspects"]),
            ],
            chapters: [
                ChapterSpec(number: 1, title: "Ashes", beats: ["Hedda walks through the burnt glasshouse at dawn", "she finds a key fused to a melted hinge", "Anton's boots by the water barrel", "she pockets the key"], targetWords: words),
                ChapterSpec(number: 2, title: "Questions", beats: ["Sergeant Pell questions Hedda in her workshop", "she lies about where Anton was", "Pell mentions the insurance", "Anton arrives and the three of them argue"], targetWords: words),
                ChapterSpec(number: 3, title: "The Chase", beats: ["Hedda follows a figure into the rows at night", "a chase between the apple trees", "she falls and cuts her hand on glass", "the figure escapes across the river"], targetWords: words),
                ChapterSpec(number: 4, title: "Clear Glass", beats: ["Hedda confronts Anton at the river", "the key opens his strongbox", "the truth about the fire", "she rebuilds one glasshouse alone"], targetWords: words),
            ])
        let keeperPremise = "A lighthouse keeper's daughter finds a sealed letter from her drowned father."
        let orchardPremise = "A glazier suspects her brother of setting the fire that killed an orchard's owner."
        func chapter(_ id: String, _ kind: String, _ book: String, _ number: Int, _ targets: [String: Double] = [:], seed: UInt64) -> RegressionSuite.Chapter {
            .init(id: id, kind: kind, book: book, chapter: number, targetWords: words, targets: targets, seed: seed)
        }
        return RegressionSuite(
            name: "standard",
            books: ["keeper": .init(premise: keeperPremise, outline: keeper), "orchard": .init(premise: orchardPremise, outline: orchard)],
            chapters: [
                chapter("keeper-opening", "opening", "keeper", 1, ["quality": 8.5], seed: 101),
                chapter("keeper-dialogue", "dialogue", "keeper", 2, seed: 202),
                chapter("keeper-action", "action", "keeper", 3, seed: 303),
                chapter("keeper-introspective", "introspective", "keeper", 4, ["emotion": 8.0], seed: 404),
                chapter("keeper-climax", "climax", "keeper", 5, ["quality": 9.0, "emotion": 8.0], seed: 505),
                chapter("keeper-ending", "ending", "keeper", 6, ["quality": 8.5], seed: 606),
                chapter("orchard-opening", "opening", "orchard", 1, ["quality": 8.5], seed: 707),
                chapter("orchard-dialogue", "dialogue", "orchard", 2, seed: 808),
                chapter("orchard-chase", "action", "orchard", 3, seed: 909),
                chapter("orchard-ending", "ending", "orchard", 4, ["quality": 8.5], seed: 1_010),
            ])
    }
}
