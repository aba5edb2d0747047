import Testing
import WorkbenchCore
@testable import Quality

/// Synthetic prose with what every perturbation looks for: two names, he and she,
/// contractions (straight and curly), connectives, auxiliaries, antonyms, synonyms, commas,
/// semicolons, dashes, dialogue and abbreviations.
enum SyntheticProse {
    static let sentences = [
        "Mara walked down to the harbour because the wind had turned cold.",
        "Tobias said that he didn't know the way; it was late, and the lamps were dark.",
        "She was happy before the storm came—then the bells rang over the town.",
        "“I can’t stay,” Mara said, and the old man looked at Tobias.",
        "Tobias was afraid of the big ship, so he stayed on the quay.",
        "After supper, Mara remembered the letter that Tobias had hidden.",
        "It's a strange thing, she thought, to wish for the sea.",
        "Mr. Hale answered quickly, but Tobias did not understand him.",
        "The gulls circled the masts and the rope creaked against the stone.",
        "I'm sure the tide will turn before morning, Tobias thought.",
        "Mara counted the lanterns on the pier, one by one.",
    ]

    /// `paragraphs` paragraphs of four sentences each, drawn in a fixed pattern from `offset`.
    static func chapter(paragraphs: Int = 12, offset: Int = 0) -> String {
        (0..<paragraphs).map { paragraph in
            (0..<4).map { sentences[(offset + paragraph * 3 + $0 * 5) % sentences.count] }.joined(separator: " ")
        }.joined(separator: "\n\n") + "\n"
    }

    static let donor = """
        The carriage rolled through the village in the grey light of morning.

        Nobody in the house had slept; the doctor came twice, and twice he went away again.
        """

    /// Words as the analyser counts them.
    static func words(_ text: String) -> Int { TextScanner.scan(text).wordCount }

    /// The paragraphs (blocks between blank lines) of a text, as the perturbations split it.
    static func paragraphs(of text: String) -> [String] {
        let prose = ProseText(text)
        return prose.paragraphs.map { String(decoding: prose.bytes[$0], as: UTF8.self) }
    }

    /// The words of a text, as the perturbations split it.
    static func tokens(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return ProseBytes.words(bytes, in: 0..<bytes.count).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    /// The sentences of a text, as the perturbations split it.
    static func sentences(of text: String) -> [String] {
        let prose = ProseText(text)
        return prose.sentences.joined().map { String(decoding: prose.bytes[$0], as: UTF8.self) }
    }
}

@Suite struct PerturbationTests {
    let chapter = SyntheticProse.chapter()

    @Test(arguments: Perturbation.allCases)
    func appliesDiffersAndIsDeterministic(_ perturbation: Perturbation) throws {
        let donor = perturbation.needsDonor ? SyntheticProse.donor : nil
        let first = try perturbation.apply(to: chapter, seed: 3, donor: donor).get()
        #expect(first != chapter)
        #expect(perturbation.perturb(chapter, seed: 3, donor: donor) == first, "the same seed gives the same text")
        // Some other seed gives another text (each family draws something at random but connectives and contractions).
        let others = (4..<12).compactMap { perturbation.perturb(chapter, seed: $0, donor: donor) }
        #expect(others.count == 8)
        if ![.connectives, .contractions].contains(perturbation) {
            #expect(others.contains { $0 != first }, "\(perturbation) ignores its seed")
        }
    }

    @Test(arguments: Perturbation.allCases.filter { $0.kind == .invariance })
    func invarianceKeepsTheWordCountRoughly(_ perturbation: Perturbation) throws {
        let perturbed = try perturbation.apply(to: chapter, seed: 1).get()
        let before = SyntheticProse.words(chapter), after = SyntheticProse.words(perturbed)
        #expect(abs(after - before) * 20 <= before, "\(before) → \(after) words")
        #expect(Paragraphs.split(perturbed).count == Paragraphs.split(chapter).count)
    }

