import Foundation
import Queue
import Synchronization
import WorkbenchCore

/// The job queue on AWS: each job is a record in the deployment's table (its status, attempts,
/// lease, run, error: `pk` "job", `sk` "job#<id>") whose spec is an S3 object (the claim
/// check), and a message on the task queue that carries the job's id and the spec's key.
///
/// Delivery is at least once; effects are once. A message only says "look at job N": claiming
/// is a conditional write on the record (pending, or running with a lapsed lease), so a
/// duplicate message, or one for a job cancelled or done meanwhile, claims nothing and is
/// deleted. A held job's message is kept hidden by the heartbeat; a worker that dies lets it
/// reappear when its visibility lapses, with the record's lease lapsed too, and another worker
/// takes the job over. A failed attempt's message is hidden for the backoff; after the
/// queue's `maxReceives` deliveries SQS moves a message to the dead-letter queue.
///
/// Unlike the SQLite queue, jobs are not ordered by priority (SQS has no priorities); the
/// priority is kept and shown.
public final class AWSJobQueue: JobQueue {
    public let deployment: CloudResources
    public let tasks: SQSQueue
    let deadLetters: SQSQueue
    /// Seconds a claim waits for a message (long polling, 0–20).
    public let receiveWait: Int
    /// A pending job untouched for this long has its message sent again at a processor's start
    /// (its enqueuer died between record and message): a duplicate claims nothing.
    public let resendAfter: TimeInterval

    /// The messages of the jobs this process holds, and runs attached but not yet recorded.
    private let held = Mutex<[Int64: SQSMessage]>([:])
    private let attachedRuns = Mutex<[Int64: RunID]>([:])
    /// Specs by S3 key: content-addressed, so never stale.
    private let specs = Mutex<[String: NewJob]>([:])
    /// A Lambda invocation's messages, when claims take those instead of receiving.
    private let batch = Mutex<DeliveredBatch?>(nil)

    static let partition = "job"

    public init(deployment: CloudResources, receiveWait: Int = 1, resendAfter: TimeInterval = 300) async throws {
        self.deployment = deployment
        tasks = try await deployment.taskQueue()
        deadLetters = try await deployment.deadLetterQueue()
        self.receiveWait = receiveWait
        self.resendAfter = resendAfter
    }

    var table: DynamoTable { deployment.table }
    var bucket: S3Bucket { deployment.bucket }

    static func sortKey(_ id: Int64) -> String { "job#" + String(format: "%012lld", id) }

    struct Message: Codable {
        var job: Int64
        var spec: String
    }

    // MARK: Adding and reading

    public func enqueue(_ jobs: [NewJob], at time: Date) async throws -> [Job] {
        var added: [Job] = []
        var bundles: [String: String] = [:]
        for spec in jobs {
            // The experiment's folder travels with the job: workers elsewhere need not have it.
            if bundles[spec.experiment] == nil {
                let bundle = try ExperimentBundle.pack(experimentFile: spec.experiment).object()
                try await bucket.put(bundle.key, bundle.data, contentType: "application/json")
                bundles[spec.experiment] = bundle.key
            }
            added.append(try await create(spec, id: try await reserveIDs(1).lowerBound, bundle: bundles[spec.experiment], at: time).job)
        }
        return added
    }

    /// Creates job `id` (an id reserved by `reserveIDs`) unless it exists, and sends its
    /// message if it was created here: so a book's chapter jobs, made again by a second
    /// attempt of the book's task, are made once. `bundle`: the experiment bundle's key.
    public func create(_ spec: NewJob, id: Int64, bundle: String?, at time: Date) async throws -> (job: Job, created: Bool) {
        let (key, data) = try Self.specObject(spec)
        try await bucket.put(key, data, contentType: "application/json")
        specs.withLock { $0[key] = spec }
        let job = Job(id: id, status: .pending, spec: spec, attempts: 0, runID: nil, leaseOwner: nil, leaseExpiresAt: nil, heartbeatAt: nil, notBefore: nil,
                      lastError: nil, createdAt: time, updatedAt: time)
        // The record first, then its message: a crash between them leaves a pending record
        // that `reclaimAbandoned` sends again, never a message without a job.
        var item = Self.item(job, specKey: key)
        item["pk"] = .s(Self.partition)
        item["bundle"] = bundle.map(DynamoValue.s)
        guard try await table.put(item, when: DynamoTable.Condition("attribute_not_exists(pk)")) else { return (try await self.job(id), false) }
        try await send(id, specKey: key)
        return (job, true)
    }

