import Foundation
import GRDB
import WorkbenchCore

/// The workspace database: one SQLite file in WAL mode, foreign keys on,
/// `synchronous=NORMAL`, brought to the current schema on open and refused when it is
/// corrupt, another program's, or newer than this workbench.
public final class WorkbenchDatabase: Sendable {
    /// A `DatabasePool` (WAL, concurrent readers) on disk, a `DatabaseQueue` in memory.
    public let writer: any DatabaseWriter
    /// The file path, or `:memory:`; used in every error message.
    public let path: String

    /// How long a write waits for another process's write transaction before giving up
    /// with `StoreError.busy` (exit 75).
    public static let busyTimeout: TimeInterval = 10

    private init(writer: any DatabaseWriter, path: String) {
        self.writer = writer
        self.path = path
    }

    /// Opens the workspace's database. With `create`, makes `.workbench/` and the file when
    /// missing (what `workbench init` does); without, a missing database is an error.
    public static func open(_ workspace: Workspace, create: Bool = false) throws -> WorkbenchDatabase {
        try open(path: workspace.databasePath, create: create)
    }

    /// Opens (or with `create`, creates) a database file and migrates it forward. `upTo`
    /// stops at a given migration; tests use it to stand in for an older workbench.
    public static func open(path: String, create: Bool = false, upTo lastMigration: String? = nil) throws -> WorkbenchDatabase {
        try openReportingMigrations(path: path, create: create, upTo: lastMigration).database
    }

    /// `open`, also telling which migrations this call applied (none when already current):
    /// what `workbench init` reports.
    public static func openReportingMigrations(
        path: String, create: Bool, upTo lastMigration: String? = nil
    ) throws -> (database: WorkbenchDatabase, appliedMigrations: [String]) {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: path) {
            guard create else { throw StoreError.databaseMissing(path: path) }
            let folder = (path as NSString).deletingLastPathComponent
            do {
                try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError.cannotCreate(path: folder, reason: Self.reason(error))
            }
            guard fileManager.isWritableFile(atPath: folder) else {
                throw StoreError.cannotCreate(path: folder, reason: "the folder is not writable")
            }
        } else {
            // Look before touching: opening a pool switches the file to WAL, which must not
            // happen to a corrupt file, another program's database or a newer schema.
            try inspectReadOnly(path: path)
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration(label: path))
        } catch {
            throw map(error, path: path)
        }
        let database = WorkbenchDatabase(writer: pool, path: path)
        let applied = try database.prepareSchema(upTo: lastMigration)
        return (database, applied)
    }

    /// A private database in memory, with the same schema: for tests and dry runs.
    public static func inMemory() throws -> WorkbenchDatabase {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration(label: ":memory:"))
        } catch {
            throw map(error, path: ":memory:")
        }
        let database = WorkbenchDatabase(writer: queue, path: ":memory:")
        _ = try database.prepareSchema(upTo: nil)
        return database
    }

    private static func configuration(label: String) -> Configuration {
        var configuration = Configuration()
        configuration.label = label
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    // MARK: Schema

    /// The state of the schema, as `workbench doctor` reports it.
    public struct SchemaStatus: Sendable, Equatable {
        public var applied: [String]
        public var pending: [String]
        public var isCurrent: Bool { pending.isEmpty }
    }

    public func schemaStatus() throws -> SchemaStatus {
        try read { db in
            let applied = try Schema.migrator.appliedMigrations(db)
            return SchemaStatus(applied: applied, pending: Schema.migrationIdentifiers.filter { !applied.contains($0) })
        }
    }

    /// Opens an existing file read-only and runs the identity checks, changing nothing.
    private static func inspectReadOnly(path: String) throws {
        var configuration = configuration(label: path)
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            try queue.read { db in _ = try checkIdentity(db, path: path) }
        } catch {
            throw map(error, path: path)
        }
    }

    /// Refuses a file that is not a workbench database or was written by a newer one.
    /// Returns false for a fresh, empty file (nothing applied yet).
    private static func checkIdentity(_ db: Database, path: String) throws -> Bool {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if applicationID != Schema.applicationID {
            let tableCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
            // A fresh file has neither an id nor tables; anything else belongs to someone else.
            if applicationID != 0 || tableCount > 0 {
                throw StoreError.notAWorkbenchDatabase(path: path, applicationID: applicationID)
            }
            return false
        }
        let migrator = Schema.migrator
        if try migrator.hasBeenSuperseded(db) {
            let known = Set(Schema.migrationIdentifiers)
            let unknown = try migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
            throw StoreError.newerSchema(path: path, unknownMigrations: unknown)
        }
        return true
    }

    /// Checks that the file is ours and not newer, then applies missing migrations.
    /// A current database is only read, never written: opening one is a no-op.
    /// Returns the identifiers of the migrations it applied.
    private func prepareSchema(upTo lastMigration: String?) throws -> [String] {
        let migrator = Schema.migrator
        let isCurrent: Bool = try read { db in
            guard try Self.checkIdentity(db, path: path) else { return false }
            if let lastMigration { return try migrator.appliedIdentifiers(db).contains(lastMigration) }
            return try migrator.hasCompletedMigrations(db)
        }
        if isCurrent { return [] }
        let before = try schemaStatus().applied
        do {
            if let lastMigration {
                try migrator.migrate(writer, upTo: lastMigration)
            } else {
                try migrator.migrate(writer)
            }
        } catch {
            throw Self.map(error, path: path)
        }
        return try schemaStatus().applied.filter { !before.contains($0) }
    }

    // MARK: Access

    /// Every read goes through here so SQLite errors become `StoreError`s naming the file.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch {
            throw Self.map(error, path: path)
        }
    }

    /// Every write goes through here: one transaction, errors mapped as for `read`.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.write(body)
        } catch {
            throw Self.map(error, path: path)
        }
    }

    static func map(_ error: any Error, path: String) -> any Error {
        if error is StoreError { return error }
        guard let databaseError = error as? DatabaseError else { return error }
        let detail = databaseError.message ?? "\(databaseError.resultCode)"
        switch databaseError.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return StoreError.corrupt(path: path, detail: detail)
        case .SQLITE_READONLY:
            return StoreError.readOnly(path: path)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError.busy(path: path, detail: detail)
        case .SQLITE_CANTOPEN, .SQLITE_PERM:
            return StoreError.cannotCreate(path: path, reason: detail)
        default:
            return StoreError.sqlite(path: path, sql: databaseError.sql, detail: detail)
        }
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