    @Test func kindsAndNamesAreTheCommandLine() {
        #expect(Perturbation.allCases.filter { $0.kind == .discrimination }.map(\.rawValue)
                == ["sentence-order", "paragraph-order", "substitution", "repetition", "character-confusion", "negation", "connectives"])
        #expect(Perturbation.allCases.filter { $0.kind == .invariance }.map(\.rawValue) == ["typos", "contractions", "punctuation", "synonyms"])
        #expect(Perturbation(rawValue: "sentence-order") == .sentenceOrder)
    }

    // MARK: Discrimination

    @Test func sentenceOrderShufflesWithinParagraphsOnly() throws {
        let perturbed = try Perturbation.sentenceOrder.apply(to: chapter, seed: 1).get()
        #expect(SyntheticProse.sentences(of: perturbed).sorted() == SyntheticProse.sentences(of: chapter).sorted())
        #expect(SyntheticProse.words(perturbed) == SyntheticProse.words(chapter))
        // Every paragraph keeps its own sentences.
        let before = SyntheticProse.paragraphs(of: chapter).map { SyntheticProse.sentences(of: $0).sorted() }
        let after = SyntheticProse.paragraphs(of: perturbed).map { SyntheticProse.sentences(of: $0).sorted() }
        #expect(before == after)
    }

    @Test func sentenceOrderAlwaysChangesTwoSentences() throws {
        // Two sentences: a permutation of two is the identity half the time; never here.
        for seed in UInt64(0)..<20 {
            #expect(Perturbation.sentenceOrder.apply(to: "First one here. Second one there.", seed: seed) == .success("Second one there. First one here."))
        }
    }

    @Test func sentenceOrderNeedsAParagraphWithTwoDifferentSentences() {
        #expect(Perturbation.sentenceOrder.apply(to: "One sentence.\n\nAnother paragraph.\n", seed: 1) == .failure(.tooFewSentences))
        #expect(Perturbation.sentenceOrder.apply(to: "Again. Again. Again.", seed: 1) == .failure(.tooFewSentences))
    }

    @Test func paragraphOrderShufflesWholeParagraphs() throws {
        let perturbed = try Perturbation.paragraphOrder.apply(to: chapter, seed: 1).get()
        #expect(SyntheticProse.paragraphs(of: perturbed).sorted() == SyntheticProse.paragraphs(of: chapter).sorted())
        #expect(SyntheticProse.paragraphs(of: perturbed) != SyntheticProse.paragraphs(of: chapter))
        #expect(Perturbation.paragraphOrder.apply(to: "Only one paragraph. With two sentences.", seed: 1) == .failure(.tooFewParagraphs))
        #expect(Perturbation.paragraphOrder.apply(to: "Same.\n\nSame.\n", seed: 1) == .failure(.tooFewParagraphs))
        for seed in UInt64(0)..<10 {
            #expect(Perturbation.paragraphOrder.perturb("A one.\n\nB two.\n", seed: seed) == "B two.\n\nA one.\n")
        }
    }

