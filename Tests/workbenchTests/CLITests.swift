import Foundation
import GRDB
import Testing
import Store
import WorkbenchCore

@Suite struct HelpAndVersionTests {
    @Test func version() throws {
        let result = try CLI.run(["--version"], in: FileManager.default.temporaryDirectory)
        #expect(result.status == 0)
        #expect(result.stdout == "workbench \(WorkbenchVersion.current)\n")
    }

    @Test(arguments: [
        ("root", ["--help"]),
        ("init", ["init", "--help"]),
        ("runs", ["runs", "--help"]),
        ("runs-list", ["runs", "list", "--help"]),
        ("runs-show", ["runs", "show", "--help"]),
        ("doctor", ["doctor", "--help"]),
        ("analyze", ["analyze", "--help"]),
        ("metrics-validate", ["metrics", "validate", "--help"]),
        ("judge", ["judge", "--help"]),
        ("report", ["report", "--help"]),
        ("books-import", ["books", "import", "--help"]),
        ("generate", ["generate", "--help"]),
        ("stats", ["stats", "--help"]),
        ("abtest", ["abtest", "run", "--help"]),
        ("regress", ["regress", "--help"]),
        ("baseline-create", ["baseline", "create", "--help"]),
        ("continuity-check", ["continuity", "check", "--help"]),
        ("continuity-fix", ["continuity", "fix", "--help"]),
        ("style", ["style", "--help"]),
        ("style-extract", ["style", "extract", "--help"]),
        ("style-match", ["style", "match", "--help"]),
        ("style-compare", ["style", "compare", "--help"]),
        ("plugins", ["plugins", "--help"]),
        ("plugins-check", ["plugins", "check", "--help"]),
        ("ensemble-report", ["ensemble", "report", "--help"]),
        ("queue-add", ["queue", "add", "--help"]),
        ("queue-process", ["queue", "process", "--help"]),
        ("queue-estimate", ["queue", "estimate", "--help"]),
        ("serve", ["serve", "--help"]),
        ("cloud", ["cloud", "--help"]),
        ("cloud-init", ["cloud", "init", "--help"]),
        ("worker", ["worker", "--help"]),
        ("lambda", ["lambda", "--help"]),
    ])
    func helpMatchesGoldenFile(name: String, arguments: [String]) throws {
        let result = try CLI.run(arguments, in: FileManager.default.temporaryDirectory)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        try expectGolden(result.stdout, named: "help-\(name)")
    }
}

@Suite struct ExitCodeTests {
    @Test func usageErrorsExitTwo() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        for arguments in [["bogus"], ["runs", "list", "--limit", "0"], ["runs", "list", "--status", "exploded"], ["runs", "show"]] {
            let result = try CLI.run(arguments, in: scratch.url)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
        }
    }

    @Test func noWorkspaceExitsTwoWithTheFix() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        guard Workspace.discover(from: scratch.url) == nil else { return }  // a .workbench above the temp folder
        let result = try CLI.run(["runs", "list"], in: scratch.url)
        #expect(result.status == 2)
        #expect(result.stderr.contains("no workspace found"))
        #expect(result.stderr.contains("fix: run `workbench init` here"))
        #expect(result.stdout.isEmpty)
    }

    @Test func corruptDatabaseExitsSixtyFiveAndIsKept() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let workspace = Workspace(root: scratch.url)
        try FileManager.default.createDirectory(at: workspace.folder, withIntermediateDirectories: true)
        try Data("this is not sqlite, it is a shopping list".utf8).write(to: workspace.databaseURL)
        for arguments in [["runs", "list"], ["init"]] {
            let result = try CLI.run(arguments, in: scratch.url)
            #expect(result.status == 65, "\(arguments)")
            #expect(result.stderr.contains(workspace.databasePath))
            #expect(result.stderr.contains("fix: move"))
        }
        #expect(try String(contentsOf: workspace.databaseURL, encoding: .utf8) == "this is not sqlite, it is a shopping list")
    }

    @Test func newerSchemaExitsSixtyFive() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        try WorkbenchDatabase.open(Workspace(root: scratch.url), create: true).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999-from-the-future')")
        }
        let result = try CLI.run(["runs", "list", "--workspace", scratch.path], in: FileManager.default.temporaryDirectory)
        #expect(result.status == 65)
        #expect(result.stderr.contains("written by a newer workbench"))
        #expect(result.stderr.contains("9999-from-the-future"))
    }

    @Test func unwritableWorkspaceExitsSeventyThree() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let file = scratch.url.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        // A folder cannot be made inside a regular file, whoever runs the test (root included).
        let result = try CLI.run(["init", "--workspace", file.appendingPathComponent("ws").path], in: scratch.url)
        #expect(result.status == 73, "\(result.stderr)")
        #expect(result.stderr.contains("cannot create"))
    }
}

