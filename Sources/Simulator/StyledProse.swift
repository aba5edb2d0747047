import Foundation
import Quality
import WorkbenchCore

/// The writer under an author-style block (`StyleBlock`; the numbers are documented in
/// `ResponseSurface`). Measured style is the point, readability secondary: each sentence is a
/// row of positions, each filled either by one of the author's frequent words — the one
/// furthest behind its stated rate among those that may follow the word before — or by a
/// content word of the simulator's own (a cast name, an object, a verb; or a whole sensory,
/// emotion or obsession clause when the surface's knobs draw one). No word is written that
/// would make a pair Quality's fluency metric calls implausible (`FluencyRule`: "the of",
/// "and but", "he the", …), a determiner never ends a sentence and is always followed by a
/// noun, so styled prose is as fluent by that measure as the unstyled writer's. Sentence
/// lengths, paragraphs, dialogue, point of view, tense and punctuation follow the block's
/// lines, each with seeded noise.
struct StyledProse {
    /// Per request, each frequent word's count in the N words asked for is drawn as the
    /// author's own N-word passages vary: its rate in this chapter is the stated rate r times
    /// G ~ Gamma(r·L, 1/(r·L)) (a word's rate drifts from passage to passage, rarer words
    /// relatively more, with variance r/L), and its count a Poisson draw of mean r·G·N; its
    /// target rate is that count / N. So a count has mean r·N and variance r·N·(1 + N/L): close
    /// to a random sample's at 250 words, 2.25 times it at 2,500 (as the κ = 1.5 of the normal
    /// noise this replaced, r + κ·√(r/N)·z cut at zero; at 250 words that cut added some 20
    /// uses of words a 250-word window holds once or not at all, and put chapters past the
    /// author's own spread). L = 2,000 words puts chapters of 250 to 2,500 words inside the
    /// author's own spread for windows of their length rather than closer than any window
    /// (with sample noise alone, 1,200- and 2,500-word chapters all scored at its 0th percentile).
    static let habitDrift = 2_000.0
    /// Per request, every sentence length is scaled by exp(σ·z).
    static let lengthNoise = 0.03
    /// Per request, the dialogue share gets + σ·z (σ in share, 0–1).
    static let dialogueNoise = 0.01
    /// Paragraph length in sentences: round(median × exp(σ·z)) per paragraph, at least 1.
    static let paragraphSpread = 0.6

    static let firstPersonWords: Set<String> = ["i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"]
    /// The forms Style's tense reading counts: the other tense's are kept to dialogue.
    static let pastForms: Set<String> = ["was", "were", "had", "did", "said", "went", "came", "saw", "thought", "knew", "felt", "took", "made", "got", "told", "found", "gave", "left", "stood", "sat", "heard", "began", "ran", "could", "would"]
    static let presentForms: Set<String> = ["is", "are", "am", "has", "have", "does", "do", "says", "goes", "comes", "sees", "thinks", "knows", "feels", "takes", "makes", "gets", "tells", "finds", "gives", "stands", "sits", "hears", "begins", "runs", "can", "will"]
    /// Words whose period Quality's scanner does not read as a sentence's end.
    static let abbreviations: Set<String> = ["mr", "mrs", "ms", "dr", "st", "sr", "jr", "messrs", "mme", "mlle", "prof", "rev", "col", "gen", "capt", "lt", "sgt", "no", "vs", "etc", "esq", "hon"]
    /// `FluencyRule`'s class of determiners.
    static let determiner: UInt32 = 1
    static let titles: Set<String> = ["mr", "mrs", "ms", "dr", "st", "messrs", "mme", "mlle", "sir", "i"]

