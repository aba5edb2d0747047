import Foundation
import Testing

/// `workbench metrics validate` as a process, on a folder of two small generated novels and
/// on bad folders.
@Suite struct MetricsValidateCLITests {
    /// A novel of `chapters` chapters of about 1,000 words under "CHAPTER N" headings, from
    /// small word lists (a fixed LCG picks the words, so the prose does not loop).
    static func novel(chapters: Int, seed: UInt64) -> String {
        var state = seed
        func pick(_ words: [String]) -> String {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return words[Int((state >> 33) % UInt64(words.count))]
        }
        func sentence() -> String {
            let subject = pick(["Mara", "Tobias", "The old fisherman", "She", "He", "Mara", "Tobias"])
            let rest = "\(pick(["carried", "watched", "found", "mended", "lost", "counted", "hid", "opened"])) the "
                + "\(pick(["grey", "wet", "broken", "small", "heavy", "cold", "quiet", "big"])) "
                + "\(pick(["net", "lantern", "letter", "boat", "rope", "window", "bell", "coat", "door"])) "
                + pick(["after supper", "in the rain", "before dawn", "because it was late", "then slept", "by the stove", "on the quay"])
            return pick(["a", "a", "a", "a", "b"]) == "a" ? "\(subject) \(rest)." : "“I can’t stay,” Mara said, and \(rest)."
        }
        return (1...chapters).map { number in
            "CHAPTER \(number)\n\n" + (0..<22).map { _ in (0..<5).map { _ in sentence() }.joined(separator: " ") }.joined(separator: "\n\n")
        }.joined(separator: "\n\n\n") + "\n"
    }

    static func corpus(in scratch: Scratch) throws -> String {
        let folder = scratch.url.appendingPathComponent("novels")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(novel(chapters: 3, seed: 1).utf8).write(to: folder.appendingPathComponent("harbour.txt"))
        try Data(novel(chapters: 3, seed: 2).utf8).write(to: folder.appendingPathComponent("quay.txt"))
        try Data("not a novel".utf8).write(to: folder.appendingPathComponent("README.md"))
        return "novels"
    }