@Suite struct WorkspaceCommandTests {
    @Test func initCreatesThenIsANoOp() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let first = try CLI.run(["init"], in: scratch.url)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Initialized workspace \(scratch.url.standardizedFileURL.path)/.workbench: applied 0001-initial-schema, 0002-llm-response-cache, 0003-kept-chapter-versions, 0004-abtest-samples, 0005-reader-feedback, 0006-optimize-candidates, 0007-continuity-graph, 0008-continuity-fixes, 0009-continuity-sheet-facts, 0010-ensemble, 0011-queue, 0012-queue-genre, 0013-queue-chapter-jobs, 0014-queue-regress-jobs."))
        func schemaDump() throws -> [String] {
            let database = try WorkbenchDatabase.open(Workspace(root: scratch.url))
            return try database.read { db in
                try String.fetchAll(db, sql: "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY name")
                    + String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            }
        }
        let before = try schemaDump()
        let second = try CLI.run(["init"], in: scratch.url)
        #expect(second.status == 0)
        #expect(second.stdout.contains("is current (14 migrations); nothing to do."))
        #expect(try schemaDump() == before)
        // Found from a subfolder, like git.
        let nested = scratch.url.appendingPathComponent("chapters/drafts")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        let listed = try CLI.run(["runs", "list"], in: nested)
        #expect(listed.status == 0)
        #expect(listed.stdout.hasPrefix("No runs yet."))
    }

    @Test func runsListAndShowReadWhatTheStoreWrote() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let database = try WorkbenchDatabase.open(Workspace(root: scratch.url), create: true)
        let start = Date(timeIntervalSince1970: 1_795_601_585)
        let old = try database.startRun(kind: .generate, configJSON: #"{"words":600}"#, gitRevision: "feedbeef", at: start, random: 0x111111)
        try database.finishRun(old.id, status: .succeeded, at: start.addingTimeInterval(95))
        let new = try database.startRun(kind: .abtest, configJSON: #"{"samples":20}"#, gitRevision: nil, at: start.addingTimeInterval(3600), random: 0x222222)
        try database.appendEvent(to: new.id, kind: "sample.scored", payloadJSON: #"{"arm":"variant"}"#)

        let table = try CLI.run(["runs", "list", "--workspace", scratch.path], in: FileManager.default.temporaryDirectory)
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[2].hasPrefix("20261125-111305-222222  abtest"))
        #expect(lines[3].hasPrefix("20261125-101305-111111  generate  succeeded"))
        #expect(lines[3].contains("1m35s"))

        let json = try CLI.run(["runs", "list", "--json", "--kind", "generate", "--workspace", scratch.path], in: FileManager.default.temporaryDirectory)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.map { $0["id"] as? String } == ["20261125-101305-111111"])
        #expect(parsed.first?["git_revision"] as? String == "feedbeef")

        let show = try CLI.run(["runs", "show", "20261125-1113", "--json", "--workspace", scratch.path], in: FileManager.default.temporaryDirectory)
        #expect(show.status == 0, "\(show.stderr)")
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(detail["id"] as? String == new.id.rawValue)
        #expect((detail["config"] as? [String: Any])?["samples"] as? Int == 20)
        #expect((detail["totals"] as? [String: Any])?["events"] as? Int == 1)

        let text = try CLI.run(["runs", "show", old.id.rawValue, "--workspace", scratch.path], in: FileManager.default.temporaryDirectory)
        #expect(text.stdout.contains("status:           succeeded"))

        let ambiguous = try CLI.run(["runs", "show", "2026", "--workspace", scratch.path], in: FileManager.default.temporaryDirectory)
        #expect(ambiguous.status == 2)
        #expect(ambiguous.stderr.contains("matches 2:"))
    }

    @Test func doctorReportsEveryComponent() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let result = try CLI.run(["doctor", "--json"], in: scratch.url)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let checks = try #require(report["checks"] as? [[String: Any]])
        #expect(checks.compactMap { $0["component"] as? String } == ["openblas", "lapack", "libcurl", "sqlite", "workspace", "local-model"])
        let statuses = Dictionary(uniqueKeysWithValues: checks.map { ($0["component"] as! String, $0["status"] as! String) })
        #expect(statuses["openblas"] == "ok")
        #expect(statuses["sqlite"] == "ok")
        #expect(statuses["workspace"] == "ok")
        // The harness points the cache at an empty folder: the model is missing, with its fix.
        #expect(statuses["local-model"] == "warn")
        #expect(report["passed"] as? Bool == true)

        let text = try CLI.run(["doctor"], in: scratch.url)
        #expect(text.stdout.contains("fix: run `make local-llm`"))
        #expect(!text.stdout.contains("\u{1B}["), "NO_COLOR and a non-terminal both mean no escape codes")
    }

    @Test func doctorWithoutAWorkspaceFails() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        guard Workspace.discover(from: scratch.url) == nil else { return }
        let result = try CLI.run(["doctor"], in: scratch.url)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL  workspace"))
        #expect(result.stdout.contains("fix: run `workbench init` here"))
    }
}

