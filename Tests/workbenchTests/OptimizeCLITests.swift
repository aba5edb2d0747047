import Foundation
import Testing

/// `workbench optimize` as a process, against the shipped experiment and the simulator the
/// workbench starts itself.
@Suite("optimize command")
struct OptimizeCLITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static var experiment: String { repository.appendingPathComponent("Experiments/optimize-sim.yaml").path }

    static func workspace() throws -> Scratch {
        let scratch = try Scratch()
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        return scratch
    }

    @Test func aShortSearchReportsStoresAndShowsEveryCandidate() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let run = try CLI.run(["optimize", "--experiment", Self.experiment, "--target-metric", "obsession_depth", "--iterations", "4", "--json-out", "o.json"],
                              in: scratch.url, timeout: 120)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stderr.contains("c000 base, iteration 0: obsession_depth"))
        #expect(run.stdout.contains("4 of 4 iterations evaluated"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.url.appendingPathComponent("o.json"))) as? [String: Any])
        let id = try #require(json["id"] as? String)
        let candidates = try #require(json["candidates"] as? [[String: Any]])
        #expect(candidates.filter { $0["status"] as? String == "done" }.count >= 5)
        #expect(candidates.count > 20 && candidates.allSatisfy { $0["predicted"] != nil || $0["id"] as? Int == 0 })
        for suffix in ["html", "md", "json"] {
            #expect(FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("Reports/optimize-\(id).\(suffix)").path))
        }
        let html = try String(contentsOf: scratch.url.appendingPathComponent("Reports/optimize-\(id).html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("What each instruction does"))
        #expect(FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("Reports/optimize-\(id)/c000/chapter.mustache").path))

        let show = try CLI.run(["optimize", "show", String(id.prefix(15)), "--format", "markdown"], in: scratch.url)
        #expect(show.status == 0 && show.stdout.hasPrefix("## Prompt optimisation \(id)"), "\(show.stdout)\(show.stderr)")
        let list = try CLI.run(["optimize", "list", "--json"], in: scratch.url)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["id"] as? String } == [id] && rows[0]["status"] as? String == "succeeded")
        // A finished run resumes only to go further.
        let again = try CLI.run(["optimize", "resume", id], in: scratch.url)
        #expect(again.status == 2 && again.stderr.contains("already finished"), "\(again.stderr)")
    }

    @Test func badInputIsRefusedByNameWithoutStartingARun() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let unknown = try CLI.run(["optimize", "--experiment", Self.experiment, "--target-metric", "suspense"], in: scratch.url)
        #expect(unknown.status == 2 && unknown.stderr.contains("--target-metric: unknown metric `suspense`"), "\(unknown.stderr)")
        let directionless = try CLI.run(["optimize", "--experiment", Self.experiment, "--target-metric", "word_count"], in: scratch.url)
        #expect(directionless.status == 2 && directionless.stderr.contains("no better direction"), "\(directionless.stderr)")
        let shipped = Self.repository.appendingPathComponent("Experiments/prompts/v1").path
        let slotless = try CLI.run(["optimize", "--experiment", Self.experiment, "--prompts", shipped], in: scratch.url)
        #expect(slotless.status == 65 && slotless.stderr.contains("\(shipped)/chapter.mustache has no {{instructions}} slot"), "\(slotless.stderr)")
        try Data("instructions:\n  - {id: a, text: \"One {x}\"}\n  - {id: b, text: Two.}\n".utf8).write(to: scratch.url.appendingPathComponent("lib.yaml"))
        let library = try CLI.run(["optimize", "--experiment", Self.experiment, "--library", "lib.yaml"], in: scratch.url)
        #expect(library.status == 65 && library.stderr.contains("lib.yaml: instructions[0].text must be one line without { or }"), "\(library.stderr)")
        let iterations = try CLI.run(["optimize", "--experiment", Self.experiment, "--iterations", "0"], in: scratch.url)
        #expect(iterations.status == 2 && iterations.stderr.contains("--iterations: at least 1 iteration"), "\(iterations.stderr)")
        let list = try CLI.run(["optimize", "list"], in: scratch.url)
        #expect(list.stdout.hasPrefix("no optimisations yet"))
        let notOne = try CLI.run(["optimize", "show", "nope"], in: scratch.url)
        #expect(notOne.status != 0)
    }
}
