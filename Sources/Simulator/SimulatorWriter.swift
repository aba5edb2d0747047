import Foundation
import LLM
import WorkbenchCore

/// The simulator's deterministic writer: equal request and seed, equal text, always.
/// Prose is built sentence by sentence; each sentence carries sensory detail, dialogue,
/// emotion, the obsession, or repeats an earlier one, with the probabilities of the
/// `ResponseSurface` for the prompt. Under its coherence instruction the sentences follow a
/// `SceneThread`; JSON-schema answers to a judge's rubric come from `SimulatedJudge`.
public struct SimulatorWriter: Sendable {
    public struct Output: Sendable, Equatable {
        public var text: String
        public var finishReason: FinishReason
        public var promptTokens: Int
        public var completionTokens: Int
    }

    public let serverSeed: UInt64
    /// Fact sentences in the prose (nil: none, and no draw for them).
    public let continuity: ContinuitySurface?

    public init(serverSeed: UInt64 = 0, continuity: ContinuitySurface? = nil) {
        self.serverSeed = serverSeed
        self.continuity = continuity
    }

    /// Completion tokens the simulator reports for a number of words.
    public static func tokens(forWords words: Int) -> Int { (words * 4 + 2) / 3 }

    public func respond(to request: CompletionRequest) -> Output {
        let prompt = request.messages.filter { $0.role != .assistant }.map(\.content).joined(separator: "\n")
        var random = SeededGenerator(hashing: "\(serverSeed)|\(request.seed.map(String.init) ?? "-")|\(request.model ?? "")|"
            + request.messages.map { "\($0.role.rawValue):\($0.content)" }.joined(separator: "\u{1F}"))
        let promptTokens = TokenUsage.estimate(request.messages.map(\.content).joined(separator: "\n"))
        let maxTokens = request.maxTokens ?? 4096

        switch request.responseFormat {
        case .jsonSchema(let name, _) where name == SimulatedContinuity.extractionSchemaName:
            let text = SimulatedContinuity.extractionAnswer(prompt: prompt)
            return Output(text: text, finishReason: .stop, promptTokens: promptTokens, completionTokens: TokenUsage.estimate(text))
        case .jsonSchema(let name, _) where name == SimulatedContinuity.verdictSchemaName:
            let text = SimulatedContinuity.verdictAnswer(prompt: prompt)
            return Output(text: text, finishReason: .stop, promptTokens: promptTokens, completionTokens: TokenUsage.estimate(text))
        case .jsonSchema(_, let schema):
            // A judge's rubric with the chapter quoted is scored from the chapter; anything else gets a valid, arbitrary value.
            let text = SimulatedJudge.answer(schema: schema, prompt: prompt, model: request.model, random: &random)
                ?? (try? SchemaFaker.value(forSchema: schema, random: &random, prompt: prompt)) ?? "{}"
            return Output(text: text, finishReason: .stop, promptTokens: promptTokens, completionTokens: TokenUsage.estimate(text))
        case .jsonObject:
            var body = prose(prompt: prompt, words: 40, hardLimit: false, model: request.model, random: &random)
            body = body.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            let text = "{\"text\":\"\(body)\"}"
            return Output(text: text, finishReason: .stop, promptTokens: promptTokens, completionTokens: TokenUsage.estimate(text))
        case .text where prompt.contains(SimulatedContinuity.fixMarker):
            if let text = SimulatedContinuity.fixAnswer(prompt: prompt, random: &random) {
                return Output(text: text, finishReason: .stop, promptTokens: promptTokens, completionTokens: TokenUsage.estimate(text))
            }
            fallthrough
        case .text:
            let wanted: Double
            // A style block's numbers are not a length: the length is read from the rest of the prompt.
            if let requested = ResponseSurface.requestedWords(in: StyleBlock(prompt: prompt)?.remainder ?? prompt) {
                wanted = Double(requested) * exp(ResponseSurface.lengthNoise * random.nextGaussian())
            } else {
                wanted = ResponseSurface.defaultWords * exp(ResponseSurface.defaultLengthNoise * random.nextGaussian())
            }
            let target = max(1, Int(wanted.rounded()))
            let allowedWords = max(1, maxTokens * 3 / 4)
            // Cut mid-sentence at max_tokens, as real models are; otherwise end on a sentence.
            let text = prose(prompt: prompt, words: min(target, allowedWords), hardLimit: target > allowedWords, model: request.model, random: &random)
            let words = text.split(whereSeparator: \.isWhitespace).count
            let finish: FinishReason = target > allowedWords ? .length : .stop
            return Output(text: text, finishReason: finish, promptTokens: promptTokens,
                          completionTokens: min(maxTokens, Self.tokens(forWords: words)))
        }
    }