/// The same database file used from two processes at once: this test process and the CLI.
@Suite struct TwoProcessTests {
    @Test func aReaderProcessIsNotBlockedByAnOpenWriteTransaction() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let database = try WorkbenchDatabase.open(Workspace(root: scratch.url), create: true)
        let committed = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)

        let inserted = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let holder = Thread {
            try? database.writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try db.execute(sql: """
                        INSERT INTO runs (id, kind, status, config_json, config_hash, workbench_version, started_at)
                        VALUES ('20990101-000000-000001', 'generate', 'running', '{}', ?, '0', '2099-01-01 00:00:00.000')
                        """, arguments: [String(repeating: "0", count: 64)])
                    inserted.signal()
                    release.wait()
                    return .commit
                }
            }
            done.signal()
        }
        holder.start()
        inserted.wait()
        // While this process holds the write lock, another process reads the last committed state.
        let during = try CLI.run(["runs", "list", "--json"], in: scratch.url, timeout: 30)
        release.signal()
        done.wait()
        #expect(during.status == 0, "\(during.stderr)")
        let ids = try #require(try JSONSerialization.jsonObject(with: Data(during.stdout.utf8)) as? [[String: Any]]).compactMap { $0["id"] as? String }
        #expect(ids == [committed.id.rawValue])

        let after = try CLI.run(["runs", "list", "--json"], in: scratch.url)
        let idsAfter = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [[String: Any]]).compactMap { $0["id"] as? String }
        #expect(idsAfter == ["20990101-000000-000001", committed.id.rawValue])
    }

    @Test func aWriterProcessWaitsForTheLockInsteadOfFailing() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let database = try WorkbenchDatabase.open(Workspace(root: scratch.url), create: true)
        let locked = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let holder = Thread {
            try? database.writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try db.execute(sql: "CREATE TABLE held_by_test(x INTEGER)")
                    locked.signal()
                    Thread.sleep(forTimeInterval: 0.5)
                    return .rollback
                }
            }
            done.signal()
        }
        holder.start()
        locked.wait()
        // doctor's workspace check opens a write transaction: it must wait out our lock.
        let result = try CLI.run(["doctor", "--json"], in: scratch.url, timeout: 30)
        done.wait()
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let workspace = (report["checks"] as? [[String: Any]])?.first { $0["component"] as? String == "workspace" }
        #expect(workspace?["status"] as? String == "ok", "\(result.stdout)")
    }

    @Test func initFromAnotherProcessWhileOpenIsANoOp() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let database = try WorkbenchDatabase.open(Workspace(root: scratch.url), create: true)
        let run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        let result = try CLI.run(["init"], in: scratch.url)
        #expect(result.status == 0)
        #expect(result.stdout.contains("nothing to do"))
        #expect(try database.run(matching: run.id.rawValue).id == run.id)
    }
}

@Suite struct AnalyzeCommandTests {
    @Test func scoresFilesAndStandardInput() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let chapter = scratch.url.appendingPathComponent("chapter.txt")
        try Data("The lamp guttered in the cold hall. \"Stay,\" she whispered, and her voice shook with fear.\n\nHe did not answer.".utf8).write(to: chapter)
        let result = try CLI.run(["analyze", "--json", "--target-words", "20", "--obsession", "the lamp", chapter.path], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let report = try #require(reports.first)
        #expect(report["file"] as? String == chapter.path)
        let metrics = try #require(report["metrics"] as? [String: [String: Any]])
        #expect(metrics["word_count"]?["value"] as? Double == 20)
        #expect(metrics["word_count_accuracy"]?["value"] as? Double == 100)
        #expect(metrics["obsession_depth"] != nil)
        #expect((report["quality"] as? Double).map { (0...10).contains($0) } == true)
        #expect(report["issues"] is [[String: Any]])

        let text = try CLI.run(["analyze", "-"], in: scratch.url, stdin: Data("It rained all night on the tin roof.".utf8))
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("-: quality "))
        #expect(text.stdout.contains("detail_density"))
    }

    @Test(arguments: [
        ("empty.txt", Data("   \n".utf8), "is empty"),
        ("binary.bin", Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x1A]), "is binary data"),
        ("latin1.txt", Data([0x63, 0x61, 0x66, 0xE9, 0x20, 0x6E, 0x6F, 0x69, 0x72]), "is not UTF-8"),
    ])
    func refusesWhatIsNotProseWithExit65(name: String, contents: Data, message: String) throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let file = scratch.url.appendingPathComponent(name)
        try contents.write(to: file)
        let result = try CLI.run(["analyze", file.path], in: scratch.url)
        #expect(result.status == 65)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains("fix:"))
        #expect(result.stdout.isEmpty)
        let missing = try CLI.run(["analyze", scratch.url.appendingPathComponent("nope.txt").path], in: scratch.url)
        #expect(missing.status == 65)
    }

    /// `--json` writes each report as it is made, but prints the whole array or nothing: a
    /// file that cannot be read after good ones fails the command with no partial JSON.
    @Test func jsonIsWholeOrNothingAndReadsEveryKindOfFile() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let chapter = scratch.url.appendingPathComponent("chapter.txt"), empty = scratch.url.appendingPathComponent("empty.txt")
        try Data(String(repeating: "The lamp guttered in the cold hall, and she waited. ", count: 2000).utf8).write(to: chapter)
        try Data().write(to: empty)
        let both = try CLI.run(["analyze", "--json", chapter.path, chapter.path], in: scratch.url)
        #expect(both.status == 0, "\(both.stderr)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(both.stdout.utf8)) as? [[String: Any]])
        #expect(reports.count == 2 && reports.allSatisfy { $0["file"] as? String == chapter.path })
        for bad in [scratch.url.appendingPathComponent("nope.txt").path, empty.path, scratch.url.path] {
            let result = try CLI.run(["analyze", "--json", chapter.path, bad], in: scratch.url)
            #expect(result.status == 65, "\(bad): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(bad)")
        }
        // Standard input and a file together.
        let mixed = try CLI.run(["analyze", "--json", "-", chapter.path], in: scratch.url, stdin: Data("It rained all night on the tin roof.".utf8))
        #expect(mixed.status == 0, "\(mixed.stderr)")
        #expect(try JSONSerialization.jsonObject(with: Data(mixed.stdout.utf8)) is [[String: Any]])
    }
}

