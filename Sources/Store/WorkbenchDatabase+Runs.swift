import Foundation
import GRDB
import WorkbenchCore

extension WorkbenchDatabase {
    /// Records the start of a run. `configJSON` is stored canonicalised, with its SHA-256,
    /// so two runs with the same configuration share a hash whatever the key order.
    @discardableResult
    public func startRun(
        kind: RunKind, configJSON: String, gitRevision: String?, at start: Date = Date(),
        random: UInt32 = UInt32.random(in: 0...UInt32.max)
    ) throws -> RunRecord {
        let canonical: String
        do {
            canonical = try CanonicalJSON.normalize(configJSON)
        } catch {
            throw StoreError.invalidConfigJSON(detail: "\(error)")
        }
        let run = RunRecord(
            id: RunID(startedAt: start.timeIntervalSince1970, random: random), kind: kind, status: .running,
            configJSON: canonical, configHash: SHA256.hex(of: canonical), gitRevision: gitRevision,
            workbenchVersion: WorkbenchVersion.current, startedAt: start, finishedAt: nil, error: nil)
        try write { db in try run.insert(db) }
        OpenRuns.opened(run.id, in: self)
        return run
    }

    /// Marks a run finished with its final status (and the error that ended it, if any, with
    /// any credential a server echoed into it removed).
    public func finishRun(_ id: RunID, status: RunStatus, error: String? = nil, at end: Date = Date()) throws {
        precondition(status.isFinished, "finishRun needs a final status")
        let error = error.map { Redaction.redact($0) }
        let changed = try write { db in
            try RunRecord.filter(key: id.rawValue).updateAll(
                db, Column("status").set(to: status), Column("finished_at").set(to: end), Column("error").set(to: error))
        }
        if changed == 0 { throw StoreError.runNotFound(id: id.rawValue, path: path) }
        OpenRuns.closed(id)
    }

    /// Makes a stopped run running again, for `resume`.
    public func reopenRun(_ id: RunID) throws {
        let changed = try write { db in
            try RunRecord.filter(key: id.rawValue).updateAll(db, Column("status").set(to: RunStatus.running), Column("finished_at").set(to: nil), Column("error").set(to: nil))
        }
        if changed == 0 { throw StoreError.runNotFound(id: id.rawValue, path: path) }
        OpenRuns.opened(id, in: self)
    }

