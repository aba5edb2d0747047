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
    /// The deployment's queue (a book in chapter tasks makes its chapters' jobs there).
    public let queue: AWSJobQueue
    public let worker: String
    /// Where the jobs' experiment bundles are unpacked (one folder each, by content key).
    public let bundlesFolder: String
    /// How long a book in chapter tasks waits before it looks at its chapters' jobs again.
    public var chapterPoll: TimeInterval = 3

    public var deployment: CloudResources { queue.deployment }

    public init(engine: EngineJobRunner, queue: AWSJobQueue, worker: String, bundlesFolder: String) {
        self.engine = engine
        self.queue = queue
        self.worker = worker
        self.bundlesFolder = bundlesFolder
    }

    public func run(_ job: Job, attach: @escaping @Sendable (RunID) throws -> Void,
                    onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> JobOutput {
        let job = try await withBundledExperiment(job)
        if job.spec.tasks == .chapters, job.spec.parent == nil { return .book(try await runInChapterTasks(job, attach: attach, onEvent: onEvent)) }
        if let parent = job.spec.parent, let chapter = job.spec.chapter {
            return .book(try await runChapterTask(job, of: parent, chapter: chapter, attach: attach, onEvent: onEvent))
        }
        let output = try await runWithProgress(job, partition: Self.partition(job.id), attach: attach, onEvent: onEvent)
        try await store(output, job: job)
        return output
    }

    /// The job through the engine, each chapter's progress recorded under `partition` as it is done.
    private func runWithProgress(_ job: Job, partition: String, drafts: (any DraftCheckpoints)? = nil, attach: @escaping @Sendable (RunID) throws -> Void,
                                 onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> JobOutput {
        let progress = Mutex<[Task<Void, Never>]>([])
        let table = deployment.table, worker = worker
        let output = try await engine.run(job, drafts: drafts, attach: attach) { event, run in
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
        return output
    }

    // MARK: Books in chapter tasks

    /// A book job in chapter tasks, one step per attempt: its outline planned (once: the first
    /// plan stored stands), its chapters' jobs made (once: their ids are reserved and recorded
    /// first), then, when they are all written, the book assembled from their chapters and
    /// stored as a book task stores it. Until then the job waits (`JobNotReady`).
    func runInChapterTasks(_ job: Job, attach: @escaping @Sendable (RunID) throws -> Void,
                           onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> QueuedBook {
        let table = deployment.table
        let (outline, premise) = try await plannedOutline(job, attach: attach, onEvent: onEvent)
        let children = try await chapterJobs(job, outline: outline)
        var written: [BookGenerator.WrittenChapter] = []
        for (number, id) in children {
            let child = try await queue.job(id)
            switch child.status {
            case .done:
                guard let result = try await table.get(pk: Self.partition(id), sk: "result"), let key = result["chapters"]?.list?.first?.string,
                      let data = try await deployment.bucket.get(key) else {
                    throw CloudError.malformedResponse(service: .dynamodb, operation: "GetItem", detail: "chapter \(number)'s job \(id) is done but its chapter is not stored")
                }
                written.append(.init(number: number, text: String(decoding: data, as: UTF8.self), quality: result["quality"]?.double ?? 0, words: result["words"]?.int ?? 0))
            case .dead, .cancelled:
                throw CloudError.malformedResponse(service: .sqs, operation: "chapter task",
                                                   detail: "chapter \(number)'s job \(id) is \(child.status)\(child.lastError.map { ": \($0)" } ?? ""); `workbench queue retry \(id)` tries it again")
            case .pending, .running:
                continue
            }
        }
        guard written.count == children.count else {
            throw JobNotReady(reason: "\(written.count) of \(children.count) chapters written (jobs \(children.map { String($0.1) }.joined(separator: ", ")))",
                              until: Date().addingTimeInterval(chapterPoll))
        }
        let book = try await engine.assemble(job, outline: outline, premise: premise, chapters: written, attach: attach, onEvent: onEvent)
        try await store(.book(book), job: job)
        return book
    }

    /// The book's outline: the one stored by its first plan, else planned now and stored
    /// (`books/job-<id>/outline/<sha256>.json`, then the `plan` record only if absent: of two
    /// attempts planning at once, the first record stands and both go on with its outline).
    func plannedOutline(_ job: Job, attach: @escaping @Sendable (RunID) throws -> Void,
                        onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> (Outline, String?) {
        let partition = Self.partition(job.id)
        if let plan = try await deployment.table.get(pk: partition, sk: "plan") { return try await outline(of: plan) }
        let (outline, premise) = try await engine.plan(job, attach: attach, onEvent: onEvent)
        let data = Data(try CanonicalJSON.encode(outline).utf8)
        let key = S3Bucket.contentKey(data, prefix: "books/job-\(job.id)/outline", suffix: "json")
        try await deployment.bucket.put(key, data, contentType: "application/json")
        var record: DynamoItem = ["pk": .s(partition), "sk": .s("plan"), "outline": .s(key), "worker": .s(worker)]
        if let premise { record["premise"] = .s(premise) }
        if try await deployment.table.put(record, when: DynamoTable.Condition("attribute_not_exists(pk)")) { return (outline, premise) }
        return try await self.outline(of: try await deployment.table.get(pk: partition, sk: "plan") ?? record)
    }

    private func outline(of plan: DynamoItem) async throws -> (Outline, String?) {
        guard let key = plan["outline"]?.string, let data = try await deployment.bucket.get(key) else {
            throw CloudError.malformedResponse(service: .s3, operation: "GetObject", detail: "a book's plan record names no stored outline")
        }
        return (try JSONDecoder().decode(Outline.self, from: data), plan["premise"]?.string)
    }

    /// Chapter number → its job's id: made once. The ids are reserved and recorded (`children`,
    /// only if absent) before any job is made, so a second attempt makes the same jobs, and
    /// each job is created only if absent.
    func chapterJobs(_ job: Job, outline: Outline) async throws -> [(Int, Int64)] {
        let partition = Self.partition(job.id)
        var record = try await deployment.table.get(pk: partition, sk: "children")
        if record == nil {
            let ids = try await queue.reserveIDs(outline.chapters.count)
            let proposed: DynamoItem = ["pk": .s(partition), "sk": .s("children"),
                                        "jobs": .l(zip(outline.chapters, ids).map { .s("\($0.number):\($1)") })]
            record = try await deployment.table.put(proposed, when: DynamoTable.Condition("attribute_not_exists(pk)"))
                ? proposed : try await deployment.table.get(pk: partition, sk: "children")
        }
        let children: [(Int, Int64)] = (record?["jobs"]?.list ?? []).compactMap { value in
            let parts = value.string?.split(separator: ":") ?? []
            guard parts.count == 2, let number = Int(parts[0]), let id = Int64(parts[1]) else { return nil }
            return (number, id)
        }
        let bundle = try await queue.bundleKey(of: job.id)
        // The enqueuer's path (the bundle is the experiment), not this worker's unpacked copy.
        let experiment = try await queue.job(job.id).spec.experiment
        for (number, id) in children {
            var spec = job.spec
            spec.source = .outline(outline)
            spec.sourceName = job.spec.sourceName + " · chapter \(number)"
            spec.chapter = number
            spec.tasks = .book
            spec.parent = job.id
            spec.experiment = experiment
            let (child, created) = try await queue.create(spec, id: id, bundle: bundle, at: Date())
            // Never claimed for a while: its creator may have died before sending its message.
            if !created, child.status == .pending, child.attempts == 0, child.updatedAt == child.createdAt, Date().timeIntervalSince(child.createdAt) > 30 {
                try await queue.resend(child)
            }
        }
        return children
    }

    /// A chapter task: the chapter written from the book's outline, its draft kept scene by
    /// scene (`CloudDraftCheckpoints`: an attempt stopped part-way, by Lambda's time limit or a
    /// kill, leaves the next one the scenes it wrote, and is handed back rather than failed when
    /// it got further), its text put in the bucket (`books/job-<book>/drafts/<n>/<sha256>.md`,
    /// once), its result recorded (only if absent, its cost that of every attempt's run that
    /// drafted it) and the book's progress record for the chapter.
    func runChapterTask(_ job: Job, of parent: Int64, chapter: Int, attach: @escaping @Sendable (RunID) throws -> Void,
                        onEvent: @escaping @Sendable (PipelineEvent, RunID) -> Void) async throws -> QueuedBook {
        let drafts = CloudDraftCheckpoints(deployment: deployment, book: parent, worker: worker, database: engine.database)
        let output: JobOutput
        do {
            output = try await runWithProgress(job, partition: Self.partition(parent), drafts: drafts, attach: attach, onEvent: onEvent)
        } catch where Task.isCancelled && drafts.advanced {
            throw JobNotReady(reason: "chapter \(chapter) stopped with its draft further on (\(drafts.standing)); the next attempt goes on from there", until: Date())
        }
        guard case .book(var book) = output else {
            throw CloudError.malformedResponse(service: .sqs, operation: "chapter task", detail: "job \(job.id) wrote no chapter")
        }
        book.costUSD += drafts.spentBefore(book.runID)
        let record = try engine.database.book(matchingBookOrRun: book.runID.rawValue)
        guard let version = try engine.database.latestChapterVersions(bookID: record.id).first(where: { $0.chapter == chapter }) else {
            throw CloudError.malformedResponse(service: .sqs, operation: "chapter task", detail: "job \(job.id) wrote no chapter \(chapter)")
        }
        let text = Data(version.text.utf8)
        let key = S3Bucket.contentKey(text, prefix: "books/job-\(parent)/drafts/\(chapter)", suffix: "md")
        try await write(key, text, job: parent)
        let result: DynamoItem = ["pk": .s(Self.partition(job.id)), "sk": .s("result"), "worker": .s(worker), "run_id": .s(book.runID.rawValue),
                                  "cost_usd": .number(book.costUSD), "chapters": .l([.s(key)]), "quality": .number(book.quality), "words": .number(version.wordCount)]
        try await deployment.table.put(result, when: DynamoTable.Condition("attribute_not_exists(pk)"))
        return book
    }

    public static func partition(_ job: Int64) -> String { "book#job-\(job)" }

    /// The job with its experiment read from the bundle it was queued with, unpacked here.
    func withBundledExperiment(_ job: Job) async throws -> Job {
        guard let key = try await queue.bundleKey(of: job.id) else { return job }
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
