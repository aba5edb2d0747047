import Foundation
import Quality
import Testing
@testable import Experiments

/// Issue 14: the validation runner on small synthetic novels (no corpus files).
@Suite("metrics validation (pure)")
struct MetricsValidationTests {
    /// Varied prose from small word lists (a fixed LCG picks the words), with what every
    /// family edits: two names, pronouns, contractions, connectives, dialogue.
    static func sentence(_ state: inout UInt64) -> String {
        func pick(_ words: [String]) -> String {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return words[Int((state >> 33) % UInt64(words.count))]
        }
        let subject = pick(["Mara", "Tobias", "The old fisherman", "She", "He", "The girl", "Her brother", "Mara", "Tobias"])
        let verb = pick(["carried", "watched", "found", "mended", "lost", "painted", "counted", "hid", "opened", "followed", "dropped", "remembered"])
        let adjective = pick(["grey", "wet", "broken", "small", "heavy", "bright", "cold", "quiet", "old", "red", "narrow", "silver", "big"])
        let noun = pick(["net", "lantern", "letter", "boat", "rope", "window", "bell", "coat", "basket", "door", "map", "key", "stone", "cup"])
        let tail = pick(["after supper", "in the rain", "without a word", "near the pier", "before dawn", "because it was late", "then slept",
                         "at the harbour", "by the stove", "on the quay", "so nobody saw"])
        switch pick(["plain", "plain", "plain", "said", "thought"]) {
        case "said": return "“I can’t stay,” \(subject == "He" || subject == "She" ? "Mara" : subject) said, and \(verb) the \(adjective) \(noun) \(tail)."
        case "thought": return "It's \(adjective), \(pick(["she", "he"])) thought; Tobias didn't see the \(noun)."
        default: return "\(subject) \(verb) the \(adjective) \(noun) \(tail)."
        }
    }

    /// A novel of `chapters` chapters of about 900 words, under "CHAPTER N" headings.
    static func novel(chapters: Int, offset: UInt64) -> String {
        var state = offset
        return (1...chapters).map { number in
            let paragraphs = (0..<22).map { _ in (0..<5).map { _ in sentence(&state) }.joined(separator: " ") }
            return "CHAPTER \(number)\n\n" + paragraphs.joined(separator: "\n\n")
        }.joined(separator: "\n\n\n")
    }

    static let novels = [
        MetricsValidation.Novel(name: "harbour", text: novel(chapters: 3, offset: 0)),
        MetricsValidation.Novel(name: "quay", text: novel(chapters: 4, offset: 5)),
    ]

    @Test func everyFamilyHasAPairOrASkipPerChapter() throws {
        let result = try MetricsValidation.run(Self.novels, options: .init(samples: 5, seed: 3))
        #expect(result.chapters == 5)
        #expect(result.novels.map(\.name) == ["harbour", "quay"])
        #expect(result.novels.map(\.chapters) == [3, 4])
        #expect(result.novels.map(\.drawn).sorted() == [2, 3], "drawn in turn from each novel")
        #expect(result.families.map(\.perturbation) == Perturbation.allCases)
        #expect(result.metrics.first == "quality" && result.metrics.contains("lexical_diversity") && result.metrics.contains("repetition"))
        for family in result.families {
            #expect(family.pairs + family.skipped == 5, "\(family.perturbation)")
            #expect(family.cells.map(\.metric) == result.metrics)
            for cell in family.cells {
                if let rate = cell.rate, let low = cell.low, let high = cell.high {
                    #expect(0 <= low && low <= rate && rate <= high && high <= 1, "\(family.perturbation) \(cell.metric)")
                }
            }
        }
        #expect(result.notes.isEmpty)
    }

    @Test func discriminationCountsWinsAndTiesAndInvarianceTheComposite() throws {
        let result = try MetricsValidation.run(Self.novels, options: .init(perturbations: [.repetition, .paragraphOrder, .punctuation], samples: 4, seed: 1))
        let repetition = try #require(result.family(.repetition))
        #expect(repetition.pairs == 4)
        // Repeated sentences are what the repetition metric (lower is better) exists for.
        let metric = try #require(repetition.cell("repetition"))
        #expect(metric.successes == 4 && metric.rate == 1)
        #expect(try #require(repetition.cell("quality")).successes == 4)
        // Paragraph order moves no word: the word count ties every time, and a tie is a loss.
        let words = try #require(result.family(.paragraphOrder)?.cell("word_count"))
        #expect(words.ties == 4 && words.successes == 0 && words.rate == 0)
        // The analyser does not read commas: punctuation leaves the composite where it was.
        let punctuation = try #require(result.family(.punctuation)?.cell("quality"))
        #expect(punctuation.successes == 4 && punctuation.meanAbsoluteDelta == 0)
        #expect(try #require(result.family(.punctuation)?.cell("emotion")).successes == nil, "invariance metrics report mean |Δ| only")
    }

    @Test func sameSeedSameResult() throws {
        let options = MetricsValidation.Options(perturbations: [.sentenceOrder, .typos, .substitution], samples: 3, seed: 9)
        #expect(try MetricsValidation.run(Self.novels, options: options) == MetricsValidation.run(Self.novels, options: options))
    }

    @Test func oneNovelLeavesSubstitutionOutAndSaysSo() throws {
        let result = try MetricsValidation.run([Self.novels[0]], options: .init(samples: 10, seed: 1))
        #expect(result.family(.substitution) == nil)
        #expect(result.families.count == Perturbation.allCases.count - 1)
        #expect(result.notes.contains { $0.contains("substitution") })
        #expect(result.chapters == 3)
        #expect(result.notes.contains { $0.contains("10 chapters asked for, the corpus has 3") })
    }

    @Test func aNovelWithoutAChapterIsAnErrorNamingIt() {
        let short = MetricsValidation.Novel(name: "short", source: "corpus/short.txt", text: "A few words only.")
        #expect(throws: MetricsValidationError.tooShort(source: "corpus/short.txt", words: 4)) {
            try MetricsValidation.run([Self.novels[0], short], options: .init())
        }
    }

    @Test func drawTakesFromEachNovelInTurn() {
        let drawn = MetricsValidation.draw([10, 2, 5], samples: 9, seed: 1)
        #expect(drawn.count == 9)
        #expect(Set(drawn.map { "\($0.novel)/\($0.chapter)" }).count == 9, "no chapter twice")
        #expect(drawn.filter { $0.novel == 1 }.count == 2)
        #expect(Set([drawn.filter { $0.novel == 0 }.count, drawn.filter { $0.novel == 2 }.count]) == [3, 4])
        #expect(MetricsValidation.draw([3, 2], samples: Int.max, seed: 1).count == 5)
    }

    @Test func reportsRenderEveryFamily() throws {
        let result = try MetricsValidation.run(Self.novels, options: .init(samples: 2, seed: 1))
        let terminal = MetricsValidationReport.terminal(result)
        #expect(terminal.contains("Discrimination") && terminal.contains("Invariance") && terminal.contains("novels: harbour (1 of 3 chapters)"))
        let markdown = MetricsValidationReport.markdown(result)
        #expect(markdown.contains("| metric | sentence-order |") && markdown.contains("| quality within ±0.2 |"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(MetricsValidationReport.json(result).utf8)) as? [String: Any])
        #expect((json["families"] as? [[String: Any]])?.count == 11)
        #expect(json["seed"] as? Int == 1 && json["chapters"] as? Int == 2)
    }
}
