import Foundation
import Judge
import Mustache
import WorkbenchCore

/// The prompt templates of one version (`Experiments/prompts/v1`).
public struct PromptSet: Sendable {
    public let version: String
    let plan: MustacheTemplate
    let chapter: MustacheTemplate
    let continuation: MustacheTemplate
    let enhance: MustacheTemplate

    public static func load(folder: String) throws -> PromptSet {
        func template(_ name: String) throws -> MustacheTemplate {
            let path = folder + "/" + name + ".mustache"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw EngineError.promptMissing(path: path)
            }
            do {
                return try PlainTextTemplate.parse(text)
            } catch {
                throw EngineError.promptInvalid(path: path, detail: "\(error)")
            }
        }
        return PromptSet(version: URL(fileURLWithPath: folder).lastPathComponent, plan: try template("plan"), chapter: try template("chapter"),
                         continuation: try template("continue"), enhance: try template("enhance"))
    }

    /// The SHA-256 of a template folder: every `.mustache` file's name and text, in name order.
    public static func fingerprint(folder: String) throws -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter { $0.hasSuffix(".mustache") }.sorted() ?? []
        guard !names.isEmpty else { throw EngineError.promptMissing(path: folder + "/chapter.mustache") }
        var text = ""
        for name in names {
            text += name + "\u{0}" + ((try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "") + "\u{0}"
        }
        return SHA256.hex(of: text)
    }
}

public enum EngineError: WorkbenchError, Equatable {
    case promptMissing(path: String)
    case promptInvalid(path: String, detail: String)
    case invalidOutline(source: String, problems: [String])
    case budgetReached(spent: Double, budget: Double, runID: String)
    case noProgress(chapter: Int, words: Int)
    case alreadyFinished(runID: String)
    case unresumable(runID: String, reason: String)
    /// A resumed run's configuration differs from the one it started with.
    case configurationChanged(runID: String, changed: [String])

    public var message: String {
        switch self {
        case .promptMissing(let path): return "prompt template \(path) is missing"
        case .promptInvalid(let path, let detail): return "prompt template \(path) is not valid Mustache: \(detail)"
        case .invalidOutline(let source, let problems): return "the outline from \(source) is unusable: \(problems.joined(separator: "; "))"
        case .budgetReached(let spent, let budget, _): return String(format: "budget reached: $%.4f spent of $%.4f", spent, budget)
        case .noProgress(let chapter, let words): return "chapter \(chapter) stopped growing at \(words) words: the model returned nothing new"
        case .alreadyFinished(let run): return "run \(run) already finished: there is nothing to resume"
        case .unresumable(let run, let reason): return "run \(run) cannot be resumed: \(reason)"
        case .configurationChanged(let run, let changed):
            return "run \(run) was started with another configuration: changed since: \(changed.joined(separator: ", "))"
        }
    }

    public var fix: String? {
        switch self {
        case .promptMissing, .promptInvalid: return "see Experiments/prompts/README.md for the templates a prompt version holds"
        case .invalidOutline: return "fix the outline file's named fields, or plan with a stronger model"
        case .budgetReached(_, _, let run): return "raise the budget: `workbench resume \(run) --budget USD`"
        case .noProgress: return "use a model that follows continuation prompts, or lower words_per_chapter"
        case .alreadyFinished: return "start a new run with `workbench generate`"
        case .unresumable: return "start a new run with `workbench generate`"
        case .configurationChanged(let run, _):
            return "put the files back as they were, or accept the mix knowingly: `workbench resume \(run) --allow-changed`"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .budgetReached: return .checkFailed
        case .noProgress: return .temporaryFailure
        case .alreadyFinished: return .usage
        default: return .dataError
        }
    }
}

/// What the pipeline reports as it goes: shown live, stored in `events`.
public enum PipelineEvent: Sendable, Equatable {
    case planned(title: String, chapters: Int)
    case sceneWritten(chapter: Int, scene: Int, words: Int, target: Int)
    case chapterScored(chapter: Int, version: Int, quality: Double, words: Int, metrics: [String: Double], issues: [String])
    case enhancing(chapter: Int, operation: String, paragraph: Int)
    case enhanced(chapter: Int, version: Int, operation: String, quality: Double, kept: Bool)
    case chapterDone(chapter: Int, quality: Double, words: Int)
    case bookDone(quality: Double, costUSD: Double, words: Int)
    /// A judge could not score a dimension (after its retries): the chapter keeps its
    /// heuristic scores and the book goes on; `error` is what the judge failed with.
    case judgeFailed(chapter: Int, dimension: String, judge: String, error: String)
    /// The finished book's continuity check: violations found (major among them) in its words.
    case continuityChecked(violations: Int, major: Int, words: Int)
    /// Fixes tried on those violations, how many were kept, and violations before and after.
    case continuityFixed(tried: Int, kept: Int, before: Int, after: Int)