    /// Sends a pending job's message again: its creator died between its record and its message, or it was retried.
    public func resend(_ job: Job) async throws {
        try await send(job.id, specKey: try Self.specObject(job.spec).key)
    }

    /// `count` new job ids, in one step of the table's counter.
    public func reserveIDs(_ count: Int) async throws -> ClosedRange<Int64> {
        let counted = try await table.update(pk: "meta", sk: "job-counter", DynamoTable.Update(add: [("next", .number(count))]))
        guard let last = counted?["next"]?.int else { throw CloudError.malformedResponse(service: .dynamodb, operation: "UpdateItem", detail: "the job counter has no number") }
        return Int64(last - count + 1)...Int64(last)
    }

    /// The S3 key of the experiment bundle job `id` was queued with (nil for none).
    public func bundleKey(of id: Int64) async throws -> String? {
        try await table.get(pk: Self.partition, sk: Self.sortKey(id))?["bundle"]?.string
    }

    private func send(_ id: Int64, specKey: String, delay: Int = 0) async throws {
        let body = String(decoding: try JSONEncoder().encode(Message(job: id, spec: specKey)), as: UTF8.self)
        try await tasks.send(body, delaySeconds: delay)
    }

    public func jobs(status statuses: Set<JobStatus>?) async throws -> [Job] {
        try await all().filter { statuses?.contains($0.status) ?? true }.sorted { ($0.spec.priority, -$0.id) > ($1.spec.priority, -$1.id) }
    }

    public func jobs(status statuses: Set<JobStatus>?, beforeID: Int64?, limit: Int) async throws -> [Job] {
        let matching = try await all().filter { job in (statuses?.contains(job.status) ?? true) && (beforeID.map { job.id < $0 } ?? true) }
        return Array(matching.sorted { $0.id > $1.id }.prefix(limit))
    }

    public func counts() async throws -> [JobStatus: Int] {
        try await all().reduce(into: [:]) { $0[$1.status, default: 0] += 1 }
    }

    public func job(_ id: Int64) async throws -> Job {
        guard let item = try await table.get(pk: Self.partition, sk: Self.sortKey(id)) else { throw QueueError.jobNotFound(id: id) }
        return try await job(item)
    }

    private func all() async throws -> [Job] {
        var jobs: [Job] = []
        for item in try await table.items(pk: Self.partition, skPrefix: "job#") { jobs.append(try await job(item)) }
        return jobs
    }

    // MARK: Managing

    public func cancel(_ id: Int64, at time: Date) async throws -> Job {
        try await transition(id, to: .cancelled, from: [.pending, .running], operation: "cancelled", at: time, remove: ["lease_owner", "lease_expires_at"])
    }

    public func retry(_ id: Int64, at time: Date) async throws -> Job {
        let job = try await transition(id, to: .pending, from: [.dead, .cancelled], operation: "retried", at: time, set: [("attempts", .number(0))],
                                       remove: ["not_before"])
        try await resend(job)
        return job
    }

    public func purge(_ statuses: Set<JobStatus>) async throws -> Int {
        var removed = 0
        for job in try await all() where statuses.contains(job.status) && job.status.isFinal {
            let gone = try await table.delete(pk: Self.partition, sk: Self.sortKey(job.id),
                                              when: DynamoTable.Condition("#s = :s", names: ["#s": "status"], values: [":s": .s(job.status.rawValue)]))
            if gone { removed += 1 }
        }
        return removed
    }

    public func setPaused(_ paused: Bool) async throws {
        try await table.put(["pk": .s("meta"), "sk": .s("queue-state"), "paused": .bool(paused)])
    }

    public func isPaused() async throws -> Bool {
        try await table.get(pk: "meta", sk: "queue-state")?["paused"]?.boolValue ?? false
    }

