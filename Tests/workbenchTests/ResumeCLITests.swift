import Foundation
import Testing

/// `resume` continues exactly the run that was started: from any folder, with the provider
/// it was started with, and never silently with edited prompts, routes or targets.
@Suite struct ResumeCLITests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments").standardized

    /// An experiment of its own (a copy of sim.yaml with its prompts and provider table), so it can be edited.
    static func experiment(in scratch: Scratch) throws -> URL {
        let folder = scratch.url.appendingPathComponent("exp")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("prompts"), withIntermediateDirectories: true)
        for name in ["sim.yaml", "providers.yaml"] {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        for name in ["prompts/v1", "prompts/judge"] {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return folder.appendingPathComponent("sim.yaml")
    }

    /// A generation stopped by its budget; returns the run id.
    static func stoppedRun(_ experiment: URL, in scratch: Scratch) throws -> String {
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        // A relative experiment path, as a user types it.
        let stopped = try CLI.run(["generate", "--experiment", "exp/sim.yaml", "--premise", "A keeper's daughter and a sealed letter.",
                                   "--chapters", "2", "--words", "300", "--budget", "0.0001", "--provider", "sim-priced"], in: scratch.url)
        #expect(stopped.status == 1, "\(stopped.stderr)")
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["runs", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]])
        #expect(runs.first?["status"] as? String == "interrupted")
        return try #require(runs.first?["id"] as? String)
    }

    @Test func aRunResumesFromAnotherFolderWithItsOwnProvider() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let experiment = try Self.experiment(in: scratch)
        let id = try Self.stoppedRun(experiment, in: scratch)
        let elsewhere = try Scratch()
        defer { elsewhere.delete() }
        // No --provider: the run's own (sim-priced) is used, so its calls keep costing.
        let resumed = try CLI.run(["resume", id, "--budget", "100", "--workspace", scratch.path], in: elsewhere.url)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let show = try CLI.run(["runs", "show", id, "--json", "--workspace", scratch.path], in: elsewhere.url)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let config = try #require(object["config"] as? [String: Any])
        #expect(config["provider"] as? String == "sim-priced")
        #expect((config["file"] as? String)?.hasPrefix("/") == true, "the experiment is recorded by its absolute path")
    }

    @Test func aChangedConfigurationIsRefusedNamingWhatChanged() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let experiment = try Self.experiment(in: scratch)
        let id = try Self.stoppedRun(experiment, in: scratch)
        let template = experiment.deletingLastPathComponent().appendingPathComponent("prompts/v1/chapter.mustache")
        try (try String(contentsOf: template, encoding: .utf8) + "\nWrite in the present tense.").write(to: template, atomically: true, encoding: .utf8)
        var yaml = try String(contentsOf: experiment, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "judge: [sim]", with: "judge: [sim-priced]")
        try yaml.write(to: experiment, atomically: true, encoding: .utf8)

        let refused = try CLI.run(["resume", id, "--budget", "100"], in: scratch.url)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("the prompt templates"))
        #expect(refused.stderr.contains("routes"))
        #expect(refused.stderr.contains("--allow-changed"))
        let differentProvider = try CLI.run(["resume", id, "--budget", "100", "--provider", "sim"], in: scratch.url)
        #expect(differentProvider.status == 65 && differentProvider.stderr.contains("--provider"))
        // The refusal changed nothing: the run is still there to resume.
        let accepted = try CLI.run(["resume", id, "--budget", "100", "--allow-changed"], in: scratch.url)
        #expect(accepted.status == 0, "\(accepted.stderr)")
    }
}
