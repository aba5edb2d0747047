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
/// `object#<key>` for each object written (how many times: 1), and `result` (the manuscript's and chapters' keys, quality, words, cost, the worker; for a
/// regress its verdict).
public struct CloudJobRunner: QueueJobRunner {
    public let engine: EngineJobRunner
    public let deployment: CloudResources
    public let worker: String
    /// Where the jobs' experiment bundles are unpacked (one folder each, by content key).
    public let bundlesFolder: String

    public init(engine: EngineJobRunner, deployment: CloudResources, worker: String, bundlesFolder: String) {
        self.engine = engine
        self.deployment = deployment
        self.worker = worker
        self.bundlesFolder = bundlesFolder
    }

    public func run(_ job: Job, attach: @escaping @Sendable (RunID) throws -> Void,
                    onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> JobOutput {
        let job = try await withBundledExperiment(job)
        let progress = Mutex<[Task<Void, Never>]>([])
        let table = deployment.table, partition = Self.partition(job.id), worker = worker
        let output = try await engine.run(job, attach: attach) { event, run in
            onEvent(event, run)
            guard case .chapterDone(let chapter, let quality, let words) = event else { return }
            // Progress is best effort while the book runs; the result record below is not.
            let write = Task {
                _ = try? await table.update(pk: partition, sk: String(format: "chapter#%03d", chapter), DynamoTable.Update(set: [
                    ("status", .s("done")), ("quality", .number(quality)), ("words", .number(words)), ("worker", .s(worker)), ("run_id", .s(run.rawValue))]))
            }
            progress.withLock { $0.append(write) }
        }
        for write in progress.withLock({ $0 }) { await write.value }
        try await store(output, job: job)
        return output
    }

    public static func partition(_ job: Int64) -> String { "book#job-\(job)" }

    /// The job with its experiment read from the bundle it was queued with, unpacked here.
    func withBundledExperiment(_ job: Job) async throws -> Job {
        guard let key = try await deployment.table.get(pk: AWSJobQueue.partition, sk: AWSJobQueue.sortKey(job.id))?["bundle"]?.string else { return job }
        let folder = bundlesFolder + "/" + (key as NSString).lastPathComponent.replacingOccurrences(of: ".json", with: "")
        var local = job
        guard let data = try await deployment.bucket.get(key) else {
            throw CloudError.malformedResponse(service: .s3, operation: "GetObject", detail: "job \(job.id)'s experiment bundle \(key) is missing from the bucket")
        }
        local.spec.experiment = try ExperimentBundle.decode(data, key: key).unpack(into: folder)
        return local
    }

    /// An object of the job's, put only if absent; each write that happened is counted on the
    /// object's record (`object#<key>`, `writes`), so "written once" can be checked.
    func write(_ key: String, _ data: Data, job: Int64) async throws {
        guard try await deployment.bucket.put(key, data, contentType: "text/markdown; charset=utf-8") == .written else { return }
        _ = try await deployment.table.update(pk: Self.partition(job), sk: "object#" + key,
                                              DynamoTable.Update(set: [("worker", .s(worker))], add: [("writes", .number(1))]))
    }

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
                try await write(key, text, job: job.id)
                chapters.append(.s(key))
            }
            let manuscript = Data(Manuscript.markdown(of: record, chapters: versions).utf8)
            let key = S3Bucket.contentKey(manuscript, prefix: "books/job-\(job.id)/manuscript", suffix: "md")
            try await write(key, manuscript, job: job.id)
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

/// The deployment's records of its jobs, for a process that did not run them (`serve` on the AWS backend).
public struct CloudJobRecords: SharedJobRecords {
    public let deployment: CloudResources

    public init(deployment: CloudResources) {
        self.deployment = deployment
    }

    public func chapters(of job: Int64) async throws -> [SharedChapter] {
        try await deployment.table.items(pk: CloudJobRunner.partition(job), skPrefix: "chapter#").compactMap { item in
            guard let number = item["sk"]?.string.flatMap({ Int($0.dropFirst("chapter#".count)) }) else { return nil }
            return SharedChapter(number: number, quality: item["quality"]?.double ?? 0, words: item["words"]?.int ?? 0)
        }.sorted { $0.number < $1.number }
    }

    public func result(of job: Int64) async throws -> SharedJobResult? {
        guard let item = try await deployment.table.get(pk: CloudJobRunner.partition(job), sk: "result") else { return nil }
        var chapters: [Int: String] = [:]
        for case .s(let key) in item["chapters"]?.list ?? [] {
            // books/job-<id>/chapters/<n>/<sha>.md
            let parts = key.split(separator: "/")
            if parts.count >= 4, let number = Int(parts[parts.count - 2]) { chapters[number] = key }
        }
        return SharedJobResult(runID: item["run_id"]?.string ?? "", worker: item["worker"]?.string ?? "", costUSD: item["cost_usd"]?.double ?? 0,
                               quality: item["quality"]?.double, words: item["words"]?.int, chapterKeys: chapters, manuscriptKey: item["manuscript"]?.string,
                               baseline: item["baseline"]?.string, passed: item["passed"]?.boolValue, summary: item["summary"]?.string)
    }

    public func text(at key: String) async throws -> String? {
        try await deployment.bucket.get(key).map { String(decoding: $0, as: UTF8.self) }
    }
}