    @Test func validatesTwoNovelsAsTablesJSONAndMarkdown() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let corpus = try Self.corpus(in: scratch)
        let table = try CLI.run(["metrics", "validate", "--corpus", corpus, "--samples", "4", "--markdown-out", "validation.md"], in: scratch.url)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("Discrimination: % of pairs where the original scores better"))
        #expect(table.stdout.contains("sentence-order") && table.stdout.contains("synonyms") && table.stdout.contains("quality within ±0.2"))
        #expect(table.stdout.contains("novels: harbour (2 of 3 chapters), quay (2 of 3 chapters)"), "\(table.stdout)")
        #expect(table.stdout.contains("wrote validation.md"))
        let markdown = try String(contentsOf: scratch.url.appendingPathComponent("validation.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("## Metrics validation") && markdown.contains("| metric | sentence-order | paragraph-order |"))

        let json = try CLI.run(["metrics", "validate", "--corpus", corpus, "--samples", "3", "--seed", "7", "--perturbations", "typos,repetition", "--json"], in: scratch.url)
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout.prefix(300))")
        let families = try #require(object["families"] as? [[String: Any]])
        #expect(families.map { $0["perturbation"] as? String } == ["typos", "repetition"])
        #expect(families.allSatisfy { ($0["pairs"] as? Int ?? 0) + ($0["skipped"] as? Int ?? 0) == 3 })
        // Repeated sentences: the repetition metric (lower is better) is lower for every original.
        let repetition = try #require((families[1]["metrics"] as? [String: Any])?["repetition"] as? [String: Any])
        #expect(repetition["wins"] as? Int == 3 && repetition["rate"] as? Double == 1, "\(repetition)")
        let typos = try #require((families[0]["metrics"] as? [String: Any])?["quality"] as? [String: Any])
        #expect(typos["within_tolerance"] as? Int != nil && typos["low"] as? Double != nil, "\(typos)")
        #expect(object["seed"] as? Int == 7)
        // The same seed gives the same figures.
        let again = try CLI.run(["metrics", "validate", "--corpus", corpus, "--samples", "3", "--seed", "7", "--perturbations", "typos,repetition", "--json"], in: scratch.url)
        #expect(again.stdout == json.stdout)
    }

    @Test func oneNovelLeavesSubstitutionOut() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        try Data(Self.novel(chapters: 2, seed: 3).utf8).write(to: scratch.url.appendingPathComponent("only.txt"))
        // --markdown is issue 14's spelling of --markdown-out.
        let run = try CLI.run(["metrics", "validate", "--corpus", ".", "--samples", "2", "--perturbations", "substitution,typos", "--markdown", "m.md"], in: scratch.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("note: substitution left out"), "\(run.stdout)")
        #expect(!run.stdout.contains("Discrimination"))
        #expect(run.stdout.contains("novels: only (2 of 2 chapters)"))
        #expect(FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("m.md").path))
    }

    @Test func badFoldersExit65NamingTheFile() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let fileManager = FileManager.default
        for name in ["empty", "other", "binary", "latin1", "short", "fifo", "folder/inner.txt"] {
            try fileManager.createDirectory(at: scratch.url.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        try Data("notes".utf8).write(to: scratch.url.appendingPathComponent("other/notes.md"))
        try Data(Self.novel(chapters: 2, seed: 4).utf8).write(to: scratch.url.appendingPathComponent("binary/good.txt"))
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + [UInt8](repeating: 0, count: 4096)).write(to: scratch.url.appendingPathComponent("binary/program.txt"))
        try Data(Array("Café au lait ".utf8) + [0xE9, 0x20, 0x61]).write(to: scratch.url.appendingPathComponent("latin1/old.txt"))
        try Data(Self.novel(chapters: 2, seed: 5).utf8).write(to: scratch.url.appendingPathComponent("short/good.txt"))
        try Data("CHAPTER I\n\nIt was a dark and stormy night.\n".utf8).write(to: scratch.url.appendingPathComponent("short/stub.txt"))
        // A FIFO named like a novel would block a read forever.
        #expect(mkfifo(scratch.url.appendingPathComponent("fifo/pipe.txt").path, 0o600) == 0)

        let cases: [(folder: String, named: String, says: String)] = [
            ("empty", "empty", "is empty"),
            ("other", "other", "holds no .txt novel"),
            ("binary", "binary/program.txt", "binary"),
            ("latin1", "latin1/old.txt", "not UTF-8"),
            ("short", "short/stub.txt", "too short to cut into chapters"),
            ("missing", "missing", "no such folder"),
            ("fifo", "fifo/pipe.txt", "not a regular file"),
            ("folder", "folder/inner.txt", "not a regular file"),
        ]
        for (folder, named, says) in cases {
            let run = try CLI.run(["metrics", "validate", "--corpus", folder], in: scratch.url, timeout: 60)
            #expect(run.status == 65, "\(folder): \(run.status) \(run.stderr)")
            #expect(run.stderr.hasPrefix("error: ") && run.stderr.contains(named) && run.stderr.contains(says) && run.stderr.contains("fix: "), "\(folder): \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
    }

    @Test func badFlagsAreUsageErrors() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let unknown = try CLI.run(["metrics", "validate", "--corpus", ".", "--perturbations", "typos,shuffle"], in: scratch.url)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown perturbation 'shuffle'") && unknown.stderr.contains("sentence-order") && unknown.stderr.contains("synonyms"), "\(unknown.stderr)")
        for samples in ["0", "-3", "many"] {
            let run = try CLI.run(["metrics", "validate", "--corpus", ".", "--samples", samples], in: scratch.url)
            #expect(run.status == 2, "--samples \(samples): \(run.stderr)")
        }
        #expect(try CLI.run(["metrics", "validate"], in: scratch.url).status == 2, "--corpus is required")
    }
}
