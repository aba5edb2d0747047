import Foundation
import GRDB
import WorkbenchCore

extension WorkbenchDatabase: LLMCallStore {
    public func cachedCompletion(for requestHash: String) throws -> CachedCompletionRecord? {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM llm_cache WHERE request_hash = ?", arguments: [requestHash]) else { return nil }
            try db.execute(sql: "UPDATE llm_cache SET hits = hits + 1 WHERE request_hash = ?", arguments: [requestHash])
            return CachedCompletionRecord(
                requestHash: row["request_hash"], provider: row["provider"], model: row["model"], text: row["text"],
                finishReason: row["finish_reason"], promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
                tokensEstimated: row["tokens_estimated"], costUSD: row["cost_usd"])
        }
    }

    public func saveCompletion(_ completion: CachedCompletionRecord) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO llm_cache (request_hash, provider, model, text, finish_reason, prompt_tokens, completion_tokens,
                                       tokens_estimated, cost_usd, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (request_hash) DO NOTHING
                """, arguments: [
                    completion.requestHash, completion.provider, completion.model, completion.text, completion.finishReason,
                    completion.promptTokens, completion.completionTokens, completion.tokensEstimated, completion.costUSD, Date(),
                ])
        }
    }

    public func recordCalls(_ calls: [LLMCallRecord]) throws {
        guard !calls.isEmpty else { return }
        try write { db in
            for call in calls {
                try db.execute(sql: """
                    INSERT INTO llm_calls (run_id, book_id, chapter, task, provider, model, request_hash, attempt, outcome,
                                           finish_reason, prompt_tokens, completion_tokens, tokens_estimated, cost_usd,
                                           latency_ms, ttft_ms, error, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                        call.runID, call.bookID, call.chapter, call.task.rawValue, call.provider, call.model, call.requestHash, call.attempt,
                        call.outcome, call.finishReason, call.promptTokens, call.completionTokens, call.tokensEstimated, call.costUSD,
                        call.latencyMilliseconds, call.timeToFirstTokenMilliseconds, call.error, call.createdAt,
                    ])
            }
        }
    }

    /// The call log, oldest first: what `runs show` totals and tests inspect.
    public func llmCalls(runID: RunID? = nil) throws -> [LLMCallRecord] {
        try read { db in
            let sql = runID == nil ? "SELECT * FROM llm_calls ORDER BY id" : "SELECT * FROM llm_calls WHERE run_id = ? ORDER BY id"
            return try Row.fetchAll(db, sql: sql, arguments: runID.map { [$0] } ?? []).map { row in
                let taskName: String = row["task"]
                guard let task = LLMTask(rawValue: taskName) else {
                    throw StoreError.corrupt(path: path, detail: "llm_calls row \(row["id"] as Int64? ?? 0) has an unknown task `\(taskName)`")
                }
                return LLMCallRecord(
                    runID: row["run_id"], bookID: row["book_id"], chapter: row["chapter"], task: task, provider: row["provider"],
                    model: row["model"], requestHash: row["request_hash"], attempt: row["attempt"], outcome: row["outcome"],
                    finishReason: row["finish_reason"], promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
                    tokensEstimated: row["tokens_estimated"], costUSD: row["cost_usd"], latencyMilliseconds: row["latency_ms"],
                    timeToFirstTokenMilliseconds: row["ttft_ms"], error: row["error"], createdAt: row["created_at"])
            }
        }
    }
}
