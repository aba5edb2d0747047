import Foundation
import Continuity
import Judge
import LLM
import Quality
import Store
import Style
import WorkbenchCore

// Planning: the outline a run's chapters are written from.

extension BookGenerator {
    /// Valid under OpenAI's strict mode (every object closed, every property required, no
    /// free-form maps, no string lengths): attributes are fixed nullable fields and
    /// relationships a list of pairs (`Outline` also reads the older map forms).
    static let outlineSchema = #"""
    {"type":"object","additionalProperties":false,"required":["title","logline","obsession","setting","characters","chapters"],"properties":{
    "title":{"type":"string","description":"At most 80 characters."},"logline":{"type":"string"},"obsession":{"type":"string","description":"A few words, at most 80 characters."},
    "setting":{"type":"string"},
    "characters":{"type":"array","minItems":2,"maxItems":5,"items":{"type":"object","additionalProperties":false,"required":["name","attributes","relationships"],"properties":{
      "name":{"type":"string","description":"At most 30 characters."},
      "attributes":{"type":"object","additionalProperties":false,"required":["age","hair","occupation"],"properties":{"age":{"type":["string","null"]},"hair":{"type":["string","null"]},"occupation":{"type":["string","null"]}}},
      "relationships":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["name","relation"],"properties":{"name":{"type":"string","description":"Another character's name."},"relation":{"type":"string","description":"e.g. sister of, loves."}}}}}}},
    "chapters":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["number","title","beats","target_words"],"properties":{
      "number":{"type":"integer","minimum":1},"title":{"type":"string"},"beats":{"type":"array","minItems":3,"maxItems":5,"items":{"type":"string"}},
      "target_words":{"type":"integer","minimum":50,"maximum":20000}}}}}}
    """#

    /// Asks the `plan` route for an outline; an answer that does not parse or validate is
    /// repaired where that is safe (numbering, targets, chapter count) and asked again otherwise.
    func plan(premise: String, run: RunID) async throws -> Outline {
        let provider = try await route(.plan, CallContext(runID: run))
        let prompt = prompts.render(PlanPromptContext(premise: premise, chapters: config.chapters, words: config.wordsPerChapter, extraVariables: config.promptVariables))
        var problems: [String] = []
        for attempt in 0..<3 {
            let schema = Self.outlineSchema.replacingOccurrences(of: "\"chapters\":{\"type\":\"array\",", with: "\"chapters\":{\"type\":\"array\",\"minItems\":\(config.chapters),\"maxItems\":\(config.chapters),")
            let completion = try await provider.complete(CompletionRequest(
                messages: [ChatMessage(.user, prompt)], temperature: 0.7, maxTokens: 2000, seed: config.seed &+ UInt64(attempt),
                responseFormat: .jsonSchema(name: "outline", schema: schema), task: .plan))
            try checkBudget(run)
            // Tolerant of providers without schema support: a code fence or a sentence around the JSON.
            guard var outline = Self.plannedOutline(completion.text) else {
                problems = ["not JSON in the outline's shape: \(completion.text.prefix(80))"]
                continue
            }
            outline = repaired(outline)
            problems = outline.problems(expectedChapters: config.chapters)
            if problems.isEmpty { return outline }
        }
        throw EngineError.invalidOutline(source: "the planner", problems: problems)
    }

    /// The part of a source text the premise is drawn from: its first `sourceWords` words, so
    /// a whole novel fits a small model's context.
    static func sourceExcerpt(_ text: String) -> String {
        let words = text.split(whereSeparator: \.isWhitespace)
        return words.count <= sourceWords ? text.trimmingCharacters(in: .whitespacesAndNewlines) : words.prefix(sourceWords).joined(separator: " ")
    }

    static let sourceWords = 3000

    /// Asks the `plan` route for a novel's premise drawn from a source text (the outline is then
    /// planned from that premise, as from a given one).
    func draftPremise(fromSource source: String, run: RunID) async throws -> String {
        let provider = try await route(.plan, CallContext(runID: run))
        let prompt = """
            Read the source text below and write the premise of a novel drawn from it, in about 100 words of plain prose: \
            who the central character is, what they want, what stands in their way, and where it happens. Answer with the \
            premise only, no heading.

            Source text:
            \(source)
            """
        let completion = try await provider.complete(CompletionRequest(messages: [ChatMessage(.user, prompt)], temperature: 0.7, maxTokens: 400,
                                                                       seed: config.seed, task: .plan))
        try checkBudget(run)
        let premise = completion.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !premise.isEmpty else { throw EngineError.invalidOutline(source: "the planner", problems: ["an empty premise for the source text"]) }
        return premise
    }

    /// Renumbers chapters and gives a chapter whose word target is missing or out of range
    /// (`ChapterSpec.targetWordsRange`) the experiment's `words_per_chapter`: safe repairs
    /// that do not change what the planner meant. A valid target is the planner's choice
    /// (a climax may run longer) and is kept.
    func repaired(_ outline: Outline) -> Outline {
        var fixed = outline
        for index in fixed.chapters.indices {
            fixed.chapters[index].number = index + 1
            if !ChapterSpec.targetWordsRange.contains(fixed.chapters[index].targetWords) {
                fixed.chapters[index].targetWords = config.wordsPerChapter
            }
        }
        return fixed
    }

    /// The outline in a planner's answer; a chapter without an integer `target_words` gets 0,
    /// which `repaired` then replaces (the field is required by `Outline`, not by every model).
    static func plannedOutline(_ text: String) -> Outline? {
        guard let data = JSONAnswer.object(in: text), var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        if let chapters = object["chapters"] as? [Any] {
            object["chapters"] = chapters.map { item -> Any in
                guard var chapter = item as? [String: Any] else { return item }
                chapter["target_words"] = (chapter["target_words"] as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } ?? 0
                return chapter
            }
        }
        guard let fixed = try? JSONSerialization.data(withJSONObject: object) else { return nil }
        return try? JSONDecoder().decode(Outline.self, from: fixed)
    }
}