@Suite struct JudgeCommandTests {
    @Test func judgesWithTheSimulatorBesideTheHeuristics() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let chapter = scratch.url.appendingPathComponent("chapter.txt")
        try Data("The lamp guttered in the cold hall. She felt a sudden dread.\n\nHe did not answer her.".utf8).write(to: chapter)
        let rubrics = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/prompts/judge/v1").standardized.path
        let result = try CLI.run(["judge", chapter.path, "--rubrics", rubrics, "--samples", "2", "--json"], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        let verdicts = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(verdicts.compactMap { $0["dimension"] as? String } == ["detail", "emotion", "voice", "overall"])
        #expect(verdicts.allSatisfy { ($0["samples"] as? [Any])?.count == 2 && $0["heuristic_score"] is Double })
        let unknown = try CLI.run(["judge", chapter.path, "--rubrics", rubrics, "--dimensions", "plot"], in: scratch.url)
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("no judge rubric for dimension `plot`"))
    }
}

@Suite struct BooksAndReportCommandTests {
    @Test func importThenReportInEveryFormat() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        var files: [String] = []
        for chapter in 1...3 {
            let file = scratch.url.appendingPathComponent("ch\(chapter).txt")
            try Data(String(repeating: "The cold rain fell on the roof while Anna waited. She felt a sudden fear and hurried to the door. ", count: 10 + chapter).utf8).write(to: file)
            files.append(file.path)
        }
        let imported = try CLI.run(["books", "import", "--title", "Rain", "--target-words", "200"] + files, in: scratch.url)
        #expect(imported.status == 0, "\(imported.stderr)")
        let list = try CLI.run(["books", "list", "--json"], in: scratch.url)
        let books = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let id = try #require(books.first?["id"] as? String)
        #expect(books.first?["chapters"] as? Int == 3)

        let terminal = try CLI.run(["report", id], in: scratch.url)
        #expect(terminal.status == 0)
        #expect(terminal.stdout.hasPrefix("BOOK QUALITY REPORT: \"Rain\""))
        #expect(terminal.stdout.contains("Ch 3:"))
        let html = scratch.url.appendingPathComponent("report.html")
        let written = try CLI.run(["report", id, "--format", "html", "--out", html.path], in: scratch.url)
        #expect(written.status == 0)
        #expect(try String(contentsOf: html, encoding: .utf8).contains("<svg "))
        let json = try CLI.run(["report", String(id.prefix(15)), "--format", "json"], in: scratch.url)
        #expect((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["title"] as? String == "Rain")
        // The run id reports its book too.
        let byRun = try CLI.run(["report", String(id.dropLast(2)), "--format", "md"], in: scratch.url)
        #expect(byRun.stdout.hasPrefix("# Book quality report: Rain"))

        // Judges score the stored chapters; their scores land beside the heuristic ones.
        let rubrics = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/prompts/judge/v1").standardized.path
        let judged = try CLI.run(["judge", "--book", id, "--rubrics", rubrics, "--dimensions", "overall", "--samples", "1"], in: scratch.url)
        #expect(judged.status == 0, "\(judged.stderr)")
        #expect(judged.stdout.contains("stored for book \(id)"))
        let withJudge = try CLI.run(["report", id, "--format", "json"], in: scratch.url)
        let chapters = (try JSONSerialization.jsonObject(with: Data(withJudge.stdout.utf8)) as? [String: Any])?["chapters"] as? [[String: Any]]
        #expect(chapters?.allSatisfy { ($0["judge"] as? [String: Double])?["overall"] != nil } == true)

