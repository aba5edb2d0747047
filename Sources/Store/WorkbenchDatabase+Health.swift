import GRDB

extension WorkbenchDatabase {
    /// What `workbench doctor` reports about the database.
    public struct Health: Sendable, Equatable {
        public var sqliteVersion: String
        public var journalMode: String
        public var foreignKeys: Bool
        /// `PRAGMA synchronous`: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
        public var synchronous: Int
        /// `ok`, or the first problems `PRAGMA quick_check` found.
        public var integrity: String
        public var schema: SchemaStatus
        public var sizeBytes: Int
        public var writable: Bool
        public var writeError: String?
    }

    public func health() throws -> Health {
        var health = try read { db in
            Health(
                sqliteVersion: try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?",
                journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?",
                foreignKeys: try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false,
                synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
                integrity: try String.fetchAll(db, sql: "PRAGMA quick_check(5)").joined(separator: "; "),
                schema: SchemaStatus(applied: [], pending: []),
                sizeBytes: try Int.fetchOne(db, sql: "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") ?? 0,
                writable: false, writeError: nil)
        }
        health.schema = try schemaStatus()
        // A write transaction that is rolled back: proves the lock and the file are writable
        // without changing anything.
        do {
            try writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try db.execute(sql: "CREATE TABLE doctor_write_probe(x INTEGER) STRICT; DROP TABLE doctor_write_probe")
                    return .rollback
                }
            }
            health.writable = true
        } catch {
            health.writeError = "\(Self.map(error, path: path))"
        }
        return health
    }
}