    /// The payloads of a run's events of one kind, in order.
    public func events(of runID: RunID, kind: String) throws -> [[String: Any]] {
        let payloads = try read { db in
            try String.fetchAll(db, sql: "SELECT payload_json FROM events WHERE run_id = ? AND kind = ? ORDER BY seq", arguments: [runID, kind])
        }
        return payloads.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// Appends an event to a run's stream, numbering it after the last one in the same transaction.
    @discardableResult
    public func appendEvent(to runID: RunID, kind: String, payloadJSON: String = "{}", at time: Date = Date()) throws -> EventRecord {
        try write { db in
            let last = try Int.fetchOne(db, sql: "SELECT max(seq) FROM events WHERE run_id = ?", arguments: [runID]) ?? 0
            var event = EventRecord(id: nil, runID: runID, seq: last + 1, at: time, kind: kind, payloadJSON: payloadJSON)
            try event.insert(db)
            return event
        }
    }

    /// Runs, newest first, optionally filtered.
    public func runs(limit: Int? = nil, kind: RunKind? = nil, status: RunStatus? = nil) throws -> [RunRecord] {
        try read { db in
            var request = RunRecord.order(Column("started_at").desc, Column("id").desc)
            if let kind { request = request.filter(Column("kind") == kind) }
            if let status { request = request.filter(Column("status") == status) }
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// Finds a run by its full id or, like git, by a prefix that only one run has.
    public func run(matching idOrPrefix: String) throws -> RunRecord {
        try read { db in
            if let exact = try RunRecord.fetchOne(db, key: idOrPrefix) { return exact }
            // LIKE treats % and _ as wildcards; escape them so the prefix is taken literally.
            let escaped = idOrPrefix.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            let matches = try RunRecord.filter(sql: "id LIKE ? ESCAPE '\\'", arguments: [escaped + "%"])
                .order(Column("id")).limit(20).fetchAll(db)
            switch matches.count {
            case 0: throw StoreError.runNotFound(id: idOrPrefix, path: path)
            case 1: return matches[0]
            default: throw StoreError.ambiguousRunID(prefix: idOrPrefix, candidates: matches.map(\.id.rawValue))
            }
        }
    }

    /// A run with its totals, in one read transaction so the numbers agree with each other.
    public func summary(of id: RunID) throws -> RunSummary {
        try read { db in
            guard let run = try RunRecord.fetchOne(db, key: id.rawValue) else {
                throw StoreError.runNotFound(id: id.rawValue, path: path)
            }
            let books = try Int.fetchOne(db, sql: "SELECT count(*) FROM books WHERE run_id = ?", arguments: [id]) ?? 0
            let versions = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM chapter_versions JOIN books ON books.id = chapter_versions.book_id
                WHERE books.run_id = ?
                """, arguments: [id]) ?? 0
            let calls = try Row.fetchOne(db, sql: """
                SELECT count(*) AS calls, coalesce(sum(prompt_tokens), 0) AS prompt,
                       coalesce(sum(completion_tokens), 0) AS completion, coalesce(sum(cost_usd), 0.0) AS cost
                FROM llm_calls WHERE run_id = ?
                """, arguments: [id])
            let byTask = try Row.fetchAll(db, sql: """
                SELECT task, count(*) AS calls, coalesce(sum(cost_usd), 0.0) AS cost FROM llm_calls
                WHERE run_id = ? GROUP BY task ORDER BY task
                """, arguments: [id]).map { CostLine(task: $0["task"], calls: $0["calls"], costUSD: $0["cost"]) }
            let events = try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE run_id = ?", arguments: [id]) ?? 0
            let lastEvent = try EventRecord.filter(Column("run_id") == id).order(Column("seq").desc).fetchOne(db)
            return RunSummary(
                run: run, bookCount: books, chapterVersionCount: versions,
                llmCallCount: calls?["calls"] ?? 0, promptTokens: calls?["prompt"] ?? 0,
                completionTokens: calls?["completion"] ?? 0, costUSD: calls?["cost"] ?? 0,
                eventCount: events, lastEvent: lastEvent, costByTask: byTask)
        }
    }
}

/// What went wrong around a run without failing it: plugin failures and events a slow
/// subscriber of the event stream lost (from its `plugin.failed`, `plugin.disabled` and
/// `events.delivery` events).
public struct RunHealth: Sendable, Equatable {
    public struct PluginFailures: Sendable, Equatable {
        public var plugin: String
        /// Failure reason (timeout, crash, invalid answer, refused, error, start failed) → count.
        public var byReason: [String: Int]
        public var disabled: Bool
        public var total: Int { byReason.values.reduce(0, +) }
    }

    public struct Delivery: Sendable, Equatable {
        public var subscriber: String
        public var delivered: Int
        public var dropped: Int
    }

    public var plugins: [PluginFailures]
    public var deliveries: [Delivery]
    public var isEmpty: Bool { plugins.isEmpty && deliveries.isEmpty }
}

extension WorkbenchDatabase {
    public static let pluginFailedKind = "plugin.failed"
    public static let pluginDisabledKind = "plugin.disabled"
    public static let deliveryKind = "events.delivery"

    public func health(of id: RunID) throws -> RunHealth {
        try read { db in
            let failures = try Row.fetchAll(db, sql: """
                SELECT json_extract(payload_json, '$.plugin') AS plugin, json_extract(payload_json, '$.reason') AS reason, count(*) AS n
                FROM events WHERE run_id = ? AND kind = ? GROUP BY plugin, reason ORDER BY plugin, reason
                """, arguments: [id, Self.pluginFailedKind])
            let disabled = Set(try String.fetchAll(db, sql: """
                SELECT DISTINCT json_extract(payload_json, '$.plugin') FROM events WHERE run_id = ? AND kind = ?
                """, arguments: [id, Self.pluginDisabledKind]))
            var plugins: [String: RunHealth.PluginFailures] = [:]
            for row in failures {
                let plugin: String = row["plugin"] ?? "?"
                plugins[plugin, default: .init(plugin: plugin, byReason: [:], disabled: disabled.contains(plugin))].byReason[row["reason"] ?? "?"] = row["n"]
            }
            for plugin in disabled where plugins[plugin] == nil { plugins[plugin] = .init(plugin: plugin, byReason: [:], disabled: true) }
            // Summed over the run's sessions: a resumed run reports its own deliveries again.
            let deliveries = try Row.fetchAll(db, sql: """
                SELECT json_extract(payload_json, '$.subscriber') AS subscriber, sum(json_extract(payload_json, '$.delivered')) AS delivered,
                       sum(json_extract(payload_json, '$.dropped')) AS dropped
                FROM events WHERE run_id = ? AND kind = ? GROUP BY subscriber ORDER BY subscriber
                """, arguments: [id, Self.deliveryKind]).map { RunHealth.Delivery(subscriber: $0["subscriber"] ?? "?", delivered: $0["delivered"] ?? 0, dropped: $0["dropped"] ?? 0) }
            return RunHealth(plugins: plugins.values.sorted { $0.plugin < $1.plugin }, deliveries: deliveries)
        }
    }
}