        #expect(try CLI.run(["report", "nope"], in: scratch.url).status == 2)
        #expect(try CLI.run(["report", id, "--format", "pdf"], in: scratch.url).status == 2)
        // A bad chapter file stops the import before anything is written.
        let empty = scratch.url.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        let refused = try CLI.run(["books", "import", "--title", "Broken", files[0], empty.path], in: scratch.url)
        #expect(refused.status == 65)
        let after = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["books", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]])
        #expect(after.count == 1)
    }
}

@Suite struct GenerateCommandTests {
    @Test func generatesABookWithTheSimulatorAndWritesItsOutputs() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let experiment = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/sim.yaml").standardized.path
        let result = try CLI.run(["generate", "--experiment", experiment, "--premise", "A storm over the harbour.", "--chapters", "3", "--words", "300"], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("planned \""))
        #expect(result.stdout.contains("chapter 3 done"))
        #expect(result.stdout.contains("BOOK QUALITY REPORT"))
        let reports = try FileManager.default.contentsOfDirectory(atPath: scratch.url.appendingPathComponent("Reports").path)
        #expect(reports.contains { $0.hasSuffix(".md") } && reports.contains { $0.hasSuffix(".html") })
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["runs", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]])
        #expect(runs.first?["kind"] as? String == "generate")
        #expect(runs.first?["status"] as? String == "succeeded")
        let books = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["books", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]])
        let book = try #require(books.first?["id"] as? String)
        let shown = try CLI.run(["books", "show", book], in: scratch.url)
        #expect(shown.status == 0 && shown.stdout.contains("obsession:") && shown.stdout.contains("CHAPTER"))
        let exported = try CLI.run(["books", "export", book], in: scratch.url)
        let written = try String(contentsOf: scratch.url.appendingPathComponent("Reports/\(book).md"), encoding: .utf8)
        #expect(exported.stdout == written, "export gives the manuscript generate wrote")
        #expect(try CLI.run(["books", "export", book, "--format", "epub"], in: scratch.url).status == 2)
        // The outline generate wrote is accepted back as --outline.
        let again = try CLI.run(["generate", "--experiment", experiment, "--outline", scratch.url.appendingPathComponent("Reports/\(book).outline.yaml").path, "--words", "300"], in: scratch.url)
        #expect(again.status == 0, "\(again.stderr)")
        let newest = try WorkbenchDatabase.open(Workspace(root: scratch.url)).runs(limit: 1)[0]
        #expect(try WorkbenchDatabase.open(Workspace(root: scratch.url)).llmCalls(runID: newest.id).allSatisfy { $0.task != .plan }, "a given outline needs no planning call")

        #expect(try CLI.run(["generate", "--experiment", experiment], in: scratch.url).status == 2, "needs a premise or an outline")
        let badOutline = scratch.url.appendingPathComponent("outline.yaml")
        try Data("title: T\nchapters: nope\n".utf8).write(to: badOutline)
        let refused = try CLI.run(["generate", "--experiment", experiment, "--outline", badOutline.path], in: scratch.url)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains(badOutline.path))
    }
}

/// Crash safety: SIGKILL a generation at many points, resume it, and get the same book.
@Suite(.serialized) struct KillAndResumeTests {
    static let experiment = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/sim.yaml").standardized.path
    static let arguments = ["--experiment", experiment, "--premise", "A keeper's daughter and a sealed letter.", "--chapters", "3", "--words", "400", "--concurrency", "2"]

