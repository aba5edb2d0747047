import Foundation
import Testing

/// `workbench analyze --outline FILE --chapter N`: the chapter's beats, characters, length
/// and the book's obsession from an outline file, as `generate --outline` reads it.
@Suite struct AnalyzeOutlineCLITests {
    static let outline = """
        title: The Glass Orchard
        logline: A glazier suspects her brother of the fire.
        obsession: the burnt key
        setting: An orchard above a river town, 1954.
        characters:
          - name: Hedda Lind
          - name: Anton
          - name: Sergeant Pell
        chapters:
          - number: 1
            title: Ashes
            beats:
              - Hedda walks through the burnt glasshouse at dawn
              - she finds a key fused to a melted hinge
              - Anton's boots by the water barrel
              - she pockets the key
            target_words: 150
          - number: 2
            title: Questions
            beats:
              - Sergeant Pell questions Hedda in her workshop
              - Pell mentions the insurance on the glasshouses
            target_words: 150

        """

    static let chapter = """
        At dawn Hedda walked the length of the burnt glasshouse. Broken panes crunched under her boots and the iron ribs of the roof stood black against the pale sky. Smoke still rose from the ash beds where the vines had been.

        Near the vent something caught the light. She knelt and scraped away the soot: a small iron key, its shaft fused to what was left of a melted hinge. She worked it loose with her thumbs.

        At the end of the row, beside the water barrel, stood a pair of boots. She knew the split toe and the red laces at once. They were Anton's.

        She turned the key over once more. Then she slipped it into her coat pocket and buttoned the flap over it. She told no one.

        """

    static func files(in scratch: Scratch) throws -> (outline: String, chapter: String) {
        let outline = scratch.url.appendingPathComponent("outline.yaml"), chapter = scratch.url.appendingPathComponent("chapter.txt")
        try Data(Self.outline.utf8).write(to: outline)
        try Data(Self.chapter.utf8).write(to: chapter)
        return (outline.path, chapter.path)
    }

    static func metrics(_ stdout: String) throws -> (metrics: [String: [String: Any]], issues: [String]) {
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [[String: Any]])
        let report = try #require(reports.first)
        let metrics = try #require(report["metrics"] as? [String: [String: Any]])
        let issues = try #require(report["issues"] as? [[String: Any]]).compactMap { $0["message"] as? String }
        return (metrics, issues)
    }

    @Test func theChaptersPlanAddsOutlineAdherence() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let (outline, chapter) = try Self.files(in: scratch)

        let first = try CLI.run(["analyze", "--json", "--outline", outline, "--chapter", "1", chapter], in: scratch.url)
        #expect(first.status == 0, "\(first.stderr)")
        let (metrics, issues) = try Self.metrics(first.stdout)
        #expect(metrics["outline_adherence"]?["value"] as? Double == 10)
        #expect(metrics["outline_adherence"]?["target"] as? Double == 7)
        // The chapter's target length and the book's obsession come with it.
        #expect(metrics["word_count_accuracy"] != nil)
        #expect(metrics["obsession_depth"] != nil)
        #expect(!issues.contains { $0.hasPrefix("Beat ") })

        // The same text is not chapter 2: its beats and Pell are missing.
        let second = try CLI.run(["analyze", "--json", "--outline", outline, "--chapter", "2", chapter], in: scratch.url)
        #expect(second.status == 0, "\(second.stderr)")
        let (others, otherIssues) = try Self.metrics(second.stdout)
        #expect((others["outline_adherence"]?["value"] as? Double ?? 10) < 5)
        #expect(otherIssues.contains("Beat 1 (\u{2018}Sergeant Pell questions Hedda in her workshop\u{2019}) is not in the chapter"))
        #expect(otherIssues.contains("Sergeant Pell (a character of this chapter) does not appear"))

        // --obsession and --target-words still win over the outline's.
        let given = try CLI.run(["analyze", "--json", "--outline", outline, "--chapter", "1", "--obsession", "the sealed letter", "--target-words", "131", chapter], in: scratch.url)
        #expect(given.status == 0, "\(given.stderr)")
        let (overridden, overriddenIssues) = try Self.metrics(given.stdout)
        #expect(overriddenIssues.contains("The obsession (\u{2018}the sealed letter\u{2019}) is absent"))
        #expect(overridden["word_count_accuracy"]?["value"] as? Double == 100)  // the text has 131 words

        // The text report shows it too.
        let text = try CLI.run(["analyze", "--outline", outline, "--chapter", "1", chapter], in: scratch.url)
        #expect(text.status == 0 && text.stdout.contains("outline_adherence"), "\(text.stderr)")
        // Without an outline there is no such metric.
        let plain = try CLI.run(["analyze", "--json", chapter], in: scratch.url)
        #expect(try Self.metrics(plain.stdout).metrics["outline_adherence"] == nil)
    }

    @Test func badUsageExitsTwoNamingTheFix() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let (outline, chapter) = try Self.files(in: scratch)
        let cases: [([String], String)] = [
            (["--chapter", "1"], "--chapter needs --outline FILE"),
            (["--outline", outline], "--outline needs --chapter N"),
            (["--outline", outline, "--chapter", "0"], "--chapter must be at least 1"),
            (["--outline", outline, "--chapter", "3"], "--chapter 3 is not in \(outline), which has chapters 1…2\n  fix: give --chapter 1…2"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(["analyze"] + arguments + [chapter], in: scratch.url)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func aBadOutlineIsRefusedWithExit65NamingTheFile() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let (_, chapter) = try Self.files(in: scratch)
        let missing = scratch.url.appendingPathComponent("nope.yaml").path
        let broken = scratch.url.appendingPathComponent("broken.yaml")
        // No beats in chapter 1: the outline problem generate reports, field named.
        try Data(Self.outline.replacingOccurrences(of: "    beats:\n      - Hedda walks through the burnt glasshouse at dawn\n      - she finds a key fused to a melted hinge\n      - Anton's boots by the water barrel\n      - she pockets the key\n", with: "    beats: []\n").utf8).write(to: broken)
        for (file, message) in [(missing, "the file cannot be read"), (broken.path, "chapters[0].beats is empty")] {
            let result = try CLI.run(["analyze", "--outline", file, "--chapter", "1", chapter], in: scratch.url)
            #expect(result.status == 65, "\(result.stderr)")
            #expect(result.stderr.contains("the outline from \(file) is unusable") && result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }
}
