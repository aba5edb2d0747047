import Foundation
import LLM
import Quality
import Testing
@testable import Simulator
import WorkbenchCore

/// The simulator's judge, in-process: what it reads from a rubric prompt, the signal each
/// dimension follows, the documented noise, and answers that satisfy the judge's schema.
@Suite struct SimulatedJudgeTests {
    static let scoreSchema = #"{"type":"object","properties":{"score":{"type":"integer","minimum":1,"maximum":10},"reason":{"type":"string","description":"One or two sentences."}},"required":["score","reason"],"additionalProperties":false}"#
    static let pairSchema = #"{"type":"object","properties":{"winner":{"type":"string","enum":["first","second","tie"]},"reason":{"type":"string"}},"required":["winner","reason"],"additionalProperties":false}"#
    static let system = "You are a strict, consistent fiction editor. You score one quality of a chapter on a 1–10 scale, where 5 is competent published genre fiction. Answer with JSON only."

    /// A rubric prompt in the shape of Experiments/prompts/judge/v1.
    static func rubric(_ quality: String, chapter: String) -> String {
        "Quality: \(quality) — how the chapter does it: prose, scene, character, tension and coherence together.\n\nChapter:\n\"\"\"\n\(chapter)\n\"\"\"\n"
    }

    static func pairwise(_ dimension: String, _ first: String, _ second: String) -> String {
        "Compare two versions of a chapter on one quality: \(dimension). Judge only that quality.\n\nFirst version:\n\"\"\"\n\(first)\n\"\"\"\n\nSecond version:\n\"\"\"\n\(second)\n\"\"\""
    }

    /// Chapters of known rank: the simulator's prose with every documented instruction, the same
    /// words shuffled into salad, and one paragraph of it looped.
    static let good = SimulatorWriter(serverSeed: 3).respond(to: CompletionRequest(messages: [ChatMessage(.user, """
        Characters: Mara, Elias. Obsession: the drowned bell.
        Write about 1200 words. Use vivid detail, deepen emotion, include dialogue and stay with the obsession. Avoid repetition.
        """)], maxTokens: 4000, seed: 1, task: .generate)).text
    static let salad: String = {
        var random = SeededGenerator(seed: 5)
        var words = good.split(whereSeparator: \.isWhitespace).map(String.init)
        words.shuffle(using: &random)
        return stride(from: 0, to: words.count, by: 80).map { words[$0..<min($0 + 80, words.count)].joined(separator: " ") }.joined(separator: "\n\n")
    }()
    static let loop = Array(repeating: good.components(separatedBy: "\n\n")[1], count: 15).joined(separator: "\n\n")

    func ask(_ prompt: String, schema: String = scoreSchema, seed: UInt64) -> [String: Any]? {
        let output = SimulatorWriter(serverSeed: 0).respond(to: CompletionRequest(
            messages: [ChatMessage(.system, Self.system), ChatMessage(.user, prompt)], temperature: 0.7, maxTokens: 200, seed: seed,
            responseFormat: .jsonSchema(name: "verdict", schema: schema), task: .judge))
        return (try? JSONSerialization.jsonObject(with: Data(output.text.utf8))) as? [String: Any]
    }

    @Test func theRubricsDimensionChapterAndObsessionAreRead() {
        let cases: [(String, String)] = [
            ("concrete sensory detail", "detail"), ("emotional depth", "emotion"), ("narrative voice", "voice"),
            ("obsession depth", "obsession"), ("overall", "overall"), ("coherence", "coherence"),
            ("continuity of events", "coherence"), ("prose style", "prose"), ("pacing", "overall"),
        ]
        for (quality, dimension) in cases {
            let reading = SimulatedJudge.read(Self.system + "\n" + Self.rubric(quality, chapter: "One.\n\nTwo."))
            // "overall" mentions prose and coherence in its description: only the name before the dash counts.
            #expect(reading.dimension.name == dimension, "\(quality)")
            #expect(reading.chapters == ["One.\n\nTwo."])
        }
        let obsession = SimulatedJudge.read("Quality: obsession depth — how deeply the chapter stays with the book's central obsession (\"the locked room\"): its recurrence.\n\nChapter:\n\"\"\"\nText.\n\"\"\"")
        #expect(obsession.obsession == "the locked room")
        #expect(SimulatedJudge.read(Self.rubric("obsession depth", chapter: "Text.")).obsession == nil)
        let pair = SimulatedJudge.read(Self.pairwise("emotion", "A.", "B."))
        #expect(pair.dimension.name == "emotion" && pair.chapters == ["A.", "B."])
    }

