import Engine
import Foundation
import Store
import WorkbenchCore
import Synchronization

/// A chapter task's first draft kept in the deployment scene by scene, so the next attempt
/// (the next Lambda invocation, another worker after a kill) goes on from the last scene.
/// The text is put at `books/job-<book>/scenes/<n>/<sha256>.md`; the record `draft#<nnn>`
/// under the book names it with where the draft stands and what each run spent on it
/// (`costs`, by run id), and is only replaced by a draft further on, so a late duplicate
/// delivery cannot take it back.
public final class CloudDraftCheckpoints: DraftCheckpoints {
    let deployment: CloudResources
    let partition: String
    let book: Int64
    let worker: String
    let database: WorkbenchDatabase
    private struct State {
        var loaded: DraftProgress?
        var saved: DraftProgress?
        var costs: [String: Double] = [:]
    }
    private let state = Mutex(State())

    public init(deployment: CloudResources, book: Int64, worker: String, database: WorkbenchDatabase) {
        self.deployment = deployment
        self.book = book
        self.partition = CloudJobRunner.partition(book)
        self.worker = worker
        self.database = database
    }

    static func sortKey(_ chapter: Int) -> String { String(format: "draft#%03d", chapter) }

    public func load(chapter: Int) async throws -> DraftProgress? {
        guard let record = try await deployment.table.get(pk: partition, sk: Self.sortKey(chapter)) else { return nil }
        guard let key = record["text"]?.string, let scene = record["scene"]?.int, let written = record["scenes_written"]?.int,
              let words = record["words"]?.int, let stalled = record["stalled"]?.int, let finished = record["finished"]?.boolValue else {
            throw CloudError.malformedResponse(service: .dynamodb, operation: "GetItem", detail: "chapter \(chapter)'s draft record of job \(book) is incomplete")
        }
        guard let data = try await deployment.bucket.get(key) else {
            throw CloudError.malformedResponse(service: .s3, operation: "GetObject", detail: "chapter \(chapter)'s draft \(key) of job \(book) is not in the bucket")
        }
        let progress = DraftProgress(text: String(decoding: data, as: UTF8.self), scene: scene, scenesWritten: written, words: words, stalled: stalled, finished: finished)
        var costs: [String: Double] = [:]
        if case .m(let map)? = record["costs"] { for (run, cost) in map { costs[run] = cost.double ?? 0 } }
        state.withLock { $0.loaded = progress; $0.costs = costs }
        return progress
    }

    public func save(_ progress: DraftProgress, chapter: Int, run: RunID) async throws {
        let data = Data(progress.text.utf8)
        let key = S3Bucket.contentKey(data, prefix: "books/job-\(book)/scenes/\(chapter)", suffix: "md")
        _ = try await deployment.bucket.put(key, data, contentType: "text/markdown; charset=utf-8")
        let spent = try database.summary(of: run).costUSD
        let costs = state.withLock { state in
            state.costs[run.rawValue] = spent
            return state.costs
        }
        let record: DynamoItem = [
            "pk": .s(partition), "sk": .s(Self.sortKey(chapter)), "text": .s(key), "scene": .number(progress.scene),
            "scenes_written": .number(progress.scenesWritten), "words": .number(progress.words), "stalled": .number(progress.stalled),
            "finished": .bool(progress.finished), "worker": .s(worker), "costs": .m(costs.mapValues { .number($0) }),
        ]
        // Only further on: a later scene, or the same one now finished.
        let further = DynamoTable.Condition("attribute_not_exists(pk) OR #scene < :scene OR (#scene = :scene AND #finished = :false AND :finished = :true)",
                                            names: ["#scene": "scene", "#finished": "finished"],
                                            values: [":scene": .number(progress.scene), ":finished": .bool(progress.finished), ":false": .bool(false), ":true": .bool(true)])
        _ = try await deployment.table.put(record, when: further)
        state.withLock { $0.saved = progress }
    }

    /// Whether this attempt took the draft further than it found it.
    public var advanced: Bool {
        state.withLock { state in
            guard let saved = state.saved else { return false }
            guard let loaded = state.loaded else { return true }
            return saved.scene > loaded.scene || (saved.finished && !loaded.finished)
        }
    }

    /// Where the draft stands, for a message.
    public var standing: String {
        state.withLock { state in
            guard let saved = state.saved ?? state.loaded else { return "not started" }
            return "\(saved.words) words in \(saved.scenesWritten) scene\(saved.scenesWritten == 1 ? "" : "s")\(saved.finished ? ", drafted" : "")"
        }
    }

    /// What runs other than `run` spent on the draft (earlier attempts whose workspaces are gone).
    public func spentBefore(_ run: RunID) -> Double {
        state.withLock { $0.costs.filter { $0.key != run.rawValue }.values.reduce(0, +) }
    }
}
