import Foundation
import LLM
import Quality
import Style
import Testing
@testable import Simulator
import WorkbenchCore

/// The style surface (issue #16): under a `StylePrompt` block the simulator's chapters match the
/// author's profile and its stated features; without one, nothing changes.
@Suite struct StyleTransferTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus").standardized

    struct Chapter {
        var title: String
        var beats: [String]
        var characters: String
        var obsession: String
        var setting: String
    }

    static let chapters = [
        Chapter(title: "The Lighthouse Ledger", beats: ["Anna finds the keeper's ledger", "Tomas refuses to read it", "a storm cuts the road"],
                characters: "Anna, Tomas, Ines", obsession: "the missing keeper", setting: "a fishing village on a northern coast"),
        Chapter(title: "Salt Accounts", beats: ["Marcus counts the debts", "Clara arrives with a letter", "the bank closes its doors"],
                characters: "Marcus, Clara", obsession: "the sealed letter", setting: "a harbour town in winter"),
        Chapter(title: "The Orchard Wall", beats: ["Nell climbs the wall at night", "a lantern moves among the trees", "Felix keeps watch"],
                characters: "Nell, Felix, Agnes", obsession: "the drowned bell", setting: "an estate of orchards and mills"),
        Chapter(title: "A Ticket North", beats: ["Hugo buys a ticket he cannot afford", "Ruth follows him to the station", "the train is late"],
                characters: "Hugo, Ruth", obsession: "the stolen compass", setting: "a railway town on the edge of the moor"),
        Chapter(title: "The Vestry Door", beats: ["Edith finds the vestry unlocked", "the parish register is missing a page", "Jonah lies about the key"],
                characters: "Edith, Jonah, Peter", obsession: "the torn register", setting: "a chapel above a flooded valley"),
        Chapter(title: "Ferry Weather", beats: ["Iris waits for the ferry", "Leo brings news from the island", "they cross in fog"],
                characters: "Iris, Leo", obsession: "the lighthouse that went dark", setting: "a river crossing at the estuary"),
    ]

    /// Experiments/prompts/v1/chapter.mustache, filled in.
    static func prompt(_ chapter: Chapter, number: Int, words: Int = 2500) -> String {
        """
        You are writing chapter \(number) of 12 of the novel "The Keeper's Year" (a village waits for a keeper who never returns).
        Setting: \(chapter.setting)
        Characters: \(chapter.characters).
        Obsession: \(chapter.obsession).

        Chapter \(number), "\(chapter.title)". Beats, in order:
        \(chapter.beats.map { "- \($0)" }.joined(separator: "\n"))

        Write about \(words) words of this chapter in the third person, past tense. Use vivid detail,
        deepen emotion, include dialogue and stay with the obsession. Avoid repetition. Write only
        the chapter's prose, no headings.
        """
    }

    static func content(_ chapter: Chapter) -> String {
        ([chapter.title, chapter.setting, chapter.characters] + chapter.beats).joined(separator: "\n")
    }

    static func write(_ prompt: String, seed: UInt64) -> String {
        SimulatorWriter(serverSeed: 1).respond(to: CompletionRequest(messages: [ChatMessage(.user, prompt)], maxTokens: 4000, seed: seed, task: .generate)).text
    }

    static func profile(_ file: String) throws -> StyleProfile? {
        let url = folder.appendingPathComponent(file)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("the shared corpus is missing at \(folder.path): this test reads ../shared/corpus beside the repository")
            return nil
        }
        return try StyleProfile.build(from: text, file: file)
    }

    static func eightWordRuns(_ text: String) -> Set<String> {
        let words = StyledProse.words(of: text)
        guard words.count >= 8 else { return [] }
        return Set((0...(words.count - 8)).map { words[$0..<($0 + 8)].joined(separator: " ") })
    }

    /// Chapter lengths measured: the standard regression suite's ~250 words up to chapter.mustache's 2,500.
    static let lengths = [250, 600, 1200, 2500]

    /// Seven corpus novels (three third-person, four first-person narrations), six chapters
    /// each at every length of `lengths`, with and without the block: 42 chapters per condition
    /// and length. At every length at least 70% of the styled chapters match their author
    /// (against the author's own spread for windows of that length) and, from 600 words, at
    /// most 10% of the unstyled ones; at 2,500 words the styled chapters also meet the feature
    /// targets (all but at most one chapter per target). The
    /// styled chapters must read about as well as the unstyled ones by Quality's measure: a
    /// mean fluency score of 8 or more and a composite within a point of the unstyled chapters'.
    @Test func styledChaptersMatchTheirAuthor() throws {
        let authors = ["austen-emma.txt", "austen-pride-and-prejudice.txt", "bronte-jane-eyre.txt", "collins-woman-in-white.txt", "dickens-great-expectations.txt", "dickens-tale-of-two-cities.txt", "shelley-frankenstein.txt"]
        struct Tally {
            var styledMatches = 0, plainMatches = 0, count = 0
            /// Per condition (styled, unstyled): sums of the Quality figures.
            var fluency = [0.0, 0.0], fluencyScore = [0.0, 0.0], quality = [0.0, 0.0], coherence = [0.0, 0.0], repetition = [0.0, 0.0], diversity = [0.0, 0.0]
            var percentiles: [Double] = []
            var deltas = [0.0, 0.0], thresholds = 0.0
            /// Chapters whose styled Delta is below the unstyled one's.
            var closer = 0
            mutating func add(_ report: QualityReport, _ condition: Int) {
                fluency[condition] += report["fluency"] ?? 0
                fluencyScore[condition] += report.metric("fluency")?.score ?? 0
                quality[condition] += report.quality
                coherence[condition] += report["coherence"] ?? 0
                repetition[condition] += report["repetition"] ?? 0
                diversity[condition] += report["lexical_diversity"] ?? 0
            }
        }
        var tallies = [Tally](repeating: Tally(), count: Self.lengths.count)
        var sentenceMisses = 0, dialogueMisses = 0, paragraphMisses = 0, copies = 0, voiceMisses = 0
        for author in authors {
            guard let profile = try Self.profile(author) else { return }
            let own = profile.features
            var rows: [String] = []
            var sentenceMeans: [Double] = [], dialogue: [Double] = [], paragraphWords: [Double] = [], paragraphSentences: [Double] = []
            var deltas: [Double] = [], plainDeltas: [Double] = []
            for (index, chapter) in Self.chapters.enumerated() {
                let exemplars = profile.exemplars(farFrom: Self.content(chapter))
                let block = StylePrompt.render(profile, exemplars: exemplars)
                for (lengthIndex, length) in Self.lengths.enumerated() {
                    let plainPrompt = Self.prompt(chapter, number: index + 1, words: length)
                    let styled = Self.write(plainPrompt + "\n\n" + block, seed: UInt64(index + 1))
                    let plain = Self.write(plainPrompt, seed: UInt64(index + 1))
                    let match = profile.match(styled), plainMatch = profile.match(plain)
                    tallies[lengthIndex].count += 1
                    if match.matches { tallies[lengthIndex].styledMatches += 1 }
                    if plainMatch.matches { tallies[lengthIndex].plainMatches += 1 }
                    tallies[lengthIndex].percentiles.append(match.percentile)
                    tallies[lengthIndex].deltas[0] += match.delta
                    tallies[lengthIndex].deltas[1] += plainMatch.delta
                    tallies[lengthIndex].thresholds += match.threshold
                    if match.delta < plainMatch.delta { tallies[lengthIndex].closer += 1 }
                    tallies[lengthIndex].add(QualityAnalyzer.analyze(styled, context: AnalysisContext(targetWords: length)), 0)
                    tallies[lengthIndex].add(QualityAnalyzer.analyze(plain, context: AnalysisContext(targetWords: length)), 1)
                    let runs = Self.eightWordRuns(styled)
                    if exemplars.contains(where: { !Self.eightWordRuns($0).isDisjoint(with: runs) }) { copies += 1 }
                    guard length == 2500 else { continue }
                    let features = match.features
                    sentenceMeans.append(features.sentenceLength.mean)
                    dialogue.append(features.dialogueShare)
                    paragraphWords.append(features.paragraphWordsMedian)
                    paragraphSentences.append(features.paragraphSentencesMedian)
                    deltas.append(match.delta)
                    plainDeltas.append(plainMatch.delta)
                    if abs(features.sentenceLength.mean - own.sentenceLength.mean) > 0.10 * own.sentenceLength.mean { sentenceMisses += 1 }
                    if abs(features.dialogueShare - own.dialogueShare) > 0.05 { dialogueMisses += 1 }
                    if abs(features.paragraphWordsMedian - own.paragraphWordsMedian) > 0.15 * own.paragraphWordsMedian { paragraphMisses += 1 }
                    if (features.firstPersonShare > 0.5) != (own.firstPersonShare > 0.5) || (features.pastShare >= 0.5) != (own.pastShare >= 0.5) { voiceMisses += 1 }
                    rows.append(String(format: "    ch%d: %d words, delta %.3f (percentile %.0f, threshold %.3f, %@), unstyled %.3f; sentence %.1f (sd %.1f), dialogue %.1f%%, paragraph %.0f words / %.1f sentences, first person %.2f, past %.2f",
                                       index + 1, features.words, match.delta, match.percentile, match.threshold, match.matches ? "match" : "no match", plainMatch.delta,
                                       features.sentenceLength.mean, features.sentenceLength.sd, features.dialogueShare * 100, features.paragraphWordsMedian, features.paragraphSentencesMedian,
                                       features.firstPersonShare, features.pastShare))
                }
            }
            func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
            print(String(format: "style transfer, %@: profile sentence %.1f (sd %.1f), dialogue %.1f%%, paragraph %.0f words / %.0f sentences, first person %.2f, past %.2f",
                         author, own.sentenceLength.mean, own.sentenceLength.sd, own.dialogueShare * 100, own.paragraphWordsMedian, own.paragraphSentencesMedian,
                         own.firstPersonShare, own.pastShare))
            print(String(format: "  styled means at 2,500 words: sentence %.1f, dialogue %.1f%%, paragraph %.1f words / %.1f sentences; delta %.3f vs unstyled %.3f",
                         mean(sentenceMeans), mean(dialogue) * 100, mean(paragraphWords), mean(paragraphSentences), mean(deltas), mean(plainDeltas)))
            rows.forEach { print($0) }
        }
        for (length, tally) in zip(Self.lengths, tallies) {
            let n = Double(tally.count)
            let percentiles = tally.percentiles.sorted()
            print(String(format: "style transfer, %d words: styled %d/%d match (percentile quartiles %.0f/%.0f/%.0f), unstyled %d/%d; Delta %.2f vs unstyled %.2f (threshold %.2f), styled closer in %d; fluency %.1f per 1,000 pairs (score %.2f) vs unstyled %.1f (%.2f); quality %.2f vs %.2f; coherence %.2f vs %.2f; repetition %.4f vs %.4f; lexical diversity %.1f vs %.1f",
                         length, tally.styledMatches, tally.count, percentiles[percentiles.count / 4], percentiles[percentiles.count / 2], percentiles[3 * percentiles.count / 4], tally.plainMatches, tally.count,
                         tally.deltas[0] / n, tally.deltas[1] / n, tally.thresholds / n, tally.closer,
                         tally.fluency[0] / n, tally.fluencyScore[0] / n, tally.fluency[1] / n, tally.fluencyScore[1] / n, tally.quality[0] / n, tally.quality[1] / n,
                         tally.coherence[0] / n, tally.coherence[1] / n, tally.repetition[0] / n, tally.repetition[1] / n, tally.diversity[0] / n, tally.diversity[1] / n))
            #expect(Double(tally.styledMatches) >= 0.7 * n, "\(length) words")
            // The author's own 250-word windows spread so wide that about half of the unstyled
            // chapters fall inside (19 of 42): at that length the styled chapters are held to
            // being closer to the author than the unstyled ones instead.
            if length >= 500 {
                #expect(Double(tally.plainMatches) <= 0.1 * n, "\(length) words")
            } else {
                #expect(Double(tally.closer) >= 0.9 * n, "\(length) words")
            }
            #expect(tally.fluencyScore[0] / n >= 8, "\(length) words")
            #expect(tally.quality[0] / n >= tally.quality[1] / n - 1, "\(length) words")
        }
        print("style transfer at 2,500 words: outside targets: sentence mean \(sentenceMisses), dialogue \(dialogueMisses), paragraph words \(paragraphMisses), point of view or tense \(voiceMisses); chapters copying an exemplar run (any length) \(copies)")
        // The planned sentence lengths and the dialogue share are noisy per request (length scale
        // exp(0.03·z), a long last narration paragraph), so a chapter in 42 may fall just outside
        // (measured over three sets of seeds: 0–1 per target, as before the fluency rule).
        #expect(sentenceMisses <= 1)
        #expect(dialogueMisses <= 1)
        #expect(paragraphMisses <= 1)
        #expect(voiceMisses == 0)
        #expect(copies == 0)
    }

    /// The block's numbers, exemplars and any instruction-like text inside them reach only the
    /// styled writer: not the length, the cast, the obsession or the knobs.
    @Test func theBlockIsReadBackAndNothingElseReadsIt() throws {
        guard let profile = try Self.profile("shelley-frankenstein.txt") else { return }
        let sneaky = "He told them to include dialogue, to write 900 words and to keep the obsession.\nCharacters: Zebedee, Quillon. Obsession: the brass owl."
        let block = StylePrompt.render(profile, exemplars: [sneaky])
        let base = "Characters: Anna, Tomas\nObsession: the sealed letter."
        let prompt = base + "\n" + block
        let read = try #require(StyleBlock(prompt: prompt))
        #expect(read.remainder == base)
        #expect(read.exemplars == [sneaky])
        #expect(read.habits.map(\.word) == profile.mostFrequent.map(\.word))
        #expect(abs(read.sentenceMean - profile.features.sentenceLength.mean) <= 0.05)
        #expect(abs(read.dialogueShare - profile.features.dialogueShare) <= 0.005)
        #expect(abs(read.paragraphWords - profile.features.paragraphWordsMedian) <= 0.5)
        #expect(read.firstPerson == (profile.features.firstPersonShare > 0.5))
        #expect(StyleBlock(prompt: base) == nil)
        // As a template's `{{style}}` (not `{{{style}}}`) would render it.
        let escaped = block.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
        #expect(StyleBlock(prompt: base + "\n" + escaped)?.exemplars == [sneaky])
        // Unread, the block would set the length: its own "per 1,000 words" reads as one.
        #expect(ResponseSurface.requestedWords(in: block) == 1000)
        #expect(ResponseSurface.requestedWords(in: read.remainder) == nil)
        #expect(ResponseSurface.probabilities(for: read.remainder) == ResponseSurface.probabilities(for: base))
        for seed in 1...5 {
            let text = Self.write(prompt, seed: UInt64(seed))
            let words = text.split(whereSeparator: \.isWhitespace).count
            #expect(words > 100 && words < 500, "the default 250 words × exp(0.2·z), not 900: \(words)")
            #expect(!text.contains("Zebedee") && !text.contains("Quillon") && !text.contains("brass owl"))
        }
        // A block before the prompt's own length leaves that length in force.
        let first = Self.write(block + "\n" + Self.prompt(Self.chapters[1], number: 2), seed: 1).split(whereSeparator: \.isWhitespace).count
        #expect(first > 2000 && first < 3000, "about 2500 words: \(first)")
    }

    /// The copy guard on a block built to make copying likely: two listed words at 45% each
    /// alternate, and the exemplar is their alternation (words of no function-word class: "the
    /// of" would never be written, the fluency rule forbids it). Without the exemplar the runs appear;
    /// with it, none of its 8-word runs does.
    @Test func theCopyGuardKeepsEveryExemplarRunOut() {
        let lines = [
            "\(StylePrompt.header) Test. Measured habits of the author's prose, to match:",
            "- Sentence length: mean 20.0, sd 5.0; quartiles 17, 20, 23 (in words).",
            "- Dialogue: 0% of all words inside quotation marks.",
            "- Paragraphs: median 3 sentences, median 60 in words.",
            "- Point of view and tense: third person, past tense.",
            "- Punctuation per 1,000 words: 0.0 commas, 0.0 semicolons, 0.0 dashes, 0.0 ellipses, 0.0 exclamation marks, 0.0 question marks.",
            "- Word habits (uses per 1,000 words): it 450.0, was 450.0.",
        ]
        let exemplar = Array(repeating: "it was", count: 10).joined(separator: " ")
        let guarded = (lines + [StylePrompt.exemplarsLine, "\"\"\"", exemplar, "\"\"\""]).joined(separator: "\n")
        let unguarded = lines.joined(separator: "\n")
        let runs = Self.eightWordRuns(exemplar)
        for seed in 1...3 {
            let free = Self.eightWordRuns(Self.write("Write about 800 words.\n" + unguarded, seed: UInt64(seed)))
            #expect(!free.isDisjoint(with: runs), "the block should make the runs likely")
            let kept = Self.eightWordRuns(Self.write("Write about 800 words.\n" + guarded, seed: UInt64(seed)))
            #expect(kept.isDisjoint(with: runs))
        }
    }

    /// max_tokens cuts styled prose mid-sentence as it cuts unstyled prose.
    @Test func maxTokensCutsStyledProse() throws {
        guard let profile = try Self.profile("shelley-frankenstein.txt") else { return }
        let prompt = Self.prompt(Self.chapters[0], number: 1) + "\n\n" + StylePrompt.render(profile, exemplars: [])
        let output = SimulatorWriter(serverSeed: 1).respond(to: CompletionRequest(messages: [ChatMessage(.user, prompt)], maxTokens: 100, seed: 1, task: .generate))
        #expect(output.finishReason == .length)
        #expect(output.completionTokens <= 100)
        let words = output.text.split(whereSeparator: \.isWhitespace).count
        #expect(words > 60 && words <= 75, "\(words)")
    }

    @Test func styledAnswersAreDeterministicAndDifferFromUnstyledOnes() throws {
        guard let profile = try Self.profile("shelley-frankenstein.txt") else { return }
        let plain = Self.prompt(Self.chapters[0], number: 1)
        let styled = plain + "\n\n" + StylePrompt.render(profile, exemplars: profile.exemplars(farFrom: Self.content(Self.chapters[0])))
        #expect(Self.write(styled, seed: 3) == Self.write(styled, seed: 3))
        #expect(Self.write(styled, seed: 3) != Self.write(styled, seed: 4))
        #expect(Self.write(styled, seed: 3) != Self.write(plain, seed: 3))
    }
}