    /// Starts `workbench generate`, kills it with SIGKILL after `lines` lines of output.
    static func generateKilled(after lines: Int, in directory: URL) throws {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["generate"] + arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["WORKBENCH_WORKSPACE"] = nil
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = 0
        let deadline = Date().addingTimeInterval(60)
        while seen < lines, Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // it finished before the kill point
            seen += chunk.filter { $0 == 0x0A }.count
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    struct NoManuscript: Error {}

    static func manuscript(in directory: URL) throws -> String {
        let reports = directory.appendingPathComponent("Reports")
        guard let file = (try? FileManager.default.contentsOfDirectory(atPath: reports.path))?.first(where: { $0.hasSuffix(".md") }) else { throw NoManuscript() }
        return try String(contentsOf: reports.appendingPathComponent(file), encoding: .utf8)
    }

    @Test func killedAtTenPointsThenResumedGivesTheSameManuscript() throws {
        // The uninterrupted book.
        let clean = try Scratch()
        defer { clean.delete() }
        #expect(try CLI.run(["init"], in: clean.url).status == 0)
        let full = try CLI.run(["generate"] + Self.arguments, in: clean.url)
        #expect(full.status == 0, "\(full.stderr)")
        let expected = try Self.manuscript(in: clean.url)
        let totalLines = full.stdout.split(separator: "\n").count
        #expect(full.stdout.contains("not kept") || full.stdout.contains("(kept)"), "enhancements ran, so kills can land in them")

        // Kill points spread over the whole run, planning to the last enhancement.
        let points = Array(Set((0..<10).map { 1 + $0 * max(1, (totalLines - 12) / 10) })).sorted()
        #expect(points.count >= 10)
        for point in points {
            let scratch = try Scratch()
            defer { scratch.delete() }
            #expect(try CLI.run(["init"], in: scratch.url).status == 0)
            try Self.generateKilled(after: point, in: scratch.url)
            let runs = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["runs", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]])
            let id = try #require(runs.first?["id"] as? String)
            if runs.first?["status"] as? String != "succeeded" {
                let resumed = try CLI.run(["resume", id], in: scratch.url)
                #expect(resumed.status == 0, "kill after \(point) lines: \(resumed.stderr)")
            } else if (try? Self.manuscript(in: scratch.url)) == nil {
                // Killed after the run was stored as done but before the files were written:
                // the book is complete in the workspace, and export writes it out.
                let books = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["books", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]])
                let book = try #require(books.first?["id"] as? String)
                try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent("Reports"), withIntermediateDirectories: true)
                #expect(try CLI.run(["books", "export", book, "--out", scratch.url.appendingPathComponent("Reports/\(book).md").path], in: scratch.url).status == 0)
            }
            #expect(try Self.manuscript(in: scratch.url) == expected, "kill after \(point) lines")
            // No call was paid twice, and the database survived every kill.
            let database = try WorkbenchDatabase.open(Workspace(root: scratch.url))
            let duplicates = try database.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT request_hash FROM llm_calls WHERE outcome = 'ok' GROUP BY request_hash HAVING count(*) > 1)")
            }
            #expect(duplicates == 0, "kill after \(point) lines")
            #expect(try database.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
        }
    }

    @Test func aBudgetStopsAndAResumeWithMoreFinishes() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let stopped = try CLI.run(["generate"] + Self.arguments + ["--budget", "0.0001", "--provider", "sim-priced"], in: scratch.url)
        #expect(stopped.status == 1)
        #expect(stopped.stderr.contains("budget reached"))
        #expect(stopped.stderr.contains("workbench resume"))
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(try CLI.run(["runs", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]])
        #expect(runs.first?["status"] as? String == "interrupted")
        let id = try #require(runs.first?["id"] as? String)
        let resumed = try CLI.run(["resume", id, "--budget", "100", "--provider", "sim-priced"], in: scratch.url)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("book done"))
        #expect(try CLI.run(["resume", id], in: scratch.url).status == 2, "a finished run has nothing to resume")
    }
}

@Suite struct FaultyProviderTests {
    /// With a fifth of all calls failing (rate limits, server errors, truncated and malformed
    /// answers, reset connections), the book still completes and every failure is logged.
    @Test func aBookCompletesThroughTwentyPercentTransientFaults() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let prompts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/prompts/v1").standardized.path
        try Data("""
            providers:
              sim-faulty:
                kind: sim
                # The default (6 attempts for quick failures) lost none of 1,000 such books and
                # the old 4 lost 3.4% (`workbench-bench --only faults`); eight make a failure of
                # this test about one in 10^5 runs.
                attempts: 8
                simulator: {fault_rate: 0.2, faults: ["429", "500", "503", "truncate", "malformed", "reset"], retry_after_ms: 20}
            """.utf8).write(to: scratch.url.appendingPathComponent("providers.yaml"))
        try Data("""
            routes: {plan: [sim-faulty], generate: [sim-faulty], enhance: [sim-faulty]}
            prompts: \(prompts)
            book: {chapters: 24, words_per_chapter: 300}
            enhancement: {iterations: 1}
            concurrency: 8
            seed: 3
            """.utf8).write(to: scratch.url.appendingPathComponent("faulty.yaml"))
        let result = try CLI.run(["generate", "--experiment", scratch.url.appendingPathComponent("faulty.yaml").path, "--premise", "A storm."], in: scratch.url, timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("book done"))
        let database = try WorkbenchDatabase.open(Workspace(root: scratch.url))
        let outcomes = try database.llmCalls().map(\.outcome)
        let failures = outcomes.filter { $0.hasPrefix("error:") }
        #expect(failures.count >= 3, "faults were injected and logged: \(Set(outcomes))")
        #expect(Set(failures).count >= 2, "several kinds: \(Set(failures))")
        #expect(outcomes.filter { $0 == "ok" }.count > failures.count)
    }
}

/// Sample files a.txt and b.txt in the scratch folder.
func writeSamples(in scratch: Scratch, a: String, b: String) throws -> (URL, URL) {
    let fileA = scratch.url.appendingPathComponent("a.txt"), fileB = scratch.url.appendingPathComponent("b.txt")
    try Data(a.utf8).write(to: fileA)
    try Data(b.utf8).write(to: fileB)
    return (fileA, fileB)
}

