import WorkbenchCore

/// What a queue command can refuse.
public enum QueueError: WorkbenchError, Equatable {
    case jobNotFound(id: Int64)
    /// A job whose status does not allow the operation (`cancel` of a done job, `retry` of a pending one).
    case wrongStatus(id: Int64, status: JobStatus, operation: String, allowed: [JobStatus])
    /// A source that cannot be queued: empty, binary, not UTF-8, an invalid outline.
    case badSource(path: String, problem: String, fix: String)
    /// A directory or pattern that names no file.
    case noSources(pattern: String)
    /// A job held by another processor (its lease was taken over, or it was cancelled).
    case leaseLost(id: Int64, owner: String)
    /// Another processor holds the workspace's queue.
    case processorRunning(path: String, holder: String)
    case lockUnavailable(path: String, holder: String)
    /// The processor's `--budget` is spent; the unfinished books wait in the queue.
    case budgetReached(spentUSD: Double, budgetUSD: Double, pending: Int)

    public var message: String {
        switch self {
        case .jobNotFound(let id): "no job \(id) in the queue"
        case .wrongStatus(let id, let status, let operation, _): "job \(id) is \(status): it cannot be \(operation)"
        case .badSource(let path, let problem, _): "\(path): \(problem)"
        case .noSources(let pattern): "\(pattern) names no readable file"
        case .leaseLost(let id, let owner): "job \(id) is no longer leased to \(owner)"
        case .processorRunning(_, let holder): "a queue processor is already running in this workspace (\(holder))"
        case .lockUnavailable(let path, let problem): "\(path): \(problem)"
        case .budgetReached(let spent, let budget, let pending):
            "the processor's budget is spent: $\(String(format: "%.4f", spent)) of $\(String(format: "%.2f", budget)); \(pending) book\(pending == 1 ? "" : "s") left in the queue"
        }
    }

    public var fix: String? {
        switch self {
        case .jobNotFound: "list the jobs with `workbench queue list`"
        case .wrongStatus(_, _, let operation, let allowed): "only a \(allowed.map(\.rawValue).joined(separator: " or ")) job can be \(operation)"
        case .badSource(_, _, let fix): fix
        case .noSources: "give a file, a folder of files or a quoted glob such as 'books/*.txt'"
        case .leaseLost: "another processor took it over after its lease expired; nothing to do"
        case .processorRunning(let path, _): "one processor per workspace: wait for it to finish, or stop it (its lock is \(path)); several machines share a queue through the cloud queue"
        case .lockUnavailable: "check that the workspace folder is writable"
        case .budgetReached: "run `workbench queue process --budget USD` with a larger budget: the books resume where they stopped"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .jobNotFound, .wrongStatus: .usage
        case .badSource, .noSources: .dataError
        case .leaseLost, .processorRunning: .temporaryFailure
        case .lockUnavailable: .cannotCreate
        case .budgetReached: .checkFailed
        }
    }
}