    /// Moves a job from one of `from` to `status` in one conditional write; refuses (with the
    /// status it has) when another writer got there first.
    private func transition(_ id: Int64, to status: JobStatus, from: [JobStatus], operation: String, at time: Date,
                            set: [(attribute: String, value: DynamoValue)] = [], remove: [String]) async throws -> Job {
        var allowed: DynamoItem = [:]
        for (index, state) in from.enumerated() { allowed[":f\(index)"] = .s(state.rawValue) }
        let condition = DynamoTable.Condition("attribute_exists(pk) AND #s IN (" + from.indices.map { ":f\($0)" }.joined(separator: ", ") + ")",
                                              names: ["#s": "status"], values: allowed)
        let update = DynamoTable.Update(set: Self.stamp(status, at: time) + set, remove: remove)
        guard let item = try await table.update(pk: Self.partition, sk: Self.sortKey(id), update, when: condition) else {
            let current = try await job(id)
            throw QueueError.wrongStatus(id: id, status: current.status, operation: operation, allowed: from)
        }
        return try await job(item)
    }

    // MARK: Processing

    public func claim(owner: String, lease: TimeInterval, at time: Date) async throws -> Job? {
        if try await isPaused() { return nil }
        // A few messages may be stale (a duplicate, a finished job): look past them.
        for _ in 0..<10 {
            guard let message = try await nextMessage(visibility: Self.seconds(lease)) else { return nil }
            guard let body = try? JSONDecoder().decode(Message.self, from: Data(message.body.utf8)) else {
                // Not a task of ours: kept, on the dead-letter queue, for someone to look at.
                try await deadLetters.send(message.body)
                try await remove(message)
                continue
            }
            guard let item = try await table.get(pk: Self.partition, sk: Self.sortKey(body.job)) else {
                // Its record may be a moment behind; a job purged long ago is dead-lettered in time.
                try await leave(message, hiddenFor: 5)
                continue
            }
            let job = try await job(item)
            let now = time.timeIntervalSince1970
            switch job.status {
            case .done, .dead, .cancelled:
                try await remove(message)
                continue
            case .pending where (job.notBefore?.timeIntervalSince1970 ?? 0) > now:
                try await leave(message, hiddenFor: Self.seconds(job.notBefore!.timeIntervalSince1970 - now))
                continue
            case .running where (job.leaseExpiresAt?.timeIntervalSince1970 ?? 0) >= now || job.leaseOwner == owner:
                // Held (by another, or by us under another message): a duplicate, or early.
                if job.leaseOwner == owner, held.withLock({ $0[job.id] != nil }) { try await remove(message) } else {
                    try await leave(message, hiddenFor: Self.seconds(max(1, (job.leaseExpiresAt?.timeIntervalSince1970 ?? now) - now)))
                }
                continue
            default:
                break
            }
            let condition = DynamoTable.Condition(
                "(#s = :pending AND (attribute_not_exists(not_before) OR not_before <= :now)) OR (#s = :running AND lease_expires_at < :now AND lease_owner <> :me)",
                names: ["#s": "status"], values: [":pending": .s("pending"), ":running": .s("running"), ":now": .number(now), ":me": .s(owner)])
            let update = DynamoTable.Update(set: Self.stamp(.running, at: time) + [("lease_owner", .s(owner)), ("lease_expires_at", .number(now + lease)),
                                                                                    ("heartbeat_at", .number(now))],
                                            add: [("attempts", .number(1))], remove: ["not_before"])
            guard let claimed = try await table.update(pk: Self.partition, sk: Self.sortKey(job.id), update, when: condition) else {
                // Another worker won it; this message comes back, in case that worker dies.
                try await leave(message, hiddenFor: Self.seconds(lease))
                continue
            }
            held.withLock { $0[job.id] = message }
            return try await self.job(claimed)
        }
        return nil
    }

    public func heartbeat(_ id: Int64, owner: String, lease: TimeInterval, at time: Date) async throws -> Bool {
        let now = time.timeIntervalSince1970
        var set: [(attribute: String, value: DynamoValue)] = [("lease_expires_at", .number(now + lease)), ("heartbeat_at", .number(now))]
        if let run = attachedRuns.withLock({ $0[id] }) { set.append(("run_id", .s(run.rawValue))) }
        let held = try await table.update(pk: Self.partition, sk: Self.sortKey(id), DynamoTable.Update(set: set), when: Self.held(by: owner)) != nil
        if held, let message = self.held.withLock({ $0[id] }) { try await tasks.extendVisibility(message, seconds: Self.seconds(lease)) }
        return held
    }

    /// Recorded with the job's next write (its heartbeat, or its end).
    public func attach(_ id: Int64, owner: String, run: RunID) throws {
        attachedRuns.withLock { $0[id] = run }
    }

