import Foundation
import GRDB
import WorkbenchCore

/// A row of `abtest_samples`: one arm's chapter for one sample of an A/B test.
public struct ABTestSampleRecord: Sendable, Equatable {
    public enum Status: String, Sendable, Codable { case done, failed }

    public var runID: RunID
    public var arm: String
    /// 1-based; sample i of every arm uses the same chapter spec and seed.
    public var sample: Int
    /// The outline chapter the sample was written from.
    public var chapter: Int
    public var seed: UInt64
    public var status: Status
    /// Metric → value for a finished sample; empty for a failed one.
    public var metrics: [String: Double]
    public var costUSD: Double
    public var error: String?

    public init(runID: RunID, arm: String, sample: Int, chapter: Int, seed: UInt64, status: Status, metrics: [String: Double], costUSD: Double, error: String? = nil) {
        self.runID = runID
        self.arm = arm
        self.sample = sample
        self.chapter = chapter
        self.seed = seed
        self.status = status
        self.metrics = metrics
        self.costUSD = costUSD
        self.error = error
    }
}

extension WorkbenchDatabase {
    /// Stores a sample's outcome; a retried sample (failed, then done) replaces its row.
    public func saveABTestSample(_ sample: ABTestSampleRecord, at time: Date = Date()) throws {
        let metrics = try CanonicalJSON.encode(sample.metrics)
        try write { db in
            try db.execute(sql: """
                INSERT INTO abtest_samples (run_id, arm, sample, chapter, seed, status, metrics_json, cost_usd, error, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id, arm, sample) DO UPDATE SET chapter = excluded.chapter, seed = excluded.seed, status = excluded.status,
                  metrics_json = excluded.metrics_json, cost_usd = excluded.cost_usd, error = excluded.error, created_at = excluded.created_at
                """, arguments: [sample.runID, sample.arm, sample.sample, sample.chapter, Int64(bitPattern: sample.seed), sample.status.rawValue,
                                 metrics, sample.costUSD, sample.error, time])
        }
    }

    /// Every stored sample of an A/B test, by arm then sample.
    public func abTestSamples(runID: RunID) throws -> [ABTestSampleRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM abtest_samples WHERE run_id = ? ORDER BY arm, sample", arguments: [runID]).map { row in
                let json: String = row["metrics_json"]
                let metrics = (try? JSONDecoder().decode([String: Double].self, from: Data(json.utf8))) ?? [:]
                let seed: Int64 = row["seed"]
                let status: String = row["status"]
                return ABTestSampleRecord(runID: runID, arm: row["arm"], sample: row["sample"], chapter: row["chapter"],
                                          seed: UInt64(bitPattern: seed), status: ABTestSampleRecord.Status(rawValue: status) ?? .failed,
                                          metrics: metrics, costUSD: row["cost_usd"], error: row["error"])
            }
        }
    }

    /// What the calls of one chapter of one book cost (cache hits are free).
    public func cost(bookID: String, chapter: Int) throws -> Double {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT coalesce(sum(cost_usd), 0) FROM llm_calls WHERE book_id = ? AND chapter = ?", arguments: [bookID, chapter]) ?? 0
        }
    }
}