    @Test func substitutionTakesAQuarterOfTheSentencesFromTheDonor() throws {
        let perturbed = try Perturbation.substitution.apply(to: chapter, seed: 1, donor: SyntheticProse.donor).get()
        let before = SyntheticProse.sentences(of: chapter), after = SyntheticProse.sentences(of: perturbed)
        #expect(after.count == before.count)
        let donorSentences = Set(SyntheticProse.sentences(of: SyntheticProse.donor).map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") })
        let replaced = zip(before, after).filter { $0 != $1 }
        #expect(replaced.allSatisfy { donorSentences.contains($0.1) })
        #expect(replaced.count == Int((Double(before.count) * 0.25).rounded()))
        // The donor's line break inside a sentence does not come along.
        #expect(SyntheticProse.paragraphs(of: perturbed).count == SyntheticProse.paragraphs(of: chapter).count)
        #expect(Perturbation.substitution.apply(to: chapter, seed: 1) == .failure(.noDonor))
        #expect(Perturbation.substitution.apply(to: chapter, seed: 1, donor: "Too short. No.") == .failure(.noDonor))
    }

    @Test func repetitionRepeatsSentencesAndAParagraph() throws {
        let perturbed = try Perturbation.repetition.apply(to: chapter, seed: 1).get()
        let before = SyntheticProse.sentences(of: chapter), after = SyntheticProse.sentences(of: perturbed)
        #expect(after.count > before.count)
        #expect(zip(after, after.dropFirst()).contains { $0 == $1 }, "a sentence right after itself")
        #expect(SyntheticProse.paragraphs(of: perturbed).count == SyntheticProse.paragraphs(of: chapter).count + 1, "one paragraph copied")
        // 15% of 48 sentences: 7 repeated, plus the copied paragraph's 4.
        #expect(after.count == before.count + 7 + 4)
    }

    @Test func characterConfusionSwapsTheTwoNamesAndSomePronouns() throws {
        let perturbed = try Perturbation.characterConfusion.apply(to: chapter, seed: 1).get()
        func count(_ word: String, _ text: String) -> Int {
            text.lowercased().split { !$0.isLetter }.filter { $0 == word }.count
        }
        #expect(count("mara", perturbed) + count("tobias", perturbed) == count("mara", chapter) + count("tobias", chapter))
        #expect(count("he", perturbed) + count("she", perturbed) == count("he", chapter) + count("she", chapter))
        let pronouns: Set<String> = ["he", "He", "she", "She"]
        #expect(zip(SyntheticProse.tokens(chapter), SyntheticProse.tokens(perturbed)).contains { pronouns.contains($0) && $0 != $1 }, "some pronouns swapped")
        // Only names and pronouns changed.
        func masked(_ text: String) -> [String] {
            SyntheticProse.tokens(text).map { ["Mara", "Tobias", "he", "He", "she", "She"].contains($0) ? "_" : $0 }
        }
        #expect(masked(perturbed) == masked(chapter))
        #expect(Perturbation.characterConfusion.apply(to: "The sea was grey. It rained all day.", seed: 1) == .failure(.tooFewNames))
    }

    @Test func characterConfusionFindsNamesNotSentenceInitialWords() throws {
        // "The" and "When" open sentences; Anna and Karl (three mentions each where a capital
        // is no sentence's doing) are the names, one with a possessive.
        let text = "The boat left when Anna waved. When Karl saw it, Anna’s hat blew off. The wind took Karl's cap and Anna laughed at Karl."
        let perturbed = try Perturbation.characterConfusion.apply(to: text, seed: 2).get()
        func masked(_ text: String) -> String { text.replacingOccurrences(of: "Anna", with: "_").replacingOccurrences(of: "Karl", with: "_") }
        #expect(masked(perturbed) == masked(text), "\(perturbed)")
        let swapped = zip(SyntheticProse.tokens(text), SyntheticProse.tokens(perturbed)).filter { $0 != $1 }
        #expect(swapped.count == 3, "half of six mentions: \(perturbed)")
    }

    @Test func negationAddsOrRemovesNotAndSwapsAntonyms() throws {
        #expect(Perturbation.negation.perturb("He was ready.", seed: 1) == "He was not ready.")
        #expect(Perturbation.negation.perturb("She did not go.", seed: 1) == "She did go.")
        #expect(Perturbation.negation.perturb("They didn't go.", seed: 1) == "They did go.")
        #expect(Perturbation.negation.perturb("A cold night came.", seed: 1) == "A hot night came.")
        #expect(Perturbation.negation.apply(to: "Birds sing in trees.", seed: 1) == .failure(.nothingToChange))
        // A fifth of the sentences, rounded: 10 of 48.
        let perturbed = try Perturbation.negation.apply(to: chapter, seed: 1).get()
        let changed = zip(SyntheticProse.sentences(of: chapter), SyntheticProse.sentences(of: perturbed)).filter { $0 != $1 }.count
        #expect(changed == 10)
    }

    @Test func connectivesSwapCauseAndTime() throws {
        #expect(Perturbation.connectives.perturb("He left because it rained. Before dinner, she read, so he slept.", seed: 1)
                == "He left so it rained. After dinner, she read, because he slept.")
        #expect(Perturbation.connectives.perturb("Then they went home.", seed: 1) == "Earlier they went home.")
        #expect(Perturbation.connectives.apply(to: "They went home.", seed: 1) == .failure(.nothingToChange))
        #expect(Perturbation.connectives.apply(to: "So many birds.", seed: 1) != .failure(.nothingToChange))
    }

