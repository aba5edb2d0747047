import Foundation
import Testing

/// `workbench queue add|list|show|cancel|retry|purge|pause|resume` as processes.
@Suite("queue commands")
struct QueueCLITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static var experiment: String { repository.appendingPathComponent("Experiments/sim.yaml").path }

    static func jobs(_ scratch: Scratch, _ arguments: [String] = []) throws -> [[String: Any]] {
        let listed = try CLI.run(["queue", "list", "--json"] + arguments, in: scratch.url)
        return try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]], "\(listed.stdout) \(listed.stderr)")
    }

    @Test func sourcesAreQueuedAndManaged() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let books = scratch.url.appendingPathComponent("books")
        try FileManager.default.createDirectory(at: books, withIntermediateDirectories: true)
        try Data("A keeper's daughter finds a sealed letter.".utf8).write(to: books.appendingPathComponent("a.txt"))
        try Data("A thief in a city of bells.".utf8).write(to: books.appendingPathComponent("b.txt"))
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("Experiments/outlines/keepers-daughter.yaml"),
                                         to: books.appendingPathComponent("c.yaml"))
        let added = try CLI.run(["queue", "add", "--source", "books", "--experiment", Self.experiment, "--priority", "2"], in: scratch.url)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("queued 3 books (jobs 1–3: 1 outline, 2 premises)"), "\(added.stdout)")
        let jobs = try Self.jobs(scratch)
        #expect(jobs.map { $0["status"] as? String } == ["pending", "pending", "pending"])
        #expect(jobs.compactMap { ($0["source"] as? [String: Any])?["kind"] as? String } == ["premise", "premise", "outline"])
        #expect(jobs.allSatisfy { $0["priority"] as? Int == 2 && $0["experiment"] as? String == Self.experiment })

        // One bad source queues nothing from that command.
        try Data().write(to: books.appendingPathComponent("empty.txt"))
        let refused = try CLI.run(["queue", "add", "--source", "books/empty.txt", "--source", "books/a.txt", "--experiment", Self.experiment], in: scratch.url)
        #expect(refused.status == 65 && refused.stderr.contains("books/empty.txt: is empty"), "\(refused.stderr)")
        #expect(try Self.jobs(scratch).count == 3)
        let outlineWithChapters = try CLI.run(["queue", "add", "--source", "books/c.yaml", "--chapters", "3", "--experiment", Self.experiment], in: scratch.url)
        #expect(outlineWithChapters.status == 2 && outlineWithChapters.stderr.contains("is an outline"), "\(outlineWithChapters.stderr)")
        let badExperiment = try CLI.run(["queue", "add", "--source", "books/a.txt", "--experiment", "nope.yaml"], in: scratch.url)
        #expect(badExperiment.status == 65 && badExperiment.stderr.contains("nope.yaml"), "\(badExperiment.stderr)")
        #expect(try Self.jobs(scratch).count == 3)

        #expect(try CLI.run(["queue", "cancel", "2"], in: scratch.url).status == 0)
        let again = try CLI.run(["queue", "cancel", "2"], in: scratch.url)
        #expect(again.status == 2 && again.stderr.contains("job 2 is cancelled"), "\(again.stderr)")
        #expect(try Self.jobs(scratch, ["--status", "cancelled"]).map { $0["id"] as? Int } == [2])
        #expect(try CLI.run(["queue", "retry", "2"], in: scratch.url).status == 0)
        #expect(try CLI.run(["queue", "retry", "2"], in: scratch.url).status == 2, "a pending job cannot be retried")
        #expect(try CLI.run(["queue", "pause"], in: scratch.url).status == 0)
        #expect(try CLI.run(["queue", "list"], in: scratch.url).stdout.contains("The queue is paused"))
        #expect(try CLI.run(["queue", "resume"], in: scratch.url).status == 0)
        let show = try CLI.run(["queue", "show", "3"], in: scratch.url)
        #expect(show.stdout.contains("outline: \"The Keeper's Daughter\", 6 chapters"), "\(show.stdout)")
        #expect(try CLI.run(["queue", "show", "42"], in: scratch.url).status == 2)
        #expect(try CLI.run(["queue", "purge", "--status", "pending"], in: scratch.url).status == 2, "only final statuses")
        #expect(try CLI.run(["queue", "add", "--experiment", Self.experiment], in: scratch.url).status == 2, "no --source")
    }

    @Test func chapterTasksAreRefusedWhereTheyCannotWork() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        try Data("A keeper's daughter finds a sealed letter.".utf8).write(to: scratch.url.appendingPathComponent("a.txt"))
        // One machine's queue has no other workers to share the chapters with.
        let local = try CLI.run(["queue", "add", "--source", "a.txt", "--experiment", Self.experiment, "--tasks", "chapters"], in: scratch.url)
        #expect(local.status == 2 && local.stderr.contains("--backend aws"), "\(local.stderr)")
        // A sequential book writes each chapter from the ones before it: refused before any AWS call
        // (no credentials or endpoint here).
        let sequential = scratch.url.appendingPathComponent("seq.yaml")
        try Data("""
            name: seq
            routes: {plan: [sim], generate: [sim], enhance: [sim]}
            prompts: \(Self.repository.appendingPathComponent("Experiments/prompts/v1").path)
            sequential: true

            """.utf8).write(to: sequential)
        let refused = try CLI.run(["queue", "add", "--backend", "aws", "--source", "a.txt", "--experiment", sequential.path, "--tasks", "chapters"], in: scratch.url,
                                  environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"])
        #expect(refused.status == 2 && refused.stderr.contains("sequential: true") && refused.stderr.contains("--tasks book"), "\(refused.stderr)")
        let unknown = try CLI.run(["queue", "add", "--source", "a.txt", "--experiment", Self.experiment, "--tasks", "scenes"], in: scratch.url)
        #expect(unknown.status == 2, "\(unknown.stderr)")
        #expect(try Self.jobs(scratch).isEmpty)
    }
}
