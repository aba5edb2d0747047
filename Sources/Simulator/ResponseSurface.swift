import Foundation
import Quality
import WorkbenchCore

/// The simulator's documented response surface: a small, explicit set of prompt
/// instructions, each shifting one measurable property of the prose by a documented amount
/// with documented noise. This is the ground truth that A/B tests and the prompt optimiser
/// must recover, so it changes only with a new `version`.
///
/// A trigger is a case-insensitive phrase anywhere in the system or user messages. The
/// simulator does not understand negation: "no sensory detail" still triggers.
///
/// The `romance` knob (baseline 0, instructed 0.10; triggers "romantic tension", "romantic
/// longing", "forbidden attraction") appends to a narration sentence a romance clause
/// (`Lexicon.romance`): desire, a touch, and what stands in the way — "and Mara ached to
/// touch Elias's hand, though it was forbidden". Each clause holds two words of the romance
/// plugin's attraction list (Experiments/plugins/romance.py: a desire verb and a touch word)
/// and one or two of its obstacle list, and no sensory, emotion or cliché word of the Quality
/// lexicons (only pronouns and function words), so it moves the plugin's `tension` and the
/// Quality metrics only by dilution: under the chapter template's instructions,
/// `detail_density` 10.2 → 8.8, `emotion` 7.6 → 7.3, `coherence` 5.1 → 4.7, the composite
/// 6.8 → 6.6 (20 chapters of 1,500 words). Untriggered the knob is absent: no noise is drawn
/// for it and no number per sentence, so untriggered answers are exactly those of before the
/// knob (same version).
/// Measured (RomanceKnobTests, 100 chapters of 1,500 words each way): the share of narration
/// sentences with a romance clause 0 → 0.098 (0.0999 over 200), the plugin's attraction words
/// per 1,000 words 0.6 → 20.4 and its obstacle words 0 → 12.1, so its `tension` (saturating at
/// 12 and 6) 0 → 9.5 on average (7.7–10) over 20 chapters written from the chapter template's
/// instructions, and 8.5 on 150-word rewrites (some of which draw no clause at all).
public struct ResponseSurface: Sendable, Equatable {
    public static let version = "sim-surface-4"

    /// Probability that a sentence carries a given property.
    public struct Knob: Sendable, Equatable {
        public var name: String
        public var triggers: [String]
        /// Without the instruction.
        public var baseline: Double
        /// With it.
        public var instructed: Double
    }

    public static let knobs: [Knob] = [
        Knob(name: "sensory", triggers: ["sensory detail", "vivid detail", "five senses", "concrete detail"], baseline: 0.04, instructed: 0.10),
        Knob(name: "dialogue", triggers: ["include dialogue", "use dialogue", "more dialogue", "through dialogue"], baseline: 0.12, instructed: 0.35),
        Knob(name: "emotion", triggers: ["emotional intensity", "interiority", "show feelings", "deepen emotion"], baseline: 0.05, instructed: 0.15),
        Knob(name: "obsession", triggers: ["stay with the obsession", "return to the obsession", "keep the obsession"], baseline: 0.02, instructed: 0.08),
        Knob(name: "repetition", triggers: ["avoid repetition", "never repeat", "vary sentences"], baseline: 0.02, instructed: 0.002),
        // Issue #17's romance plugin asks for it. Baseline 0: untriggered it is absent from
        // `probabilities(for:)`, draws no noise and no per-sentence number, so every answer
        // without the trigger is byte for byte what it was before the knob existed.
        Knob(name: "romance", triggers: ["romantic tension", "romantic longing", "forbidden attraction"], baseline: 0, instructed: 0.10),
    ]

    /// An instruction that changes how sentences hang together rather than what each one carries.
    public struct Mode: Sendable, Equatable {
        public var name: String
        public var triggers: [String]
    }

    /// One thread of events and referents per scene (`SceneThread`): a cast of one or two,
    /// full name first and then first name or a pronoun of the right gender; one place, "a
    /// market square" then "the square"; objects found, then held, then used; every sentence
    /// sharing a character, object or place with the one before; "then", "so" and "because"
    /// where they fit; nobody acting on themselves. Off by default: the default writer draws
    /// every sentence's people, objects and places independently, and keeps doing so.
    public static let coherence = Mode(name: "coherence", triggers: [
        "one thread of events", "keep the thread", "coherent scene", "keep track of who and where",
    ])

    /// What the coherence instruction does to the `coherence` metric, at least, averaged over
    /// chapters (measured: 5.3 → 9.4 on 2,500-word chapters, the composite 4.4 → 6.5).
    public static let coherenceDelta = 3.0

