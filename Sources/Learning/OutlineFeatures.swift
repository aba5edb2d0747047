import Foundation
import WorkbenchCore

/// One chapter as planned, before a word of it is written: what `predict --outline` scores.
public struct OutlineInput: Codable, Sendable, Equatable {
    public var outline: Outline
    /// The outline chapter (1-based).
    public var chapter: Int
    /// The prompt-template version it will be written with, when known.
    public var prompts: String?
    /// The chapter's composite target, when the experiment sets one.
    public var qualityTarget: Double?

    public init(outline: Outline, chapter: Int, prompts: String? = nil, qualityTarget: Double? = nil) {
        self.outline = outline
        self.chapter = chapter
        self.prompts = prompts
        self.qualityTarget = qualityTarget
    }

    enum CodingKeys: String, CodingKey {
        case outline, chapter, prompts
        case qualityTarget = "quality_target"
    }

    public var spec: ChapterSpec? { outline.chapters.first { $0.number == chapter } }
}

/// Features of a planned chapter (roadmap 5.1, `model.predict(outline)`): hashed word n-grams
/// of its title, beats, the book's logline and obsession and the prompt version, and a dense
/// block of its shape — length, position, beats, the characters its beats name, its target.
public enum OutlineFeatures {
    public static let dense = ["log_target_words", "position", "chapters", "is_first", "is_last", "beats", "mean_beat_words",
                               "characters", "characters_in_beats", "obsession_in_beats", "quality_target"]

    public static func spec(dimensions: Int = 1024) -> FeatureSpec {
        FeatureSpec(version: "outline-features-1", dimensions: dimensions, wordNGrams: [1, 2], charNGrams: [], dense: dense,
                    scorer: "", lexicon: "")
    }

    /// The text the n-grams are hashed from: what the chapter is about.
    public static func document(_ input: OutlineInput) -> String {
        let spec = input.spec
        return ([spec?.title ?? "", input.outline.logline, "obsession " + input.outline.obsession] + (spec?.beats ?? [])
            + (input.prompts.map { ["prompt_\($0)"] } ?? [])).joined(separator: ". ")
    }

    public static func values(_ input: OutlineInput) -> [Double] {
        let spec = input.spec
        let beats = spec?.beats ?? []
        let count = Double(max(1, input.outline.chapters.count))
        let joined = beats.joined(separator: " ").lowercased()
        let named = input.outline.characters.filter { joined.contains($0.name.lowercased()) }.count
        let obsessionWords = input.outline.obsession.lowercased().split(separator: " ").filter { $0.count > 3 }
        let values: [String: Double] = [
            "log_target_words": log(Double(max(1, spec?.targetWords ?? 1))),
            "position": Double(input.chapter) / count,
            "chapters": count,
            "is_first": input.chapter == 1 ? 1 : 0,
            "is_last": input.chapter == input.outline.chapters.count ? 1 : 0,
            "beats": Double(beats.count),
            "mean_beat_words": beats.isEmpty ? 0 : Double(beats.map { $0.split(separator: " ").count }.reduce(0, +)) / Double(beats.count),
            "characters": Double(input.outline.characters.count),
            "characters_in_beats": Double(named),
            "obsession_in_beats": obsessionWords.contains { joined.contains($0) } ? 1 : 0,
            "quality_target": input.qualityTarget ?? 8,
        ]
        return dense.map { values[$0] ?? 0 }
    }

    public static func raw(_ inputs: [OutlineInput], spec: FeatureSpec) -> RawFeatures {
        var counts = Matrix(rows: inputs.count, columns: spec.dimensions)
        var dense = Matrix(rows: inputs.count, columns: spec.dense.count)
        for (row, input) in inputs.enumerated() {
            TextFeatures.addHashedCounts(document(input), spec: spec, to: &counts, row: row)
            for (column, value) in values(input).enumerated() { dense[row, column] = value }
        }
        return RawFeatures(counts: counts, dense: dense)
    }

    /// Problems that make an input unusable, naming the field.
    public static func problems(_ input: OutlineInput) -> [String] {
        var problems = input.outline.problems(expectedChapters: nil).map { "outline: " + $0 }
        if input.spec == nil { problems.append("chapter \(input.chapter) is not in the outline (1…\(input.outline.chapters.count))") }
        return problems
    }
}
