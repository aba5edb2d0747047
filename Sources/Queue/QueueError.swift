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

    public var message: String {
        switch self {
        case .jobNotFound(let id): "no job \(id) in the queue"
        case .wrongStatus(let id, let status, let operation, _): "job \(id) is \(status): it cannot be \(operation)"
        case .badSource(let path, let problem, _): "\(path): \(problem)"
        case .noSources(let pattern): "\(pattern) names no readable file"
        case .leaseLost(let id, let owner): "job \(id) is no longer leased to \(owner)"
        }
    }

    public var fix: String? {
        switch self {
        case .jobNotFound: "list the jobs with `workbench queue list`"
        case .wrongStatus(_, _, let operation, let allowed): "only a \(allowed.map(\.rawValue).joined(separator: " or ")) job can be \(operation)"
        case .badSource(_, _, let fix): fix
        case .noSources: "give a file, a folder of files or a quoted glob such as 'books/*.txt'"
        case .leaseLost: "another processor took it over after its lease expired; nothing to do"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .jobNotFound, .wrongStatus: .usage
        case .badSource, .noSources: .dataError
        case .leaseLost: .temporaryFailure
        }
    }
}