    /// Whether the prompt asks for coherent scenes.
    public static func asksForCoherence(_ prompt: String) -> Bool {
        let lowered = prompt.lowercased()
        return coherence.triggers.contains(where: lowered.contains)
    }

    /// Judge answers (`SimulatedJudge`): a JSON-schema request with a numeric `score` (or a
    /// `winner`) whose prompt quotes the chapter between `"""` lines is scored from the
    /// chapter's heuristic metrics. The asked quality picks the signal, 0–10: `overall` the
    /// composite Q; `detail`, `emotion`, `voice`, `obsession`, `coherence`, `prose` follow
    /// `detail_density`, `emotion`, `voice`, `obsession_depth`, `coherence`, `fluency` as
    /// G × (w·m + (1 − w)·Q/G), m the metric's score, w = `judgeMetricWeight`, G the composite's
    /// gates; a metric the analysis lacks leaves the composite. The score is
    /// lo + (hi − lo)·signal/10 + ε, ε ~ N(0, (`judgeNoise`·(hi − lo)/9)²), rounded to the
    /// scale's step and clamped. Pairs: each version scored on 1–10 so; higher wins, equal ties.
    public static let judgeNoise = 0.5
    public static let judgeMetricWeight = 0.5

    /// Continuity (off unless `SimulatorOptions.continuity` is set, so the default surface is
    /// unchanged): each prose sentence is a fact sentence about a cast member with probability
    /// `ContinuitySurface.factRate` (default 0.06), stating a wrong value with probability
    /// `ContinuitySurface.contradictionRate`; see `ContinuitySurface` and `SimulatedFacts.templates`.
    /// A JSON-schema request whose schema is named `continuity_facts` and whose prompt quotes a
    /// chapter between `"""` lines and says `Chapter N` is answered with every fact sentence of
    /// the templates in it, as stated (`SimulatedContinuity.extractionAnswer`), whatever the
    /// continuity setting. A text request containing `FIX_CONTINUITY`, a line
    /// `Established: "…"` and a passage between `"""` lines is answered with the passage, each
    /// disagreeing fact sentence re-rendered with the established value, with probability
    /// `fixSuccess` (drawn from the request's seeded generator), else the passage unchanged.
    /// A JSON-schema request named `continuity_verdict` (the verifier, two passages between
    /// `"""` lines) is answered truthfully by the templates: a contradiction when a fact sentence
    /// of the second disagrees with what the first states, quoting both sentences; otherwise
    /// none (`SimulatedContinuity.verdictAnswer`).
    public static let fixSuccess = 0.9