    // MARK: Invariance

    @Test func typosChangeAboutThreePercentOfTheWords() throws {
        let perturbed = try Perturbation.typos.apply(to: chapter, seed: 1).get()
        let before = SyntheticProse.tokens(chapter), after = SyntheticProse.tokens(perturbed)
        #expect(before.count == after.count)
        let changed = zip(before, after).filter { $0 != $1 }
        #expect(changed.count == Int((Double(before.count) * 0.03).rounded()))
        // A typo keeps the first and last letters and loses at most one letter.
        for (original, typo) in changed {
            #expect(original.first == typo.first && original.last == typo.last)
            #expect(original.count - typo.count <= 1)
        }
        #expect(Perturbation.typos.apply(to: "A cat sat on a mat.", seed: 1) == .failure(.nothingToChange))
    }

    @Test func contractionsExpandWithBothApostrophes() {
        #expect(Perturbation.contractions.perturb("I'm sure you don't know. Don’t go; it’s late, and we can’t.", seed: 1)
                == "I am sure you do not know. Do not go; it is late, and we cannot.")
        #expect(Perturbation.contractions.perturb("DON'T!", seed: 1) == "DO NOT!")
        #expect(Perturbation.contractions.apply(to: "Emma’s hat was blue.", seed: 1) == .failure(.nothingToChange))
    }

    @Test func punctuationTouchesOnlyPunctuation() throws {
        let perturbed = try Perturbation.punctuation.apply(to: chapter, seed: 1).get()
        #expect(perturbed.filter(\.isLetter) == chapter.filter(\.isLetter))
        #expect(perturbed.count <= chapter.count + chapter.filter { $0 == "—" }.count)
        #expect(Perturbation.punctuation.perturb("It was late; the lamps were out.", seed: 1) == "It was late, the lamps were out.")
        #expect(Perturbation.punctuation.perturb("He came—at last—home.", seed: 5) != nil)
        #expect(Perturbation.punctuation.apply(to: "No commas here.", seed: 1) == .failure(.nothingToChange))
    }

    @Test func synonymsSwapListedWordsKeepingCase() throws {
        #expect(Perturbation.synonyms.perturb("Big ships.", seed: 1) == "Large ships.")
        let perturbed = try Perturbation.synonyms.apply(to: chapter, seed: 1).get()
        #expect(SyntheticProse.words(perturbed) == SyntheticProse.words(chapter))
        #expect(perturbed.contains("replied") || perturbed.contains("large") || perturbed.contains("frightened"))
        #expect(Perturbation.synonyms.apply(to: "The gulls circled.", seed: 1) == .failure(.nothingToChange))
        #expect(Perturber.synonymPairs.count >= 40)
    }

    @Test func listsHoldEachWordOnce() {
        // The dictionaries are built with uniqueKeysWithValues: a word in two pairs would trap.
        #expect(Perturber.synonyms.count == Perturber.synonymPairs.count * 2)
        #expect(Perturber.antonyms.count == Perturber.antonymPairs.count * 2)
    }

    @Test func emptyAndWordlessTextsAreNeverPerturbed() {
        for perturbation in Perturbation.allCases {
            for text in ["", "\n\n", "* * *"] {
                #expect(perturbation.perturb(text, seed: 1, donor: SyntheticProse.donor) == nil, "\(perturbation) on \(text.debugDescription)")
            }
        }
    }

    /// Texts made of the pieces every rule looks at, in random order: no perturbation and
    /// no chapter cut may trap on any of them, and every result differs from its input.
    @Test func arbitraryTextNeverTraps() {
        let pieces = ["Mr.", "“", "”", "’", "'", "\"", "—", "--", "…", ".", "!", "?", " ", " ", "\n", "\n\n", "\r\n", "\t", "A", "a", "é",
                      "😀", "don't", "can’t", "Emma", "Karl’s", "he", "She", "not", "was", "cold", "said", "before", "so", ",", ";", "*", "(",
                      "[Illustration", "]", "CHAPTER I", "XII", "\u{A0}", "word", "Longer", "x", "\u{0301}", "\u{FEFF}"]
        var rng = SeededGenerator(seed: 14)
        for _ in 0..<300 {
            let text = (0..<rng.below(60)).map { _ in pieces[rng.below(pieces.count)] }.joined()
            let donor = (0..<rng.below(30)).map { _ in pieces[rng.below(pieces.count)] }.joined()
            for perturbation in Perturbation.allCases {
                if let perturbed = perturbation.perturb(text, seed: rng.next(), donor: donor) {
                    #expect(perturbed != text)
                }
            }
            _ = NovelChapters.cut(text, targetWords: 5, minimumWords: 2)
        }
    }

    // MARK: Sentences

    @Test func sentencesRespectAbbreviationsQuotesAndLowercaseContinuations() {
        #expect(SyntheticProse.sentences(of: "Mr. Hale came in. He sat down.") == ["Mr. Hale came in.", "He sat down."])
        #expect(SyntheticProse.sentences(of: "“Is it late?” she asked. “Yes.” He went.") == ["“Is it late?” she asked.", "“Yes.”", "He went."])
        #expect(SyntheticProse.sentences(of: "Oh! how kind you are. J. K. Smith wrote it… Then he slept!") == ["Oh! how kind you are.", "J. K. Smith wrote it…", "Then he slept!"])
        #expect(SyntheticProse.sentences(of: "It was I. Nobody else.") == ["It was I.", "Nobody else."])
        #expect(SyntheticProse.sentences(of: "No end here") == ["No end here"])
        #expect(SyntheticProse.sentences(of: "Wait!—then go. (Quietly.) Done.") == ["Wait!—then go.", "(Quietly.)", "Done."])
    }
}

