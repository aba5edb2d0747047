import Experiments
import Foundation
import GRDB
import Store
import WorkbenchCore

/// The queue in the workspace database (`queue_jobs`, `queue_state`): every change one
/// transaction, so a processor killed at any moment leaves each job pending, leased (taken
/// again when its lease expires) or finished.
public struct SQLiteJobQueue: JobQueue {
    public let database: WorkbenchDatabase

    public init(database: WorkbenchDatabase) { self.database = database }

    public func enqueue(_ jobs: [NewJob], at time: Date = Date()) throws -> [Job] {
        let rows = try jobs.map { job -> (String, String) in
            switch job.source {
            case .premise(let text): return ("premise", text)
            case .text(let text): return ("text", text)
            case .outline(let outline): return ("outline", try CanonicalJSON.encode(outline))
            case .regress(let request): return ("regress", try CanonicalJSON.encode(request))
            }
        }
        return try database.write { db in
            try zip(jobs, rows).map { job, row in
                try db.execute(sql: """
                    INSERT INTO queue_jobs (status, source_kind, source_name, source, experiment, genre, title, chapters, words, chapter, quality_target,
                                            priority, seed, attempts, max_attempts, created_at, updated_at)
                    VALUES ('pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
                    """, arguments: [row.0, job.sourceName, row.1, job.experiment, job.genre, job.title, job.chapters, job.words, job.chapter, job.qualityTarget, job.priority,
                                     job.seed.map { Int64(bitPattern: $0) }, job.maxAttempts, time, time])
                return Job(id: db.lastInsertedRowID, status: .pending, spec: job, attempts: 0, runID: nil, leaseOwner: nil, leaseExpiresAt: nil,
                           heartbeatAt: nil, notBefore: nil, lastError: nil, createdAt: time, updatedAt: time)
            }
        }
    }

    public func jobs(status statuses: Set<JobStatus>? = nil) throws -> [Job] {
        try database.read { db in
            let filter = statuses.map { "WHERE status IN \(Self.sqlList($0))" } ?? ""
            return try Row.fetchAll(db, sql: "SELECT * FROM queue_jobs \(filter) ORDER BY priority DESC, id").map(Self.job)
        }
    }

