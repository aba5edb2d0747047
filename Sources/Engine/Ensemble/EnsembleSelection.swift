import Foundation
import Quality
import Store

/// One candidate's draft of a chapter, cut by outline beat: `sections[i]` is its passage for
/// beat i. A candidate whose provider failed part-way has fewer sections (and its `failure`).
public struct EnsembleDraft: Sendable, Equatable {
    public var id: EnsembleCandidateID
    public var sections: [String]
    /// Tokens its calls took (prompt and answer).
    public var tokens: Int
    public var costUSD: Double
    public var failure: String?

    public init(id: EnsembleCandidateID, sections: [String], tokens: Int = 0, costUSD: Double = 0, failure: String? = nil) {
        self.id = id
        self.sections = sections
        self.tokens = tokens
        self.costUSD = costUSD
        self.failure = failure
    }

    public var text: String { EnsembleSelection.join(sections) }
}

/// A place in the chapter the candidates compete for: the beats it covers, the paragraph of
/// its beat (paragraph units), and its kind (what Bradley–Terry strengths are learned per).
public struct EnsemblePosition: Sendable, Equatable {
    public var beats: Range<Int>
    /// The paragraph of its beat (paragraph units): a beat has as many positions as the
    /// candidates wrote paragraphs there on average, so the merge runs to their usual length.
    public var paragraph: Int?
    /// `dialogue`, `description`, `action` (the beat's `BeatKind`), `other`, or `chapter`.
    public var kind: String
}

/// How each candidate's unit at one position fared, and which one was chosen.
public struct EnsembleContest: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// Index of the candidate's draft.
        public var candidate: Int
        public var text: String
        /// The unit's composite quality (0–10), analysed on its own.
        public var composite: Double
        /// Share of the judges' pairwise verdicts it won (ties half), nil without judges.
        public var judgeShare: Double?
        /// The quality predictor's score, when the ensemble has one.
        public var predicted: Double? = nil
        /// The provider's prior at this kind of unit: ln of its weight against the mean, or its learned strength.
        public var prior: Double
        public var words: Int

        /// The evidence on the 0–10 scale (`EnsembleEvidence`): the composite, with the predictor's score and the judges' share.
        public var evidence: Double { EnsembleEvidence.of(composite: composite, predicted: predicted, judgeShare: judgeShare) }
        /// What the choice maximises: the evidence plus the prior (one point per unit of log-odds).
        public var utility: Double { evidence + prior }
    }

    public var position: EnsemblePosition
    public var entries: [Entry]

    /// The entries the choice is between: the judged ones when the judges settled the
    /// contest (the two leaders), else all.
    var finalists: [Entry] {
        let judged = entries.filter { $0.judgeShare != nil }
        return judged.isEmpty ? entries : judged
    }

    /// The entry chosen: highest utility among the finalists; on a tie, the earlier candidate.
    public var chosen: Entry { finalists.max { ($0.utility, -$0.candidate) < ($1.utility, -$1.candidate) }! }
    /// The entry the judges rank first (by the composite where they were not asked): the oracle's pick.
    public var oracle: Entry {
        finalists.max { ($0.judgeShare ?? 0, $0.composite, -$0.candidate) < ($1.judgeShare ?? 0, $1.composite, -$1.candidate) }!
    }

    /// Indices (into `entries`) of the two highest heuristic utilities, best first.
    public var leaders: (Int, Int) {
        let order = entries.indices.sorted { (entries[$0].utility, -entries[$0].candidate) > (entries[$1].utility, -entries[$1].candidate) }
        return (order[0], order.count > 1 ? order[1] : order[0])
    }

    /// How far the leader is ahead of the runner-up on utility (infinite with one entry).
    public var margin: Double {
        let (first, second) = leaders
        return first == second ? .infinity : entries[first].utility - entries[second].utility
    }
}