@Suite struct NovelChapterTests {
    /// `count` words of plain prose in paragraphs of fifty (five sentences of ten words).
    static func prose(words count: Int) -> String {
        let sentence = "The ship sailed over the grey water toward the town."
        return (0..<(count / 50)).map { _ in Array(repeating: sentence, count: 5).joined(separator: " ") }.joined(separator: "\n\n")
    }

    @Test func cutsAtHeadingsAndDropsFrontMatter() {
        let novel = """
            The Project Gutenberg eBook of A Test
            Nothing of this is the novel.
            *** START OF THE PROJECT GUTENBERG EBOOK A TEST ***

            A TEST

            by Someone

            CONTENTS

            Chapter I. The Harbour
            Chapter II. The Storm



            CHAPTER I.
            The Harbour


            \(Self.prose(words: 1000))

            [Illustration:

            “A drawing”

            [_Copyright_]]

            Part of the chapter still, however it starts.

            \(Self.prose(words: 500))


            Chapter 2


            \(Self.prose(words: 900))

            BOOK THE SECOND--THE TIDE

            VOLUME II

            IV

            \(Self.prose(words: 1200))

            Letter 5

            \(Self.prose(words: 300))

            *** END OF THE PROJECT GUTENBERG EBOOK A TEST ***
            Licence text that is not the novel, a thousand words of it would still not count.
            """
        let chapters = NovelChapters.cut(novel)
        #expect(chapters.map(\.title) == ["CHAPTER I.", "Chapter 2", "IV"])
        #expect(chapters.map(\.words) == [1000 + 500 + 8, 900, 1200])
        #expect(!chapters[0].text.contains("Harbour") && !chapters[0].text.contains("Illustration") && !chapters[0].text.contains("drawing"))
        #expect(chapters[0].text.hasPrefix("The ship sailed"))
        #expect(chapters.allSatisfy { !$0.text.contains("Licence") && !$0.text.contains("CONTENTS") })
        #expect(chapters[0].line == 20)
        #expect(novel.split(separator: "\n", omittingEmptySubsequences: false)[chapters[1].line - 1].hasPrefix("The ship sailed"))
    }

