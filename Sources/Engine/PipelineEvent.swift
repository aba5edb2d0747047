import Foundation
import Store

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
    /// A chapter not yet done starts (or continues, on resume) being written, to its word target.
    case chapterStarted(chapter: Int, title: String, targetWords: Int)
    /// A chapter's first draft is stored as `version`: its words, and the scenes it took.
    case draftWritten(chapter: Int, version: Int, words: Int, scenes: Int)
    /// One judge verdict on a chapter's kept version.
    case judged(chapter: Int, dimension: String, judge: String, score: Double)
    /// The run stopped at its budget (it is marked interrupted and can be resumed).
    case budgetStopped(spentUSD: Double, budgetUSD: Double)
    /// The run failed; `error` is the redacted message.
    case failed(error: String)
    /// A plugin call failed, or a plugin was disabled for the run.
    case plugin(PluginNotice)
    /// What one subscriber of the event stream received and lost in this session of the run.
    case delivery(subscriber: String, delivered: Int, dropped: Int)
    /// An ensemble chapter merged: its units, how many each provider won, the candidates that
    /// failed (the merge went on without them), the seams rewritten, the tokens against one
    /// generation's, and why the merge was set aside for one whole candidate, if it was.
    case ensembleMerged(chapter: Int, units: Int, won: [String: Int], failed: [String], seams: Int, fused: Int, tokens: Int, singleTokens: Int, fallback: String?)

    static let chapterDoneKind = "chapter.done"

    public var kind: String {
        switch self {
        case .planned: return "plan.done"
        case .plugin(.failed): return "plugin.failed"
        case .plugin(.disabled): return "plugin.disabled"
        case .delivery: return "events.delivery"
        case .ensembleMerged: return "ensemble.merged"
        case .sceneWritten: return "scene.written"
        case .chapterScored: return "chapter.scored"
        case .enhancing: return "chapter.enhancing"
        case .enhanced: return "chapter.enhanced"
        case .chapterDone: return "chapter.done"
        case .bookDone: return "book.done"
        case .judgeFailed: return "judge.failed"
        case .continuityChecked: return "continuity.checked"
        case .continuityFixed: return "continuity.fixed"
        case .chapterStarted: return "chapter.started"
        case .draftWritten: return "chapter.drafted"
        case .judged: return "judge.scored"
        case .budgetStopped: return "run.budget_stop"
        case .failed: return "run.failed"
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
        case .plugin(.failed(let plugin, let hook, let chapter, let reason, let detail)):
            object = ["plugin": plugin, "hook": hook?.rawValue ?? NSNull(), "chapter": chapter ?? NSNull(), "reason": reason, "detail": detail]
        case .plugin(.disabled(let plugin, let failures)): object = ["plugin": plugin, "failures": failures]
        case .delivery(let subscriber, let delivered, let dropped): object = ["subscriber": subscriber, "delivered": delivered, "dropped": dropped]
        case .ensembleMerged(let chapter, let units, let won, let failed, let seams, let fused, let tokens, let single, let fallback):
            object = ["chapter": chapter, "units": units, "won": won, "failed": failed, "seams": seams, "fused": fused, "tokens": tokens,
                      "single_tokens": single, "fallback": fallback ?? NSNull()]
        case .chapterStarted(let chapter, let title, let target): object = ["chapter": chapter, "title": title, "target_words": target]
        case .draftWritten(let chapter, let version, let words, let scenes): object = ["chapter": chapter, "version": version, "words": words, "scenes": scenes]
        case .judged(let chapter, let dimension, let judge, let score): object = ["chapter": chapter, "dimension": dimension, "judge": judge, "score": score]
        case .budgetStopped(let spent, let budget): object = ["spent_usd": spent, "budget_usd": budget]
        case .failed(let error): object = ["error": error]
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
            return "continuity: \(violations) violation\(violations == 1 ? "" : "s") (\(major) major), " + String(format: "%.2f", ContinuityGraphRecord.density(violations: violations, words: words)) + " per 10,000 words"
        case .continuityFixed(let tried, let kept, let before, let after):
            return "continuity fixes: \(kept) of \(tried) kept; violations \(before) → \(after)"
        case .chapterStarted(let chapter, let title, let target): return "chapter \(chapter) started: \"\(title)\", \(target) words"
        case .draftWritten(let chapter, let version, let words, let scenes):
            return "chapter \(chapter) v\(version): drafted, \(words) words in \(scenes) scene\(scenes == 1 ? "" : "s")"
        case .judged(let chapter, let dimension, let judge, let score): return String(format: "chapter %d: %@ scored %@ %.2f", chapter, judge, dimension, score)
        case .budgetStopped(let spent, let budget): return String(format: "run stopped at its budget: $%.4f spent of $%.4f", spent, budget)
        case .failed(let error): return "run failed: \(error)"
        case .plugin(.failed(let plugin, let hook, let chapter, let reason, let detail)):
            return "plugin \(plugin)\(hook.map { " at " + $0.rawValue } ?? "")\(chapter.map { " (chapter \($0))" } ?? ""): \(reason), skipped: \(detail)"
        case .plugin(.disabled(let plugin, let failures)): return "plugin \(plugin) disabled for the run after \(failures) failures"
        case .delivery(let subscriber, let delivered, let dropped): return "events to \(subscriber): \(delivered) delivered, \(dropped) dropped"
        case .ensembleMerged(let chapter, let units, let won, let failed, let seams, let fused, let tokens, let single, let fallback):
            let winners = won.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            var line = "chapter \(chapter): merged \(units) unit\(units == 1 ? "" : "s") (\(winners)); \(fused)/\(seams) seams rewritten; "
                + String(format: "%.2f× the tokens of one generation", Double(tokens) / Double(max(single, 1)))
            if !failed.isEmpty { line += "; went on without \(failed.joined(separator: ", ")), which failed" }
            if let fallback { line += "; kept one whole candidate: \(fallback)" }
            return line
        }
    }
}