    /// The simulator's own words for content positions, one word each (Lexicon's plain banks: no
    /// word of the Quality lexicons).
    static let nouns: [String] = {
        let phrases = Lexicon.objects + Lexicon.places + SceneThread.things.map(\.definite) + SceneThread.places.map(\.definite)
        let skip: Set<String> = ["the", "a", "an", "his", "her", "of", "old", "small", "wooden", "bundle"]
        var seen = Set<String>()
        return phrases.flatMap { $0.split(separator: " ").map(String.init) }.filter { !skip.contains($0) && seen.insert($0).inserted }
    }()
    static let pastVerbs: [String] = {
        var seen = Set<String>()
        return (Lexicon.transitive + Lexicon.intransitive).filter { !$0.contains(" ") && seen.insert($0).inserted }
    }()
    static let presentVerbs: [String] = Lexicon.baseVerbs.map { verb in
        if verb.hasSuffix("ch") || verb.hasSuffix("sh") || verb.hasSuffix("s") || verb.hasSuffix("x") { return verb + "es" }
        if verb.hasSuffix("y"), let before = verb.dropLast().last, !"aeiou".contains(before) { return verb.dropLast() + "ies" }
        return verb + "s"
    }
    static let adverbs: [String] = Lexicon.manners.filter { !$0.contains(" ") }

    /// A piecewise quantile function through the block's quartiles: linear from 1 word to Q1,
    /// Q1 to Q2, Q2 to Q3, then a generalised Pareto tail above Q3 whose mean and second moment
    /// give the stated mean and sd (its shape clamped to −0.5…0.4).
    struct Lengths {
        let q1: Double, q2: Double, q3: Double
        let shape: Double, scale: Double

        init(mean: Double, sd: Double, quartiles: (Double, Double, Double)) {
            q1 = max(1, quartiles.0)
            q2 = max(q1, quartiles.1)
            q3 = max(q2, quartiles.2)
            func segment(_ a: Double, _ b: Double) -> (Double, Double) { ((a + b) / 2, (a * a + a * b + b * b) / 3) }
            let parts = [segment(1, q1), segment(q1, q2), segment(q2, q3)]
            let excess = max(1, 4 * mean - parts.reduce(0) { $0 + $1.0 } - q3)
            let second = 4 * (sd * sd + mean * mean) - parts.reduce(0) { $0 + $1.1 } - q3 * q3 - 2 * q3 * excess
            let ratio = second / (2 * excess * excess)
            let shape = ratio > 0.51 ? min(0.4, max(-0.5, (ratio - 1) / (2 * ratio - 1))) : -0.5
            self.shape = shape
            scale = excess * (1 - shape)
        }

        func value(_ u: Double) -> Double {
            if u < 0.25 { return 1 + (q1 - 1) * u / 0.25 }
            if u < 0.5 { return q1 + (q2 - q1) * (u - 0.25) / 0.25 }
            if u < 0.75 { return q2 + (q3 - q2) * (u - 0.5) / 0.25 }
            let v = min((u - 0.75) / 0.25, 1 - 1e-9)
            let tail = abs(shape) < 1e-6 ? -scale * log(1 - v) : scale / shape * (pow(1 - v, -shape) - 1)
            return q3 + tail
        }
    }

    struct Sentence {
        var tokens: [String]
        var text: String
    }

    let block: StyleBlock
    let probabilities: [String: Double]
    let cast: [String]
    let obsession: String
    let facts: (surface: ContinuitySurface, cast: SimulatedCast)?

    private var slot: [String: Int] = [:]
    private var target: [Double] = []
    private var contentTarget = 0.0
    /// Words kept to dialogue: the other person's pronouns and the other tense's forms.
    private var dialogueOnly: [Bool] = []
    private var counts: [Int] = []
    private var contentCount = 0
    private var total = 0
    private var dialogueWords = 0
    private var history: [String] = []
    /// The function-word class (`FluencyRule`) of the listed words, and of the last word written.
    private var habitClass: [UInt32] = []
    private var lastClass: UInt32 = 0
    /// Exemplar 8-word runs, keyed by their first seven words: the eighth words that would complete one.
    private var forbidden: [String: Set<String>] = [:]
    private var pending: [[String]] = []
    private var contentWords: (nouns: [String], verbs: [String], adverbs: [String]) = ([], [], [])
    private var vowelNouns: [String] = []
    private var consonantNouns: [String] = []

