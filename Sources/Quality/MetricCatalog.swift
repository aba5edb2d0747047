/// Every metric: name, unit, range, formula and default target, in one place (the README's
/// metric table is written from this).
public enum MetricCatalog {
    public struct Entry: Sendable {
        public var name: String
        public var unit: String
        public var summary: String
    }

    public static let entries: [Entry] = [
        Entry(name: "word_count", unit: "words", summary: "words (letters, digits, inner apostrophes and hyphens)"),
        Entry(name: "word_count_accuracy", unit: "%", summary: "100 × (1 − |words − target| / target), with a target"),
        Entry(name: "detail_density", unit: "per 1,000 words", summary: "concrete sensory details: runs of sight/sound/smell/taste/touch terms, a run ending after 4 words without one"),
        Entry(name: "emotion", unit: "0–10", summary: "10 × (0.7 × (1 − e^(−(E + I/2)/8)) + 0.3 × V/8): E emotion and bodily-reaction terms, I interiority terms per 1,000 words, V emotion categories present"),
        Entry(name: "voice", unit: "0–10", summary: "10 × consistency of point of view and tense across paragraphs × match with the book's style profile (POV, tense, cosine delta over most-frequent words)"),
        Entry(name: "obsession_depth", unit: "0–10", summary: "10 × (0.4 × (1 − e^(−R/3)) + 0.25 × spread + 0.25 × depth + 0.1 × escalation) for the obsession's keywords, with an obsession"),
        Entry(name: "outline_adherence", unit: "0–10", summary: "10 × (0.55 × beats covered + 0.15 × beats in order + 0.2 × characters present + 0.1 × obsession present), with the chapter's outline: a beat is covered where 3+ sentences hold 35% of its keywords' IDF weight (see `OutlineAdherence`)"),
        Entry(name: "dialogue_ratio", unit: "0–1", summary: "share of words inside quotation marks"),
        Entry(name: "sentence_rhythm", unit: "CV", summary: "coefficient of variation of sentence lengths in words"),
        Entry(name: "readability", unit: "Flesch", summary: "Flesch reading ease 206.835 − 1.015 × words/sentence − 84.6 × syllables/word"),
        Entry(name: "readability_grade", unit: "grade", summary: "Flesch–Kincaid grade 0.39 × words/sentence + 11.8 × syllables/word − 15.59"),
        Entry(name: "lexical_diversity", unit: "MTLD", summary: "measure of textual lexical diversity (McCarthy & Jarvis 2010), threshold 0.72, mean of both directions"),
        Entry(name: "repetition", unit: "0–1", summary: "1 − (1 − repeated 5-gram share) × (1 − looping-sentence share)"),
        Entry(name: "cliche_density", unit: "per 1,000 words", summary: "stock phrases from the lexicon"),
        Entry(name: "coherence", unit: "0–10", summary: "10 · σ(a · Σ wᵢ zᵢ + b): a discriminator trained on published chapters against perturbed copies (`workbench train coherence`), over standardised order-aware features: adjacent-minus-distant lexical cohesion of sentences, of sentences within a paragraph and of paragraphs; quotation-mark order; pronoun and connective openings; pronouns without an antecedent; name gender, title and self-meeting confusions; continuity of the two main names; names met once; repeated sentences"),
        Entry(name: "consistency", unit: "0–10", summary: "10 × (1 − min(1, 3 × (G − 0.12)⁺ + 2 × (T − 0.25)⁺ + 3 × (S − 0.25)⁺)): G share of a name's he/she evidence that disagrees with its majority, T share of its mentions with a minority title or neighbour form, S share of multi-name sentences where a name meets itself"),
        Entry(name: "style", unit: "0–10", summary: "with an author's style profile (`style:`): 10 at or below the median Burrows' Delta of the author's own 5,000-word bags, 8 at their 90th percentile (the edge of a match), halving every further (90th − median) beyond"),
        Entry(name: "style_delta", unit: "Delta", summary: "Burrows' Delta (mean |z| over the profile's 150 most frequent words, z against the author's own bag-to-bag sd) to the author's profile"),
        Entry(name: "style_percentile", unit: "%", summary: "percent of the author's own 5,000-word bags whose Delta is at or below the text's"),
        Entry(name: "copied_8grams", unit: "count", summary: "word 8-grams of the author's sample (or, without it, the exemplars shown) found in the text"),
        Entry(name: "fluency", unit: "per 1,000 pairs", summary: "implausible function-word pairs (determiner + preposition, conjunction + conjunction, …): word salad and broken sentences"),
    ]

