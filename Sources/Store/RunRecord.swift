import Foundation
import GRDB
import WorkbenchCore

/// A row of `runs`.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runs"

    public var id: RunID
    public var kind: RunKind
    public var status: RunStatus
    public var configJSON: String
    public var configHash: String
    public var gitRevision: String?
    public var workbenchVersion: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var error: String?

    public init(
        id: RunID, kind: RunKind, status: RunStatus, configJSON: String, configHash: String, gitRevision: String?,
        workbenchVersion: String, startedAt: Date, finishedAt: Date?, error: String?
    ) {
        self.id = id
        self.kind = kind
        self.status = status
        self.configJSON = configJSON
        self.configHash = configHash
        self.gitRevision = gitRevision
        self.workbenchVersion = workbenchVersion
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, status
        case configJSON = "config_json"
        case configHash = "config_hash"
        case gitRevision = "git_revision"
        case workbenchVersion = "workbench_version"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case error
    }

    /// Seconds from start to finish, or to `now` while running.
    public func duration(now: Date) -> TimeInterval {
        (finishedAt ?? now).timeIntervalSince(startedAt)
    }
}

/// A run with the totals a person asks about first: what it produced and what it cost.
public struct RunSummary: Sendable, Equatable {
    public var run: RunRecord
    public var bookCount: Int
    public var chapterVersionCount: Int
    public var llmCallCount: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: Double
    public var eventCount: Int
    public var lastEvent: EventRecord?
    /// Model calls and cost per task (generate, enhance, judge, …).
    public var costByTask: [CostLine]

    public init(
        run: RunRecord, bookCount: Int, chapterVersionCount: Int, llmCallCount: Int, promptTokens: Int,
        completionTokens: Int, costUSD: Double, eventCount: Int, lastEvent: EventRecord?, costByTask: [CostLine] = []
    ) {
        self.costByTask = costByTask
        self.run = run
        self.bookCount = bookCount
        self.chapterVersionCount = chapterVersionCount
        self.llmCallCount = llmCallCount
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.eventCount = eventCount
        self.lastEvent = lastEvent
    }
}

/// Calls and cost of one task within a run.
public struct CostLine: Sendable, Equatable {
    public var task: String
    public var calls: Int
    public var costUSD: Double
    public init(task: String, calls: Int, costUSD: Double) {
        self.task = task
        self.calls = calls
        self.costUSD = costUSD
    }
}

/// A row of `events`: one step of a run's pipeline event stream.
public struct EventRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "events"

    public var id: Int64?
    public var runID: RunID
    public var seq: Int
    public var at: Date
    public var kind: String
    public var payloadJSON: String

    enum CodingKeys: String, CodingKey {
        case id
        case runID = "run_id"
        case seq, at, kind
        case payloadJSON = "payload_json"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension RunKind: DatabaseValueConvertible {}
extension RunStatus: DatabaseValueConvertible {}

extension RunID: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> RunID? {
        String.fromDatabaseValue(dbValue).flatMap(RunID.init)
    }
}