    public func finish(_ id: Int64, owner: String, at time: Date) async throws {
        _ = try await end(id, owner: owner, status: .done, at: time, remove: ["last_error"])
        if let message = held.withLock({ $0.removeValue(forKey: id) }) { try await remove(message) }
    }

    public func fail(_ id: Int64, owner: String, error: String, backoff: TimeInterval?, at time: Date) async throws -> Job {
        let current = try await job(id)
        let dead = backoff == nil || current.attempts >= current.spec.maxAttempts
        var set: [(attribute: String, value: DynamoValue)] = [("last_error", .s(Redaction.redact(error)))]
        if !dead { set.append(("not_before", .number(time.timeIntervalSince1970 + (backoff ?? 0)))) }
        let job = try await end(id, owner: owner, status: dead ? .dead : .pending, at: time, set: set)
        if let message = held.withLock({ $0.removeValue(forKey: id) }) {
            // Dead: its message is done with. Else it comes back after the backoff.
            if dead { try await remove(message) } else { try await leave(message, hiddenFor: Self.seconds(backoff ?? 0)) }
        }
        return job
    }

    /// The job waits until `until`, its attempt not counted. Its message is replaced by a fresh
    /// one delayed until then (SQS delays at most 900 s): a wait is no failed delivery, and the
    /// old message's receive count would send a job that waits often (a book waiting for its
    /// chapter tasks) to the dead-letter queue. Sent before the old one is deleted, so a crash
    /// between leaves a duplicate, never no message.
    public func postpone(_ id: Int64, owner: String, until: Date, at time: Date) async throws {
        _ = try await end(id, owner: owner, status: .pending, at: time, set: [("not_before", .number(until.timeIntervalSince1970))], add: [("attempts", .number(-1))])
        guard let message = held.withLock({ $0.removeValue(forKey: id) }) else { return }
        _ = try await tasks.send(message.body, delaySeconds: min(900, Self.seconds(until.timeIntervalSince(time))))
        try await remove(message)
    }

    public func release(_ id: Int64, owner: String, at time: Date) async throws {
        _ = try await end(id, owner: owner, status: .pending, at: time, add: [("attempts", .number(-1))])
        if let message = held.withLock({ $0.removeValue(forKey: id) }) { try await leave(message, hiddenFor: 0) }
    }

    // MARK: Messages

    /// One Lambda invocation's messages (Lambda received them from the queue): claims take
    /// these instead of receiving, and those left on the queue for a later delivery are the
    /// batch's failures, reported back so Lambda does not delete them.
    struct DeliveredBatch {
        var waiting: [SQSMessage]
        var left: [String] = []
    }

    /// From now until `endBatch`, claims take `messages` (and find nothing once they are taken).
    public func beginBatch(_ messages: [SQSMessage]) {
        batch.withLock { $0 = DeliveredBatch(waiting: messages) }
    }

    /// Ends the batch: the ids of its messages left on the queue to come back (a job in
    /// another worker's hands, a retry's backoff, a job handed back), in delivery order.
    public func endBatch() -> [String] {
        batch.withLock { batch in
            defer { batch = nil }
            return batch?.left ?? []
        }
    }

    private func nextMessage(visibility: Int) async throws -> SQSMessage? {
        let (batched, taken) = batch.withLock { batch -> (Bool, SQSMessage?) in
            guard batch != nil else { return (false, nil) }
            return (true, batch!.waiting.isEmpty ? nil : batch!.waiting.removeFirst())
        }
        if batched { return taken }
        return try await tasks.receive(max: 1, wait: receiveWait, visibility: visibility).first
    }

    /// The message is done with: deleted.
    private func remove(_ message: SQSMessage) async throws {
        try await tasks.delete(message)
        batch.withLock { $0?.left.removeAll { $0 == message.id } }
    }

    /// The message stays on the queue, hidden for `seconds`, to be delivered again.
    private func leave(_ message: SQSMessage, hiddenFor seconds: Int) async throws {
        try await tasks.extendVisibility(message, seconds: seconds)
        batch.withLock { batch in
            if batch != nil, !batch!.left.contains(message.id) { batch!.left.append(message.id) }
        }
    }

