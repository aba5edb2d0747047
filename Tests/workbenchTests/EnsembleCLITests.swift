import Foundation
import Testing

/// `generate` with an ensemble, then `workbench ensemble report`, as processes.
@Suite("ensemble commands")
struct EnsembleCLITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    @Test func aMergedBookIsReportedPerChapterInEveryFormat() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let generated = try CLI.run(["generate", "--experiment", Self.repository.appendingPathComponent("Experiments/ensemble-sim.yaml").path,
                                     "--outline", Self.repository.appendingPathComponent("Experiments/outlines/keepers-daughter.yaml").path, "--plain"],
                                    in: scratch.url, timeout: 120)
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stdout.contains("merged 4 units"), "\(generated.stdout.prefix(2000))")
        let run = try #require(generated.stdout.split(separator: "\n").last { $0.contains("(run ") }.flatMap { line in
            line.range(of: "(run ").map { String(line[$0.upperBound...].prefix { $0 != ")" }) }
        })

        let text = try CLI.run(["ensemble", "report", run], in: scratch.url)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("6 merged chapters") && text.stdout.contains("Chapter 6 (version 1): 4 beat units"))
        #expect(text.stdout.contains("oracle:") && text.stdout.contains("× one generation") && text.stdout.contains("WON BY"))

        let json = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["ensemble", "report", run, "--format", "json"], in: scratch.url).stdout.utf8))
                                as? [String: Any])
        let chapters = try #require(json["chapters"] as? [[String: Any]])
        #expect(chapters.count == 6)
        for chapter in chapters {
            #expect((chapter["units"] as? [[String: Any]])?.count == 12)
            #expect((chapter["won"] as? [String: Int])?.values.reduce(0, +) == 4)
            let ratio = try #require(chapter["token_ratio"] as? Double)
            #expect(ratio > 2.5 && ratio <= 3.5, "three candidates and the seams within the default budget: \(ratio)")
        }

        let html = try CLI.run(["ensemble", "report", run, "--format", "html", "--out", "ensemble.html"], in: scratch.url)
        #expect(html.status == 0)
        let page = try String(contentsOf: scratch.url.appendingPathComponent("ensemble.html"), encoding: .utf8)
        #expect(page.contains("title=\"sim-a\"") && page.contains("title=\"sim-c\""), "each unit coloured by its provider")

        let unknown = try CLI.run(["ensemble", "report", "no-such-run"], in: scratch.url)
        #expect(unknown.status == 2, "\(unknown.stderr)")
    }

    @Test func aBadEnsembleIsRefusedBeforeAnyRunAndARunWithoutOneHasNothingToReport() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let experiment = Self.repository.appendingPathComponent("Experiments/ensemble-bad-\(UUID().uuidString.prefix(6)).yaml")
        try Data("""
            routes: {plan: [sim], generate: [sim], enhance: [sim]}
            ensemble:
              providers: [sim-a, sim-b]
              weights: [0.5, 0.3, 0.2]

            """.utf8).write(to: experiment)
        defer { try? FileManager.default.removeItem(at: experiment) }
        let refused = try CLI.run(["generate", "--experiment", experiment.path, "--premise", "A letter."], in: scratch.url)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("ensemble.weights") && refused.stderr.contains("3 weights for 2 providers"), "\(refused.stderr)")
        let abtest = try CLI.run(["abtest", "run", "--experiment", Self.repository.appendingPathComponent("Experiments/ensemble-sim.yaml").path,
                                  "--control", Self.repository.appendingPathComponent("Experiments/prompts/v1").path,
                                  "--variant", Self.repository.appendingPathComponent("Experiments/prompts/v1").path, "--samples", "2"], in: scratch.url)
        #expect(abtest.status == 65 && abtest.stderr.contains("only `generate` and `resume`"), "\(abtest.status) \(abtest.stderr)")
        let runs = try CLI.run(["runs", "list", "--json"], in: scratch.url)
        #expect((try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [Any])?.isEmpty == true, "nothing ran: \(runs.stdout)")

        let plain = try CLI.run(["generate", "--experiment", Self.repository.appendingPathComponent("Experiments/sim.yaml").path, "--premise", "A letter.",
                                 "--chapters", "1", "--words", "200", "--plain"], in: scratch.url, timeout: 120)
        #expect(plain.status == 0, "\(plain.stderr)")
        let run = try #require(plain.stdout.split(separator: "\n").last { $0.contains("(run ") }.flatMap { line in
            line.range(of: "(run ").map { String(line[$0.upperBound...].prefix { $0 != ")" }) }
        })
        let none = try CLI.run(["ensemble", "report", run], in: scratch.url)
        #expect(none.status == 65 && none.stderr.contains("merged no chapter"), "\(none.stderr)")
    }
}