    @Test func eachDimensionFollowsItsMetricAndTheComposite() {
        let report = SimulatedJudge.analyze(Self.good, obsession: nil)
        let overall = SimulatedJudge.dimensions.first { $0.name == "overall" }!
        #expect(SimulatedJudge.signal(report, dimension: overall) == report.quality)
        // A dimension is the gates times the mean of its metric's score and the ungated composite.
        func expected(_ report: QualityReport, _ metric: String) -> Double {
            let gate = MetricCatalog.gates.reduce(1.0) { product, name in product * (report.metric(name)?.score.map { MetricCatalog.gate(name, score: $0) } ?? 1) }
            return gate * (report.metric(metric)!.score! + min(10, report.quality / gate)) / 2
        }
        let emotion = SimulatedJudge.dimensions.first { $0.name == "emotion" }!
        #expect(abs(SimulatedJudge.signal(report, dimension: emotion) - expected(report, "emotion")) < 1e-9)
        // No metric to follow (no obsession given; `coherence` until Quality has it): the composite.
        for name in ["obsession", "coherence"] {
            let dimension = SimulatedJudge.dimensions.first { $0.name == name }!
            if report.metric(dimension.metric!) == nil { #expect(SimulatedJudge.signal(report, dimension: dimension) == report.quality, "\(name)") }
        }
        let withObsession = SimulatedJudge.analyze(Self.good, obsession: "the drowned bell")
        let obsession = SimulatedJudge.dimensions.first { $0.name == "obsession" }!
        #expect(abs(SimulatedJudge.signal(withObsession, dimension: obsession) - expected(withObsession, "obsession_depth")) < 1e-9)
        // A looping text is gated to nothing on every dimension, however rich its words.
        let looped = SimulatedJudge.analyze(Self.loop, obsession: nil)
        for dimension in SimulatedJudge.dimensions { #expect(SimulatedJudge.signal(looped, dimension: dimension) < 1, "\(dimension.name)") }
    }

    @Test func theNoiseHasTheDocumentedSpreadOnAnyScale() {
        for (scale, sd) in [(SimulatedJudge.Scale(low: 1, high: 10, step: 1), 0.5), (SimulatedJudge.Scale(low: 0, high: 100, step: 1), 0.5 * 100 / 9)] {
            var random = SeededGenerator(seed: 17)
            let draws = (0..<5000).map { _ in scale.noisy(6, random: &random) }
            let mean = draws.reduce(0, +) / Double(draws.count)
            let measured = (draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count - 1)).squareRoot()
            #expect(abs(mean - (scale.low + (scale.high - scale.low) * 0.6)) < sd * 0.05, "mean \(mean)")
            #expect(abs(measured / sd - 1) < 0.04, "sd \(measured), documented \(sd)")
        }
        let scale = SimulatedJudge.Scale(low: 1, high: 10, step: 1)
        #expect(scale.rounded(7.49) == 7 && scale.rounded(11.2) == 10 && scale.rounded(-3) == 1)
        #expect(SimulatedJudge.Scale(low: 0, high: 1, step: 0.1).rounded(0.437) == 0.4)
    }

    @Test func answersSatisfyTheSchemaAndAreDeterministic() throws {
        let prompt = Self.rubric("emotional depth", chapter: Self.good)
        let answer = try #require(ask(prompt, seed: 3))
        #expect(Set(answer.keys) == ["score", "reason"])
        let score = try #require(answer["score"] as? Int)
        #expect((1...10).contains(score))
        #expect((answer["reason"] as? String)?.hasPrefix("Follows emotion") == true, "\(answer)")
        #expect(NSDictionary(dictionary: ask(prompt, seed: 3)!) == NSDictionary(dictionary: answer), "same request, same answer")
        // A number scale with a step, and properties the judge does not set, are honoured too.
        let other = #"{"type":"object","properties":{"score":{"type":"number","minimum":0,"maximum":5,"multipleOf":0.5},"reason":{"type":"string","maxLength":20},"confident":{"type":"boolean"}},"required":["score","reason","confident"]}"#
        let rich = try #require(ask(prompt, schema: other, seed: 4))
        let value = try #require(rich["score"] as? Double)
        #expect((0...5).contains(value) && (value * 2).rounded() == value * 2)
        #expect(((rich["reason"] as? String)?.count ?? 99) <= 20 && rich["confident"] is Bool)
    }

    /// The point of it: a better chapter scores higher, sample after sample, by what the metrics say.
    @Test func betterChaptersScoreHigherOverRepeatedSamples() throws {
        for dimension in ["overall", "concrete sensory detail", "emotional depth", "narrative voice"] {
            func scores(_ chapter: String) -> [Int] {
                (0..<30).compactMap { ask(Self.rubric(dimension, chapter: chapter), seed: UInt64($0))?["score"] as? Int }
            }
            let good = scores(Self.good), salad = scores(Self.salad), loop = scores(Self.loop)
            #expect(good.count == 30 && salad.count == 30 && loop.count == 30)
            let mean = { (values: [Int]) in Double(values.reduce(0, +)) / Double(values.count) }
            #expect(mean(good) > mean(salad) + 3 && mean(good) > mean(loop) + 3, "\(dimension): good \(mean(good)), salad \(mean(salad)), loop \(mean(loop))")
            #expect(good.min()! > salad.max()!, "\(dimension): every sample ranks them")
            // And the level is the documented mapping: 1 + 9 × signal / 10, noise averaging out.
            let reading = SimulatedJudge.read(Self.rubric(dimension, chapter: Self.good))
            let expected = 1 + 0.9 * SimulatedJudge.signal(SimulatedJudge.analyze(Self.good, obsession: nil), dimension: reading.dimension)
            #expect(abs(mean(good) - expected) < 0.35, "\(dimension): mean \(mean(good)), mapped signal \(expected)")
        }
    }

    /// Judge/heuristic agreement, offline: over chapters of graded quality the mean overall
    /// verdict follows the composite almost perfectly (the judge adds noise, not opinion).
    @Test func overallVerdictsAgreeWithTheComposite() {
        let instructions = ["", "Use vivid detail.", "Deepen emotion.", "Include dialogue.", "Use vivid detail, deepen emotion, include dialogue. Avoid repetition."]
        var chapters = instructions.enumerated().map { index, instruction in
            SimulatorWriter(serverSeed: 4).respond(to: CompletionRequest(messages: [ChatMessage(.user, "Characters: Mara, Elias.\nWrite about 900 words. \(instruction)")],
                                                                         maxTokens: 3000, seed: UInt64(index), task: .generate)).text
        }
        chapters += [Self.salad, Self.loop, Self.good, chapters[0] + "\n\n" + Array(repeating: chapters[0].components(separatedBy: "\n\n")[0], count: 4).joined(separator: "\n\n")]
        var composite: [Double] = [], verdict: [Double] = []
        for chapter in chapters {
            composite.append(SimulatedJudge.analyze(chapter, obsession: nil).quality)
            let scores = (0..<10).compactMap { ask(Self.rubric("overall", chapter: chapter), seed: UInt64($0))?["score"] as? Int }
            verdict.append(Double(scores.reduce(0, +)) / Double(scores.count))
        }
        let mx = composite.reduce(0, +) / Double(composite.count), my = verdict.reduce(0, +) / Double(verdict.count)
        let sxy = zip(composite, verdict).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        let sxx = composite.map { ($0 - mx) * ($0 - mx) }.reduce(0, +), syy = verdict.map { ($0 - my) * ($0 - my) }.reduce(0, +)
        let r = sxy / (sxx * syy).squareRoot()
        #expect(r > 0.97, "r = \(r): composite \(composite), verdicts \(verdict)")
    }

    @Test func pairwiseAnswersPreferTheBetterVersionInEitherPlace() throws {
        var right = 0
        for seed in 0..<20 {
            let goodFirst = seed % 2 == 0
            let prompt = Self.pairwise("overall", goodFirst ? Self.good : Self.salad, goodFirst ? Self.salad : Self.good)
            let answer = try #require(ask(prompt, schema: Self.pairSchema, seed: UInt64(seed)))
            if answer["winner"] as? String == (goodFirst ? "first" : "second") { right += 1 }
            #expect(answer["reason"] is String)
        }
        #expect(right == 20)
        // Two equal versions: ties or either side, never a systematic favourite.
        var first = 0
        for seed in 0..<40 {
            if ask(Self.pairwise("overall", Self.good, Self.good), schema: Self.pairSchema, seed: UInt64(seed))?["winner"] as? String == "first" { first += 1 }
        }
        #expect(first < 25, "\(first) of 40 for the first of two equal versions")
    }
}
