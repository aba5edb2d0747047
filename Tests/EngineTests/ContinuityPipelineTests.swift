import Continuity
import Foundation
import Testing
@testable import Engine
import Simulator
import Store
import WorkbenchCore

/// The continuity step of `generate` on a simulated book whose writer states facts and gets a
/// set share of them wrong: measured by the simulator's own truth, an independent checker,
/// not by the rules that found the violations (DOME's lesson).
@Suite struct ContinuityPipelineTests {
    static let outline = Outline(
        title: "The Ferry Keeper", logline: "A keeper and her brother hold a ferry through a long winter.", obsession: "the ferry bell",
        setting: "A river town in winter",
        characters: [
            BookCharacter(name: "Mara Quill", attributes: ["age": "34", "hair": "black hair", "eyes": "grey eyes", "birthplace": "born in Dunmore"],
                          relationships: ["Tomas Quill": "sister of"]),
            BookCharacter(name: "Tomas Quill", attributes: ["age": "29", "hair": "red hair", "eyes": "blue eyes", "birthplace": "born in Dunmore"],
                          relationships: ["Mara Quill": "brother of"]),
            BookCharacter(name: "Ines Varga", attributes: ["age": "51", "hair": "fair hair", "eyes": "brown eyes", "birthplace": "born in Kettlewick"]),
        ],
        chapters: (1...20).map { ChapterSpec(number: $0, title: "Crossing \($0)", beats: ["the river rises", "a stranger waits", "the bell rings"], targetWords: 1000) })

    @Test func fixesInsideGenerateHalveTheContradictionsTheSimulatorKnowsItWrote() async throws {
        var options = SimulatorOptions()
        options.seed = 11
        options.continuity = ContinuitySurface(factRate: 0.06, contradictionRate: 0.2)
        let server = try await SimulatorServer.start(options)
        defer { Task { await server.stop() } }
        var config = try ExperimentConfig.load(file: experiments + "/sim.yaml")
        config.enhancementIterations = 0
        config.judge = nil
        config.concurrency = 4
        config.continuity = .init(check: true, verify: true, fix: true, rounds: 2)
        let database = try WorkbenchDatabase.inMemory()
        let log = EventLog()
        let result = try await simGenerator(config, database: database, server: server, log: log).generate(premise: nil, outline: Self.outline)

        // Before: each chapter's last version before the fixes; after: the kept versions now.
        let versions = try (1...20).map { try database.chapterVersions(bookID: result.bookID, chapter: $0) }
        let before = versions.map { $0.last { !$0.origin.hasPrefix("continuity:") }!.text }
        let after = try database.latestChapterVersions(bookID: result.bookID).map(\.text)
        let sheet = "Characters: " + BookGenerator.characterSheet(Self.outline.characters) + "."
        let cedBefore = SimulatedContinuity.contradictionDensity(chapters: before, prompt: sheet)
        let cedAfter = SimulatedContinuity.contradictionDensity(chapters: after, prompt: sheet)
        let fixes = try database.continuityFixes(bookID: result.bookID)
        let kept = fixes.filter(\.isKept)
        let checked = try #require(log.all.compactMap { if case let .continuityChecked(violations, _, _) = $0 { violations } else { nil } }.first)
        let fixed = try #require(log.all.compactMap { if case let .continuityFixed(_, _, before, after) = $0 { (before: before, after: after) } else { nil } }.first)
        let largestShare = kept.filter { $0.scope == "sentence" }.map(\.tokenShare).max() ?? 0
        print("continuity pipeline: true CED \(cedBefore) → \(cedAfter); flagged \(fixed.before) → \(fixed.after); fixes kept \(kept.count) of \(fixes.count); max sentence-fix share \(largestShare)")
        #expect(cedBefore > 0, "the writer was set to contradict itself")
        #expect(cedAfter <= 0.5 * cedBefore, "CED after fixes \(cedAfter) vs \(cedBefore) before")
        #expect(checked == fixed.before)
        // The kinds the writer states on purpose: ≥ 90% of those flagged are resolved, and the
        // re-check finds nothing that was not there before. (The possession rule's minor flags
        // on the default writer's unconnected sentences are no fact sentences: the simulator
        // answers their fixes with the passage unchanged, and they stay.)
        let statedKinds: Set<ViolationType> = [.immutableChanged, .ageArithmetic, .relationshipContradicted]
        let flaggedBefore = BookCheck(before.enumerated().map { ChapterText(number: $0.offset + 1, text: $0.element) }, characters: Self.outline.characters).violations
        let flaggedAfter = BookCheck(after.enumerated().map { ChapterText(number: $0.offset + 1, text: $0.element) }, characters: Self.outline.characters).violations
        let statedBefore = flaggedBefore.filter { statedKinds.contains($0.type) }.count, statedAfter = flaggedAfter.filter { statedKinds.contains($0.type) }.count
        print("continuity pipeline: stated kinds flagged \(statedBefore) → \(statedAfter)")
        #expect(statedBefore > 0 && Double(statedBefore - statedAfter) >= 0.9 * Double(statedBefore), "stated kinds \(statedBefore) → \(statedAfter)")
        #expect(Set(flaggedAfter.map(ViolationKey.init)).isSubset(of: Set(flaggedBefore.map(ViolationKey.init))), "no new violation")
        // What the verifier dismissed (quoting both passages) is neither stored nor fixed: the
        // possession rule's flags on the default writer's unconnected sentences.
        #expect(flaggedBefore.count > fixed.before && Double(fixed.before - fixed.after) >= 0.9 * Double(fixed.before), "verified \(fixed.before) → \(fixed.after)")
        #expect(kept.filter { $0.scope == "sentence" }.allSatisfy { $0.tokenShare <= 0.02 })
        // The stored graph is the fixed book's; nothing it finds is new.
        let graph = try #require(try database.continuityGraph(bookID: result.bookID))
        #expect(graph.violations.count == fixed.after)
    }
}
