import Foundation
import Testing

/// `workbench report` shows the chapter requirements the book was generated with.
@Suite struct ReportRequirementsCLITests {
    @Test func theReportReadsTheRunsChapterRequirements() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        // sim.yaml requires quality 8.5 of chapter 1.
        let generated = try CLI.run(["generate", "--experiment", simExperiment, "--premise", "A storm.", "--chapters", "2", "--words", "200", "--plain"], in: scratch.url)
        #expect(generated.status == 0, "\(generated.stderr)")
        let id = try #require(try listedRuns(in: scratch.url).first?["id"] as? String)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["report", id, "--format", "json"], in: scratch.url).stdout.utf8)) as? [String: Any])
        let chapters = try #require(report["chapters"] as? [[String: Any]])
        #expect(chapters.map { $0["target"] as? Double } == [8.5, 8.0])
        #expect(chapters[0]["requirements"] as? [String: Double] == ["quality": 8.5])
        let terminal = try CLI.run(["report", id], in: scratch.url).stdout
        #expect(terminal.contains("/10 (target 8.5)"), "\(terminal)")
        // --target moves the book's target; chapter 1 keeps its own.
        let moved = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["report", id, "--format", "json", "--target", "7"], in: scratch.url).stdout.utf8)) as? [String: Any])
        #expect((moved["chapters"] as? [[String: Any]])?.map { $0["target"] as? Double } == [8.5, 7.0])
    }
}
