import Testing
import WorkbenchCore

/// An outline's `target_words` was bounded below only: 6.2e18 words reached the generator's
/// token arithmetic (`Int(Double(words) * 1.5)`) and trapped. It now has the range an
/// experiment's `words_per_chapter` has, named in the problem.
@Suite struct OutlineBoundsTests {
    static func outline(words: Int) -> Outline {
        Outline(title: "T", logline: "L", obsession: "the letter", setting: "S", characters: [BookCharacter(name: "Mara")],
                chapters: [ChapterSpec(number: 1, title: "One", beats: ["a beat"], targetWords: words)])
    }

    @Test func targetWordsHasTheExperimentsRange() {
        #expect(ChapterSpec.targetWordsRange == 50...20_000)
        #expect(Self.outline(words: 50).problems(expectedChapters: 1).isEmpty)
        #expect(Self.outline(words: 20_000).problems(expectedChapters: 1).isEmpty)
        #expect(Self.outline(words: 49).problems(expectedChapters: 1) == ["chapters[0].target_words is 49, at least 50 expected"])
        #expect(Self.outline(words: 20_001).problems(expectedChapters: 1) == ["chapters[0].target_words is 20001, at most 20000 expected"])
        #expect(Self.outline(words: 6_200_000_000_000_000_000).problems(expectedChapters: 1) == ["chapters[0].target_words is 6200000000000000000, at most 20000 expected"])
        #expect(Self.outline(words: .min).problems(expectedChapters: 1).count == 1)
    }
}
