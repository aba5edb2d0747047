import Foundation
import Testing
import Store
import WorkbenchCore

/// The process-wide registry a SIGINT/SIGTERM handler marks `interrupted` (the marking
/// itself is tested on the built binary: other tests' runs share this process).
@Suite struct OpenRunsTests {
    @Test func aRunIsOpenFromItsStartOrReopeningToItsFinish() throws {
        let database = try WorkbenchDatabase.inMemory()
        func isOpen(_ id: RunID) -> Bool { OpenRuns.current.contains { $0.id == id && $0.path == database.path } }
        let run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        #expect(isOpen(run.id))
        try database.finishRun(run.id, status: .interrupted)
        #expect(!isOpen(run.id))
        try database.reopenRun(run.id)
        #expect(isOpen(run.id), "a resumed run is open again")
        try database.finishRun(run.id, status: .succeeded)
        #expect(!isOpen(run.id))
    }
}