    init(block: StyleBlock, probabilities: [String: Double], cast: [String], obsession: String,
         facts: (surface: ContinuitySurface, cast: SimulatedCast)?, words: Int, random: inout SeededGenerator) {
        self.block = block
        self.probabilities = probabilities
        self.cast = cast
        self.obsession = obsession
        self.facts = facts
        let size = Double(max(words, 1))
        for (index, habit) in block.habits.enumerated() where slot[habit.word] == nil {
            slot[habit.word] = index
        }
        target = block.habits.map { habit in
            guard habit.rate > 0 else { return 0 }
            let shape = habit.rate * Self.habitDrift
            return Double(Self.poisson(habit.rate * size * Self.gamma(shape: shape, random: &random) / shape, random: &random)) / size
        }
        habitClass = block.habits.map { FluencyRule.functionClass(of: $0.word) }
        contentTarget = max(0.1, 1 - target.reduce(0, +))
        dialogueOnly = block.habits.map { habit in
            (!block.firstPerson && Self.firstPersonWords.contains(habit.word))
                || (block.pastTense ? Self.presentForms.contains(habit.word) : Self.pastForms.contains(habit.word))
        }
        counts = [Int](repeating: 0, count: block.habits.count)
        for passage in block.exemplars {
            let words = Self.words(of: passage)
            guard words.count >= 8 else { continue }
            for start in 0...(words.count - 8) {
                forbidden[words[start..<(start + 7)].joined(separator: " "), default: []].insert(words[start + 7])
            }
        }
        let own = Set(slot.keys)
        contentWords = (Self.nouns.filter { !own.contains($0) },
                        (block.pastTense ? Self.pastVerbs : Self.presentVerbs).filter { !own.contains($0) },
                        Self.adverbs.filter { !own.contains($0) })
        vowelNouns = contentWords.nouns.filter { $0.first.map { "aeiou".contains($0) } ?? false }
        consonantNouns = contentWords.nouns.filter { !($0.first.map { "aeiou".contains($0) } ?? true) }
    }

    /// Words as the copy guard compares them: lowercase runs of letters, digits and apostrophes.
    static func words(of text: String) -> [String] {
        text.lowercased().replacingOccurrences(of: "\u{2019}", with: "'").split { !($0.isLetter || $0.isNumber || $0 == "'") }.map(String.init)
    }

    /// A gamma variate of scale 1 (Marsaglia and Tsang; shapes below 1 through Gamma(shape + 1)·U^(1/shape)).
    static func gamma(shape: Double, random: inout SeededGenerator) -> Double {
        if shape < 1 { return gamma(shape: shape + 1, random: &random) * pow(random.nextUnit(), 1 / shape) }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = random.nextGaussian()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = random.nextUnit()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A Poisson variate (by products of uniforms; above a mean of 30, the rounded normal).
    static func poisson(_ mean: Double, random: inout SeededGenerator) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 30 { return max(0, Int((mean + mean.squareRoot() * random.nextGaussian()).rounded())) }
        let limit = exp(-mean)
        var product = random.nextUnit(), count = 0
        while product > limit {
            count += 1
            product *= random.nextUnit()
        }
        return count
    }

    // MARK: Writing

