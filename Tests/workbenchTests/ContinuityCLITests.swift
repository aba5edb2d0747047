import Foundation
import GRDB
import Store
import Testing
import WorkbenchCore

/// `workbench continuity check|facts|graph` as processes, on books imported into a fresh
/// workspace with `books import` (or stored through the Store API where no command can make them).
@Suite("continuity commands")
struct ContinuityCLITests {
    /// A paragraph that names the cast mid-sentence, so their names are read as names.
    static let cast = "That evening Marcus Hale and Mr Hale's friend Clara Marsh met at the inn, where Marcus laughed and Clara smiled. Marcus said he was tired; Clara said she was not."

    /// Three chapters with two seeded contradictions: grey eyes turn blue, and Marcus acts after his death.
    static let contradicting = [
        cast + "\n\nMarcus had grey eyes. Clara had red hair.\n\nThe rain kept on until dark.\n",
        cast + "\n\nMarcus's blue eyes narrowed at the fire.\n\nMarcus died that night.\n",
        "That morning Clara Marsh walked to the churchyard alone.\n\nMarcus smiled at the fire.\n",
    ]
    static let clean = [
        cast + "\n\nMarcus had grey eyes. Clara had red hair.\n",
        cast + "\n\nMarcus's grey eyes narrowed at the fire.\n",
    ]