    public func jobs(status statuses: Set<JobStatus>?, beforeID: Int64?, limit: Int) throws -> [Job] {
        try database.read { db in
            var conditions: [String] = []
            if let statuses { conditions.append("status IN \(Self.sqlList(statuses))") }
            if beforeID != nil { conditions.append("id < ?") }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM queue_jobs \(filter) ORDER BY id DESC LIMIT ?",
                                    arguments: StatementArguments(beforeID.map { [$0, Int64(limit)] } ?? [Int64(limit)])).map(Self.job)
        }
    }

    public func counts() throws -> [JobStatus: Int] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM queue_jobs GROUP BY status").reduce(into: [:]) { result, row in
                if let status = JobStatus(rawValue: row["status"]) { result[status] = row["n"] }
            }
        }
    }

    public func job(_ id: Int64) throws -> Job {
        try database.read { db in try Self.fetch(db, id) }
    }

    public func cancel(_ id: Int64, at time: Date = Date()) throws -> Job {
        try transition(id, operation: "cancelled", allowed: [.pending, .running]) { db in
            try db.execute(sql: "UPDATE queue_jobs SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?",
                           arguments: [time, id])
        }
    }

    public func retry(_ id: Int64, at time: Date = Date()) throws -> Job {
        try transition(id, operation: "retried", allowed: [.dead, .cancelled]) { db in
            try db.execute(sql: "UPDATE queue_jobs SET status = 'pending', attempts = 0, not_before = NULL, updated_at = ? WHERE id = ?", arguments: [time, id])
        }
    }

    public func purge(_ statuses: Set<JobStatus>) throws -> Int {
        let final = statuses.filter(\.isFinal)
        guard !final.isEmpty else { return 0 }
        return try database.write { db in
            try db.execute(sql: "DELETE FROM queue_jobs WHERE status IN \(Self.sqlList(final))")
            return db.changesCount
        }
    }

    public func setPaused(_ paused: Bool) throws {
        try database.write { db in try db.execute(sql: "UPDATE queue_state SET paused = ? WHERE id = 1", arguments: [paused]) }
    }

    public func isPaused() throws -> Bool {
        try database.read { db in try Bool.fetchOne(db, sql: "SELECT paused FROM queue_state WHERE id = 1") ?? false }
    }

    public func claim(owner: String, lease: TimeInterval, at time: Date = Date()) throws -> Job? {
        try database.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT paused FROM queue_state WHERE id = 1") != true else { return nil }
            guard let id = try Int64.fetchOne(db, sql: """
                SELECT id FROM queue_jobs
                WHERE (status = 'pending' AND (not_before IS NULL OR not_before <= ?))
                   OR (status = 'running' AND lease_expires_at < ? AND lease_owner <> ?)
                ORDER BY priority DESC, id LIMIT 1
                """, arguments: [time, time, owner]) else { return nil }
            try db.execute(sql: """
                UPDATE queue_jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?, heartbeat_at = ?, attempts = attempts + 1,
                                      not_before = NULL, updated_at = ?
                WHERE id = ?
                """, arguments: [owner, time.addingTimeInterval(lease), time, time, id])
            return try Self.fetch(db, id)
        }
    }

    public func heartbeat(_ id: Int64, owner: String, lease: TimeInterval, at time: Date = Date()) throws -> Bool {
        try database.write { db in
            try db.execute(sql: """
                UPDATE queue_jobs SET lease_expires_at = ?, heartbeat_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?
                """, arguments: [time.addingTimeInterval(lease), time, id, owner])
            return db.changesCount == 1
        }
    }

    public func attach(_ id: Int64, owner: String, run: RunID) throws {
        try held(id, owner: owner) { db in
            try db.execute(sql: "UPDATE queue_jobs SET run_id = ? WHERE id = ?", arguments: [run.rawValue, id])
        }
    }

    public func finish(_ id: Int64, owner: String, at time: Date = Date()) throws {
        try held(id, owner: owner) { db in
            try db.execute(sql: """
                UPDATE queue_jobs SET status = 'done', lease_owner = NULL, lease_expires_at = NULL, last_error = NULL, updated_at = ? WHERE id = ?
                """, arguments: [time, id])
        }
    }

    public func fail(_ id: Int64, owner: String, error: String, backoff: TimeInterval?, at time: Date = Date()) throws -> Job {
        try held(id, owner: owner) { db in
            let job = try Self.fetch(db, id)
            let dead = backoff == nil || job.attempts >= job.spec.maxAttempts
            try db.execute(sql: """
                UPDATE queue_jobs SET status = ?, lease_owner = NULL, lease_expires_at = NULL, not_before = ?, last_error = ?, updated_at = ? WHERE id = ?
                """, arguments: [dead ? "dead" : "pending", dead ? nil : time.addingTimeInterval(backoff ?? 0), Redaction.redact(error), time, id])
            return try Self.fetch(db, id)
        }
    }

    public func release(_ id: Int64, owner: String, at time: Date = Date()) throws {
        try held(id, owner: owner) { db in
            try db.execute(sql: Self.handBack + " WHERE id = ?", arguments: [time, id])
        }
    }

    public func postpone(_ id: Int64, owner: String, until: Date, at time: Date = Date()) throws {
        try held(id, owner: owner) { db in
            try db.execute(sql: Self.handBack + ", not_before = ? WHERE id = ?", arguments: [time, until, id])
        }
    }

    public func reclaimAbandoned(at time: Date = Date()) throws -> [Job] {
        try database.write { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM queue_jobs WHERE status = 'running' ORDER BY id")
            try db.execute(sql: Self.handBack + " WHERE status = 'running'", arguments: [time])
            return try ids.map { try Self.fetch(db, $0) }
        }
    }

    /// A running job made pending again, its attempt not counted (the processor stopped, not the book).
    static let handBack = "UPDATE queue_jobs SET status = 'pending', attempts = MAX(0, attempts - 1), lease_owner = NULL, lease_expires_at = NULL, updated_at = ?"

    // MARK: Rows

    /// `('dead', 'done')`: statuses as an SQL list (their raw values are fixed words, never input).
    static func sqlList(_ statuses: Set<JobStatus>) -> String {
        "(" + statuses.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ") + ")"
    }

    /// Runs `body` on a job still leased to `owner`, else refuses.
    private func held<T>(_ id: Int64, owner: String, _ body: (Database) throws -> T) throws -> T {
        try database.write { db in
            let current = try Self.fetch(db, id)
            guard current.status == .running, current.leaseOwner == owner else { throw QueueError.leaseLost(id: id, owner: owner) }
            return try body(db)
        }
    }

    private func transition(_ id: Int64, operation: String, allowed: [JobStatus], _ body: (Database) throws -> Void) throws -> Job {
        try database.write { db in
            let current = try Self.fetch(db, id)
            guard allowed.contains(current.status) else { throw QueueError.wrongStatus(id: id, status: current.status, operation: operation, allowed: allowed) }
            try body(db)
            return try Self.fetch(db, id)
        }
    }

    static func fetch(_ db: Database, _ id: Int64) throws -> Job {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM queue_jobs WHERE id = ?", arguments: [id]) else { throw QueueError.jobNotFound(id: id) }
        return try job(row)
    }

    static func job(_ row: Row) throws -> Job {
        let kind: String = row["source_kind"], text: String = row["source"]
        let source: JobSource
        switch kind {
        case "outline": source = .outline(try JSONDecoder().decode(Outline.self, from: Data(text.utf8)))
        case "text": source = .text(text)
        case "regress": source = .regress(try JSONDecoder().decode(RegressionRequest.self, from: Data(text.utf8)))
        default: source = .premise(text)
        }
        let seed: Int64? = row["seed"], run: String? = row["run_id"]
        let spec = NewJob(source: source, sourceName: row["source_name"], experiment: row["experiment"], genre: row["genre"], title: row["title"], chapters: row["chapters"],
                          words: row["words"], chapter: row["chapter"], qualityTarget: row["quality_target"], priority: row["priority"], seed: seed.map { UInt64(bitPattern: $0) }, maxAttempts: row["max_attempts"])
        return Job(id: row["id"], status: JobStatus(rawValue: row["status"]) ?? .pending, spec: spec, attempts: row["attempts"], runID: run.flatMap(RunID.init),
                   leaseOwner: row["lease_owner"], leaseExpiresAt: row["lease_expires_at"], heartbeatAt: row["heartbeat_at"], notBefore: row["not_before"],
                   lastError: row["last_error"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }
}