@Suite struct StatsCommandTests {
    @Test func welchFromFilesAndCSVColumns() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let a = scratch.url.appendingPathComponent("a.txt"), b = scratch.url.appendingPathComponent("b.csv")
        try Data("# control\n5.1\n4.9\n\n6.2\n5.5\n".utf8).write(to: a)
        try Data("arm,score\nv,4.1\nv,3.9\nv,4.2\nv,4.8\n".utf8).write(to: b)
        // --column applies to every file of the call, so the plain-lines comparison uses a plain B.
        let plainB = scratch.url.appendingPathComponent("b.txt")
        try Data("4.1\n3.9\n4.2\n4.8\n".utf8).write(to: plainB)
        let result = try CLI.run(["stats", "welch", "--a", a.path, "--b", plainB.path, "--json"], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        // scipy.stats.ttest_ind([5.1, 4.9, 6.2, 5.5], [4.1, 3.9, 4.2, 4.8], equal_var=False)
        #expect(abs((object["statistic"] as? Double ?? 0) - 3.3948810570186914) < 1e-12)
        #expect(abs((object["p_value"] as? Double ?? 0) - 0.01786775666664256) < 1e-12)
        #expect(abs((object["df"] as? Double ?? 0) - 5.264030781478041) < 1e-12)
        #expect(object["n_a"] as? Int == 4 && object["n_b"] as? Int == 4)
        for key in ["ci_low", "ci_high", "effect_size"] { #expect(object[key] is Double, "\(key)") }
        let ranks = try CLI.run(["stats", "mannwhitney", "--a", a.path, "--b", plainB.path, "--json"], in: scratch.url)
        let rankObject = try #require(try JSONSerialization.jsonObject(with: Data(ranks.stdout.utf8)) as? [String: Any])
        // scipy.stats.mannwhitneyu([5.1, 4.9, 6.2, 5.5], [4.1, 3.9, 4.2, 4.8]): U = 16, exact p = 0.02857142857142857
        #expect(rankObject["statistic"] as? Double == 16)
        #expect(abs((rankObject["p_value"] as? Double ?? 0) - 0.02857142857142857) < 1e-12)
        let csv = try CLI.run(["stats", "onesample", "--a", b.path, "--column", "score", "--mu", "4", "--alternative", "greater"], in: scratch.url)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout.hasPrefix("onesample t test (greater)"))
    }

