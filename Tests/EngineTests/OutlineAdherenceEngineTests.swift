import Foundation
import Testing
@testable import Engine
import Quality
import Simulator
import Store
import WorkbenchCore

/// The engine knows each chapter's spec: its analysis measures `outline_adherence`, and the
/// score is stored with every version like the other metrics.
@Suite struct OutlineAdherenceEngineTests {
    static let outline = Outline(
        title: "The Glass Orchard", logline: "A glazier suspects her brother of the fire.", obsession: "the burnt key",
        setting: "An orchard above a river town, 1954.",
        characters: [BookCharacter(name: "Hedda"), BookCharacter(name: "Anton"), BookCharacter(name: "Sergeant Pell")],
        chapters: [
            ChapterSpec(number: 1, title: "Ashes", beats: ["Hedda walks through the burnt glasshouse at dawn", "she finds a key fused to a melted hinge",
                                                          "Anton's boots by the water barrel", "she pockets the key"], targetWords: 300),
            ChapterSpec(number: 2, title: "Questions", beats: ["Sergeant Pell questions Hedda in her workshop", "she lies about where Anton was",
                                                              "Pell mentions the insurance"], targetWords: 300),
        ])

    @Test func everyStoredVersionCarriesOutlineAdherence() async throws {
        let config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        let database = try WorkbenchDatabase.inMemory()
        let server = try await SimulatorServer.start()
        defer { Task { await server.stop() } }
        let result = try await simGenerator(config, database: database, server: server, log: EventLog()).generate(premise: nil, outline: Self.outline)
        await server.stop()

        let versions = try database.chapterVersions(bookID: result.bookID, chapter: 1) + database.chapterVersions(bookID: result.bookID, chapter: 2)
        #expect(!versions.isEmpty)
        let scores = try database.scores(versionIDs: versions.compactMap(\.id))
        for version in versions {
            let stored = try #require(scores[version.id!]?[QualityAnalyzer.scorer])
            let spec = Self.outline.chapters[version.chapter - 1]
            // What the analysis gives the text with the chapter's plan: the engine measured with it.
            let again = QualityAnalyzer.analyze(version.text, context: AnalysisContext(
                targetWords: spec.targetWords, obsession: Self.outline.obsession, targets: config.targets(forChapter: spec.number),
                chapterPlan: ChapterPlan(outline: Self.outline, chapter: spec)))
            #expect(stored["outline_adherence"] == again["outline_adherence"], "chapter \(version.chapter) v\(version.version)")
            #expect(stored["quality"] == again.quality)
            // The simulator writes from the prompt's cast and obsession and ignores the beats:
            // its characters are there, few of its beats.
            let adherence = try #require(stored["outline_adherence"])
            #expect(adherence < 7, "chapter \(version.chapter): \(adherence)")
        }
    }
}
