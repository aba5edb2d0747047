import Foundation
import Testing

/// Every run records the git revision it was made at, `generate` and `abtest` included.
@Suite(.serialized) struct GitRevisionCLITests {
    @Test func generateAndABTestRecordTheRevision() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        func git(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-c", "user.name=t", "-c", "user.email=t@example.com"] + arguments
            process.currentDirectoryURL = scratch.url
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try git(["init", "-q"])
        _ = try git(["commit", "-q", "--allow-empty", "-m", "start"])
        let revision = String(try git(["rev-parse", "HEAD"]).prefix(12))
        try #require(revision.count == 12)
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)

        let generated = try CLI.run(["generate", "--experiment", simExperiment, "--premise", "A storm.", "--chapters", "1", "--words", "200", "--plain"], in: scratch.url)
        #expect(generated.status == 0, "\(generated.stderr)")
        let prompts = repositoryRoot.appendingPathComponent("Experiments/prompts/v1").path
        let tested = try CLI.run(["abtest", "--experiment", simExperiment, "--control", prompts, "--variant", repositoryRoot.appendingPathComponent("Experiments/prompts/v1-open").path,
                                  "--samples", "2"], in: scratch.url, timeout: 120)
        #expect(tested.status == 0, "\(tested.stderr)")

        for kind in ["generate", "abtest"] {
            let id = try #require(try listedRuns(in: scratch.url).first { $0["kind"] as? String == kind }?["id"] as? String, "a \(kind) run")
            let shown = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["runs", "show", id, "--json"], in: scratch.url).stdout.utf8)) as? [String: Any])
            let run = (shown["run"] as? [String: Any]) ?? shown
            #expect(run["git_revision"] as? String == revision, "\(kind): \(shown)")
        }

        // In a linked worktree (`.git` is a file) on a branch of its own, with packed refs.
        let tree = scratch.url.appendingPathComponent("tree")
        _ = try git(["worktree", "add", "-q", "-b", "side", tree.path])
        _ = try git(["-C", tree.path, "commit", "-q", "--allow-empty", "-m", "side"])
        _ = try git(["pack-refs", "--all"])
        let side = String(try git(["-C", tree.path, "rev-parse", "HEAD"]).prefix(12))
        try #require(side != revision)
        #expect(try CLI.run(["init"], in: tree).status == 0)
        #expect(try CLI.run(["generate", "--experiment", simExperiment, "--premise", "A storm.", "--chapters", "1", "--words", "200", "--plain"], in: tree).status == 0)
        let id = try #require(try listedRuns(in: tree).first?["id"] as? String)
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["runs", "show", id, "--json"], in: tree).stdout.utf8)) as? [String: Any])
        #expect(((shown["run"] as? [String: Any]) ?? shown)["git_revision"] as? String == side)
    }
}