    @Test func adjustMarksTheRejectedPValues() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let file = scratch.url.appendingPathComponent("p.txt")
        try Data("0.01\n0.04\n0.03\n0.02\n0.05\n".utf8).write(to: file)
        let holm = try CLI.run(["stats", "adjust", "--p", file.path, "--json"], in: scratch.url)
        #expect(holm.status == 0, "\(holm.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(holm.stdout.utf8)) as? [String: Any])
        let rows = try #require(object["results"] as? [[String: Any]])
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.02, 0.05), "holm") = 0.05 0.09 0.09 0.08 0.09
        #expect(rows.map { $0["rejected"] as? Bool } == [true, false, false, false, false])
        #expect(abs((rows[3]["adjusted"] as? Double ?? 0) - 0.08) < 1e-15)
        let bh = try CLI.run(["stats", "adjust", "--p", file.path, "--method", "bh"], in: scratch.url)
        #expect(bh.stdout.contains("5 of 5 rejected (bh)"), "\(bh.stdout)")
        try Data("0.2\n1.5\n".utf8).write(to: file)
        let bad = try CLI.run(["stats", "adjust", "--p", file.path], in: scratch.url)
        #expect(bad.status == 65 && bad.stderr.contains("position 2"), "\(bad.stderr)")
    }

    @Test func permutationEnumeratesSmallSamples() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let (a, b) = try writeSamples(in: scratch, a: "1\n2\n3\n4.5\n", b: "2\n3\n5\n6\n7\n")
        let result = try CLI.run(["stats", "permutation", "--a", a.path, "--b", b.path, "--json"], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        // scipy.stats.permutation_test(([1, 2, 3, 4.5], [2, 3, 5, 6, 7]), mean difference): p = 11/63 over 126 splits.
        #expect(abs((object["p_value"] as? Double ?? 0) - 0.1746031746031746) < 1e-12)
        #expect(object["exact"] as? Bool == true && object["resamples"] as? Int == 126)
        let paired = try CLI.run(["stats", "permutation", "--paired", "--a", a.path, "--b", b.path], in: scratch.url)
        #expect(paired.status == 65 && paired.stderr.contains("differ in length"), "\(paired.stderr)")
    }

    @Test func bootstrapIsRepeatableForASeed() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let (a, b) = try writeSamples(in: scratch, a: "5.1\n4.9\n6.2\n5.5\n6.0\n5.8\n", b: "4.1\n4.9\n4.2\n4.8\n5.5\n5.0\n")
        let arguments = ["stats", "bootstrap", "--a", a.path, "--b", b.path, "--paired", "--seed", "7", "--json"]
        let first = try CLI.run(arguments, in: scratch.url), second = try CLI.run(arguments, in: scratch.url)
        #expect(first.status == 0 && first.stdout == second.stdout, "\(first.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let low = try #require(object["ci_low"] as? Double), high = try #require(object["ci_high"] as? Double)
        #expect(low < 0.8 && 0.8 < high, "mean difference 0.8 inside [\(low), \(high)]")
        #expect(object["method"] as? String == "BCa" && object["resamples"] as? Int == 9999)
        let bad = try CLI.run(["stats", "bootstrap", "--a", a.path, "--method", "studentized"], in: scratch.url)
        #expect(bad.status == 2 && bad.stderr.contains("BCa or percentile"), "\(bad.stderr)")
    }

    @Test func bayesSummarisesTheDecision() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let (a, b) = try writeSamples(in: scratch, a: "5.1\n4.9\n6.2\n5.5\n6.0\n5.8\n4.7\n", b: "4.1\n4.9\n4.2\n4.8\n5.5\n5.0\n4.9\n")
        let result = try CLI.run(["stats", "bayes", "--a", a.path, "--b", b.path, "--paired", "--json"], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        // Reference prior: P(A better) = 1 − p/2 of the paired t test, scipy.stats.ttest_rel(a, b).pvalue = 0.04575240161100299
        let probability = try #require(object["probability_a_better"] as? Double)
        #expect(abs(probability - (1 - 0.04575240161100299 / 2)) < 1e-12)
        #expect((object["expected_loss_choosing_a"] as? Double ?? 1) < (object["expected_loss_choosing_b"] as? Double ?? 0))
    }

    @Test func effectSizesWithIntervals() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let (a, b) = try writeSamples(in: scratch, a: "1\n2\n3\n4.5\n6\n7\n8\n9\n", b: "0\n1\n2\n1.5\n3\n")
        let result = try CLI.run(["stats", "effectsize", "--a", a.path, "--b", b.path, "--confidence", "0.99", "--json"], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let d = try #require(object["cohens_d"] as? [String: Double])
        // Noncentral-t inversion with scipy.stats.nct and brentq: d 1.4744168709998713, 99% CI [-0.21577580218674267, 3.1284489173624306].
        #expect(abs(d["value"]! - 1.4744168709998713) < 1e-12)
        #expect(abs(d["ci_low"]! + 0.21577580218674267) < 1e-7 && abs(d["ci_high"]! - 3.1284489173624306) < 1e-7)
        #expect(object["rank_biserial"] is [String: Double] && object["hedges_g"] is [String: Double])
    }

    @Test func powerAnswersTheRoadmapsQuestion() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        // What n detects a 0.5-point change at 80%, paired, sd of differences 1? statsmodels:
        // TTestPower().solve_power(0.5, power=0.8, alpha=0.05) = 33.37, so 34 pairs.
        let sampleSize = try CLI.run(["stats", "power", "--difference", "0.5", "--sd", "1", "--power", "0.8", "--json"], in: scratch.url)
        #expect(sampleSize.status == 0, "\(sampleSize.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sampleSize.stdout.utf8)) as? [String: Any])
        #expect(object["n"] as? Int == 34)
        #expect((object["power"] as? Double ?? 0) >= 0.8)
        // TTestIndPower().power(0.5, 20, 0.05) = 0.33790...
        let power = try CLI.run(["stats", "power", "--design", "twosample", "--effect", "0.5", "--n", "20"], in: scratch.url)
        #expect(power.stdout.contains("power = 0.3379"), "\(power.stdout)")
        let underdetermined = try CLI.run(["stats", "power", "--n", "20"], in: scratch.url)
        #expect(underdetermined.status == 2 && underdetermined.stderr.contains("exactly two"), "\(underdetermined.status) \(underdetermined.stderr)")
    }

    @Test(arguments: [
        ("1\nx\n", "is not a number"),
        ("", "is empty"),
        ("3\n3\n3\n", "is constant"),
        ("1\nnan\n2\n", "not a finite number"),
    ])
    func badSamplesExit65(contents: String, message: String) throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let file = scratch.url.appendingPathComponent("a.txt")
        try Data(contents.utf8).write(to: file)
        let result = try CLI.run(["stats", "onesample", "--a", file.path], in: scratch.url)
        #expect(result.status == 65)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        let mismatched = scratch.url.appendingPathComponent("b.txt")
        try Data("1\n2\n".utf8).write(to: mismatched)
        try Data("1\n2\n3\n".utf8).write(to: file)
        #expect(try CLI.run(["stats", "paired", "--a", file.path, "--b", mismatched.path], in: scratch.url).status == 65)
    }
}
