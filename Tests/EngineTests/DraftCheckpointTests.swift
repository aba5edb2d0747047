import Foundation
import Synchronization
import Testing
@testable import Engine
import Simulator
import Store
import WorkbenchCore

/// Drafts kept in memory; the draft stops (as a kill or a Lambda deadline would stop it) at
/// its `stopAfter`-th save.
final class MemoryDrafts: DraftCheckpoints {
    struct Stopped: Error {}
    private let state: Mutex<(drafts: [Int: DraftProgress], saves: Int)>
    private let stopAfter: Int?

    init(_ drafts: [Int: DraftProgress] = [:], stopAfter: Int? = nil) {
        state = Mutex((drafts, 0))
        self.stopAfter = stopAfter
    }

    func load(chapter: Int) async throws -> DraftProgress? { state.withLock { $0.drafts[chapter] } }

    func save(_ progress: DraftProgress, chapter: Int, run: RunID) async throws {
        let saves = state.withLock { state in
            state.drafts[chapter] = progress
            state.saves += 1
            return state.saves
        }
        if let stopAfter, saves >= stopAfter { throw Stopped() }
    }

    var drafts: [Int: DraftProgress] { state.withLock { $0.drafts } }
}

@Suite struct DraftCheckpointTests {
    /// A draft stopped after its opening scene, taken up on another machine (a new workspace)
    /// from what was saved, goes on to the chapter an uninterrupted run writes, without asking
    /// for the opening scene again.
    @Test func aDraftStoppedAfterASceneGoesOnElsewhereToTheSameChapter() async throws {
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.chapters = 1
        config.wordsPerChapter = 8_000   // an opening scene of 8,192 tokens at most, then more
        config.enhancementIterations = 1
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let premise = "A keeper's daughter finds a sealed letter."

        let whole = EventLog(), wholeDatabase = try WorkbenchDatabase.inMemory()
        let reference = try await simGenerator(config, database: wholeDatabase, server: server, log: whole).generate(premise: premise, outline: nil)
        let scenes = whole.all.filter { if case .sceneWritten = $0 { true } else { false } }.count
        try #require(scenes >= 2, "the chapter took one scene: the test proves nothing")

        let stopped = MemoryDrafts(stopAfter: 1)
        await #expect(throws: MemoryDrafts.Stopped.self) {
            _ = try await simGenerator(config, database: try WorkbenchDatabase.inMemory(), server: server, log: EventLog(), drafts: stopped)
                .generate(premise: premise, outline: nil)
        }
        let saved = try #require(stopped.drafts[1])
        #expect(saved.scene == 1 && !saved.finished)

        let resumed = MemoryDrafts(stopped.drafts), log = EventLog(), database = try WorkbenchDatabase.inMemory()
        let result = try await simGenerator(config, database: database, server: server, log: log, drafts: resumed).generate(premise: premise, outline: nil)
        #expect(try database.latestChapterVersions(bookID: result.bookID).map(\.text) == wholeDatabase.latestChapterVersions(bookID: reference.bookID).map(\.text))
        #expect(log.all.filter { if case .sceneWritten = $0 { true } else { false } }.count == scenes - 1, "the opening scene came from the saved draft")
        #expect(resumed.drafts[1]?.finished == true && resumed.drafts[1]?.text.isEmpty == false)
    }
}
