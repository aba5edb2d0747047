import Foundation
import Store
import WorkbenchCore

/// Checks SQLite and the workspace: the database's journal mode, pragmas, integrity and
/// schema, and that the workspace folder and database can be written.
public enum StoreCheck {
    /// The SQLite release that fixed the WAL-reset corruption with concurrent writers.
    static let walResetFixedIn = [3, 51, 3]

    /// Checks the workspace database, or only the SQLite library when there is no workspace.
    public static func sqlite(_ database: WorkbenchDatabase?) -> CheckResult {
        guard let database else {
            let version = (try? WorkbenchDatabase.inMemory().health().sqliteVersion) ?? "unknown"
            return CheckResult(component: "sqlite", status: .warn,
                               summary: "SQLite \(version) works; no workspace database to check",
                               details: ["version": version], fix: "run `workbench init` to create one")
        }
        let health: WorkbenchDatabase.Health
        do {
            health = try database.health()
        } catch {
            return CheckResult(component: "sqlite", status: .fail, summary: "cannot read \(database.path): \(error)",
                               fix: (error as? any WorkbenchError)?.fix)
        }
        var details = [
            "version": health.sqliteVersion, "path": database.path, "journal_mode": health.journalMode,
            "foreign_keys": String(health.foreignKeys), "synchronous": String(health.synchronous),
            "integrity": health.integrity, "size_bytes": String(health.sizeBytes),
            "migrations_applied": health.schema.applied.joined(separator: ","),
        ]
        var problems: [(String, String)] = []
        if health.journalMode.lowercased() != "wal" {
            problems.append(("journal mode is \(health.journalMode), not WAL", "run `workbench init` to reopen it in WAL mode"))
        }
        if !health.foreignKeys { problems.append(("foreign keys are off", "report this: the workbench turns them on at every open")) }
        if health.synchronous != 1 { problems.append(("synchronous=\(health.synchronous), not NORMAL", "report this: the workbench sets it at every open")) }
        if health.integrity != "ok" {
            problems.append(("integrity check found: \(health.integrity)",
                             "copy the file aside and try `sqlite3 \(database.path) .recover`"))
        }
        if !health.schema.isCurrent {
            problems.append(("migrations pending: \(health.schema.pending.joined(separator: ", "))", "run `workbench init`"))
        }
        if let problem = problems.first {
            return CheckResult(component: "sqlite", status: .fail,
                               summary: "SQLite \(health.sqliteVersion): " + problems.map(\.0).joined(separator: "; "),
                               details: details, fix: problem.1)
        }
        let older = isOlder(health.sqliteVersion, than: walResetFixedIn)
        if older { details["note"] = "keep one writing process per workspace (WAL-reset bug fixed in SQLite 3.51.3)" }
        let megabytes = Double(health.sizeBytes) / 1_048_576
        return CheckResult(
            component: "sqlite", status: .ok,
            summary: "SQLite \(health.sqliteVersion): WAL, foreign keys on, synchronous=NORMAL, integrity ok, schema current (\(health.schema.applied.count) migration\(health.schema.applied.count == 1 ? "" : "s"), \(String(format: "%.1f", megabytes)) MB)",
            details: details)
    }

    /// Checks that the workspace exists and that both its folder and its database take writes.
    public static func workspace(_ workspace: Workspace?, database: WorkbenchDatabase?, openError: (any Error)?) -> CheckResult {
        guard let workspace else {
            let fix = (openError as? any WorkbenchError)?.fix ?? "run `workbench init`"
            return CheckResult(component: "workspace", status: .fail, summary: openError.map { "\($0)".components(separatedBy: "\n")[0] } ?? "no workspace", fix: fix)
        }
        let folder = workspace.folder.path
        var details = ["root": workspace.root.path, "database": workspace.databasePath]
        guard let database else {
            let error = openError.map { "\($0)".components(separatedBy: "\n")[0] } ?? "not opened"
            return CheckResult(component: "workspace", status: .fail, summary: error, details: details,
                               fix: (openError as? any WorkbenchError)?.fix)
        }
        let probe = workspace.folder.appendingPathComponent(".doctor-probe-\(getpid())")
        let folderWritable = FileManager.default.createFile(atPath: probe.path, contents: Data("probe".utf8))
        try? FileManager.default.removeItem(at: probe)
        if !folderWritable {
            return CheckResult(component: "workspace", status: .fail, summary: "\(folder) is not writable", details: details,
                               fix: "make \(folder) writable by this user")
        }
        if let health = try? database.health(), !health.writable {
            return CheckResult(component: "workspace", status: .fail,
                               summary: "\(workspace.databasePath) refuses writes: \(health.writeError ?? "unknown")",
                               details: details, fix: "make the database file and its -wal/-shm files writable, or stop the process holding its lock")
        }
        let freeBytes = (try? FileManager.default.attributesOfFileSystem(forPath: folder)[.systemFreeSize] as? NSNumber)?.int64Value
        if let freeBytes { details["free_bytes"] = String(freeBytes) }
        let freeText = freeBytes.map { String(format: ", %.1f GB free", Double($0) / 1e9) } ?? ""
        if let freeBytes, freeBytes < 500_000_000 {
            return CheckResult(component: "workspace", status: .warn, summary: "\(folder) writable, only\(freeText)",
                               details: details, fix: "free disk space: a book run keeps every chapter version")
        }
        return CheckResult(component: "workspace", status: .ok, summary: "\(folder) and its database take writes\(freeText)", details: details)
    }

    static func isOlder(_ version: String, than reference: [Int]) -> Bool {
        let parts = version.split(separator: ".").map { Int($0) ?? 0 }
        for (index, wanted) in reference.enumerated() {
            let have = index < parts.count ? parts[index] : 0
            if have != wanted { return have < wanted }
        }
        return false
    }
}
