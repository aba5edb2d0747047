import Foundation
import GRDB
import Testing

/// Issue 13: bad input never crashes, hangs or poisons the workspace. Each case is one a
/// mutation fuzzer found: a SIGILL (exit 132), a hang, or a workspace that failed every
/// later command. Bad data now exits 65 with an error that names the file (and line or field).
@Suite("bad input: typed errors, never a trap")
struct BadInputCLITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static func write(_ text: String, _ name: String, in scratch: Scratch) throws -> String {
        try Data(text.utf8).write(to: scratch.url.appendingPathComponent(name))
        return name
    }

    // MARK: stats

    /// Every value finite, their sums or variances not: each test's intermediates overflowed
    /// into a precondition failure, or into t = 0 and p = 1 (a wrong answer) and a JSON trap.
    @Test(arguments: ["welch", "student", "bayes", "effectsize", "permutation", "bootstrap", "onesample"])
    func statsOnValuesWhoseSumsOverflowExit65NamingTheFile(command: String) throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let small = try Self.write("1\n2\n3\n4\n", "small.txt", in: scratch)
        for (name, values) in [("big.txt", "1e200\n-1e200\n3e200\n"), ("huge.txt", "1.5e308\n-1.5e308\n1.5e308\n")] {
            let file = try Self.write(values, name, in: scratch)
            for json in [false, true] {
                let arguments = ["stats", command, "--a", file] + (command == "onesample" ? [] : ["--b", small]) + (json ? ["--json"] : [])
                let result = try CLI.run(arguments, in: scratch.url, timeout: 30)
                #expect(result.status == 65, "\(arguments.joined(separator: " ")): \(result.status) \(result.stderr)")
                #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(file) && result.stderr.contains("fix: "), "\(result.stderr)")
                #expect(result.stdout.isEmpty)
            }
        }
    }

    @Test func effectSizeOfNearlyConstantSamplesAnswers() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        // Unpaired: pooled sd ~1e-16, d ~1e16 (converted to Int: SIGILL).
        let a = try Self.write("1\n1\n1\n1.0000000000000002\n", "a.txt", in: scratch), b = try Self.write("0\n0\n0\n0\n", "b.txt", in: scratch)
        let unpaired = try CLI.run(["stats", "effectsize", "--a", a, "--b", b, "--json"], in: scratch.url, timeout: 30)
        #expect(unpaired.status == 0, "\(unpaired.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(unpaired.stdout.utf8)) as? [String: Any])
        #expect(((object["cohens_d"] as? [String: Any])?["value"] as? Double ?? 0) > 1e15)
        // Paired, differences 1 and 0.9999999: this one spun forever.
        let pa = try Self.write("1\n2\n", "pa.txt", in: scratch), pb = try Self.write("0\n1.0000001\n", "pb.txt", in: scratch)
        let paired = try CLI.run(["stats", "effectsize", "--paired", "--a", pa, "--b", pb], in: scratch.url, timeout: 30)
        #expect(paired.status == 0, "\(paired.stderr)")
        #expect(paired.stdout.contains("Cohen's d_z 1.414e+07"), "\(paired.stdout)")
    }

    @Test func powerOfAHugeEffectAndATinyAlpha() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let huge = try CLI.run(["stats", "power", "--effect", "1e308", "--n", "10", "--json"], in: scratch.url, timeout: 30)
        #expect(huge.status == 0, "\(huge.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(huge.stdout.utf8)) as? [String: Any])?["power"] as? Double == 1)
        let tiny = try CLI.run(["stats", "power", "--effect", "0.5", "--n", "10", "--alpha", "1e-320"], in: scratch.url, timeout: 30)
        #expect(tiny.status == 65 && tiny.stderr.contains("alpha 1e-320 is too small"), "\(tiny.status) \(tiny.stderr)")
    }

    // MARK: feedback

    /// A workspace with one imported book of ten chapters.
    static func bookWorkspace() throws -> (Scratch, String) {
        let scratch = try Scratch()
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let words = ["lantern", "harbour", "salt", "rope", "bell", "tide", "gull", "stone", "glass", "ember"]
        var files: [String] = []
        for index in 0..<10 {
            let text = (0..<12).map { sentence in "Mara carried the \(words[(index + sentence) % 10]) down to the \(words[(index * 3 + sentence) % 10]) and waited." }.joined(separator: " ")
            files.append(try write(text + "\n", "chapter\(index + 1).md", in: scratch))
        }
        let imported = try CLI.run(["books", "import", "--title", "Harbour"] + files, in: scratch.url)
        #expect(imported.status == 0, "\(imported.stderr)")
        let books = try JSONSerialization.jsonObject(with: Data(try CLI.run(["books", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]] ?? []
        return (scratch, try #require(books.first?["id"] as? String))
    }

    @Test func likesBeyondTheBoundAreRefusedAndAnOldBadRowPoisonsNothing() throws {
        let (scratch, book) = try Self.bookWorkspace()
        defer { scratch.delete() }
        // The import is refused, naming file and line; nothing is stored.
        let csv = try Self.write("chapter,rating,likes\n\(book):1,4,12\n\(book):2,3,9223372036854775807\n", "likes.csv", in: scratch)
        let refused = try CLI.run(["feedback", "import", csv], in: scratch.url)
        #expect(refused.status == 65 && refused.stderr.contains("likes.csv:3: likes `9223372036854775807`") && refused.stderr.contains("1000000000"), "\(refused.stderr)")
        #expect(try CLI.run(["feedback", "add", "--chapter", "\(book):1", "--likes", "1000000001"], in: scratch.url).status == 2)

        // Rows an older workbench stored without the bound: two of Int64's largest on one chapter.
        var rows = "chapter,rating,likes\n"
        for chapter in 1...10 { rows += "\(book):\(chapter),\(Double(chapter % 5)),\(chapter * 10)\n" }
        #expect(try CLI.run(["feedback", "import", try Self.write(rows, "ok.csv", in: scratch)], in: scratch.url).status == 0)
        let queue = try DatabaseQueue(path: scratch.url.appendingPathComponent(".workbench/workbench.sqlite").path)
        try queue.write { db in
            let version = try Int64.fetchOne(db, sql: "SELECT chapter_version_id FROM reader_feedback ORDER BY id LIMIT 1")!
            for _ in 0..<2 {
                try db.execute(sql: "INSERT INTO reader_feedback (chapter_version_id, rating, likes, source, created_at) VALUES (?, NULL, ?, 'old', ?)",
                               arguments: [version, Int64.max, Date()])
            }
        }
        try queue.close()
        let list = try CLI.run(["feedback", "list", "--json"], in: scratch.url)
        #expect(list.status == 0, "\(list.stderr)")
        let chapters = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["chapters"] as? [[String: Any]])
        #expect(chapters.count == 10 && chapters.contains { $0["likes"] as? Int == Int.max }, "\(chapters)")
        let train = try CLI.run(["train", "preferences", "--target", "likes", "--out", "likes.json"], in: scratch.url, timeout: 120)
        #expect(train.status == 0, "\(train.stderr)")
    }

    // MARK: generate

    @Test func anOutlineAskingForAstronomicalWordsIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let outline = try Self.write("""
            title: The Harbour
            logline: A keeper keeps a letter.
            obsession: the sealed letter
            setting: a lighthouse
            characters:
            - name: Mara
              attributes: {}
              relationships: {}
            chapters:
            - number: 1
              title: The Letter
              beats: [Mara finds the letter]
              target_words: 6200000000000000000

            """, "outline.yaml", in: scratch)
        let result = try CLI.run(["generate", "--experiment", Self.repository.appendingPathComponent("Experiments/sim.yaml").path, "--outline", outline], in: scratch.url, timeout: 60)
        #expect(result.status == 65, "\(result.status) \(result.stderr)")
        #expect(result.stderr.contains("chapters[0].target_words is 6200000000000000000, at most 20000 expected"), "\(result.stderr)")
    }

    // MARK: regress

    /// A copy of the simulator baseline (and the experiment it names) with its provenance edited.
    static func brokenBaseline(_ scratch: Scratch, routes: [String: [String]]) throws -> String {
        let root = scratch.url.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Baselines"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repository.appendingPathComponent("Baselines/sim-v3.0"), to: root.appendingPathComponent("Baselines/sim-v3.0"))
        try FileManager.default.copyItem(at: repository.appendingPathComponent("Experiments"), to: root.appendingPathComponent("Experiments"))
        let provenance = root.appendingPathComponent("Baselines/sim-v3.0/provenance.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: provenance)) as? [String: Any])
        object["routes"] = routes
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: provenance)
        return root.appendingPathComponent("Baselines").path
    }

    @Test(arguments: [
        (["generate": [String](), "enhance": ["sim"]], "routes.generate: the provider chain is empty"),
        (["generate": ["sim"], "enhance": [""]], "routes.enhance[0]: the provider name is empty"),
        (["generate": ["sim"], "polish": ["sim"]], "routes.polish: unknown task `polish`"),
    ])
    func aBaselineWithABadRouteIsRefusedNamingItsFileAndField(routes: [String: [String]], message: String) throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let baselines = try Self.brokenBaseline(scratch, routes: routes)
        let result = try CLI.run(["regress", "--baseline", "sim-v3.0", "--baselines", baselines], in: scratch.url, timeout: 120)
        #expect(result.status == 65, "\(result.status) \(result.stderr)")
        #expect(result.stderr.contains("sim-v3.0/provenance.json: \(message)"), "\(result.stderr)")
        let listed = try CLI.run(["baseline", "list", "--baselines", baselines], in: scratch.url)
        #expect(listed.stdout.contains("invalid: ") && listed.stdout.contains(message), "\(listed.stdout)")
    }

    // MARK: train predictor

    @Test func trainingDataErrorsNameTheFileLineAndField() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        func train(_ file: String) throws -> CLI.Result {
            try CLI.run(["train", "predictor", "--data", file, "--no-mlp", "--dimensions", "256", "--out", "model.json"], in: scratch.url, timeout: 120)
        }
        let empty = try train(try Self.write("\n\n", "empty.jsonl", in: scratch))
        #expect(empty.status == 65 && empty.stderr.contains("error: empty.jsonl: no examples"), "\(empty.stderr)")

        let text = #"{"text": "Mara carried the lantern down to the harbour.", "quality": 6.5}"#
        let outline = #"{"outline": {"title": "T", "logline": "L", "obsession": "the letter", "setting": "S", "characters": [{"name": "Mara", "attributes": {}, "relationships": {}}], "chapters": [{"number": 1, "title": "One", "beats": ["a beat"], "target_words": 600}]}, "chapter": 1, "quality": 7}"#
        let mixed = try train(try Self.write([text, text, outline, text].joined(separator: "\n") + "\n", "mixed.jsonl", in: scratch))
        #expect(mixed.status == 65 && mixed.stderr.contains("error: mixed.jsonl:3: an outline, but mixed.jsonl:1 is a text"), "\(mixed.stderr)")

        // A target the fit cannot hold was blamed on model.json ("cannot write it").
        var lines = (0..<12).map { #"{"text": "Mara carried the lantern number \#($0) down to the harbour.", "quality": \#(Double($0) / 2)}"# }
        lines[4] = #"{"text": "The bell rang over the salt.", "quality": 1e308}"#
        let extreme = try train(try Self.write(lines.joined(separator: "\n") + "\n", "extreme.jsonl", in: scratch))
        #expect(extreme.status == 65 && extreme.stderr.contains("error: extreme.jsonl:5: `quality` (the target) is 1e+308"), "\(extreme.stderr)")
        #expect(!extreme.stderr.contains("model.json"))
        #expect(!FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("model.json").path))
    }

    // MARK: analyze

    @Test func obsessionOnTextWithoutSentenceBreaksIsLinear() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        // 3 MB, one sentence, ~30,000 mentions of the key and no feeling word: ~10¹⁰ word visits before.
        let text = String(repeating: "the key turned again and the bell rang and ", count: 70_000)
        let file = try Self.write(text, "long.txt", in: scratch)
        let result = try CLI.run(["analyze", file, "--obsession", "the key", "--json"], in: scratch.url, timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"obsession_depth\""))
    }
}
