import Foundation
import GRDB
import WorkbenchCore

/// A row of `optimize_candidates`: one prompt candidate of a `workbench optimize` run.
public struct OptimizeCandidateRecord: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Proposed and predicted, not chosen for a real evaluation.
        case proposed
        /// Chosen; its development suite is being written.
        case evaluating
        case done
        /// Its evaluation stopped (the budget, or an error kept in `error`).
        case failed
    }

    public var runID: RunID
    /// 0 is the base prompts; proposals are numbered in the order they were made.
    public var candidate: Int
    /// The evaluation round that proposed it (0 for the base).
    public var iteration: Int
    public var parent: Int?
    /// How it was made: base, add, remove, replace, crossover, llm.
    public var `operator`: String
    public var instructions: [String]
    public var status: Status
    /// The surrogate's prediction of its score, and the prediction's standard deviation.
    public var predicted: Double?
    public var predictedSD: Double?
    /// The book holding its development-suite chapters, once chosen.
    public var bookID: String?
    /// The target metric's mean over the development suite, and the writes' standard deviation.
    public var score: Double?
    public var scoreSD: Double?
    public var writes: Int
    /// The standard error of `score`.
    public var scoreSE: Double? { scoreSD.map { $0 / Double(max(writes, 1)).squareRoot() } }
    /// The target metric of each write, in the development suite's order (chapter, then sample).
    public var values: [Double]
    /// Every metric's mean over its writes (the composite as `quality`).
    public var metrics: [String: Double]
    public var costUSD: Double
    public var error: String?

    public init(runID: RunID, candidate: Int, iteration: Int, parent: Int?, operator: String, instructions: [String], status: Status,
                predicted: Double? = nil, predictedSD: Double? = nil, bookID: String? = nil, score: Double? = nil, scoreSD: Double? = nil,
                writes: Int = 0, values: [Double] = [], metrics: [String: Double] = [:], costUSD: Double = 0, error: String? = nil) {
        self.runID = runID
        self.candidate = candidate
        self.iteration = iteration
        self.parent = parent
        self.operator = `operator`
        self.instructions = instructions
        self.status = status
        self.predicted = predicted
        self.predictedSD = predictedSD
        self.bookID = bookID
        self.score = score
        self.scoreSD = scoreSD
        self.writes = writes
        self.values = values
        self.metrics = metrics
        self.costUSD = costUSD
        self.error = error
    }
}

extension WorkbenchDatabase {
    /// Stores a candidate; saving it again (chosen, then scored) replaces its row.
    public func saveOptimizeCandidate(_ record: OptimizeCandidateRecord, at time: Date = Date()) throws {
        let instructions = try CanonicalJSON.encode(record.instructions)
        let metrics = try CanonicalJSON.encode(record.metrics)
        let values = try CanonicalJSON.encode(record.values)
        try write { db in
            try db.execute(sql: """
                INSERT INTO optimize_candidates (run_id, candidate, iteration, parent, operator, instructions, status, predicted, predicted_sd,
                                                 book_id, score, score_sd, writes, values_json, metrics_json, cost_usd, error, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id, candidate) DO UPDATE SET iteration = excluded.iteration, parent = excluded.parent, operator = excluded.operator,
                  instructions = excluded.instructions, status = excluded.status, predicted = excluded.predicted, predicted_sd = excluded.predicted_sd,
                  book_id = excluded.book_id, score = excluded.score, score_sd = excluded.score_sd, writes = excluded.writes, values_json = excluded.values_json,
                  metrics_json = excluded.metrics_json, cost_usd = excluded.cost_usd, error = excluded.error
                """, arguments: [record.runID, record.candidate, record.iteration, record.parent, record.operator, instructions, record.status.rawValue,
                                 record.predicted, record.predictedSD, record.bookID, record.score, record.scoreSD, record.writes, values, metrics,
                                 record.costUSD, record.error, time])
        }
    }

    /// Every candidate of an optimisation run, in the order they were proposed.
    public func optimizeCandidates(runID: RunID) throws -> [OptimizeCandidateRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM optimize_candidates WHERE run_id = ? ORDER BY candidate", arguments: [runID]).map { row in
                let instructions: String = row["instructions"], metrics: String = row["metrics_json"], values: String = row["values_json"]
                let status: String = row["status"]
                return OptimizeCandidateRecord(
                    runID: runID, candidate: row["candidate"], iteration: row["iteration"], parent: row["parent"], operator: row["operator"],
                    instructions: (try? JSONDecoder().decode([String].self, from: Data(instructions.utf8))) ?? [],
                    status: OptimizeCandidateRecord.Status(rawValue: status) ?? .failed, predicted: row["predicted"], predictedSD: row["predicted_sd"],
                    bookID: row["book_id"], score: row["score"], scoreSD: row["score_sd"], writes: row["writes"],
                    values: (try? JSONDecoder().decode([Double].self, from: Data(values.utf8))) ?? [],
                    metrics: (try? JSONDecoder().decode([String: Double].self, from: Data(metrics.utf8))) ?? [:], costUSD: row["cost_usd"], error: row["error"])
            }
        }
    }

    /// What every call of a book cost (cache hits are free).
    public func cost(bookID: String) throws -> Double {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT coalesce(sum(cost_usd), 0) FROM llm_calls WHERE book_id = ?", arguments: [bookID]) ?? 0
        }
    }
}
