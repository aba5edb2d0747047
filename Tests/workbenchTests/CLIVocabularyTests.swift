import Foundation
import Testing

/// One vocabulary: `--json` always prints JSON on stdout, files are `--json-out`,
/// `--markdown-out`, `--html-out` (and `--junit`), `--format` takes the same names everywhere.
@Suite struct CLIVocabularyTests {
    @Test func jsonIsAFlagThatPrintsTheResultOnStandardOutput() throws {
        let scratch = try RegressCLITests.workspace()
        defer { scratch.delete() }
        let run = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", RegressCLITests.baselines, "--json"], in: scratch.url, timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "stdout is one JSON document: \(run.stdout.prefix(200))")
        #expect(object["passed"] as? Bool == true)
        #expect(run.stderr.contains("reports: "), "where the report files went is said on stderr, not in the JSON")

        let diff = try CLI.run(["baseline", "diff", "sim-v3.0", "sim-v3.0", "--baselines", RegressCLITests.baselines, "--json"], in: scratch.url)
        #expect(diff.status == 0)
        #expect((try? JSONSerialization.jsonObject(with: Data(diff.stdout.utf8))) != nil, "\(diff.stdout.prefix(200))")
    }

    @Test func aReportFormatThatDoesNotExistIsAUsageError() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let regress = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", RegressCLITests.baselines, "--html-out", "r.html"], in: scratch.url)
        #expect(regress.status == 2 && regress.stderr.contains("--html-out"), "\(regress.stderr)")
        let old = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", RegressCLITests.baselines, "--json", "r.json"], in: scratch.url)
        #expect(old.status == 2, "--json takes no path any more")
        #expect(try CLI.run(["report", "x", "--format", "pdf"], in: scratch.url).status == 2)
        let short = try CLI.run(["abtest", "show", "x", "--format", "md"], in: scratch.url)
        #expect(!short.stderr.contains("format"), "md is markdown's short name everywhere: \(short.stderr)")
        #expect(try CLI.run(["books", "export", "x", "--format", "html"], in: scratch.url).status == 2)
    }

    @Test func aResumedRunKeepsItsSeed() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let resumed = try CLI.run(["resume", "someid", "--seed", "3"], in: scratch.url)
        #expect(resumed.status == 2 && resumed.stderr.contains("--seed"))
    }
}
