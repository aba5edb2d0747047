import Foundation
import Testing
@testable import Continuity

/// Hand-written clean chapters with a small cast: what the seeded injection needs, in miniature.
let cleanChapters: [ChapterText] = (1...4).map { number in
    let paragraphs = [
        "The rain had not stopped since dawn. Marcus Hale came down early, and Marcus said he had slept badly; Clara Marsh laughed at him, and Clara said she had slept well.",
        "Edward Crane walked in from the yard with the post. Edward said he would ride out after breakfast. Marcus nodded, and Clara smiled at the fire.",
        "Mrs Crane arrived with bread and butter. Mrs Crane said the roads were flooded past the bridge. Marcus laughed, and Edward turned to the window.",
        "Nobody spoke for a while. The clock in the hall struck nine, then ten, and the rain went on against the glass.",
        "Later that morning Clara walked along the lane with Edward, and Edward said the river was higher than he had ever seen it.",
        "In the afternoon the post boy came again, wet through. Mrs Crane said he should sit by the stove until he was dry.",
    ]
    return ChapterText(number: number, text: paragraphs.joined(separator: "\n\n"))
}

@Suite struct MeasurementTests {
    /// The clean chapters raise no flag; with one contradiction of each type injected (three
    /// seeds), the checks find them and flag nothing else.
    @Test func seededInjectionOnHandWrittenChapters() throws {
        #expect(violations(cleanChapters.map(\.text)).isEmpty)
        var total = DetectionScore()
        for seed: UInt64 in [1, 2, 3] {
            let book = ContradictionInjector(seed: seed).inject(into: cleanChapters)
            #expect(book.skipped.isEmpty)
            #expect(book.contradictions.count == ViolationType.allCases.count)
            let (score, found) = ContinuityMeasurement.score(book)
            #expect(score.flagsWithBothQuotes == score.flags)
            for contradiction in book.contradictions where !found.contains(where: contradiction.isFound) {
                Issue.record("seed \(seed): \(contradiction.type) at \(contradiction.contradicting) not found: \(contradiction.sentence)")
            }
            total.add(score)
        }
        #expect(total.recall >= 0.8, "recall \(total.recall)")
        #expect(total.precision >= 0.9, "precision \(total.precision)")
    }

    @Test func injectionIsFixedBySeed() {
        let a = ContradictionInjector(seed: 7).inject(into: cleanChapters)
        let b = ContradictionInjector(seed: 7).inject(into: cleanChapters)
        let c = ContradictionInjector(seed: 8).inject(into: cleanChapters)
        #expect(a.chapters == b.chapters && a.contradictions == b.contradictions)
        #expect(a.chapters != c.chapters)
    }

    /// Alias merging on seeded casts of families (couples and daughters sharing a surname).
    @Test func aliasMergingF1OnSeededSets() {
        for seed: UInt64 in [11, 12, 13] {
            let set = ContinuityMeasurement.aliasSet(seed: seed)
            let cast = PatternExtractor().cast(of: set.chapters)
            let score = ContinuityMeasurement.aliasF1(cast: cast, gold: set.gold)
            print("alias seed \(seed): \(set.gold.count) forms, precision \(String(format: "%.3f", score.precision)), recall \(String(format: "%.3f", score.recall)), F1 \(String(format: "%.3f", score.f1))")
            #expect(score.f1 >= 0.9, "seed \(seed): precision \(score.precision), recall \(score.recall)")
        }
    }

    @Test func aliasMergingKeepsSharedSurnamesApart() throws {
        let text = "Then Marcus Hale nodded, and Marcus said he was cold. Later Mr Hale laughed and he left. Soon Mrs Hale smiled, and she sat down. After that Hale frowned. Once more Marcus smiled, and he waited. Soon Margaret Hale said she would go; Margaret laughed, and she went."
        let cast = PatternExtractor().cast(of: [ChapterText(number: 1, text: text)])
        let marcus = try #require(cast.entity(named: "Marcus Hale"))
        #expect(cast.entity(named: "Mr Hale")?.id == marcus.id)
        #expect(cast.entity(named: "Marcus")?.id == marcus.id)
        #expect(cast.entity(named: "Mrs Hale")?.id != marcus.id)
        #expect(cast.entity(named: "Margaret")?.id == cast.entity(named: "Margaret Hale")?.id)
        // Three Hales: the bare surname is not guessed.
        #expect(cast.entity(named: "Hale") == nil && cast.ambiguous[NameForm(parsing: "Hale")] != nil)
        #expect(marcus.gender == .male && Set(marcus.aliases) == ["Marcus", "Mr Hale"])
    }

    /// The measurement on the shared corpus (seven novels beside the repository), printed per
    /// seed. `CONTINUITY_SEEDS=1,2,3` picks the seeds; without the corpus the test fails.
    @Test func corpusRecallAndPrecision() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus").standardized
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".txt") }).sorted(), !files.isEmpty else {
            Issue.record("the shared corpus is missing at \(folder.path): this test reads ../shared/corpus beside the repository")
            return
        }
        let novels = try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
        let seeds = (ProcessInfo.processInfo.environment["CONTINUITY_SEEDS"] ?? "1").split(separator: ",").compactMap { UInt64($0) }
        for seed in seeds {
            let score = ContinuityMeasurement.corpus(novels: novels, seed: seed)
            let types = ViolationType.allCases.map { "\($0.rawValue) \(score.foundByType[$0, default: 0])/\(score.injectedByType[$0, default: 0])" }.joined(separator: ", ")
            print("continuity seed \(seed): injected \(score.injected), found \(score.found) (recall \(String(format: "%.3f", score.recall))), flags \(score.flags), correct \(score.correctFlags) (precision \(String(format: "%.3f", score.precision))), with both quotes \(score.flagsWithBothQuotes); \(types)")
            #expect(score.injected >= 200)
            #expect(score.flagsWithBothQuotes == score.flags)
            #expect(score.recall >= 0.8, "seed \(seed): recall \(score.recall)")
            #expect(score.precision >= 0.9, "seed \(seed): precision \(score.precision)")
        }
    }
}