    /// About `words` words (ending within half a sentence of it); with `hardLimit`, exactly `words`.
    mutating func write(words: Int, hardLimit: Bool, random: inout SeededGenerator) -> String {
        let lengths = Lengths(mean: block.sentenceMean, sd: block.sentenceSD, quartiles: block.quartiles)
        let lengthScale = exp(Self.lengthNoise * random.nextGaussian())
        let share = min(0.9, max(0, block.dialogueShare + Self.dialogueNoise * random.nextGaussian()))
        var paragraphs: [String] = []
        var previous: Sentence?
        var planned: [[Int]] = []
        while total < words {
            if planned.isEmpty {
                planned = Self.plan(words: max(words - total, 40), lengths: lengths, scale: lengthScale,
                                    sentences: block.paragraphSentences, words: block.paragraphWords, random: &random)
            }
            // Dialogue by deficit: a paragraph is speech when, with it, the words spoken would
            // fall behind the share by more than half of it (speaking it then leaves the smaller
            // miss; the request's share is already drawn). The first of the next six planned
            // paragraphs that qualifies is taken, so speech comes in the shorter paragraphs and
            // a long one never holds the share back for long.
            func speaks(_ plan: [Int]) -> Bool {
                let words = Double(plan.reduce(0, +))
                return share > 0 && share * (Double(total) + words) - Double(dialogueWords) >= words / 2
            }
            let chosen = planned.prefix(6).firstIndex(where: speaks) ?? 0
            let plan = planned.remove(at: chosen)
            let speech = speaks(plan)
            let tagged = speech && plan[plan.count - 1] >= 4 && random.nextUnit() < 0.6
            var texts: [String] = []
            var finished = false
            for (index, length) in plan.enumerated() {
                let isTagged = tagged && index == plan.count - 1
                var sentence: Sentence
                if !speech, let facts, random.nextUnit() < facts.surface.factRate, let fact = factSentence(facts, random: &random) {
                    sentence = fact
                } else if let repeated = previous, random.nextUnit() < probabilities["repetition"]!, !isTagged, !repeated.text.contains("\u{1}"),
                          follows(repeated.tokens), !copies(repeated.tokens) {
                    sentence = repeated
                    tally(repeated.tokens, spoken: speech)
                } else {
                    sentence = fresh(length: length, speech: speech, tagged: isTagged, random: &random)
                }
                if total >= words, !texts.isEmpty || !paragraphs.isEmpty {
                    // Past the target: keep the sentence only when less than half of it overshot.
                    let overshoot = total - words
                    if overshoot * 2 > sentence.tokens.count, !hardLimit {
                        untally(sentence.tokens, spoken: speech)
                        finished = true
                        break
                    }
                }
                if hardLimit, total > words {
                    let keep = sentence.tokens.count - (total - words)
                    sentence.text = sentence.text.split(separator: " ", omittingEmptySubsequences: false).prefix(max(0, keep)).joined(separator: " ")
                    texts.append(sentence.text)
                    finished = true
                    break
                }
                texts.append(sentence.text)
                previous = sentence
                if total >= words { break }
            }
            if !texts.isEmpty { paragraphs.append(paragraph(texts, speech: speech)) }
            if finished { break }
        }
        return paragraphs.joined(separator: "\n\n")
    }

