import Foundation
import Testing
@testable import Engine
import Store

/// The pure part of an ensemble: positions, units, the choice, priors and learned strengths.
@Suite struct EnsembleSelectionTests {
    let beats = ["Mara trims the lamp at dusk", "Tomas fights the tiller", "an argument over the letter", "her father's hand on the envelope"]

    func draft(_ provider: String, _ sections: [String], sample: Int = 0) -> EnsembleDraft {
        EnsembleDraft(id: EnsembleCandidateID(provider: provider, sample: sample), sections: sections)
    }

    @Test func positionsFollowTheUnit() {
        let drafts = [draft("a", ["A1", "A2\n\nA2b", "A3", "A4"]), draft("b", ["B1", "B2", "B3\n\nB3b\n\nB3c", "B4"])]
        let beatPositions = EnsembleSelection.positions(unit: .beat, beats: beats, drafts: drafts, wordsPerBeat: 200)
        #expect(beatPositions.map(\.kind) == ["description", "action", "dialogue", "other"])
        #expect(beatPositions.map(\.beats) == [0..<1, 1..<2, 2..<3, 3..<4])
        #expect(EnsembleSelection.positions(unit: .chapter, beats: beats, drafts: drafts, wordsPerBeat: 200).map(\.beats) == [0..<4])
        #expect(EnsembleSelection.positions(unit: .scene, beats: beats, drafts: drafts, wordsPerBeat: 200).map(\.beats) == [0..<2, 2..<4],
                "a scene holds beats up to 400 words")
        let paragraphs = EnsembleSelection.positions(unit: .paragraph, beats: beats, drafts: drafts, wordsPerBeat: 200)
        // Beat 2: 2 and 1 paragraphs → 2 (1.5 rounded); beat 3: 1 and 3 → 2.
        #expect(paragraphs.map { "\($0.beats.lowerBound)/\($0.paragraph!)" } == ["0/0", "1/0", "1/1", "2/0", "2/1", "3/0"])
        #expect(EnsembleSelection.unit(of: drafts[0], at: paragraphs[2]) == "A2b")
        #expect(EnsembleSelection.unit(of: drafts[1], at: paragraphs[2]) == nil, "b wrote one paragraph at beat 2")
        #expect(EnsembleSelection.unit(of: drafts[1], at: paragraphs[4]) == "B3b")
        #expect(EnsembleSelection.unit(of: drafts[0], at: EnsembleSelection.positions(unit: .chapter, beats: beats, drafts: drafts, wordsPerBeat: 200)[0])
                == "A1\n\nA2\n\nA2b\n\nA3\n\nA4")
    }

    @Test func aCandidateThatStoppedEarlyCompetesWhereItGot() {
        let failed = draft("a", ["A1"])
        let positions = EnsembleSelection.positions(unit: .beat, beats: beats, drafts: [failed, draft("b", ["B1", "B2", "B3", "B4"])], wordsPerBeat: 200)
        #expect(positions.count == 4)
        #expect(EnsembleSelection.unit(of: failed, at: positions[0]) == "A1")
        #expect(EnsembleSelection.unit(of: failed, at: positions[1]) == nil)
    }

    @Test func theMergeKeepsEachUnitsBytes() {
        let units = ["Första stycket, ”citat”.", "  ", "Second passage.\n\nIts second paragraph."]
        let (text, ranges) = EnsembleSelection.merge(units)
        #expect(text == "Första stycket, ”citat”.\n\nSecond passage.\n\nIts second paragraph.")
        #expect(ranges[1] == nil)
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[ranges[0]!], as: UTF8.self) == units[0])
        #expect(String(decoding: bytes[ranges[2]!], as: UTF8.self) == units[2])
    }

    func entry(_ candidate: Int, composite: Double, share: Double? = nil, prior: Double = 0) -> EnsembleContest.Entry {
        EnsembleContest.Entry(candidate: candidate, text: "unit \(candidate)", composite: composite, judgeShare: share, prior: prior, words: 100)
    }

    @Test func theChoiceWeighsEvidenceAndPrior() {
        let position = EnsemblePosition(beats: 0..<1, paragraph: nil, kind: "action")
        var contest = EnsembleContest(position: position, entries: [entry(0, composite: 7.0), entry(1, composite: 7.4), entry(2, composite: 6.0)])
        #expect(contest.chosen.candidate == 1 && contest.oracle.candidate == 1)
        #expect(contest.leaders == (1, 0) && abs(contest.margin - 0.4) < 1e-12)
        // A prior of ln 2 (twice the mean weight) outweighs 0.4 points.
        contest.entries[0].prior = log(2)
        #expect(contest.chosen.candidate == 0)
        // Judged leaders: the judges' share counts half the evidence, and only they are finalists.
        contest = EnsembleContest(position: position, entries: [entry(0, composite: 7.0, share: 1), entry(1, composite: 7.4, share: 0), entry(2, composite: 9.9)])
        #expect(contest.chosen.candidate == 0, "(7.0 + 10) / 2 beats (7.4 + 0) / 2; the unjudged third is not a finalist")
        #expect(contest.oracle.candidate == 0)
        // Ties go to the earlier candidate.
        #expect(EnsembleContest(position: position, entries: [entry(1, composite: 7), entry(0, composite: 7)]).chosen.candidate == 0)
        let contests = [EnsembleContest(position: position, entries: [entry(0, composite: 7), entry(1, composite: 9)]),
                        EnsembleContest(position: position, entries: [entry(0, composite: 7), entry(1, composite: 7.1)]),
                        EnsembleContest(position: position, entries: [entry(0, composite: 7)])]
        #expect(EnsembleSelection.closestFirst(contests) == [1, 0], "one entry is no contest")
    }

    @Test func priorsFromFixedWeightsAndLearnedStrengths() {
        var settings = EnsembleSettings(providers: ["a", "b", "c"], weights: .fixed([0.4, 0.4, 0.2]), rubrics: "")
        let fixed = EnsembleSelection.priors(settings, learned: nil, kind: "action")
        #expect(abs(fixed["a"]! - log(1.2)) < 1e-12 && abs(fixed["c"]! - log(0.6)) < 1e-12)
        settings.weights = .fixed([1, 1, 0])
        #expect(EnsembleSelection.priors(settings, learned: nil, kind: "action")["c"] == -.infinity, "a weight of 0 never wins")
        settings.weights = .fixed([])
        #expect(EnsembleSelection.priors(settings, learned: nil, kind: "action").values.allSatisfy { $0 == 0 })
        settings.weights = .learned
        let strengths = EnsembleStrengths(strengths: ["action": ["a": 1, "b": 0, "c": -0.4]], verdicts: ["action": 10])
        let learned = EnsembleSelection.priors(settings, learned: strengths, kind: "action")
        #expect(abs(learned["a"]! - 0.8) < 1e-12 && abs(learned["c"]! + 0.6) < 1e-12, "centred on the providers' mean")
        #expect(EnsembleSelection.priors(settings, learned: strengths, kind: "dialogue").values.allSatisfy { $0 == 0 }, "no verdicts, no prior")
    }

    @Test func learnedStrengthsRecoverWhoWinsWhichKind() throws {
        func duel(_ kind: String, _ a: String, _ b: String, winsA: Int, winsB: Int, ties: Int = 0) -> EnsembleDuelRecord {
            EnsembleDuelRecord(chapter: 1, position: 0, kind: kind, providerA: a, sampleA: 0, providerB: b, sampleB: 0,
                               winsA: winsA, winsB: winsB, ties: ties, orderFlips: ties, judge: "judge:sim@v1")
        }
        let duels = [duel("dialogue", "a", "b", winsA: 8, winsB: 2), duel("dialogue", "a", "c", winsA: 7, winsB: 3, ties: 4),
                     duel("action", "c", "a", winsA: 9, winsB: 1), duel("action", "b", "c", winsA: 2, winsB: 6),
                     duel("other", "c", "c", winsA: 5, winsB: 0), duel("other", "x", "a", winsA: 5, winsB: 0)]
        let fit = try EnsembleStrengths.fit(duels, providers: ["a", "b", "c"])
        let dialogue = try #require(fit.strengths["dialogue"]), action = try #require(fit.strengths["action"])
        #expect(dialogue["a"]! > dialogue["b"]! && dialogue["a"]! > dialogue["c"]!)
        #expect(action["c"]! > action["a"]! && action["c"]! > action["b"]!)
        #expect(fit.verdicts["dialogue"] == 20, "ties and order flips are no comparison")
        #expect(fit.strengths["other"] == nil, "self-duels and unknown providers say nothing about these providers")
    }
}