    /// About `words` words of prose in paragraphs: whole sentences, ending within half a
    /// sentence of the target; with `hardLimit`, exactly `words`, the last sentence cut.
    /// `model`: a specialist of `ResponseSurface.models` writes to its strengths.
    func prose(prompt fullPrompt: String, words: Int, hardLimit: Bool, model: String? = nil, random: inout SeededGenerator) -> String {
        // Under an author-style block the knobs, cast and obsession are read from the rest of
        // the prompt, and `StyledProse` writes; without one, nothing below changes (no extra draw).
        let style = StyleBlock(prompt: fullPrompt)
        let prompt = style?.remainder ?? fullPrompt
        var probabilities = ResponseSurface.probabilities(for: prompt, model: model)
        // In the surface's fixed order: a dictionary's own order differs between instances.
        // A knob left out (baseline 0, untriggered: romance) draws no noise.
        for knob in ResponseSurface.knobs {
            guard let probability = probabilities[knob.name] else { continue }
            probabilities[knob.name] = min(0.95, probability * exp(ResponseSurface.probabilityNoise * random.nextGaussian()))
        }
        let cast = ResponseSurface.characters(in: prompt)
        let obsession = ResponseSurface.obsession(in: prompt) ?? "the locked room at the end of the hall"
        if let style {
            var writer = StyledProse(block: style, probabilities: probabilities, cast: cast, obsession: obsession,
                                     facts: continuity.map { (surface: $0, cast: SimulatedCast(prompt: prompt)) }, words: words, random: &random)
            return writer.write(words: words, hardLimit: hardLimit, random: &random)
        }
        // Under the coherence instruction sentences follow one thread per scene; otherwise each
        // is drawn on its own (and the default draws stay exactly as they were).
        let coherent = ResponseSurface.asksForCoherence(prompt)
            || (model.flatMap { ResponseSurface.models[$0] }?.coherent == true && ResponseSurface.inKind(prompt, model: model))
        var thread = coherent ? SceneThread(cast: cast, random: &random) : nil
        // Fact sentences only when the surface has them on: otherwise not one extra draw.
        let facts = continuity.map { (surface: $0, cast: SimulatedCast(prompt: prompt)) }
        var sentences: [String] = []
        var paragraphs: [[String]] = [[]]
        var count = 0
        var paragraphLength = 3 + Int(random.next() % 4)
        while count < words {
            var sentence: String
            let startsParagraph = paragraphs[paragraphs.count - 1].isEmpty
            // A looping sentence stays in its paragraph in a threaded scene: a paragraph opens with names, not pronouns.
            if let facts, random.nextUnit() < facts.surface.factRate {
                sentence = SimulatedFacts.sentence(cast: facts.cast, surface: facts.surface, random: &random)
            } else if let previous = sentences.last, random.nextUnit() < probabilities["repetition"]!, thread == nil || !startsParagraph {
                sentence = previous
            } else if thread != nil {
                sentence = thread!.next(startsParagraph: startsParagraph, probabilities: probabilities, obsession: obsession, random: &random)
            } else {
                sentence = Lexicon.sentence(cast: cast, obsession: obsession, probabilities: probabilities, random: &random)
            }
            let sentenceWords = sentence.split(separator: " ")
            let overshoot = count + sentenceWords.count - words
            if overshoot > 0 {
                if hardLimit {
                    sentence = sentenceWords.prefix(words - count).joined(separator: " ")
                } else if overshoot * 2 > sentenceWords.count, count > 0 {
                    break
                }
            }
            count += sentence.split(separator: " ").count
            sentences.append(sentence)
            paragraphs[paragraphs.count - 1].append(sentence)
            if paragraphs[paragraphs.count - 1].count >= paragraphLength {
                paragraphs.append([])
                paragraphLength = 3 + Int(random.next() % 4)
            }
        }
        return paragraphs.filter { !$0.isEmpty }.map { $0.joined(separator: " ") }.joined(separator: "\n\n")
    }
}