    /// Paragraphs of sentence lengths for about `words` words. The lengths are a stratified
    /// draw from the quantile function (one per 1/n of it, so a chapter's mean and spread are
    /// the stated ones up to rounding), scaled by `scale`; paragraph sizes are
    /// round(median × exp(σ·z)) sentences. Which sentence goes to which paragraph is what sets
    /// the median paragraph in words: sentences sorted by length go to slots ordered by
    /// α·(the paragraph's rank by size) + (1 − |α|)·noise, α found by bisection in −1…1 so that
    /// the planned paragraphs' median words come closest to the stated one (α = 1: short
    /// paragraphs get the short sentences, as dialogue turns do in novels; 0: at random).
    /// Paragraphs and their sentences are then put in random order.
    static func plan(words: Int, lengths: Lengths, scale: Double, sentences median: Double, words medianWords: Double,
                     random: inout SeededGenerator) -> [[Int]] {
        let meanLength = max(1, (0..<200).reduce(0.0) { $0 + lengths.value((Double($1) + 0.5) / 200) } / 200 * scale)
        let count = max(2, Int((Double(words) / meanLength).rounded(.up)))
        // The top stratum is held below its last quarter: the tail's far end would decide a chapter's mean alone.
        let strata = random.permutation(count)
        let drawn = strata.map { stratum in
            let u = min((Double(stratum) + random.nextUnit()) / Double(count), 1 - 0.25 / Double(count))
            return max(1, Int((lengths.value(u) * scale).rounded()))
        }
        // Scaled to hold exactly the words asked for (a change of a few percent), so the chapter
        // ends with its last planned paragraph: paragraphs left unwritten moved the median
        // paragraph off the planned one, by 15% or more in a chapter in twenty.
        let drawnWords = Double(drawn.reduce(0, +))
        var pool = drawn.map { max(1, Int((Double($0) * Double(words) / drawnWords).rounded())) }.sorted()
        var residual = words - pool.reduce(0, +), position = pool.count - 1
        for _ in 0..<(4 * pool.count) where residual != 0 {
            if residual > 0 || pool[position] > 1 {
                pool[position] += residual > 0 ? 1 : -1
                residual += residual > 0 ? -1 : 1
            }
            position = position == 0 ? pool.count - 1 : position - 1
        }
        pool.sort()
        var sizes: [Int] = []
        var assigned = 0
        while assigned < count {
            let size = min(count - assigned, max(1, Int((median * exp(paragraphSpread * random.nextGaussian())).rounded())))
            sizes.append(size)
            assigned += size
        }
        let tiebreak = sizes.map { _ in random.nextUnit() }
        var rank = [Double](repeating: 0, count: sizes.count)
        for (position, paragraph) in sizes.indices.sorted(by: { (sizes[$0], tiebreak[$0]) < (sizes[$1], tiebreak[$1]) }).enumerated() {
            rank[paragraph] = Double(position) / Double(max(1, sizes.count - 1))
        }
        let slots = sizes.enumerated().flatMap { paragraph, size in (0..<size).map { _ in (paragraph: paragraph, noise: random.nextUnit()) } }
        func assign(_ alpha: Double) -> [[Int]] {
            let keys = slots.map { alpha * rank[$0.paragraph] + (1 - abs(alpha)) * $0.noise }
            var result = sizes.map { _ in [Int]() }
            for (position, slot) in slots.indices.sorted(by: { keys[$0] < keys[$1] }).enumerated() { result[slots[slot].paragraph].append(pool[position]) }
            return result
        }
        func middleWords(_ paragraphs: [[Int]]) -> Double {
            let sums = paragraphs.map { Double($0.reduce(0, +)) }.sorted()
            let middle = Double(sums.count - 1) / 2
            return (sums[Int(middle.rounded(.down))] + sums[Int(middle.rounded(.up))]) / 2
        }
        // The median falls as α rises (short sentences gather in the many short paragraphs).
        var low = -1.0, high = 1.0
        for _ in 0..<14 {
            let middle = (low + high) / 2
            if middleWords(assign(middle)) > medianWords { low = middle } else { high = middle }
        }
        let chosen = [low, high].min { abs(middleWords(assign($0)) - medianWords) < abs(middleWords(assign($1)) - medianWords) }!
        let paragraphs = assign(chosen)
        return random.permutation(paragraphs.count).map { index in
            let paragraph = paragraphs[index]
            return random.permutation(paragraph.count).map { paragraph[$0] }
        }
    }

    /// Speech paragraphs open a quotation at their start and close it after the last quoted word.
    private func paragraph(_ texts: [String], speech: Bool) -> String {
        let body = texts.joined(separator: " ")
        guard speech else { return body }
        return body.contains("\u{1}") ? "\"" + body.replacingOccurrences(of: "\u{1}", with: "\"") : "\"" + body + "\""
    }

