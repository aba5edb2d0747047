import Engine
import Foundation
import Queue
import Store
import Synchronization
import WorkbenchCore

/// A worker's runner: each job through the engine on the worker's own workspace (its runs and
/// response cache), then what it made put in the deployment's bucket and its progress in the
/// table, before the job is marked done. Every object has a content-addressed key written only
/// if absent, and the result record is written only if absent, so a job delivered twice (a
/// worker killed after its upload, before its `finish`) writes each chapter once.
///
/// Keys: `books/job-<id>/chapters/<n>/<sha256>.md` and `books/job-<id>/manuscript/<sha256>.md`.
/// Records (`pk` `book#job-<id>`): `chapter#<nnn>` as each chapter is done (quality, words),
/// and `result` (the manuscript's and chapters' keys, quality, words, cost, the worker; for a
/// regress its verdict).
public struct CloudJobRunner: QueueJobRunner {
    public let engine: EngineJobRunner
    public let deployment: CloudResources
    public let worker: String

    public init(engine: EngineJobRunner, deployment: CloudResources, worker: String) {
        self.engine = engine
        self.deployment = deployment
        self.worker = worker
    }

    public func run(_ job: Job, attach: @escaping @Sendable (RunID) throws -> Void,
                    onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> JobOutput {
        let progress = Mutex<[Task<Void, Never>]>([])
        let table = deployment.table, partition = Self.partition(job.id), worker = worker
        let output = try await engine.run(job, attach: attach) { event, run in
            onEvent(event, run)
            guard case .chapterDone(let chapter, let quality, let words) = event else { return }
            // Progress is best effort while the book runs; the result record below is not.
            let write = Task {
                _ = try? await table.put(["pk": .s(partition), "sk": .s(String(format: "chapter#%03d", chapter)), "status": .s("done"),
                                          "quality": .number(quality), "words": .number(words), "worker": .s(worker), "run_id": .s(run.rawValue)])
            }
            progress.withLock { $0.append(write) }
        }
        for write in progress.withLock({ $0 }) { await write.value }
        try await store(output, job: job)
        return output
    }

    public static func partition(_ job: Int64) -> String { "book#job-\(job)" }

    /// The job's outputs into the bucket and its result record, each at most once.
    func store(_ output: JobOutput, job: Job) async throws {
        let bucket = deployment.bucket
        var result: DynamoItem = ["pk": .s(Self.partition(job.id)), "sk": .s("result"), "worker": .s(worker), "run_id": .s(output.runID.rawValue),
                                  "cost_usd": .number(output.costUSD)]
        switch output {
        case .book(let book):
            let database = engine.database
            let record = try database.book(matchingBookOrRun: book.runID.rawValue)
            let versions = try database.latestChapterVersions(bookID: record.id)
            var chapters: [DynamoValue] = []
            for version in versions {
                let text = Data(version.text.utf8)
                let key = S3Bucket.contentKey(text, prefix: "books/job-\(job.id)/chapters/\(version.chapter)", suffix: "md")
                try await bucket.put(key, text, contentType: "text/markdown; charset=utf-8")
                chapters.append(.s(key))
            }
            let manuscript = Data(Manuscript.markdown(of: record, chapters: versions).utf8)
            let key = S3Bucket.contentKey(manuscript, prefix: "books/job-\(job.id)/manuscript", suffix: "md")
            try await bucket.put(key, manuscript, contentType: "text/markdown; charset=utf-8")
            result["manuscript"] = .s(key)
            result["chapters"] = .l(chapters)
            result["quality"] = .number(book.quality)
            result["words"] = .number(book.words)
        case .regress(let regress):
            result["baseline"] = .s(regress.baseline)
            result["passed"] = .bool(regress.passed)
            result["summary"] = .s(regress.summary)
        }
        // The first result stands: a second delivery's run wrote the same content-addressed objects.
        try await deployment.table.put(result, when: DynamoTable.Condition("attribute_not_exists(pk)"))
    }
}
