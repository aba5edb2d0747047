import Foundation
import GRDB
import Testing
@testable import Store
import WorkbenchCore

/// Opening, migrating and refusing databases: these need real files.
@Suite struct OpeningTests {
    @Test func initIsIdempotent() throws {
        let folder = try TemporaryFolder()
        defer { folder.delete() }
        let path = Workspace(root: folder.url).databasePath
        let first = try WorkbenchDatabase.openReportingMigrations(path: path, create: true)
        #expect(first.appliedMigrations == Schema.migrationIdentifiers)
        let second = try WorkbenchDatabase.openReportingMigrations(path: path, create: true)
        #expect(second.appliedMigrations.isEmpty)
        #expect(try second.database.health().journalMode == "wal")
    }

    @Test func missingDatabaseIsAnErrorWithoutCreate() throws {
        let folder = try TemporaryFolder()
        defer { folder.delete() }
        let workspace = Workspace(root: folder.url)
        #expect(throws: StoreError.databaseMissing(path: workspace.databasePath)) { try WorkbenchDatabase.open(workspace) }
        #expect(!FileManager.default.fileExists(atPath: workspace.folder.path))
    }

    @Test func corruptFileIsRefusedAndLeftUntouched() throws {
        let folder = try TemporaryFolder()
        defer { folder.delete() }
        let workspace = Workspace(root: folder.url)
        try FileManager.default.createDirectory(at: workspace.folder, withIntermediateDirectories: true)
        let garbage = Data((0..<8192).map { UInt8(($0 * 37) % 256) })
        try garbage.write(to: workspace.databaseURL)
        #expect(throws: StoreError.self) { try WorkbenchDatabase.open(workspace, create: true) }
        do {
            _ = try WorkbenchDatabase.open(workspace, create: true)
        } catch let error as StoreError {
            guard case .corrupt(let path, _) = error else { Issue.record("expected .corrupt, got \(error)"); return }
            #expect(path == workspace.databasePath)
            #expect(error.exitStatus == .dataError)
        }
        #expect(try Data(contentsOf: workspace.databaseURL) == garbage)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.folder.path) == [Workspace.databaseName])
    }

    @Test func anotherProgramsDatabaseIsRefusedAndLeftUntouched() throws {
        let folder = try TemporaryFolder()
        defer { folder.delete() }
        let workspace = Workspace(root: folder.url)
        try FileManager.default.createDirectory(at: workspace.folder, withIntermediateDirectories: true)
        do {
            let foreign = try DatabaseQueue(path: workspace.databasePath)
            try foreign.write { try $0.execute(sql: "CREATE TABLE notes(body TEXT); INSERT INTO notes VALUES ('keep me')") }
            try foreign.close()
        }
        let before = try Data(contentsOf: workspace.databaseURL)
        #expect(throws: StoreError.notAWorkbenchDatabase(path: workspace.databasePath, applicationID: 0)) {
            try WorkbenchDatabase.open(workspace, create: true)
        }
        #expect(try Data(contentsOf: workspace.databaseURL) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.folder.path) == [Workspace.databaseName])
    }

    @Test func newerSchemaIsRefusedNotMigratedDown() throws {
        let folder = try TemporaryFolder()
        defer { folder.delete() }
        let workspace = Workspace(root: folder.url)
        // Stand in for a newer workbench: a migration this version has never heard of.
        try WorkbenchDatabase.open(workspace, create: true).write { db in
            try db.execute(sql: "CREATE TABLE future_things(x INTEGER)")
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999-from-the-future')")
        }
        let before = try Data(contentsOf: workspace.databaseURL)
        let expected = StoreError.newerSchema(path: workspace.databasePath, unknownMigrations: ["9999-from-the-future"])
        #expect(throws: expected) { try WorkbenchDatabase.open(workspace) }
        #expect(throws: expected) { try WorkbenchDatabase.open(workspace, create: true) }
        #expect(try Data(contentsOf: workspace.databaseURL) == before)
        #expect(expected.exitStatus == .dataError)
    }

    @Test func olderSchemaIsMigratedForward() throws {
        let folder = try TemporaryFolder()
        defer { folder.delete() }
        let workspace = Workspace(root: folder.url)
        let path = workspace.databasePath
        try FileManager.default.createDirectory(at: workspace.folder, withIntermediateDirectories: true)
        // An "older workbench" that knew no migrations yet made an empty, identified file.
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { try $0.execute(sql: "PRAGMA application_id = \(Schema.applicationID)") }
            try queue.close()
        }
        let opened = try WorkbenchDatabase.openReportingMigrations(path: path, create: false)
        #expect(opened.appliedMigrations == Schema.migrationIdentifiers)
        #expect(try opened.database.schemaStatus().isCurrent)
    }

    @Test func aWriterWaitsForAnotherConnectionsTransaction() async throws {
        let folder = try TemporaryFolder()
        defer { folder.delete() }
        let workspace = Workspace(root: folder.url)
        let holder = try WorkbenchDatabase.open(workspace, create: true)
        let waiter = try WorkbenchDatabase.open(workspace)
        let run = try holder.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        // The holder keeps the write lock ~300 ms; the waiter's write must wait, then succeed.
        let released = Task.detached {
            try holder.writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try db.execute(sql: "UPDATE runs SET error = 'held' WHERE id = ?", arguments: [run.id])
                    Thread.sleep(forTimeInterval: 0.3)
                    return .commit
                }
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        try waiter.appendEvent(to: run.id, kind: "after-the-lock")
        try await released.value
        #expect(try waiter.summary(of: run.id).eventCount == 1)
        #expect(try waiter.run(matching: run.id.rawValue).error == "held")
    }
}

