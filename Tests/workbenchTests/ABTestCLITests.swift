import Foundation
import Testing

/// `workbench abtest` as a process, against the simulator the workbench starts itself.
@Suite("abtest command")
struct ABTestCLITests {
    /// A workspace with an experiment and two prompt versions: v1, and v1 without "stay with
    /// the obsession" (a documented trigger of the simulator's response surface).
    static func workspace() throws -> Scratch {
        let scratch = try Scratch()
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/prompts/v1").standardized
        let prompts = scratch.url.appendingPathComponent("prompts")
        try FileManager.default.createDirectory(at: prompts, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: shipped, to: prompts.appendingPathComponent("v1"))
        try FileManager.default.copyItem(at: shipped, to: prompts.appendingPathComponent("plain"))
        let chapter = prompts.appendingPathComponent("plain/chapter.mustache")
        try Data(try String(contentsOf: chapter, encoding: .utf8).replacingOccurrences(of: " and stay with the obsession", with: "").utf8).write(to: chapter)
        try Data("""
            name: cli-ab
            routes: {plan: [sim], generate: [sim], enhance: [sim], judge: [sim]}
            prompts: v1
            book: {chapters: 3, words_per_chapter: 600}
            enhancement: {iterations: 0}
            concurrency: 4
            seed: 9
            """.utf8).write(to: scratch.url.appendingPathComponent("ab.yaml"))
        return scratch
    }

    @Test func runListShowAndReports() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let run = try CLI.run(["abtest", "--experiment", "ab.yaml", "--control", "prompts/plain", "--variant", "prompts/v1", "--samples", "30",
                               "--metrics", "obsession_depth,quality", "--json-out", "result.json"], in: scratch.url, timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("obsession_depth: v1 +") && run.stdout.contains("✓"), "\(run.stdout)")
        #expect(run.stderr.contains("sample 30/30"))
        let result = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.url.appendingPathComponent("result.json"))) as? [String: Any])
        let id = try #require(result["id"] as? String)
        let comparisons = try #require(result["comparisons"] as? [[String: Any]])
        #expect(comparisons.count == 2)
        #expect(comparisons[0]["metric"] as? String == "obsession_depth" && comparisons[0]["significant"] as? Bool == true)
        for field in ["p_value", "wilcoxon_p", "p_adjusted", "ci_low", "ci_high", "effect_size", "achieved_power", "mde", "control_mean", "variant_mean"] {
            #expect(comparisons[0][field] is Double, "\(field)")
        }
        for suffix in ["html", "md", "json"] {
            #expect(FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("Reports/abtest-\(id).\(suffix)").path))
        }

        let list = try CLI.run(["abtest", "list"], in: scratch.url)
        #expect(list.status == 0 && list.stdout.contains(id) && list.stdout.contains("plain vs v1"), "\(list.stdout)")
        let shown = try CLI.run(["abtest", "show", String(id.prefix(18)), "--format", "json"], in: scratch.url)
        #expect(shown.status == 0)
        let reread = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect((reread["comparisons"] as? [[String: Any]])?.first?["p_value"] as? Double == comparisons[0]["p_value"] as? Double)
        let html = try CLI.run(["abtest", "show", id, "--format", "html"], in: scratch.url)
        #expect(html.stdout.contains("pair by pair") && html.stdout.contains("<svg"))
        // A run of another kind is not an A/B test.
        #expect(try CLI.run(["runs", "list", "--kind", "abtest", "--json"], in: scratch.url).stdout.contains(id))
    }

    @Test func sequentialModeStopsEarlyForTheDocumentedEffect() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let run = try CLI.run(["abtest", "--experiment", "ab.yaml", "--control", "prompts/plain", "--variant", "prompts/v1", "--samples", "60",
                               "--metric", "obsession_depth", "--sequential", "--batch", "2", "--json-out", "result.json"], in: scratch.url, timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.url.appendingPathComponent("result.json"))) as? [String: Any])
        #expect(result["stop"] as? String == "decided")
        let comparison = try #require((result["comparisons"] as? [[String: Any]])?.first)
        #expect((comparison["pairs"] as? Int ?? 60) < 60 && comparison["significant"] as? Bool == true, "\(comparison)")
        #expect(run.stderr.contains("look at 6 pairs"))
    }

    @Test func aBaselinesSuiteGivesTheSamplesTheirChapters() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let baselines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Baselines").standardized.path
        let run = try CLI.run(["abtest", "--experiment", "ab.yaml", "--control", "prompts/plain", "--variant", "prompts/v1", "--samples", "20",
                               "--metric", "obsession_depth", "--suite", "sim-v3.0", "--baselines", baselines, "--json-out", "result.json"], in: scratch.url, timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.url.appendingPathComponent("result.json"))) as? [String: Any])
        #expect((result["design"] as? [String: Any])?["outline"] as? String == "suite sim-v3.0")
        #expect((result["comparisons"] as? [[String: Any]])?.first?["pairs"] as? Int == 20)
        // The samples come from both of the suite's books: its characters are in an arm's chapters.
        let books = try CLI.run(["books", "list", "--json"], in: scratch.url)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(books.stdout.utf8)) as? [[String: Any]])?.first?["id"] as? String)
        let export = try CLI.run(["books", "export", id], in: scratch.url)
        #expect(export.status == 0 && export.stdout.contains("Mara") && export.stdout.contains("Hedda"), "\(export.stderr)")
        let missing = try CLI.run(["abtest", "--experiment", "ab.yaml", "--control", "prompts/plain", "--variant", "prompts/v1", "--suite", "v0.1"], in: scratch.url)
        #expect(missing.status == 65 && missing.stderr.contains("Baselines/v0.1/suite.yaml"), "\(missing.stderr)")
    }

    @Test(arguments: [
        (["--metric", "qualty"], 2, "--metrics: unknown metric `qualty`"),
        (["--metric", "quality", "--metrics", "emotion"], 2, "not both"),
        (["--samples", "1"], 2, "at least 2"),
        (["--alpha", "0.7"], 2, "--alpha"),
    ])
    func badFlagsExitTwo(extra: [String], status: Int32, message: String) throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let run = try CLI.run(["abtest", "--experiment", "ab.yaml", "--control", "prompts/plain", "--variant", "prompts/v1"] + extra, in: scratch.url)
        #expect(run.status == status, "\(run.stderr)")
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(try CLI.run(["abtest", "list"], in: scratch.url).stdout.hasPrefix("no A/B tests yet"), "a refused test leaves nothing behind")
    }

    @Test func missingPromptsAndWrongRunsAreNamed() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let missing = try CLI.run(["abtest", "--experiment", "ab.yaml", "--control", "prompts/plain", "--variant", "prompts/nope"], in: scratch.url)
        #expect(missing.status == 65 && missing.stderr.contains("prompts/nope"), "\(missing.stderr)")
        let outline = scratch.url.appendingPathComponent("bad.yaml")
        try Data("title: T\nchapters: 3\n".utf8).write(to: outline)
        let badOutline = try CLI.run(["abtest", "--experiment", "ab.yaml", "--control", "prompts/plain", "--variant", "prompts/v1", "--outlines", outline.path], in: scratch.url)
        #expect(badOutline.status == 65 && badOutline.stderr.contains("bad.yaml"), "\(badOutline.stderr)")
        let unknown = try CLI.run(["abtest", "show", "20200101-000000-000000"], in: scratch.url)
        #expect(unknown.status == 2, "\(unknown.stderr)")
    }
}