public enum EnsembleSelection {
    /// The positions of a chapter with `beats`, for `unit`, given the candidates' sections
    /// (paragraph units follow the candidates' paragraphs within each beat).
    public static func positions(unit: EnsembleSettings.Unit, beats: [String], drafts: [EnsembleDraft], wordsPerBeat: Int) -> [EnsemblePosition] {
        func kind(_ beat: Int) -> String { beats.indices.contains(beat) ? BeatKind.of(beat: beats[beat])?.rawValue ?? "other" : "other" }
        let count = max(1, drafts.map(\.sections.count).max() ?? 0)
        switch unit {
        case .chapter:
            return [EnsemblePosition(beats: 0..<count, paragraph: nil, kind: "chapter")]
        case .beat:
            return (0..<count).map { EnsemblePosition(beats: $0..<$0 + 1, paragraph: nil, kind: kind($0)) }
        case .scene:
            let span = max(1, Int((Double(EnsembleSettings.sceneWords) / Double(max(wordsPerBeat, 1))).rounded(.up)))
            return stride(from: 0, to: count, by: span).map { EnsemblePosition(beats: $0..<min($0 + span, count), paragraph: nil, kind: kind($0)) }
        case .paragraph:
            // As many positions as the candidates that reached the beat wrote paragraphs there, on average.
            return (0..<count).flatMap { beat -> [EnsemblePosition] in
                let counts = drafts.filter { $0.sections.indices.contains(beat) }.map { Paragraphs.split($0.sections[beat]).count }
                let paragraphs = max(1, Int((Double(counts.reduce(0, +)) / Double(max(counts.count, 1))).rounded()))
                return (0..<paragraphs).map { EnsemblePosition(beats: beat..<beat + 1, paragraph: $0, kind: kind(beat)) }
            }
        }
    }

    /// A candidate's unit at a position, nil when it has none there (it failed before, or wrote fewer paragraphs).
    public static func unit(of draft: EnsembleDraft, at position: EnsemblePosition) -> String? {
        guard position.beats.lowerBound < draft.sections.count else { return nil }
        let sections = draft.sections[position.beats.clamped(to: 0..<draft.sections.count)]
        guard let paragraph = position.paragraph else { return join(Array(sections)) }
        let texts = Paragraphs.texts(sections.first ?? "")
        return texts.indices.contains(paragraph) ? String(texts[paragraph]) : nil
    }

    /// The contests with two or more units, closest margin first (ties in chapter order).
    public static func closestFirst(_ contests: [EnsembleContest]) -> [Int] {
        contests.indices.filter { contests[$0].entries.count >= 2 }.sorted { (contests[$0].margin, $0) < (contests[$1].margin, $1) }
    }

    /// Passages joined as paragraphs of one text, blank passages left out.
    public static func join(_ passages: [String]) -> String { merge(passages).text }

    /// The merged text and each chosen unit's UTF-8 byte range in it.
    public static func merge(_ units: [String]) -> (text: String, ranges: [Range<Int>?]) {
        var text = ""
        var ranges: [Range<Int>?] = []
        for unit in units {
            let trimmed = unit.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { ranges.append(nil); continue }
            if !text.isEmpty { text += "\n\n" }
            let start = text.utf8.count
            text += trimmed
            ranges.append(start..<text.utf8.count)
        }
        return (text, ranges)
    }

    /// The priors for a kind of unit: with fixed weights, ln(weight × providers) (0 for all
    /// when equal, −∞ for a weight of 0); learned, each provider's strength at that kind
    /// centred on the providers' mean (0 for a kind without judgments).
    public static func priors(_ settings: EnsembleSettings, learned: EnsembleStrengths?, kind: String) -> [String: Double] {
        switch settings.weights {
        case .fixed:
            let shares = settings.fixedShares
            return shares.mapValues { $0 > 0 ? log($0 * Double(shares.count)) : -.infinity }
        case .learned:
            guard let strengths = learned?.strengths[kind] else { return Dictionary(uniqueKeysWithValues: settings.providers.map { ($0, 0) }) }
            let mean = settings.providers.map { strengths[$0] ?? 0 }.reduce(0, +) / Double(settings.providers.count)
            return Dictionary(uniqueKeysWithValues: settings.providers.map { ($0, (strengths[$0] ?? 0) - mean) })
        }
    }
}

/// Bradley–Terry strengths per kind of unit and provider, fitted on stored pairwise verdicts.
public struct EnsembleStrengths: Sendable, Equatable {
    /// Kind → provider → strength (log-odds).
    public var strengths: [String: [String: Double]]
    /// Decisive verdicts each kind's fit rests on.
    public var verdicts: [String: Int]

    public init(strengths: [String: [String: Double]], verdicts: [String: Int]) {
        self.strengths = strengths
        self.verdicts = verdicts
    }
}