@Suite struct WorkspaceTests {
    @Test func discoversTheNearestWorkspaceUpward() throws {
        let folder = try TemporaryFolder("ws")
        defer { folder.delete() }
        let nested = folder.url.appendingPathComponent("a/b/c", isDirectory: true)
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        #expect(Workspace.discover(from: nested) == nil || Workspace.discover(from: nested)?.root.path.hasPrefix(folder.path) == false)
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("a/.workbench"), withIntermediateDirectories: true)
        #expect(Workspace.discover(from: nested)?.root.path == folder.url.appendingPathComponent("a").standardizedFileURL.path)
        let resolved = try Workspace.resolve(explicit: nil, environment: [:], currentDirectory: nested)
        #expect(resolved.root.lastPathComponent == "a")
    }

    @Test func explicitThenEnvironmentThenDiscovery() throws {
        let cwd = URL(fileURLWithPath: "/tmp/somewhere", isDirectory: true)
        let env = [Workspace.environmentVariable: "/srv/books"]
        #expect(try Workspace.resolve(explicit: "/data/ws", environment: env, currentDirectory: cwd).root.path == "/data/ws")
        #expect(try Workspace.resolve(explicit: nil, environment: env, currentDirectory: cwd).root.path == "/srv/books")
        #expect(try Workspace.resolve(explicit: "rel/ws", environment: [:], currentDirectory: cwd).root.path == "/tmp/somewhere/rel/ws")
        // Naming the .workbench folder itself means its parent.
        #expect(Workspace(root: URL(fileURLWithPath: "/data/ws/.workbench")).root.path == "/data/ws")
        #expect(Workspace(root: URL(fileURLWithPath: "/data/ws")).databasePath == "/data/ws/.workbench/workbench.sqlite")
    }

    @Test func noWorkspaceIsAUsageErrorNamingWhereItLooked() throws {
        let folder = try TemporaryFolder("none")
        defer { folder.delete() }
        guard Workspace.discover(from: folder.url) == nil else { return }  // a .workbench above /tmp would be found
        #expect(throws: StoreError.workspaceNotFound(searchedFrom: folder.url.standardizedFileURL.path)) {
            try Workspace.resolve(explicit: nil, environment: [:], currentDirectory: folder.url)
        }
        #expect(StoreError.workspaceNotFound(searchedFrom: "/x").exitStatus == .usage)
    }
}
