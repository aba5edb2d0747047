import Foundation
import Testing

/// `workbench regress` and `workbench baseline` as processes, against the shipped simulator
/// baseline (Baselines/sim-v3.0) and the simulator the workbench starts itself.
@Suite("regress and baseline commands")
struct RegressCLITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static var baselines: String { repository.appendingPathComponent("Baselines").path }

    /// A workspace.
    static func workspace() throws -> Scratch {
        let scratch = try Scratch()
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        return scratch
    }

    /// A copy of the shipped simulator baseline beside a copy of its experiment, to break.
    static func copiedRepository(_ scratch: Scratch) throws -> String {
        let root = scratch.url.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Baselines"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: baselines + "/sim-v3.0", toPath: root.appendingPathComponent("Baselines/sim-v3.0").path)
        try FileManager.default.copyItem(at: repository.appendingPathComponent("Experiments"), to: root.appendingPathComponent("Experiments"))
        return root.appendingPathComponent("Baselines").path
    }

    @Test func identicalPromptsPassWithEveryReport() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let run = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", Self.baselines, "--junit", "r.xml", "--markdown-out", "r.md", "--json-out", "r.json"],
                              in: scratch.url, timeout: 120)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("PASS: no chapter dropped more than 0.50 points on quality, outline_adherence"))
        #expect(run.stdout.contains("keeper-opening") && run.stdout.contains("orchard-ending"))
        #expect(run.stderr.contains("[30/30]"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.url.appendingPathComponent("r.json"))) as? [String: Any])
        #expect(json["passed"] as? Bool == true)
        // The continuity gate: the same seeds rewrite the same texts, so the same violations.
        let continuity = try #require((json["result"] as? [String: Any])?["continuity"] as? [String: Any])
        #expect((continuity["rows"] as? [[String: Any]])?.count == 10 && (continuity["rows"] as? [[String: Any]])?.allSatisfy { $0["new_major"] as? Int == 0 } == true)
        #expect(run.stdout.contains("  continuity: no new major violation"))
        let junit = try String(contentsOf: scratch.url.appendingPathComponent("r.xml"), encoding: .utf8)
        #expect(junit.contains("<testsuites name=\"workbench regress\" tests=\"22\" failures=\"0\""))
        #expect(junit.contains("<testcase classname=\"regress.suite\" name=\"continuity\" time=\"0\"><system-out>"))
        #expect(try String(contentsOf: scratch.url.appendingPathComponent("r.md"), encoding: .utf8).hasPrefix("# Quality regression: passed ✓"))
    }

    /// The test prompt variants of issue #14 (Tests/Fixtures/regress-prompts): `no-outline`
    /// is prompts/v1 without the outline's beats, characters and obsession, `reworded` the
    /// same templates reflowed and lightly reworded.
    static func fixturePrompts(_ name: String) -> String { repository.appendingPathComponent("Tests/Fixtures/regress-prompts/" + name).path }

    @Test func promptsThatLoseTheOutlineFailWithExitOneNamingWhatDropped() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let run = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", Self.baselines, "--prompts", Self.fixturePrompts("no-outline"),
                               "--junit", "r.xml"], in: scratch.url, timeout: 120)
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        let verdict = try #require(run.stdout.split(separator: "\n").last { $0.hasPrefix("FAIL: ") })
        // The simulator keeps a cast of its own (Mara, Elias, Ines) when the prompt names none, so
        // the lighthouse chapters keep part of their score: the orchard's fall, and some of the keeper's.
        let named = verdict.dropFirst("FAIL: ".count).split(separator: ",").map { $0.split(separator: " ") }
        #expect(named.count >= 3 && named.allSatisfy { $0[1] == "outline_adherence" }, "\(verdict)")
        #expect(run.stdout.contains("✗ regressed"))
        let junit = try String(contentsOf: scratch.url.appendingPathComponent("r.xml"), encoding: .utf8)
        #expect(junit.contains("<failure type=\"regression\""))
        // Every chapter named in the verdict has a failing test case.
        for words in named where words.first != "suite" {
            #expect(junit.contains("classname=\"regress.\(words[0])\" name=\"\(words[1])\" time=\"0\"><failure"), "\(words)")
        }
    }

    /// Prompts that make the simulator contradict itself (Mara Quill's eyes blue, then grey):
    /// the quality gate has nothing to say, the continuity gate fails the run.
    @Test func newContradictionsFailTheContinuityGateNamingTheChapters() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let run = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", Self.baselines, "--prompts", Self.fixturePrompts("eye-colour"),
                               "--junit", "r.xml", "--json-out", "r.json"], in: scratch.url, timeout: 120)
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        let verdict = try #require(run.stdout.split(separator: "\n").last { $0.hasPrefix("FAIL: ") })
        #expect(verdict.contains("keeper-dialogue continuity +"), "\(verdict)")
        #expect(run.stdout.contains("    new: keeper-dialogue sample ") && run.stdout.contains("Mara Quill's eyes: "), "\(run.stdout)")
        #expect(run.stdout.contains("more (all in the JSON report)"), "at most three quoted per chapter")
        let junit = try String(contentsOf: scratch.url.appendingPathComponent("r.xml"), encoding: .utf8)
        #expect(junit.contains("name=\"continuity\" time=\"0\"><failure type=\"continuity\""))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.url.appendingPathComponent("r.json"))) as? [String: Any])
        let rows = try #require(((json["result"] as? [String: Any])?["continuity"] as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(rows.first { $0["chapter"] as? String == "keeper-dialogue" }.map { ($0["new_major"] as? Int ?? 0) > 0 } == true)

        // Tolerating that many passes the gate (the quality gate still judges the rest).
        let total = rows.reduce(0) { $0 + ($1["new_major"] as? Int ?? 0) }
        let tolerated = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", Self.baselines, "--prompts", Self.fixturePrompts("eye-colour"),
                                     "--continuity-threshold", String(total), "--json"], in: scratch.url, timeout: 120)
        let again = try #require(try JSONSerialization.jsonObject(with: Data(tolerated.stdout.utf8)) as? [String: Any])
        #expect((again["summary"] as? String)?.contains("continuity +") == false, "\(again["summary"] ?? "")")
    }

    @Test func rewordedPromptsPass() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let run = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", Self.baselines, "--prompts", Self.fixturePrompts("reworded")],
                              in: scratch.url, timeout: 120)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("PASS: "))
    }

    @Test func aBrokenBaselineExits65NamingTheFile() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let root = try Self.copiedRepository(scratch)
        let scores = root + "/sim-v3.0/scores.json"
        try Data("{\"format\": 1, \"chapters\": [".utf8).write(to: URL(fileURLWithPath: scores))
        let corrupt = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", root], in: scratch.url)
        #expect(corrupt.status == 65 && corrupt.stderr.contains(scores), "\(corrupt.stderr)")
        #expect(corrupt.stdout.isEmpty)

        try FileManager.default.removeItem(atPath: root + "/sim-v3.0")
        try FileManager.default.copyItem(atPath: Self.baselines + "/sim-v3.0", toPath: root + "/sim-v3.0")
        let chapter = root + "/sim-v3.0/chapters/orchard-chase/1.md"
        try FileManager.default.removeItem(atPath: chapter)
        let missing = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", root], in: scratch.url)
        #expect(missing.status == 65 && missing.stderr.contains(chapter), "\(missing.stderr)")

        let unknown = try CLI.run(["regress", "--baseline", "v9.9", "--baselines", root], in: scratch.url)
        #expect(unknown.status == 65 && unknown.stderr.contains("no baseline v9.9"), "\(unknown.stderr)")
        // The harness gives the child an empty cache folder: no local model there, so v3.0's provider is unavailable.
        let unavailable = try CLI.run(["regress", "--baseline", "v3.0", "--baselines", Self.baselines], in: scratch.url)
        #expect(unavailable.status == 75 && unavailable.stderr.contains("local model unavailable"), "\(unavailable.stderr)")
        let usage = try CLI.run(["regress", "--baseline", "sim-v3.0", "--threshold", "-1"], in: scratch.url)
        #expect(usage.status == 2)
        let continuityUsage = try CLI.run(["regress", "--baseline", "sim-v3.0", "--continuity-threshold=-1"], in: scratch.url)
        #expect(continuityUsage.status == 2 && continuityUsage.stderr.contains("--continuity-threshold must be a count ≥ 0"), "\(continuityUsage.stderr)")
        let metric = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", Self.baselines, "--metrics", "charm"], in: scratch.url)
        #expect(metric.status == 2 && metric.stderr.contains("`charm` is not scored"), "\(metric.stderr)")
    }

    @Test func createListShowAndDiff() throws {
        let scratch = try Self.workspace()
        defer { scratch.delete() }
        let root = try Self.copiedRepository(scratch)
        let repo = (root as NSString).deletingLastPathComponent
        let create = try CLI.run(["baseline", "create", "sim-next", "--baselines", root, "--experiment", repo + "/Experiments/regress-sim.yaml", "--samples", "2",
                                  "--workspace", scratch.path], in: URL(fileURLWithPath: repo), timeout: 120)
        #expect(create.status == 0, "\(create.stderr)")
        #expect(create.stdout.contains("baseline sim-next written to"))
        let provenance = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/sim-next/provenance.json"))) as? [String: Any])
        #expect(provenance["experiment"] as? String == "Experiments/regress-sim.yaml")
        #expect(provenance["samples"] as? Int == 2)
        for file in ["suite.yaml", "experiment.yaml", "providers.yaml", "prompts/v1/chapter.mustache", "scores.json", "chapters/keeper-opening/2.md"] {
            #expect(FileManager.default.fileExists(atPath: root + "/sim-next/" + file), "\(file)")
        }
        let again = try CLI.run(["baseline", "create", "sim-next", "--baselines", root, "--experiment", repo + "/Experiments/regress-sim.yaml",
                                 "--workspace", scratch.path], in: scratch.url)
        #expect(again.status == 2 && again.stderr.contains("already exists"), "\(again.stderr)")

        let list = try CLI.run(["baseline", "list", "--baselines", root], in: scratch.url)
        #expect(list.status == 0 && list.stdout.contains("sim-next") && list.stdout.contains("sim-v3.0"), "\(list.stdout)")
        let show = try CLI.run(["baseline", "show", "sim-next", "--baselines", root, "--json"], in: scratch.url)
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(((shown["scores"] as? [String: Any])?["chapters"] as? [Any])?.count == 10)
        // Two samples of the same seeds are the first two of sim-v3.0's three: the diff sees no drop.
        let diff = try CLI.run(["baseline", "diff", "sim-v3.0", "sim-next", "--baselines", root, "--json-out", "d.json"], in: scratch.url)
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("sim-v3.0") && diff.stdout.contains("sim-next"))
    }
}
