import Foundation
import GRDB
import Testing
@testable import Store
import WorkbenchCore

/// Where a test's database lives: every behaviour test runs against both.
enum DatabaseKind: String, CaseIterable, CustomTestStringConvertible {
    case inMemory, onDiskWAL
    var testDescription: String { rawValue }
}

/// Opens a database of the given kind; `cleanup` removes what it made.
func makeDatabase(_ kind: DatabaseKind) throws -> (WorkbenchDatabase, cleanup: () -> Void) {
    switch kind {
    case .inMemory:
        return (try WorkbenchDatabase.inMemory(), {})
    case .onDiskWAL:
        let folder = try TemporaryFolder()
        let database = try WorkbenchDatabase.open(Workspace(root: folder.url), create: true)
        return (database, folder.delete)
    }
}

private let t0 = Date(timeIntervalSince1970: 1_795_601_585)

@Suite struct StoreBehaviourTests {
    @Test(arguments: DatabaseKind.allCases)
    func schemaIsCurrentWithPragmasSet(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        let status = try database.schemaStatus()
        #expect(status.isCurrent)
        #expect(status.applied == Schema.migrationIdentifiers)
        let health = try database.health()
        #expect(health.foreignKeys)
        #expect(health.synchronous == 1)
        #expect(health.integrity == "ok")
        #expect(health.writable)
        #expect(health.journalMode == (kind == .onDiskWAL ? "wal" : "memory"))
        let tables = try database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb%' ORDER BY name")
        }
        #expect(tables == ["abtest_samples", "books", "chapter_versions", "continuity_aliases", "continuity_checks", "continuity_entities", "continuity_facts", "continuity_fixes", "continuity_violations", "ensemble_chapters", "ensemble_duels", "ensemble_units", "events", "llm_cache", "llm_calls", "optimize_candidates", "queue_jobs", "queue_state", "reader_feedback", "reader_preferences", "runs", "scores"])
        #expect(try database.read { try Int32.fetchOne($0, sql: "PRAGMA application_id") } == Schema.applicationID)
    }

    @Test(arguments: DatabaseKind.allCases)
    func runLifecycle(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        let run = try database.startRun(kind: .generate, configJSON: #"{"words": 600, "chapters": 3}"#, gitRevision: "abc123", at: t0, random: 0xABCDEF)
        #expect(run.id.rawValue == "20261125-101305-abcdef")
        #expect(run.status == .running)
        #expect(run.configJSON == #"{"chapters":3,"words":600}"#)
        #expect(run.configHash == SHA256.hex(of: #"{"chapters":3,"words":600}"#))
        #expect(run.workbenchVersion == WorkbenchVersion.current)

        try database.finishRun(run.id, status: .failed, error: "provider down", at: t0.addingTimeInterval(12.5))
        let stored = try database.run(matching: run.id.rawValue)
        #expect(stored.status == .failed)
        #expect(stored.error == "provider down")
        #expect(stored.duration(now: Date()) == 12.5)
        #expect(throws: StoreError.runNotFound(id: "20261125-101305-000000", path: database.path)) {
            try database.finishRun(RunID("20261125-101305-000000")!, status: .succeeded)
        }
    }

    @Test func aRunsErrorIsStoredWithoutCredentials() throws {
        let database = try WorkbenchDatabase.inMemory()
        let run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil, at: t0)
        Redaction.register("gw-key-5e4d3c2b1a09")
        try database.finishRun(run.id, status: .failed, error: "every provider for plan failed: gateway: HTTP 401: key gw-key-5e4d3c2b1a09 refused (x-api-key: other-key)")
        #expect(try database.run(matching: run.id.rawValue).error == "every provider for plan failed: gateway: HTTP 401: key *** refused (x-api-key: ***)")
    }

    @Test(arguments: DatabaseKind.allCases)
    func listingFiltersAndOrdersNewestFirst(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        let first = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil, at: t0, random: 1)
        let second = try database.startRun(kind: .abtest, configJSON: "{}", gitRevision: nil, at: t0.addingTimeInterval(60), random: 2)
        let third = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil, at: t0.addingTimeInterval(120), random: 3)
        try database.finishRun(third.id, status: .succeeded, at: t0.addingTimeInterval(130))
        #expect(try database.runs().map(\.id) == [third.id, second.id, first.id])
        #expect(try database.runs(limit: 1).map(\.id) == [third.id])
        #expect(try database.runs(kind: .generate).map(\.id) == [third.id, first.id])
        #expect(try database.runs(status: .running).map(\.id) == [second.id, first.id])
        #expect(try database.runs(kind: .regress).isEmpty)
    }

    @Test(arguments: DatabaseKind.allCases)
    func findsRunsByUniquePrefix(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        let a = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil, at: t0, random: 0xAAAA01)
        let b = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil, at: t0, random: 0xAAAA02)
        #expect(try database.run(matching: "20261125-101305-aaaa01") == a)
        #expect(try database.run(matching: "20261125-101305-aaaa02").id == b.id)
        #expect(throws: StoreError.ambiguousRunID(prefix: "20261125", candidates: [a.id.rawValue, b.id.rawValue])) {
            try database.run(matching: "20261125")
        }
        #expect(throws: StoreError.runNotFound(id: "2027", path: database.path)) { try database.run(matching: "2027") }
        // LIKE wildcards in a prefix are literal characters, not patterns.
        #expect(throws: StoreError.runNotFound(id: "%", path: database.path)) { try database.run(matching: "%") }
        #expect(throws: StoreError.runNotFound(id: "2026112_", path: database.path)) { try database.run(matching: "2026112_") }
    }

    @Test(arguments: DatabaseKind.allCases)
    func eventsAreNumberedPerRun(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        let a = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil, at: t0, random: 1)
        let b = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil, at: t0, random: 2)
        #expect(try database.appendEvent(to: a.id, kind: "plan.started").seq == 1)
        #expect(try database.appendEvent(to: a.id, kind: "plan.finished", payloadJSON: #"{"chapters":3}"#).seq == 2)
        #expect(try database.appendEvent(to: b.id, kind: "plan.started").seq == 1)
        // Foreign keys are enforced: an event for a run that does not exist is refused.
        #expect(throws: (any Error).self) { try database.appendEvent(to: RunID("20991231-000000-000000")!, kind: "x") }
        // So is a payload that is not JSON.
        #expect(throws: (any Error).self) { try database.appendEvent(to: a.id, kind: "x", payloadJSON: "{oops") }
    }

    @Test(arguments: DatabaseKind.allCases)
    func summaryTotalsWhatARunProduced(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        let run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil, at: t0, random: 7)
        let other = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil, at: t0, random: 8)
        try database.write { db in
            let now = t0
            try db.execute(sql: "INSERT INTO books (id, run_id, title, chapter_count, status, created_at, updated_at) VALUES ('b1', ?, 'Threads of Fire', 3, 'writing', ?, ?)", arguments: [run.id, now, now])
            for version in 1...2 {
                try db.execute(sql: "INSERT INTO chapter_versions (book_id, chapter, version, origin, text, word_count, text_hash, created_at) VALUES ('b1', 1, ?, 'generate', 'It was cold.', 3, 'h', ?)", arguments: [version, now])
            }
            for (target, cost) in [(run.id, 0.002), (run.id, 0.003), (other.id, 1.0)] {
                try db.execute(sql: "INSERT INTO llm_calls (run_id, task, provider, model, request_hash, outcome, prompt_tokens, completion_tokens, cost_usd, created_at) VALUES (?, 'generate', 'sim', 'sim-1', 'r', 'ok', 100, 50, ?, ?)", arguments: [target, cost, now])
            }
        }
        try database.appendEvent(to: run.id, kind: "chapter.generated", at: t0)
        try database.appendEvent(to: run.id, kind: "chapter.scored", at: t0.addingTimeInterval(1))
        let summary = try database.summary(of: run.id)
        #expect(summary.bookCount == 1)
        #expect(summary.chapterVersionCount == 2)
        #expect(summary.llmCallCount == 2)
        #expect(summary.promptTokens == 200)
        #expect(summary.completionTokens == 100)
        #expect(abs(summary.costUSD - 0.005) < 1e-12)
        #expect(summary.eventCount == 2)
        #expect(summary.lastEvent?.kind == "chapter.scored")
        #expect(summary.costByTask.count == 1)
        #expect(summary.costByTask.first?.task == "generate")
        #expect(summary.costByTask.first?.calls == 2)
    }

    @Test(arguments: DatabaseKind.allCases)
    func schemaRefusesBadRows(kind: DatabaseKind) throws {
        let (database, cleanup) = try makeDatabase(kind)
        defer { cleanup() }
        // STRICT tables and CHECKs: wrong types, unknown statuses and finished-but-running rows.
        #expect(throws: (any Error).self) {
            try database.write { try $0.execute(sql: "INSERT INTO runs (id, kind, status, config_json, config_hash, workbench_version, started_at) VALUES ('x', 'generate', 'exploded', '{}', ?, '0', 'now')", arguments: [String(repeating: "0", count: 64)]) }
        }
        #expect(throws: (any Error).self) {
            try database.write { try $0.execute(sql: "INSERT INTO runs (id, kind, status, config_json, config_hash, workbench_version, started_at, finished_at) VALUES ('x', 'generate', 'running', '{}', ?, '0', 'now', 'later')", arguments: [String(repeating: "0", count: 64)]) }
        }
        #expect(throws: StoreError.self) { try database.startRun(kind: .generate, configJSON: "not json", gitRevision: nil) }
    }
}