    @Test func textBeforeTheFirstHeadingIsAChapterWhenLongEnough() {
        let novel = Self.prose(words: 1000) + "\n\n\nCHAPTER II\n\n\n" + Self.prose(words: 1000) + "\n"
        let chapters = NovelChapters.cut(novel)
        #expect(chapters.map(\.title) == [nil, "CHAPTER II"])
        #expect(chapters.map(\.line) == [1, 45])
    }

    @Test func withoutHeadingsCutsByLengthOnParagraphs() {
        #expect(NovelChapters.cut(Self.prose(words: 7000)).map(\.words) == [3000, 3000, 1000])
        // A last piece under 800 words joins the one before.
        #expect(NovelChapters.cut(Self.prose(words: 6500)).map(\.words) == [3000, 3500])
        #expect(NovelChapters.cut(Self.prose(words: 7000)).allSatisfy { $0.title == nil && $0.text.hasPrefix("The ship") && $0.text.hasSuffix("town.") })
        // One heading gives one chapter: cut by length, without the heading.
        let one = NovelChapters.cut("CHAPTER I\n\n" + Self.prose(words: 7000))
        #expect(one.map(\.words) == [3000, 3000, 1000])
        #expect(one[0].text.hasPrefix("The ship") && one[0].line == 3)
    }

    @Test func aVeryLongChapterIsCutFurther() {
        let novel = "CHAPTER I\n\n" + Self.prose(words: 10000) + "\n\nCHAPTER II\n\n" + Self.prose(words: 1000)
        #expect(NovelChapters.cut(novel).map(\.words) == [3000, 3000, 3000, 1000, 1000])
    }

    @Test func aTextWithoutParagraphBreaksIsCutAtSentencesThenWords() {
        let sentence = "The ship sailed over the grey water toward the town."
        let oneParagraph = NovelChapters.cut(Array(repeating: sentence, count: 1000).joined(separator: " "))
        #expect(oneParagraph.map(\.words) == [3000, 3000, 3000, 1000])
        #expect(oneParagraph.allSatisfy { $0.text.hasPrefix("The ship") && $0.text.hasSuffix("town.") })
        let noSentences = NovelChapters.cut(Array(repeating: "water", count: 10000).joined(separator: " "))
        #expect(noSentences.map(\.words) == [3000, 3000, 3000, 1000])
        #expect(noSentences.allSatisfy { $0.text.hasPrefix("water") && $0.text.hasSuffix("water") && $0.line == 1 })
    }

    @Test func tooShortGivesNothing() {
        #expect(NovelChapters.cut(Self.prose(words: 700)).isEmpty)
        #expect(NovelChapters.cut("").isEmpty)
        #expect(NovelChapters.cut("CHAPTER I\n\nA few words.\n\nCHAPTER II\n\nAnd a few more.").isEmpty)
    }

    @Test(arguments: [
        ("CHAPTER IV.", false), ("Chapter 12", false), ("BOOK ONE", false), ("Book the Second--the Golden Thread", false),
        ("Letter 1", false), ("Second Epoch", false), ("VOLUME II", false), ("XII", true), ("7.", true),
        ("THE STORY BEGUN BY WALTER HARTRIGHT", true),
    ] as [(String, Bool)])
    func headings(_ line: String, standalone: Bool) {
        #expect(NovelChapters.headingKind(line) == standalone)
    }

    @Test(arguments: ["Part of her meaning was to conceal it.", "chapter one", "MY DEAR MADAM,", "CHARADE.", "I said so.", "The End of it"])
    func notHeadings(_ line: String) {
        #expect(NovelChapters.headingKind(line) == nil)
    }
}
