import Foundation

// What each prompt template is rendered with, as typed values instead of dictionary literals.
// `variables` gives the template exactly the Mustache variables the engine passed before the
// contexts existed (same keys, same values, same dictionary type), so prompts, and the
// response cache keyed on them, do not change.

/// The `plan` template's variables.
public struct PlanPromptContext: Sendable, Equatable {
    public var premise: String
    public var chapters: Int
    public var words: Int
    /// More template variables (a genre's); a built-in key always wins over one of these.
    public var extraVariables: [String: String]

    public init(premise: String, chapters: Int, words: Int, extraVariables: [String: String] = [:]) {
        self.premise = premise
        self.chapters = chapters
        self.words = words
        self.extraVariables = extraVariables
    }

    public var variables: [String: String] {
        ["premise": premise, "chapters": String(chapters), "words": String(words)].merging(extraVariables) { own, _ in own }
    }
}

/// The `chapter` template's variables: a chapter's opening scene.
public struct ChapterPromptContext: Sendable, Equatable {
    public var number: Int
    public var chapters: Int
    public var title: String
    public var logline: String
    public var setting: String
    public var characters: String
    public var obsession: String
    /// What came before: the earlier chapters' plan, or (sequential) what they say.
    public var previous: String
    public var chapterTitle: String
    public var beats: [String]
    public var words: Int
    public var pointOfView: String
    /// The style block, when the book has an author style.
    public var style: String?
    /// Appended after the rendered template as "Also:" bullets; none leaves the prompt as it was.
    public var extraInstructions: [String]
    /// More template variables; a built-in key always wins over one of these.
    public var extraVariables: [String: String]

    public init(number: Int, chapters: Int, title: String, logline: String, setting: String, characters: String, obsession: String,
                previous: String, chapterTitle: String, beats: [String], words: Int, pointOfView: String, style: String? = nil,
                extraInstructions: [String] = [], extraVariables: [String: String] = [:]) {
        self.number = number
        self.chapters = chapters
        self.title = title
        self.logline = logline
        self.setting = setting
        self.characters = characters
        self.obsession = obsession
        self.previous = previous
        self.chapterTitle = chapterTitle
        self.beats = beats
        self.words = words
        self.pointOfView = pointOfView
        self.style = style
        self.extraInstructions = extraInstructions
        self.extraVariables = extraVariables
    }

    /// `beats` goes in as an array: the template lists them with `{{#beats}}`.
    public var variables: [String: Any] {
        var variables: [String: Any] = [
            "number": String(number), "chapters": String(chapters), "title": title, "logline": logline,
            "setting": setting, "characters": characters, "obsession": obsession, "previous": previous,
            "chapter_title": chapterTitle, "beats": beats, "words": String(words), "point_of_view": pointOfView,
        ]
        if let style { variables["style"] = style }
        return variables.merging(extraVariables) { own, _ in own }
    }
}

/// The `continue` template's variables: the next scene of a chapter, from its tail.
public struct ContinuationPromptContext: Sendable, Equatable {
    public var number: Int
    public var title: String
    public var characters: String
    public var obsession: String
    /// The chapter's last paragraphs, which the new prose follows.
    public var tail: String
    public var beat: String
    public var words: Int
    public var pointOfView: String
    public var style: String?
    public var extraInstructions: [String]
    public var extraVariables: [String: String]

    public init(number: Int, title: String, characters: String, obsession: String, tail: String, beat: String, words: Int,
                pointOfView: String, style: String? = nil, extraInstructions: [String] = [], extraVariables: [String: String] = [:]) {
        self.number = number
        self.title = title
        self.characters = characters
        self.obsession = obsession
        self.tail = tail
        self.beat = beat
        self.words = words
        self.pointOfView = pointOfView
        self.style = style
        self.extraInstructions = extraInstructions
        self.extraVariables = extraVariables
    }

    public var variables: [String: String] {
        var variables = [
            "number": String(number), "title": title, "characters": characters, "obsession": obsession,
            "tail": tail, "beat": beat, "words": String(words), "point_of_view": pointOfView,
        ]
        if let style { variables["style"] = style }
        return variables.merging(extraVariables) { own, _ in own }
    }
}

/// The `enhance` template's variables: one passage rewritten by an enhancement operation.
public struct EnhancePromptContext: Sendable, Equatable {
    public var number: Int
    public var title: String
    public var characters: String
    public var obsession: String
    public var operation: String
    public var instruction: String
    public var passage: String
    public var words: Int
    public var pointOfView: String
    public var style: String?

    public init(number: Int, title: String, characters: String, obsession: String, operation: String, instruction: String,
                passage: String, words: Int, pointOfView: String, style: String? = nil) {
        self.number = number
        self.title = title
        self.characters = characters
        self.obsession = obsession
        self.operation = operation
        self.instruction = instruction
        self.passage = passage
        self.words = words
        self.pointOfView = pointOfView
        self.style = style
    }

    public var variables: [String: String] {
        var variables = [
            "number": String(number), "title": title, "characters": characters, "obsession": obsession,
            "operation": operation, "instruction": instruction, "passage": passage, "words": String(words), "point_of_view": pointOfView,
        ]
        if let style { variables["style"] = style }
        return variables
    }
}

extension PromptSet {
    public func render(_ context: PlanPromptContext) -> String { plan.render(context.variables) }

    public func render(_ context: ChapterPromptContext) -> String {
        Self.appending(context.extraInstructions, to: chapter.render(context.variables))
    }

    public func render(_ context: ContinuationPromptContext) -> String {
        Self.appending(context.extraInstructions, to: continuation.render(context.variables))
    }

    public func render(_ context: EnhancePromptContext) -> String { enhance.render(context.variables) }

    /// "\n\nAlso:\n- …" per instruction after the prompt; with none, the prompt unchanged.
    static func appending(_ instructions: [String], to prompt: String) -> String {
        guard !instructions.isEmpty else { return prompt }
        return prompt + "\n\nAlso:\n" + instructions.map { "- " + $0 }.joined(separator: "\n")
    }
}