    /// Jobs are taken over through their leases, not handed back: with many workers, a running
    /// job may well be another's. What this does is send again the message of a pending job
    /// nobody has touched for `resendAfter` (its enqueuer died before sending it).
    public func reclaimAbandoned(at time: Date) async throws -> [Job] {
        for job in try await jobs(status: [.pending]) where time.timeIntervalSince(job.updatedAt) > resendAfter {
            try await resend(job)
        }
        return []
    }

    /// The end of a held job's attempt: `status`, its lease removed, and the run attached
    /// since the last write; written only while `owner` holds it.
    private func end(_ id: Int64, owner: String, status: JobStatus, at time: Date, set: [(attribute: String, value: DynamoValue)] = [],
                     add: [(attribute: String, value: DynamoValue)] = [], remove: [String] = []) async throws -> Job {
        var set = Self.stamp(status, at: time) + set
        if let run = attachedRuns.withLock({ $0.removeValue(forKey: id) }) { set.append(("run_id", .s(run.rawValue))) }
        let update = DynamoTable.Update(set: set, add: add, remove: ["lease_owner", "lease_expires_at"] + remove)
        guard let item = try await table.update(pk: Self.partition, sk: Self.sortKey(id), update, when: Self.held(by: owner)) else {
            held.withLock { $0[id] = nil }
            throw QueueError.leaseLost(id: id, owner: owner)
        }
        return try await job(item)
    }

    /// The job is running under `owner`'s lease.
    static func held(by owner: String) -> DynamoTable.Condition {
        DynamoTable.Condition("#s = :running AND lease_owner = :me", names: ["#s": "status"], values: [":running": .s("running"), ":me": .s(owner)])
    }

    /// A status and the time it was written.
    static func stamp(_ status: JobStatus, at time: Date) -> [(attribute: String, value: DynamoValue)] {
        [("status", .s(status.rawValue)), ("updated_at", .number(time.timeIntervalSince1970))]
    }

    // MARK: Records

    static func seconds(_ interval: TimeInterval) -> Int { Int(min(43_200, max(0, interval.rounded(.up)))) }

    /// A spec's S3 object: its content-addressed key and bytes (the same spec, the same key).
    static func specObject(_ spec: NewJob) throws -> (key: String, data: Data) {
        let data = Data(try CanonicalJSON.encode(spec).utf8)
        return (S3Bucket.contentKey(data, prefix: "jobs", suffix: "json"), data)
    }

    private func spec(_ key: String) async throws -> NewJob {
        if let cached = specs.withLock({ $0[key] }) { return cached }
        guard let data = try await bucket.get(key) else {
            throw CloudError.malformedResponse(service: .s3, operation: "GetObject", detail: "the job spec \(key) is missing from the bucket")
        }
        let spec = try JSONDecoder().decode(NewJob.self, from: data)
        specs.withLock { $0[key] = spec }
        return spec
    }

    static func item(_ job: Job, specKey: String) -> DynamoItem {
        var item: DynamoItem = ["sk": .s(sortKey(job.id)), "id": .number(Int(job.id)), "status": .s(job.status.rawValue), "spec": .s(specKey),
                                "attempts": .number(job.attempts), "created_at": .number(job.createdAt.timeIntervalSince1970),
                                "updated_at": .number(job.updatedAt.timeIntervalSince1970)]
        if let run = job.runID { item["run_id"] = .s(run.rawValue) }
        return item
    }

    private func job(_ item: DynamoItem) async throws -> Job {
        func time(_ key: String) -> Date? { item[key]?.double.map(Date.init(timeIntervalSince1970:)) }
        guard let id = item["id"]?.int, let status = item["status"]?.string.flatMap(JobStatus.init(rawValue:)), let key = item["spec"]?.string else {
            throw CloudError.malformedResponse(service: .dynamodb, operation: "GetItem", detail: "a job record without id, status or spec")
        }
        return Job(id: Int64(id), status: status, spec: try await spec(key), attempts: item["attempts"]?.int ?? 0, runID: item["run_id"]?.string.flatMap(RunID.init),
                   leaseOwner: item["lease_owner"]?.string, leaseExpiresAt: time("lease_expires_at"), heartbeatAt: time("heartbeat_at"), notBefore: time("not_before"),
                   lastError: item["last_error"]?.string, createdAt: time("created_at") ?? Date(timeIntervalSince1970: 0), updatedAt: time("updated_at") ?? Date(timeIntervalSince1970: 0))
    }
}
