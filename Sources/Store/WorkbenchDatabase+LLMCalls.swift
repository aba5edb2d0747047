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

/// What one finished book cost in calls: the history `queue estimate` plans from.
public struct BookDemandRecord: Sendable, Equatable {
    public var runID: RunID
    /// The experiment file the run was started with.
    public var experiment: String?
    public var chapters: Int
    public var words: Int
    /// Requests sent to a model (every attempt; answers from the cache are not requests).
    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int

    public init(runID: RunID, experiment: String?, chapters: Int, words: Int, requests: Int, promptTokens: Int, completionTokens: Int) {
        self.runID = runID
        self.experiment = experiment
        self.chapters = chapters
        self.words = words
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// How a provider has answered in this workspace: its mean latency per call and output speed.
public struct ProviderSpeedRecord: Sendable, Equatable {
    public var provider: String
    public var calls: Int
    public var meanLatencySeconds: Double
    public var completionTokensPerSecond: Double

    public init(provider: String, calls: Int, meanLatencySeconds: Double, completionTokensPerSecond: Double) {
        self.provider = provider
        self.calls = calls
        self.meanLatencySeconds = meanLatencySeconds
        self.completionTokensPerSecond = completionTokensPerSecond
    }
}

extension WorkbenchDatabase {
    /// Every succeeded `generate` run with a book: its chapters, words and calls.
    public func bookDemandHistory() throws -> [BookDemandRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.id, r.config_json,
                       (SELECT count(DISTINCT chapter) FROM chapter_versions v JOIN books b ON b.id = v.book_id WHERE b.run_id = r.id) AS chapters,
                       (SELECT coalesce(sum(v.word_count), 0) FROM chapter_versions v JOIN books b ON b.id = v.book_id
                         WHERE b.run_id = r.id AND v.kept = 1
                           AND v.version = (SELECT max(version) FROM chapter_versions WHERE book_id = v.book_id AND chapter = v.chapter AND kept = 1)) AS words,
                       (SELECT count(*) FROM llm_calls c WHERE c.run_id = r.id AND c.outcome <> 'cached') AS requests,
                       (SELECT coalesce(sum(prompt_tokens), 0) FROM llm_calls c WHERE c.run_id = r.id AND c.outcome <> 'cached') AS prompt,
                       (SELECT coalesce(sum(completion_tokens), 0) FROM llm_calls c WHERE c.run_id = r.id AND c.outcome <> 'cached') AS completion
                FROM runs r WHERE r.kind = 'generate' AND r.status = 'succeeded'
                ORDER BY r.started_at
                """).compactMap { row in
                let chapters: Int = row["chapters"], words: Int = row["words"], id: String = row["id"]
                guard chapters > 0, words > 0, let run = RunID(id) else { return nil }
                let config = (try? JSONSerialization.jsonObject(with: Data((row["config_json"] as String).utf8))) as? [String: Any]
                return BookDemandRecord(runID: run, experiment: config?["file"] as? String, chapters: chapters, words: words,
                                        requests: row["requests"], promptTokens: row["prompt"], completionTokens: row["completion"])
            }
        }
    }

    /// Each provider's answered calls: mean latency and completion tokens per second of latency.
    public func providerSpeeds() throws -> [String: ProviderSpeedRecord] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT provider, count(*) AS calls, avg(latency_ms) AS latency, sum(completion_tokens) AS tokens, sum(latency_ms) AS total
                FROM llm_calls WHERE outcome = 'ok' AND latency_ms IS NOT NULL GROUP BY provider
                """)
            return Dictionary(uniqueKeysWithValues: rows.map { row in
                let total: Double = row["total"] ?? 0, tokens: Int = row["tokens"] ?? 0
                let provider: String = row["provider"]
                return (provider, ProviderSpeedRecord(provider: provider, calls: row["calls"], meanLatencySeconds: (row["latency"] as Double? ?? 0) / 1000,
                                                      completionTokensPerSecond: total > 0 ? Double(tokens) / (total / 1000) : 0))
            })
        }
    }
}
