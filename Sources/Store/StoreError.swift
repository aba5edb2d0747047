import WorkbenchCore

/// Everything that can go wrong between a command and its workspace database.
public enum StoreError: WorkbenchError, Equatable {
    case workspaceNotFound(searchedFrom: String)
    case databaseMissing(path: String)
    case cannotCreate(path: String, reason: String)
    case corrupt(path: String, detail: String)
    case notAWorkbenchDatabase(path: String, applicationID: Int32)
    case newerSchema(path: String, unknownMigrations: [String])
    case readOnly(path: String)
    case busy(path: String, detail: String)
    case runNotFound(id: String, path: String)
    case bookNotFound(id: String, path: String)
    case chapterNotFound(String)
    case ambiguousRunID(prefix: String, candidates: [String])
    case invalidConfigJSON(detail: String)
    case sqlite(path: String, sql: String?, detail: String)

    public var message: String {
        switch self {
        case .workspaceNotFound(let start):
            return "no workspace found: neither \(start) nor any folder above it has a .workbench folder"
        case .databaseMissing(let path):
            return "the workspace database \(path) does not exist"
        case .cannotCreate(let path, let reason):
            return "cannot create \(path): \(reason)"
        case .corrupt(let path, let detail):
            return "\(path) is not a readable SQLite database (\(detail)); it was left untouched"
        case .notAWorkbenchDatabase(let path, let applicationID):
            let id = applicationID == 0 ? "no application id and tables of its own" : "application id \(applicationID)"
            return "\(path) is a SQLite database of another program (\(id)); it was left untouched"
        case .newerSchema(let path, let unknown):
            return "\(path) was written by a newer workbench: it has migrations this version does not know (\(unknown.joined(separator: ", "))); it was not changed"
        case .readOnly(let path):
            return "\(path) is read-only"
        case .busy(let path, let detail):
            return "\(path) stayed locked by another process (\(detail))"
        case .runNotFound(let id, let path):
            return "no run \(id) in \(path)"
        case .bookNotFound(let id, let path):
            return "no book \(id) in \(path)"
        case .chapterNotFound(let reference):
            return "no chapter \(reference): give BOOK:N (a book id or unique prefix and a chapter number) or a chapter version id"
        case .ambiguousRunID(let prefix, let candidates):
            return "id prefix '\(prefix)' matches \(candidates.count): \(candidates.prefix(5).joined(separator: ", "))"
        case .invalidConfigJSON(let detail):
            return "run configuration is not valid JSON: \(detail)"
        case .sqlite(let path, let sql, let detail):
            return "SQLite error on \(path): \(detail)" + (sql.map { " (in: \($0))" } ?? "")
        }
    }

    public var fix: String? {
        switch self {
        case .workspaceNotFound:
            return "run `workbench init` here, or pass --workspace DIR (or set WORKBENCH_WORKSPACE)"
        case .databaseMissing:
            return "run `workbench init --workspace DIR` to create it"
        case .cannotCreate:
            return "check that the folder exists and is writable, or pass another --workspace"
        case .corrupt(let path, _):
            return "move \(path) aside (keep it: `sqlite3 \(path) .recover` may save its data) and run `workbench init`"
        case .notAWorkbenchDatabase:
            return "point --workspace at a folder whose .workbench/workbench.sqlite belongs to workbench"
        case .newerSchema:
            return "use the newer workbench that wrote it, or a different --workspace"
        case .readOnly(let path):
            return "make \(path) and its folder writable (WAL mode needs to write beside the file)"
        case .busy:
            return "wait for the other workbench process to finish, then retry"
        case .runNotFound:
            return "list the runs with `workbench runs list`"
        case .bookNotFound, .chapterNotFound:
            return "list the books with `workbench books list`, a book's chapters with `workbench books show BOOK`"
        case .ambiguousRunID:
            return "give more characters of the id"
        case .invalidConfigJSON:
            return "pass the configuration as a JSON object"
        case .sqlite:
            return nil
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .workspaceNotFound, .databaseMissing, .ambiguousRunID, .runNotFound, .bookNotFound, .chapterNotFound: return .usage
        case .corrupt, .notAWorkbenchDatabase, .newerSchema, .invalidConfigJSON: return .dataError
        case .cannotCreate, .readOnly: return .cannotCreate
        case .busy: return .temporaryFailure
        case .sqlite: return .internalError
        }
    }
}
