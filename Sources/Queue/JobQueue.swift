import Foundation
import WorkbenchCore

/// The job queue, whatever holds it: the workspace database (`SQLiteJobQueue`) or SQS with
/// DynamoDB (`Cloud.AWSJobQueue`). The processor uses only this. Its calls may go over the
/// network, so they are async, except `attach`, which the engine calls from inside a run and
/// a remote queue may record with the next call.
public protocol JobQueue: Sendable {
    /// Adds every job or none (one transaction), in order; returns them with their ids.
    func enqueue(_ jobs: [NewJob], at time: Date) async throws -> [Job]
    /// Jobs with one of `statuses` (all when nil), by priority (highest first), then id.
    func jobs(status statuses: Set<JobStatus>?) async throws -> [Job]
    func job(_ id: Int64) async throws -> Job
    /// One page of jobs, newest first: those with one of `statuses` (all when nil) and an id
    /// below `beforeID` (from the top when nil), at most `limit`.
    func jobs(status statuses: Set<JobStatus>?, beforeID: Int64?, limit: Int) async throws -> [Job]
    /// How many jobs are in each status.
    func counts() async throws -> [JobStatus: Int]
    /// Stops a pending or running job; a finished one is refused.
    func cancel(_ id: Int64, at time: Date) async throws -> Job
    /// Makes a dead or cancelled job pending again with fresh attempts (it resumes its run).
    func retry(_ id: Int64, at time: Date) async throws -> Job
    /// Deletes the jobs in final `statuses`; returns how many.
    func purge(_ statuses: Set<JobStatus>) async throws -> Int
    func setPaused(_ paused: Bool) async throws
    func isPaused() async throws -> Bool

    /// Leases the next ready job to `owner`: a pending one whose backoff is over, or a running
    /// one whose lease expired (its processor died), highest priority first; nil when none or paused.
    /// A job of `owner`'s own whose lease lapsed (its heartbeat was late) is not taken again:
    /// `owner` is alive and still writing it.
    func claim(owner: String, lease: TimeInterval, at time: Date) async throws -> Job?
    /// Extends `owner`'s lease; false when the job is no longer its (cancelled, or taken after its lease expired).
    func heartbeat(_ id: Int64, owner: String, lease: TimeInterval, at time: Date) async throws -> Bool
    /// Records the run writing the job's book.
    func attach(_ id: Int64, owner: String, run: RunID) throws
    /// The book is done.
    func finish(_ id: Int64, owner: String, at time: Date) async throws
    /// The attempt failed: pending again after `backoff`, or dead after its last attempt (or at
    /// once when `backoff` is nil: a failure retrying cannot fix).
    func fail(_ id: Int64, owner: String, error: String, backoff: TimeInterval?, at time: Date) async throws -> Job
    /// Hands a job back untried (the processor stopping: its budget, a signal): pending again,
    /// the attempt not counted.
    func release(_ id: Int64, owner: String, at time: Date) async throws
    /// Hands a job back to wait until `until`, the attempt not counted: its work is not ready
    /// (a book waiting for its chapter tasks).
    func postpone(_ id: Int64, owner: String, until: Date, at time: Date) async throws
    /// Hands back every running job, whoever leased it: for a processor that holds the queue's
    /// one-processor lock, any running job was left by one that died. Their attempts are not counted.
    func reclaimAbandoned(at time: Date) async throws -> [Job]
}