    /// Author style (issue #16). A prompt with a line starting `StylePrompt.header` ("Write in
    /// the style of") carries a block rendered by `StylePrompt.render`; its lines are taken out
    /// of the prompt before the length, cast, obsession and knob triggers are read (its
    /// "per 1,000 words" lines would otherwise read as a length of 1,000, and an exemplar's
    /// words as an instruction), and the
    /// prose is written by `StyledProse`, line by line of the block (σ·z below: z ~ N(0, 1),
    /// drawn once per request):
    /// - Sentence length: a stratified draw (one length per 1/n of the distribution, so a
    ///   chapter's mean and sd are the stated ones, not a sample's) from a quantile function
    ///   through 1 word and the stated quartiles, with a generalised Pareto tail above Q3 fitted
    ///   to the stated mean and sd; every length scaled by exp(0.03·z).
    ///   The drawn lengths are then scaled to hold exactly the words asked for (a few percent),
    ///   so the chapter ends with its last planned paragraph.
    /// - Paragraphs: round(median sentences × exp(0.6·z)) sentences each (z per paragraph), at
    ///   least 1; the sentences are dealt to paragraphs so that the planned median in words is
    ///   the stated one (short paragraphs get short sentences as far as needed, as dialogue
    ///   turns do), then paragraphs and sentences are shuffled.
    /// - Dialogue: a whole paragraph is speech (in quotation marks; 60% of those whose last
    ///   sentence has 4+ words end `…," Name said.`) when the words spoken so far would
    ///   otherwise trail the stated share (+ 0.01·z) by more than half of it; the first of the
    ///   next six planned paragraphs that qualifies is taken. The `dialogue` knob has no effect
    ///   under a block: the block states the share.
    /// - Point of view and tense: under third person the list's first-person words, and under
    ///   past tense its present forms (is, have, will, …; present tense: its past forms), are
    ///   kept to dialogue; content verbs are -ed or present forms to match.
    /// - Punctuation: after each word but a sentence's last, a comma, semicolon or dash at the
    ///   stated rates per word (one drawn after a determiner moves to the next gap); a sentence
    ///   ends in ?, ! or … at the stated rates × the mean sentence length / 1,000, else a period.
    /// - Word habits: each position takes the listed word furthest behind its rate (rate ×
    ///   words so far − uses, + U(0, 1) jitter), or a content word when the words outside the
    ///   list are further behind their share (1 − the listed rates). Each listed word's count in
    ///   the N words asked for is first drawn as the author's own N-word passages vary: a
    ///   Poisson count of mean r·G·N, G ~ Gamma(r·L, 1/(r·L)), L = 2,000 (`StyledProse.habitDrift`),
    ///   so mean r·N and variance r·N·(1 + N/L): about a random sample's at 250 words, 2.25 times
    ///   it at 2,500. Its rate is that count / N. Chapters of every length land inside the
    ///   author's own spread for windows of their length, not closer than any of them.
    ///   Content words are the simulator's own (cast names, Lexicon's objects, places, verbs and
    ///   manners, none on the list). The sensory, emotion and obsession knobs draw their clauses
    ///   per narration sentence as without a block, each placed whole at the next content
    ///   position it fits; repetition repeats the sentence before, as without a block.
    /// - Fluency: no word (listed word, clause, repeated or fact sentence) follows the word
    ///   before when the pair is one Quality's `fluency` metric counts as implausible
    ///   (`FluencyRule`: determiner + any function word, conjunction + conjunction, subject
    ///   pronoun + determiner, subject or conjunction, preposition + conjunction or subject),
    ///   across sentence and paragraph breaks as the metric reads; no determiner ends a
    ///   sentence; after a determiner comes a noun of the simulator's own ("an" before a vowel,
    ///   "a" before a consonant).
    /// - Exemplars (between `"""` lines): never copied. No word is written that would complete
    ///   an 8-word run of them (the next best is taken), nor a repeated sentence that would.
    /// The author's own names on the word list are written like any listed word. The coherence
    /// mode is not followed under a block; continuity's fact sentences are, in narration.
    /// Measured (StyleTransferTests: 7 corpus novels × 6 chapters each of ~250, 600, 1,200 and
    /// 2,500 words, chapter.mustache with and without the block): styled chapters match their
    /// profile 39, 42, 42 and 39 of 42 times, unstyled 19 (the author's own 250-word windows
    /// spread that wide; the styled Delta is below the unstyled one in 41 of 42), 0, 0 and 0;
    /// at 2,500 words all but one styled chapter within 10% of the sentence-length mean, all
    /// within 5 points of the dialogue share and 15% of the median paragraph in words. Quality:
    /// 0 implausible pairs per 1,000 at every length (fluency score 10, was 2.6–4.1), the
    /// composite 6.2–6.9 against the unstyled chapters' 6.1–7.2 (was 2.3–3.4).

    /// Lognormal noise on every probability, per request: p × exp(σ·z), z ~ N(0, 1).
    public static let probabilityNoise = 0.15
    /// Lognormal noise on a requested word count ("about N words"): N × exp(σ·z).
    public static let lengthNoise = 0.04
    /// Words written when the prompt names no length: 250 × exp(σ·z), σ = 0.2, capped by max_tokens.
    public static let defaultWords = 250.0
    public static let defaultLengthNoise = 0.2

    /// What a beat asks for (talk, a place or mood, a deed): the engine's classification,
    /// which the simulator's specialists answer to.
    public typealias BeatKind = Quality.BeatKind

    /// The beat of a continuation prompt ("moving on to this beat: X."), if any.
    public static func beat(in prompt: String) -> String? {
        guard let start = prompt.range(of: "beat: ") else { return nil }
        let rest = prompt[start.upperBound...]
        let end = rest.firstIndex { $0 == "." || $0 == "\n" } ?? rest.endIndex
        let beat = rest[..<end].trimmingCharacters(in: .whitespaces)
        return beat.isEmpty ? nil : beat
    }

    /// A simulated specialist (issue #18's ensemble): on beats of its kind its multipliers
    /// `strong` apply (and, when `coherent`, one thread per scene as under the coherence
    /// instruction); on any other prompt, `weak`. A model not in `models` (`sim-1`, the
    /// default) has neither: its answers are exactly those of before the table.
    public struct ModelStrength: Sendable, Equatable {
        public var kind: BeatKind
        public var strong: [String: Double]
        public var coherent: Bool
        public var weak: [String: Double]
    }