    static let chapterDoneKind = "chapter.done"

    public var kind: String {
        switch self {
        case .planned: return "plan.done"
        case .sceneWritten: return "scene.written"
        case .chapterScored: return "chapter.scored"
        case .enhancing: return "chapter.enhancing"
        case .enhanced: return "chapter.enhanced"
        case .chapterDone: return "chapter.done"
        case .bookDone: return "book.done"
        case .judgeFailed: return "judge.failed"
        case .continuityChecked: return "continuity.checked"
        case .continuityFixed: return "continuity.fixed"
        }
    }

    public var payloadJSON: String {
        let object: [String: Any]
        switch self {
        case .planned(let title, let chapters): object = ["title": title, "chapters": chapters]
        case .sceneWritten(let chapter, let scene, let words, let target): object = ["chapter": chapter, "scene": scene, "words": words, "target": target]
        case .chapterScored(let chapter, let version, let quality, let words, let metrics, let issues):
            object = ["chapter": chapter, "version": version, "quality": quality, "words": words, "metrics": metrics, "issues": issues]
        case .enhancing(let chapter, let operation, let paragraph): object = ["chapter": chapter, "operation": operation, "paragraph": paragraph]
        case .enhanced(let chapter, let version, let operation, let quality, let kept): object = ["chapter": chapter, "version": version, "operation": operation, "quality": quality, "kept": kept]
        case .chapterDone(let chapter, let quality, let words): object = ["chapter": chapter, "quality": quality, "words": words]
        case .bookDone(let quality, let cost, let words): object = ["quality": quality, "cost_usd": cost, "words": words]
        case .judgeFailed(let chapter, let dimension, let judge, let error): object = ["chapter": chapter, "dimension": dimension, "judge": judge, "error": error]
        case .continuityChecked(let violations, let major, let words): object = ["violations": violations, "major": major, "words": words]
        case .continuityFixed(let tried, let kept, let before, let after): object = ["tried": tried, "kept": kept, "before": before, "after": after]
        }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// One plain line, for logs and non-terminal output.
    public var line: String {
        switch self {
        case .planned(let title, let chapters): return "planned \"\(title)\": \(chapters) chapters"
        case .sceneWritten(let chapter, let scene, let words, let target): return "chapter \(chapter): scene \(scene), \(words)/\(target) words"
        case .chapterScored(let chapter, let version, let quality, let words, _, _): return String(format: "chapter %d v%d: quality %.2f, %d words", chapter, version, quality, words)
        case .enhancing(let chapter, let operation, let paragraph): return "chapter \(chapter): \(operation) on paragraph \(paragraph)"
        case .enhanced(let chapter, let version, let operation, let quality, let kept):
            return String(format: "chapter %d v%d: %@ → quality %.2f (%@)", chapter, version, operation, quality, kept ? "kept" : "not kept: no better")
        case .chapterDone(let chapter, let quality, let words): return String(format: "chapter %d done: quality %.2f, %d words", chapter, quality, words)
        case .bookDone(let quality, let cost, let words): return String(format: "book done: quality %.2f, %d words, $%.4f", quality, words, cost)
        case .judgeFailed(let chapter, let dimension, let judge, let error):
            return "chapter \(chapter): judge \(judge) failed on \(dimension), heuristic scores kept: \(error)"
        case .continuityChecked(let violations, let major, let words):
            return "continuity: \(violations) violation\(violations == 1 ? "" : "s") (\(major) major), " + String(format: "%.2f", Double(violations) * 10_000 / Double(max(words, 1))) + " per 10,000 words"
        case .continuityFixed(let tried, let kept, let before, let after):
            return "continuity fixes: \(kept) of \(tried) kept; violations \(before) → \(after)"
        }
    }
}