    /// A workspace holding one imported book of `chapters`; returns it and the book's id.
    static func workspace(with chapters: [String]) throws -> (Scratch, String) {
        let scratch = try Scratch()
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        var files: [String] = []
        for (index, text) in chapters.enumerated() {
            let name = "chapter\(index + 1).txt"
            try Data(text.utf8).write(to: scratch.url.appendingPathComponent(name))
            files.append(name)
        }
        let imported = try CLI.run(["books", "import", "--title", "The Mill"] + files, in: scratch.url)
        #expect(imported.status == 0, "\(imported.stderr)")
        let books = try JSONSerialization.jsonObject(with: Data(try CLI.run(["books", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]] ?? []
        return (scratch, try #require(books.first?["id"] as? String))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text.prefix(300))")
    }

    /// The built-in simulator answers extraction requests with the fact sentences of its own
    /// templates ("Marcus had grey eyes.", "Marcus's eyes were blue.").
    @Test func modelExtractionThroughTheSimulator() throws {
        let (scratch, book) = try Self.workspace(with: [Self.cast + "\n\nMarcus had grey eyes.\n", Self.cast + "\n\nMarcus's eyes were blue.\n"])
        defer { scratch.delete() }
        let model = try CLI.run(["continuity", "check", book, "--extractor", "model", "--provider", "sim", "--json"], in: scratch.url)
        #expect(model.status == 1, "\(model.stderr)")
        let json = try Self.json(model.stdout)
        #expect(json["extractor"] as? String == "model" && json["facts"] as? Int == 2 && json["major"] as? Int == 1)
        #expect((json["rejected_extractions"] as? [Any])?.isEmpty == true)
        let graph = try Self.json(try CLI.run(["continuity", "graph", book], in: scratch.url).stdout)
        let facts = try #require(graph["facts"] as? [[String: Any]])
        #expect(facts.allSatisfy { "\($0)".contains("model") }, "\(facts)")

        let both = try Self.json(try CLI.run(["continuity", "check", book, "--extractor", "both", "--provider", "sim", "--json"], in: scratch.url).stdout)
        let patterns = try Self.json(try CLI.run(["continuity", "check", book, "--json"], in: scratch.url).stdout)
        #expect(both["extractor"] as? String == "pattern+model" && patterns["extractor"] as? String == "pattern")
        #expect(both["facts"] as? Int == patterns["facts"] as? Int, "each model fact says what a pattern fact says")
        #expect(patterns["rejected_extractions"] == nil)
    }

    @Test func seededContradictionsAreFoundWithBothQuotesAndExit1() throws {
        let (scratch, book) = try Self.workspace(with: Self.contradicting)
        defer { scratch.delete() }
        let check = try CLI.run(["continuity", "check", book], in: scratch.url)
        #expect(check.status == 1, "\(check.stderr)")
        let text = check.stdout
        #expect(text.contains("1. immutableChanged (major): Marcus Hale's eyes: blue here, grey before"), "\(text)")
        #expect(text.contains("established    chapter 1, paragraph 2, line 3: \"Marcus had grey eyes\""), "\(text)")
        #expect(text.contains("contradicting  chapter 2, paragraph 2, line 3: \"Marcus's blue eyes\""), "\(text)")
        #expect(text.contains("actsAfterDeath (major)") && text.contains("\"Marcus died\""), "\(text)")
        #expect(text.contains("   fix: Make Marcus Hale's eyes grey"), "\(text)")
        #expect(text.contains("violations (2 major, 0 minor); ") && text.contains(" per 10,000 words (CED)"), "\(text)")

        let json = try Self.json(try CLI.run(["continuity", "check", book, "--json"], in: scratch.url).stdout)
        let violations = try #require(json["violations"] as? [[String: Any]])
        #expect(violations.map { $0["type"] as? String } == ["immutableChanged", "actsAfterDeath"])
        for violation in violations {
            let established = try #require(violation["established"] as? [String: Any]), contradicting = try #require(violation["contradicting"] as? [String: Any])
            #expect(established["quote"] is String && contradicting["quote"] is String && established["chapter"] is Int && contradicting["line"] is Int)
        }
        let words = try #require(json["words"] as? Int)
        #expect(abs((json["violations_per_10k_words"] as? Double ?? 0) - 2 * 10_000 / Double(words)) < 1e-9)
        #expect(json["major"] as? Int == 2 && json["facts"] as? Int ?? 0 > 0)
    }

    @Test func aCleanBookExits0() throws {
        let (scratch, book) = try Self.workspace(with: Self.clean)
        defer { scratch.delete() }
        let check = try CLI.run(["continuity", "check", book], in: scratch.url)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("No violations; 0.00 per 10,000 words (CED)"), "\(check.stdout)")
    }

    @Test func checkingAgainReplacesTheGraphAndARunIdNamesItsBook() throws {
        let (scratch, book) = try Self.workspace(with: Self.contradicting)
        defer { scratch.delete() }
        _ = try CLI.run(["continuity", "check", book], in: scratch.url)
        let first = try Self.json(try CLI.run(["continuity", "graph", book, "--format", "json"], in: scratch.url).stdout)
        let runs = try JSONSerialization.jsonObject(with: Data(try CLI.run(["runs", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]] ?? []
        let run = try #require(runs.first?["id"] as? String)
        #expect(book.hasPrefix(run))
        #expect(try CLI.run(["continuity", "check", run], in: scratch.url).status == 1)
        let second = try Self.json(try CLI.run(["continuity", "graph", book, "--format", "json"], in: scratch.url).stdout)
        for key in ["entities", "facts", "violations"] {
            #expect((first[key] as? [Any])?.count == (second[key] as? [Any])?.count, "\(key)")
        }
        #expect(((second["facts"] as? [Any])?.count ?? 0) > 0)
    }

    @Test func factsAboutAnEntityByAnyAlias() throws {
        let (scratch, book) = try Self.workspace(with: Self.contradicting)
        defer { scratch.delete() }
        _ = try CLI.run(["continuity", "check", book], in: scratch.url)
        let facts = try CLI.run(["continuity", "facts", book, "--entity", "Mr. Hale"], in: scratch.url)
        #expect(facts.status == 0, "\(facts.stderr)")
        #expect(facts.stdout.hasPrefix("Marcus Hale (character, male), also "), "\(facts.stdout)")
        let grey = try #require(facts.stdout.range(of: "\"Marcus had grey eyes\"")), blue = try #require(facts.stdout.range(of: "\"Marcus's blue eyes\""))
        #expect(grey.lowerBound < blue.lowerBound, "story order")
        #expect(facts.stdout.contains("Marcus Hale eyeColour: grey"), "\(facts.stdout)")

        let json = try Self.json(try CLI.run(["continuity", "facts", book, "--entity", "marcus", "--json"], in: scratch.url).stdout)
        #expect((json["entity"] as? [String: Any])?["name"] as? String == "Marcus Hale")
        let rows = try #require(json["facts"] as? [[String: Any]])
        #expect(rows.contains { $0["quote"] as? String == "Marcus died" && $0["predicate"] as? String == "alive" && $0["paragraph"] as? Int == 3 })

        let unknown = try CLI.run(["continuity", "facts", book, "--entity", "Heathcliff"], in: scratch.url)
        #expect(unknown.status == 2 && unknown.stderr.contains("no entity of book \(book) goes by \"Heathcliff\"") && unknown.stderr.contains("Marcus Hale"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("fix: "))
        // A bare name that is no one's alias is answered with the names it is part of.
        let part = try CLI.run(["continuity", "facts", book, "--entity", "Hale"], in: scratch.url)
        #expect(part.status == 2 && part.stderr.contains("names that contain it: Marcus Hale, Mr Hale"), "\(part.stderr)")
    }

    @Test func aBookTheSimulatorGeneratedIsCheckedByItsRunID() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        #expect(try CLI.run(["init"], in: scratch.url).status == 0)
        let experiment = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments/sim.yaml").standardized.path
        let generated = try CLI.run(["generate", "--experiment", experiment, "--premise", "A storm over the harbour.", "--chapters", "3", "--words", "300"], in: scratch.url)
        #expect(generated.status == 0, "\(generated.stderr)")
        let runs = try JSONSerialization.jsonObject(with: Data(try CLI.run(["runs", "list", "--json"], in: scratch.url).stdout.utf8)) as? [[String: Any]] ?? []
        let run = try #require(runs.first?["id"] as? String)
        let check = try CLI.run(["continuity", "check", run, "--json"], in: scratch.url)
        let result = try Self.json(check.stdout)
        #expect(result["chapters"] as? Int == 3 && (result["facts"] as? Int ?? 0) > 0 && (result["words"] as? Int ?? 0) > 0, "\(check.stdout)")
        #expect(check.status == ((result["major"] as? Int ?? 0) > 0 ? 1 : 0), "exit 1 exactly when a major violation is found")
        let dot = try CLI.run(["continuity", "graph", run, "--format", "dot"], in: scratch.url)
        #expect(dot.status == 0 && dot.stdout.hasPrefix("digraph continuity {"))
    }

    @Test func theGraphAsDOTAndJSON() throws {
        let (scratch, book) = try Self.workspace(with: Self.contradicting + ["Clara Marsh took the brass key. Clara was Marcus's sister.\n"])
        defer { scratch.delete() }
        _ = try CLI.run(["continuity", "check", book], in: scratch.url)
        let dot = try CLI.run(["continuity", "graph", book, "--format", "dot"], in: scratch.url)
        #expect(dot.status == 0, "\(dot.stderr)")
        let lines = dot.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "digraph continuity {" && lines.last == "}")
        // Every statement inside is a node or an edge (or a default), quoted and ended with ';'.
        let statement = #/^  ("(?:[^"\\]|\\.)*"( -> "(?:[^"\\]|\\.)*")?|graph|node|edge) \[.*\];$/#
        for line in lines.dropFirst().dropLast() { #expect(line.wholeMatch(of: statement) != nil, "not a DOT statement: \(line)") }
        #expect(dot.stdout.contains("\"marcus-hale\" [label=\"Marcus Hale\", shape=ellipse, color=red"), "the violator is red: \(dot.stdout)")
        #expect(dot.stdout.contains("\"clara-marsh\" -> \"object:brass-key\" [label=\"possession (ch. 4)\"]"), "\(dot.stdout)")
        #expect(dot.stdout.contains("\"clara-marsh\" -> \"marcus-hale\" [label=\"sibling (ch. 4)\"]"), "\(dot.stdout)")

        let json = try Self.json(try CLI.run(["continuity", "graph", book, "--format", "json"], in: scratch.url).stdout)
        let entities = try #require(json["entities"] as? [[String: Any]])
        #expect(entities.contains { $0["name"] as? String == "Marcus Hale" && ($0["aliases"] as? [String])?.contains("Marcus") == true })
        let facts = try #require(json["facts"] as? [[String: Any]]), violations = try #require(json["violations"] as? [[String: Any]])
        let ids = Set(facts.compactMap { $0["id"] as? Int })
        #expect(!violations.isEmpty && violations.allSatisfy { ids.contains($0["established_fact_id"] as? Int ?? -1) && ids.contains($0["contradicting_fact_id"] as? Int ?? -1) })
        #expect(try CLI.run(["continuity", "graph", book, "--format", "svg"], in: scratch.url).status == 2)
    }

    @Test func theGraphAsOneHTMLPageAndTheBookReportsContinuitySection() throws {
        let (scratch, book) = try Self.workspace(with: Self.contradicting)
        defer { scratch.delete() }
        let unchecked = try Self.json(try CLI.run(["report", book, "--format", "json"], in: scratch.url).stdout)
        #expect((unchecked["continuity"] as? [String: Any])?["checked"] as? Bool == false)
        #expect(try CLI.run(["report", book], in: scratch.url).stdout.contains("Not checked for continuity: `workbench continuity check \(book)`"))

        _ = try CLI.run(["continuity", "check", book], in: scratch.url)
        let written = try CLI.run(["continuity", "graph", book, "--format", "html", "--out", "graph.html"], in: scratch.url)
        #expect(written.status == 0 && written.stdout == "wrote graph.html\n", "\(written.stderr)")
        let html = try String(contentsOf: scratch.url.appendingPathComponent("graph.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && !html.contains("<script"))
        #expect(html.contains("<h1>Continuity: The Mill</h1>") && html.contains("<h2 id=\"violations\">Violations (2)</h2>"))
        #expect(html.contains("<q>Marcus&#x27;s blue eyes</q>") || html.contains("<q>Marcus's blue eyes</q>"))
        let stdout = try CLI.run(["continuity", "graph", book, "--format", "html"], in: scratch.url)
        #expect(stdout.status == 0 && stdout.stdout == html)

        let report = try Self.json(try CLI.run(["report", book, "--format", "json"], in: scratch.url).stdout)
        let continuity = try #require(report["continuity"] as? [String: Any])
        #expect(continuity["checked"] as? Bool == true && continuity["major"] as? Int == 2 && (continuity["ced"] as? Double ?? 0) > 0)
        let terminal = try CLI.run(["report", book], in: scratch.url).stdout
        #expect(terminal.contains("Continuity:\n- 2 violations (2 major, 0 minor); CED "), "\(terminal)")
        #expect(terminal.contains("Chapter 2, paragraph 2, line 3 (major) immutableChanged: Marcus Hale's eyes"), "\(terminal)")
    }

    @Test func badInputIsNamedWithItsFixAndLosesNothing() throws {
        let (scratch, book) = try Self.workspace(with: Self.clean)
        defer { scratch.delete() }
        let unknown = try CLI.run(["continuity", "check", "nope"], in: scratch.url)
        #expect(unknown.status == 2 && unknown.stderr.contains("no book nope in ") && unknown.stderr.contains("fix: list the books"), "\(unknown.stderr)")
        let unchecked = try CLI.run(["continuity", "facts", book, "--entity", "Marcus"], in: scratch.url)
        #expect(unchecked.status == 2 && unchecked.stderr.contains("has no continuity graph yet") && unchecked.stderr.contains("fix: run `workbench continuity check \(book)` first"), "\(unchecked.stderr)")

        // A book with no chapters (a generation that stopped before its first) is a data error.
        let database = try WorkbenchDatabase.open(Workspace(root: scratch.url))
        let run = try database.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        let empty = try database.createBook(runID: run.id, title: "Nothing Yet", chapterCount: 3)
        let noChapters = try CLI.run(["continuity", "check", empty.id], in: scratch.url)
        #expect(noChapters.status == 65 && noChapters.stderr.contains("book \(empty.id) (\"Nothing Yet\") has no chapters to check"), "\(noChapters.stderr)")

        // A chapter enhanced after the check: the graph still shows, with a note.
        #expect(try CLI.run(["continuity", "check", book], in: scratch.url).status == 0)
        try database.addChapterVersion(bookID: book, chapter: 2, text: Self.clean[1] + "\nMarcus was 28.\n", wordCount: 60, origin: "enhance")
        let stale = try CLI.run(["continuity", "graph", book], in: scratch.url)
        #expect(stale.status == 0 && stale.stderr.contains("note: chapter 2 changed since the last check"), "\(stale.stderr)")
    }

    @Test func aDatabaseFromBeforeTheGraphIsMigratedAndKeepsItsBooks() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let workspace = Workspace(root: scratch.url)
        let old = try WorkbenchDatabase.open(path: workspace.databasePath, create: true, upTo: "0006-optimize-candidates")
        let run = try old.startRun(kind: .generate, configJSON: "{}", gitRevision: nil)
        let book = try old.createBook(runID: run.id, title: "Older", chapterCount: 2)
        for (index, text) in Self.contradicting.prefix(2).enumerated() {
            try old.addChapterVersion(bookID: book.id, chapter: index + 1, text: text, wordCount: text.split(separator: " ").count, origin: "generate")
        }
        try old.writer.close()
        let check = try CLI.run(["continuity", "check", book.id], in: scratch.url)
        #expect(check.status == 1 && check.stdout.contains("immutableChanged (major)"), "\(check.stdout)\(check.stderr)")
        let reopened = try WorkbenchDatabase.open(workspace)
        #expect(try reopened.schemaStatus().isCurrent)
        #expect(try reopened.latestChapterVersions(bookID: book.id).map(\.text) == Array(Self.contradicting.prefix(2)))
    }
}

/// `workbench continuity fix` as a process, the built-in simulator answering the fix prompts.
@Suite("continuity fix command")
struct ContinuityFixCLITests {
    @Test func aDryRunStoresNothingAndAFixIsKeptCheckedAndReported() throws {
        let cast = ContinuityCLITests.cast
        let (scratch, book) = try ContinuityCLITests.workspace(with: [cast + "\n\nMarcus had grey eyes.\n", cast + "\n\nMarcus's eyes were blue.\n"])
        defer { scratch.delete() }
        // An imported book has no experiment: without --provider there is nothing to fix with.
        let none = try CLI.run(["continuity", "fix", book], in: scratch.url)
        #expect(none.status == 2 && none.stderr.contains("`enhance`") && none.stderr.contains("--provider"), "\(none.stderr)")

        let dry = try CLI.run(["continuity", "fix", book, "--provider", "sim", "--dry-run", "--json"], in: scratch.url)
        let planned = try ContinuityCLITests.json(dry.stdout)
        #expect(planned["dry_run"] as? Bool == true && (planned["before"] as? [String: Any])?["major"] as? Int == 1, "\(dry.stdout)")
        let fixes = try #require(planned["fixes"] as? [[String: Any]])
        #expect(fixes.contains { $0["outcome"] as? String == "kept" && $0["replacement"] as? String == "Marcus's eyes were grey." }, "\(fixes)")
        #expect(try CLI.run(["continuity", "check", book], in: scratch.url).status == 1, "a dry run changes nothing")

        let fixed = try CLI.run(["continuity", "fix", book, "--provider", "sim"], in: scratch.url)
        #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
        #expect(fixed.stdout.contains("+ \"Marcus's eyes were grey.\"") && fixed.stdout.contains("violations 1 → 0"), "\(fixed.stdout)")
        #expect(try CLI.run(["continuity", "check", book], in: scratch.url).status == 0)
        let report = try CLI.run(["report", book], in: scratch.url)
        #expect(report.stdout.contains("Fixed: 1 of 1") && report.stdout.contains("Fixed in chapter 2"), "\(report.stdout)")
    }
}