    /// A sentence of `length` words filled position by position (see the type's comment).
    private mutating func fresh(length: Int, speech: Bool, tagged: Bool, random: inout SeededGenerator) -> Sentence {
        let spoken = tagged ? length - 2 : length
        // The knobs' clauses wait for a narration sentence with room for them.
        if !speech {
            let name = cast[random.below(cast.count)]
            if random.nextUnit() < probabilities["sensory"]! { pending.append(Lexicon.sensory(&random).split(separator: " ").map(String.init)) }
            if random.nextUnit() < probabilities["emotion"]! { pending.append(Lexicon.emotion(name: name, &random).split(separator: " ").map(String.init)) }
            if random.nextUnit() < probabilities["obsession"]! {
                pending.append(Self.words(of: Lexicon.obsession(name: name, target: obsession, &random)).map { $0 == name.lowercased() ? name : $0 })
            }
            // Absent unless the prompt asks for romantic tension: no draw otherwise.
            if let romance = probabilities["romance"], random.nextUnit() < romance {
                let other = Lexicon.other(than: name, in: cast, &random)
                // Names keep their capitals ("elias's" → "Elias's"), as the obsession clause's name does.
                var names: [String: String] = [:]
                for person in [other, name] { names[person.lowercased()] = person; names[person.lowercased() + "'s"] = person + "'s" }
                pending.append(Self.words(of: Lexicon.romance(name: name, other: other, &random)).map { names[$0] ?? $0 })
            }
        }
        var tokens: [String] = []
        while tokens.count < spoken {
            let room = spoken - tokens.count
            let last = room == 1
            let position = Double(total + 1)
            // The best frequent word by deficit (with a jitter of up to one use), against the content class.
            let banned = forbidden.isEmpty || history.count < 7 ? nil : forbidden[history.suffix(7).joined(separator: " ")]
            // Fluency: no listed word that would make a pair `FluencyRule` calls implausible with
            // the word before (across sentences too, as the metric reads), no determiner to end a
            // sentence, and after a determiner a noun of the simulator's own.
            let afterDeterminer = lastClass == Self.determiner
            var best = -1, bestScore = -Double.infinity
            for index in target.indices where !afterDeterminer && (speech || !dialogueOnly[index]) {
                let word = block.habits[index].word
                if last, word.count == 1 || Self.abbreviations.contains(word) || habitClass[index] == Self.determiner { continue }
                if FluencyRule.implausible(lastClass, habitClass[index]) { continue }
                let score = target[index] * position - Double(counts[index]) + random.nextUnit()
                if score > bestScore, !(banned?.contains(word) ?? false) { best = index; bestScore = score }
            }
            let contentScore = contentTarget * position - Double(contentCount) + random.nextUnit()
            if afterDeterminer || best < 0 || contentScore > bestScore {
                if !speech, !afterDeterminer, let index = pending.firstIndex(where: { $0.count <= room && follows($0) }), !copies(pending[index]) {
                    let clause = pending.remove(at: index)
                    tokens += clause
                    tally(clause, spoken: false)
                    continue
                }
                let draw = afterDeterminer ? noun : content
                var word = draw(&random)
                for _ in 0..<4 where completesCopy(word) { word = draw(&random) }
                if completesCopy(word) { word = (contentWords.nouns + cast).first { !completesCopy($0) } ?? word }
                tokens.append(word)
                tally([word], spoken: speech)
            } else {
                let word = block.habits[best].word
                tokens.append(Self.titles.contains(word) ? word.capitalizedFirst : word)
                tally([word], spoken: speech)
            }
        }
        // No mark straight after a determiner ("the, cup"): one drawn there moves to the next gap.
        var text = "", carried = " "
        for (index, token) in tokens.enumerated() {
            text += index == 0 ? token.capitalizedFirst : token
            guard index < tokens.count - 1 else { break }
            let drawn = mark(&random)
            if FluencyRule.functionClass(of: token) == Self.determiner {
                if drawn != " " { carried = drawn }
                text += " "
            } else {
                text += drawn == " " ? carried : drawn
                carried = " "
            }
        }
        if tagged {
            let name = cast[random.below(cast.count)]
            let verb = block.pastTense ? "said" : "says"
            tally([name, verb], spoken: false)
            tokens += [name, verb]
            return Sentence(tokens: tokens, text: text + ",\u{1} \(name) \(verb).")
        }
        return Sentence(tokens: tokens, text: text + end(&random))
    }

    /// What follows a word inside a sentence: a space, or a comma, semicolon or dash at the block's rates.
    private func mark(_ random: inout SeededGenerator) -> String {
        let u = random.nextUnit() * 1000
        let marks = block.punctuation
        if u < marks[0] { return ", " }
        if u < marks[0] + marks[1] { return "; " }
        if u < marks[0] + marks[1] + marks[2] { return "\u{2014}" }
        return " "
    }

    /// A sentence's last mark: ?, ! or … at the block's rates per word, times the mean length; else a period.
    private func end(_ random: inout SeededGenerator) -> String {
        let perSentence = block.sentenceMean / 1000
        let u = random.nextUnit()
        let marks = block.punctuation
        if u < marks[5] * perSentence { return "?" }
        if u < (marks[5] + marks[4]) * perSentence { return "!" }
        if u < (marks[5] + marks[4] + marks[3]) * perSentence { return "\u{2026}" }
        return "."
    }

