import Foundation
import GRDB
import WorkbenchCore

/// Where a page of a newest-first listing starts: after the row with this time and id.
public struct PageCursor: Sendable, Equatable {
    public var time: Date
    public var id: String

    public init(time: Date, id: String) {
        self.time = time
        self.id = id
    }
}

extension WorkbenchDatabase {
    /// Runs newest first (of one kind, when given), `limit` of them, after `cursor` (the last run of the page before).
    public func runs(after cursor: PageCursor?, limit: Int, kind: RunKind? = nil) throws -> [RunRecord] {
        try read { db in
            var request = RunRecord.order(Column("started_at").desc, Column("id").desc).limit(limit)
            if let kind { request = request.filter(Column("kind") == kind) }
            if let cursor {
                request = request.filter(sql: "started_at < ? OR (started_at = ? AND id < ?)", arguments: [cursor.time, cursor.time, cursor.id])
            }
            return try request.fetchAll(db)
        }
    }

    /// Books newest first, `limit` of them, after `cursor`.
    public func books(after cursor: PageCursor?, limit: Int) throws -> [BookRecord] {
        try read { db in
            var request = BookRecord.order(Column("created_at").desc, Column("id").desc).limit(limit)
            if let cursor {
                request = request.filter(sql: "created_at < ? OR (created_at = ? AND id < ?)", arguments: [cursor.time, cursor.time, cursor.id])
            }
            return try request.fetchAll(db)
        }
    }

    /// A run's events after `seq`, in order, at most `limit`.
    public func events(of runID: RunID, afterSeq seq: Int, limit: Int) throws -> [EventRecord] {
        try read { db in
            try EventRecord.filter(Column("run_id") == runID.rawValue && Column("seq") > seq).order(Column("seq")).limit(limit).fetchAll(db)
        }
    }

    /// A run's last event of `kind`.
    public func lastEvent(of runID: RunID, kind: String) throws -> EventRecord? {
        try read { db in
            try EventRecord.filter(Column("run_id") == runID.rawValue && Column("kind") == kind).order(Column("seq").desc).fetchOne(db)
        }
    }

    /// Events of one kind across runs whose payload has `value` at the JSON `path`, newest first.
    public func events(kind: String, matching path: String, value: String, limit: Int) throws -> [EventRecord] {
        try read { db in
            try EventRecord.fetchAll(db, sql: "SELECT * FROM events WHERE kind = ? AND json_extract(payload_json, ?) = ? ORDER BY id DESC LIMIT ?",
                                     arguments: [kind, path, value, limit])
        }
    }

    /// The number of a run's last event (0 when it has none).
    public func lastEventSeq(of runID: RunID) throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT max(seq) FROM events WHERE run_id = ?", arguments: [runID]) ?? 0 }
    }

    /// Totals of the whole workspace's model calls, for `/metrics`; latencies counted at or
    /// under each of `bounds` (milliseconds), as a Prometheus histogram's cumulative buckets.
    public func callTotals(latencyBounds bounds: [Double]) throws -> CallTotals {
        try read { db in
            var totals = CallTotals()
            for row in try Row.fetchAll(db, sql: """
                SELECT provider, outcome, count(*) AS calls, coalesce(sum(prompt_tokens), 0) AS prompt, coalesce(sum(completion_tokens), 0) AS completion,
                       coalesce(sum(cost_usd), 0) AS cost
                FROM llm_calls GROUP BY provider, outcome
                """) {
                totals.lines.append(.init(provider: row["provider"], outcome: row["outcome"], calls: row["calls"], promptTokens: row["prompt"],
                                          completionTokens: row["completion"], costUSD: row["cost"]))
            }
            let sums = bounds.map { "coalesce(sum(latency_ms <= \($0)), 0)" }.joined(separator: ", ")
            if let row = try Row.fetchOne(db, sql: "SELECT count(*), coalesce(sum(latency_ms), 0)\(sums.isEmpty ? "" : ", " + sums) FROM llm_calls WHERE latency_ms IS NOT NULL") {
                totals.latencyCount = row[0]
                totals.latencySumMS = row[1]
                totals.latencyBuckets = bounds.indices.map { (bounds[$0], row[$0 + 2] as Int) }.map { .init(upperBoundMS: $0.0, count: $0.1) }
            }
            return totals
        }
    }
}

/// Model calls summed per provider and outcome, and their latencies as cumulative buckets.
public struct CallTotals: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var provider: String
        public var outcome: String
        public var calls: Int
        public var promptTokens: Int
        public var completionTokens: Int
        public var costUSD: Double
    }

    public var lines: [Line] = []
    public struct Bucket: Sendable, Equatable {
        public var upperBoundMS: Double
        public var count: Int
    }

    public var latencyBuckets: [Bucket] = []
    public var latencyCount = 0
    public var latencySumMS = 0.0
}