    /// Targets: the value that scores 8 (see `score`).
    public static let defaultTargets: [String: Double] = [
        "outline_adherence": 7.0,
        "detail_density": 4.0, "emotion": 7.0, "voice": 8.0, "obsession_depth": 7.0, "sentence_rhythm": 0.55,
        "lexical_diversity": 60, "repetition": 0.05, "cliche_density": 0.5, "word_count_accuracy": 95, "fluency": 10,
        "coherence": 7.0, "consistency": 7.0, "style": 8.0,
    ]

    /// Composite weights (renormalised over the metrics present).
    public static let defaultWeights: [String: Double] = [
        "outline_adherence": 0.15,
        "detail_density": 0.2, "emotion": 0.2, "voice": 0.15, "obsession_depth": 0.15, "sentence_rhythm": 0.1,
        "lexical_diversity": 0.1, "cliche_density": 0.05, "word_count_accuracy": 0.05,
        "coherence": 0.25, "consistency": 0.05, "style": 0.15,
    ]

    /// Metrics that gate the composite: text that loops, is not made of sentences or reads out
    /// of order is bad however it scores otherwise. Each multiplies the weighted mean by
    /// `gate(_:score:)`, so on target they cost nothing; repetition and fluency at 0 zero it,
    /// coherence at 0 halves it (coherence also carries a weight in the mean).
    public static let gates = ["repetition", "fluency", "coherence"]

    /// A gate's factor: min(1, score / 8) for repetition and fluency, which have no reading
    /// short of broken text; half that loss for coherence, whose reading of a published
    /// chapter also moves with its style (a typo in a name moves it a little, and a full
    /// gate turned that into a visible change of the composite).
    public static func gate(_ name: String, score: Double) -> Double {
        let full = min(1, score / 8)
        return name == "coherence" ? 1 - (1 - full) / 2 : full
    }

    /// Length gates the composite too, softly: min(1, accuracy / 90)², so 90% of the target
    /// words or better costs nothing, 80% costs a fifth and a stub scores near zero.
    public static func lengthGate(accuracy: Double) -> Double {
        let ratio = min(1, max(0, accuracy) / 90)
        return ratio * ratio
    }

    /// Scored metrics where less is better: they meet a target they stay at or under.
    public static let lowerIsBetter: Set<String> = ["repetition", "cliche_density", "fluency"]

    /// Whether `value` meets `target` (8 or more on the metric's scale: at least the target,
    /// or at most it for a lower-is-better metric); nil for a metric that is not scored.
    public static func meets(_ name: String, value: Double, target: Double) -> Bool? {
        score(name, value: value, target: target).map { $0 >= 8 - 1e-9 }
    }

    /// A metric's value on the 0–10 scale where the target scores 8. Higher-is-better metrics
    /// rise linearly to 10 at 1.25 × target; lower-is-better ones fall from 10 at zero.
    public static func score(_ name: String, value: Double, target: Double) -> Double? {
        let clamp = { (x: Double) in min(10, max(0, x)) }
        switch name {
        case "coherence", "consistency":
            // Above target the rest of the scale maps linearly onto 8–10, so two chapters over
            // target still rank apart (a clamp at 1.25 × target would tie them).
            guard value > target, target < 10 else { return clamp(value * 8 / max(target, 0.001)) }
            return clamp(8 + 2 * (value - target) / (10 - target))
        case "emotion", "voice", "obsession_depth", "style":
            return clamp(value * 8 / max(target, 0.001))
        case "detail_density", "sentence_rhythm", "lexical_diversity":
            return clamp(8 * value / max(target, 0.001))
        case "outline_adherence":
            return clamp(value * 8 / max(target, 0.001))
        case "word_count_accuracy":
            // 100% scores 10; each point below target costs 2/(100 − target) × 8 / 2 … linear through (target, 8).
            return clamp(10 - (100 - value) * 2 / max(100 - target, 0.001))
        case "repetition", "cliche_density", "fluency":
            // Zero scores 10, the target (the most acceptable) scores 8, twice-and-a-half the target 5 and so on.
            return clamp(10 - 2 * value / max(target, 0.001))
        default:
            return nil
        }
    }
}