    /// A noun of the simulator's own after a determiner: one starting with a vowel after "an",
    /// with a consonant after "a" (any when there is none such).
    private func noun(_ random: inout SeededGenerator) -> String {
        let article = history.last
        let nouns = article == "an" ? vowelNouns : article == "a" ? consonantNouns : contentWords.nouns
        let pool = nouns.isEmpty ? contentWords.nouns : nouns
        return pool.isEmpty ? cast[random.below(cast.count)] : pool[random.below(pool.count)]
    }

    /// Whether `tokens` may follow the last word written: their first word makes no pair
    /// `FluencyRule` calls implausible with it, and a determiner is followed by none of them.
    private func follows(_ tokens: [String]) -> Bool {
        guard let first = tokens.lazy.flatMap({ Self.words(of: $0) }).first else { return true }
        let firstClass = FluencyRule.functionClass(of: first)
        return lastClass != Self.determiner && !FluencyRule.implausible(lastClass, firstClass)
    }

    /// A content word: a cast name now and then, else a noun, verb or adverb of the simulator's own.
    private func content(_ random: inout SeededGenerator) -> String {
        let u = random.nextUnit()
        if u < 0.15 || contentWords.nouns.isEmpty { return cast[random.below(cast.count)] }
        if u < 0.6 { return contentWords.nouns[random.below(contentWords.nouns.count)] }
        if u < 0.9, !contentWords.verbs.isEmpty { return contentWords.verbs[random.below(contentWords.verbs.count)] }
        return contentWords.adverbs.isEmpty ? contentWords.nouns[random.below(contentWords.nouns.count)] : contentWords.adverbs[random.below(contentWords.adverbs.count)]
    }

    /// A continuity fact sentence, or nil when its first word may not follow the last one written.
    private mutating func factSentence(_ facts: (surface: ContinuitySurface, cast: SimulatedCast), random: inout SeededGenerator) -> Sentence? {
        let text = SimulatedFacts.sentence(cast: facts.cast, surface: facts.surface, random: &random)
        let tokens = text.split(separator: " ").map(String.init)
        guard follows(tokens) else { return nil }
        tally(tokens, spoken: false)
        return Sentence(tokens: tokens, text: text)
    }

    // MARK: Counting and the copy guard

    private mutating func tally(_ tokens: [String], spoken: Bool) {
        for token in tokens {
            for word in Self.words(of: token) {
                if let index = slot[word] {
                    counts[index] += 1
                    lastClass = habitClass[index]
                } else {
                    contentCount += 1
                    lastClass = FluencyRule.functionClass(of: word)
                }
                total += 1
                if spoken { dialogueWords += 1 }
                history.append(word)
            }
        }
        if history.count > 64 { history.removeFirst(history.count - 7) }
    }

    /// Takes back a sentence that is not written after all.
    private mutating func untally(_ tokens: [String], spoken: Bool) {
        for token in tokens {
            for word in Self.words(of: token) {
                if let index = slot[word] { counts[index] -= 1 } else { contentCount -= 1 }
                total -= 1
                if spoken { dialogueWords -= 1 }
            }
        }
    }

    /// Whether `word` next would complete an 8-word run of an exemplar.
    private func completesCopy(_ word: String) -> Bool {
        guard !forbidden.isEmpty, history.count >= 7 else { return false }
        return forbidden[history.suffix(7).joined(separator: " ")]?.contains(word.lowercased()) ?? false
    }

    /// Whether writing `tokens` next would complete an 8-word run of an exemplar.
    private func copies(_ tokens: [String]) -> Bool {
        guard !forbidden.isEmpty else { return false }
        var window = Array(history.suffix(7))
        for token in tokens {
            for word in Self.words(of: token) {
                if window.count == 7, forbidden[window.joined(separator: " ")]?.contains(word) ?? false { return true }
                window.append(word)
                if window.count > 7 { window.removeFirst() }
            }
        }
        return false
    }
}
