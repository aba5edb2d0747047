import Foundation
import Continuity
import Judge
import LLM
import Quality
import Store
import Style
import WorkbenchCore

extension BookGenerator {
    /// The judges' scores of a chapter's kept version, when the experiment has judges: stored
    /// beside the heuristic ones, each verdict published as `judge.scored`. A judge's failed
    /// answer is published as `judge.failed` and the chapter keeps its heuristic scores.
    func judge(_ kept: KeptVersion, outline: Outline, book: String, run: RunID, slot: Int) async throws -> [String: Double] {
        var judgeScores: [String: Double] = [:]
        guard let settings = config.judge else { return judgeScores }
        let judge = Judge(judges: [try await route(.judge, CallContext(runID: run, bookID: book, chapter: slot))],
                          rubrics: try Rubrics.load(folder: settings.rubrics), samples: settings.samples, seed: seed(slot, 500))
        var scores: [(scorer: String, metric: String, value: Double)] = []
        for dimension in settings.dimensions {
            do {
                let verdict = try await judge.score(kept.text, dimension: dimension, obsession: outline.obsession)
                scores.append((verdict.scorer, dimension, verdict.score))
                judgeScores[dimension] = verdict.score
                try emit(.judged(chapter: slot, dimension: dimension, judge: verdict.scorer, score: verdict.score), run: run)
            } catch let error where Self.isJudgeAnswerFailure(error) {
                // One judge answer never fails a book: the failure is stored as an event
                // and the chapter keeps its heuristic scores.
                try emit(.judgeFailed(chapter: slot, dimension: dimension, judge: judge.scorer, error: Self.failureMessage(error)), run: run)
            }
        }
        try checkBudget(run)
        if !scores.isEmpty { try database.addScores(versionID: kept.version.id!, scores) }
        return judgeScores
    }

    /// Whether a judge's failure is its answer's (a provider error, no valid verdict), which
    /// the chapter survives; cancellation and a missing rubric are not.
    static func isJudgeAnswerFailure(_ error: any Error) -> Bool {
        if error is CancellationError { return false }
        if let error = error as? LLMError { return error != .cancelled }
        if let error = error as? JudgeError, case .invalidAnswer = error { return true }
        return false
    }
}