    /// `sim-a` writes talk (dialogue beats: dialogue ×1.3, emotion ×2.2, obsession ×1.6), `sim-b` places and
    /// moods (description beats: sensory ×1.5, obsession ×2, emotion ×1.3), `sim-c` deeds
    /// (action beats: one thread per scene); off their kind (and on a whole chapter's prompt)
    /// each writes emotion and the obsession ×0.5 and sensory detail ×0.7. Measured
    /// (ModelStrengthTests, 40 passages of ~300 words per kind, composite without a length
    /// target): in kind 6.95 / 7.34 / 7.48, off kind 6.2–6.6; `sim-1` 6.8–7.1 on all three.
    public static let models: [String: ModelStrength] = [
        "sim-a": ModelStrength(kind: .dialogue, strong: ["dialogue": 1.3, "emotion": 2.2, "obsession": 1.6], coherent: false, weak: offKind),
        "sim-b": ModelStrength(kind: .description, strong: ["sensory": 1.5, "obsession": 2.0, "emotion": 1.3], coherent: false, weak: offKind),
        "sim-c": ModelStrength(kind: .action, strong: [:], coherent: true, weak: offKind),
    ]
    static let offKind = ["emotion": 0.5, "obsession": 0.5, "sensory": 0.7]

    /// Whether `model` writes `prompt` in its own kind (and so with its strengths).
    public static func inKind(_ prompt: String, model: String?) -> Bool {
        guard let strength = model.flatMap({ models[$0] }), let beat = beat(in: prompt) else { return false }
        return BeatKind.of(beat: beat) == strength.kind
    }

    /// The probabilities in force for one prompt, before noise, as `model` writes it (a
    /// specialist's multipliers applied). A knob whose probability is 0 (the romance knob
    /// untriggered) is left out: the writer draws nothing for it.
    public static func probabilities(for prompt: String, model: String? = nil) -> [String: Double] {
        let lowered = prompt.lowercased()
        let multipliers = model.flatMap { models[$0] }.map { inKind(prompt, model: model) ? $0.strong : $0.weak } ?? [:]
        var result: [String: Double] = [:]
        for knob in knobs {
            let probability = (knob.triggers.contains(where: lowered.contains) ? knob.instructed : knob.baseline) * (multipliers[knob.name] ?? 1)
            if probability > 0 { result[knob.name] = probability }
        }
        return result
    }

    /// "about 600 words", "600 words", "600-word": the first such number in the prompt.
    public static func requestedWords(in prompt: String) -> Int? {
        let scalars = Array(prompt.lowercased())
        var index = 0
        while index < scalars.count {
            guard scalars[index].isNumber else { index += 1; continue }
            var end = index
            while end < scalars.count, scalars[end].isNumber || scalars[end] == "," { end += 1 }
            let number = Int(String(scalars[index..<end]).replacingOccurrences(of: ",", with: ""))
            var after = end
            while after < scalars.count, scalars[after] == " " || scalars[after] == "-" { after += 1 }
            if let number, number > 0, String(scalars[after..<min(after + 4, scalars.count)]) == "word" { return number }
            index = end
        }
        return nil
    }

    /// The book's central obsession, from a line `obsession: …` (or `central obsession: …`).
    public static func obsession(in prompt: String) -> String? {
        for line in prompt.split(whereSeparator: \.isNewline) {
            let lowered = line.lowercased()
            guard let range = lowered.range(of: "obsession:") else { continue }
            let value = line[line.index(line.startIndex, offsetBy: lowered.distance(from: lowered.startIndex, to: range.upperBound))...]
                .trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: ".")))
            if !value.isEmpty { return value }
        }
        return nil
    }

    /// Names from a line `characters: A, B and C`, else the simulator's own cast.
    public static func characters(in prompt: String) -> [String] {
        for line in prompt.split(whereSeparator: \.isNewline) {
            let lowered = line.lowercased()
            guard let range = lowered.range(of: "characters:") else { continue }
            let rest = line[line.index(line.startIndex, offsetBy: lowered.distance(from: lowered.startIndex, to: range.upperBound))...]
            // The list ends with its sentence ("Characters: A, B. Use …"); parenthesised
            // notes ("Marcus (28, black hair)") go before splitting on commas.
            var plain = ""
            var depth = 0
            for character in rest {
                if character == ".", depth == 0 { break }
                if character == "(" { depth += 1 } else if character == ")" { depth = max(0, depth - 1) } else if depth == 0 { plain.append(character) }
            }
            let names = plain.replacingOccurrences(of: " and ", with: ",").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces.union(.punctuationCharacters)) }
                .filter { !$0.isEmpty }
            if !names.isEmpty { return names }
        }
        return ["Mara", "Elias", "Ines"]
    }
}
