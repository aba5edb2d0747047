import Foundation
import Testing

/// `workbench style extract|match|compare` as a process, on novels of the shared corpus
/// (../shared/corpus beside the repository): the tests fail, not pass, without it.
@Suite struct StyleCLITests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus").standardized

    /// A corpus novel's text; nil (and a recorded issue) when the corpus is missing.
    static func novel(_ name: String) -> String? {
        let url = corpus.appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("the shared corpus is missing at \(corpus.path): these tests read \(name) from ../shared/corpus beside the repository")
            return nil
        }
        return text
    }

    /// Whole paragraphs of `text` from the one holding word `start` on, until `words` words (split at white space).
    static func passage(of text: String, from start: Int, words: Int) -> String {
        var taken: [Substring] = [], seen = 0, count = 0
        for paragraph in text.split(separator: "\n\n") {
            let length = paragraph.split(whereSeparator: \.isWhitespace).count
            defer { seen += length }
            guard seen + length > start else { continue }
            taken.append(paragraph)
            count += length
            if count >= words { break }
        }
        return taken.joined(separator: "\n\n") + "\n"
    }

    static func write(_ text: String, _ name: String, in scratch: Scratch) throws -> String {
        try Data(text.utf8).write(to: scratch.url.appendingPathComponent(name))
        return name
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text.prefix(300))")
    }

    /// Pride and Prejudice as the author's sample, in two files around a 5,000-word passage from
    /// word 81,000 that is held out; a passage of Great Expectations as another author's.
    @Test func extractThenMatchAHeldOutPassageAndAnotherAuthors() throws {
        guard let austen = Self.novel("austen-pride-and-prejudice.txt"), let dickens = Self.novel("dickens-great-expectations.txt") else { return }
        let scratch = try Scratch()
        defer { scratch.delete() }
        let before = try Self.write(Self.passage(of: austen, from: 0, words: 80_000), "austen-1.txt", in: scratch)
        let after = try Self.write(Self.passage(of: austen, from: 87_000, words: 1_000_000), "austen-2.txt", in: scratch)
        let heldOut = try Self.write(Self.passage(of: austen, from: 81_000, words: 5_000), "austen-held-out.txt", in: scratch)
        let other = try Self.write(Self.passage(of: dickens, from: 60_000, words: 5_000), "dickens.txt", in: scratch)

        let extracted = try CLI.run(["style", "extract", before, after, "--out", "austen.json", "--name", "Austen"], in: scratch.url)
        #expect(extracted.status == 0, "\(extracted.stderr)")
        for expected in ["wrote austen.json: style profile \"Austen\"", "words from 2 files", "bags of 5,000 words", "sentences   mean", "dialogue", "third person, past tense",
                         "median", "90th percentile", "exemplars"] {
            #expect(extracted.stdout.contains(expected), "missing \(expected): \(extracted.stdout)")
        }
        let profile = try Self.json(try String(contentsOf: scratch.url.appendingPathComponent("austen.json"), encoding: .utf8))
        let sources = (profile["content"] as? [String: Any])?["sources"] as? [[String: Any]]
        #expect(sources?.compactMap { $0["file"] as? String } == [before, after].map { scratch.url.appendingPathComponent($0).standardizedFileURL.path }, "sources are absolute paths")

        let same = try CLI.run(["style", "match", heldOut, "--profile", "austen.json"], in: scratch.url)
        #expect(same.status == 0, "\(same.stdout)\n\(same.stderr)")
        #expect(same.stdout.contains("\(heldOut): matches \"Austen\""), "\(same.stdout)")
        #expect(same.stdout.contains("copy guard: against the author's whole sample"), "\(same.stdout)")
        #expect(same.stdout.contains("percentile of the author's own 5,000-word windows"), "\(same.stdout)")
        #expect(same.stdout.contains("  copied: "), "\(same.stdout)")

        let different = try CLI.run(["style", "match", other, "--profile", "austen.json"], in: scratch.url)
        #expect(different.status == 1, "\(different.stdout)\n\(different.stderr)")
        #expect(different.stdout.contains("\(other): does not match \"Austen\""), "\(different.stdout)")
        #expect(different.stdout.contains("what to change:"), "\(different.stdout)")

        let both = try CLI.run(["style", "match", heldOut, other, "--profile", "austen.json", "--json"], in: scratch.url)
        #expect(both.status == 1, "\(both.stderr)")
        let object = try Self.json(both.stdout)
        let texts = try #require(object["texts"] as? [[String: Any]])
        #expect(texts.count == 2)
        #expect(texts.first?["matches"] as? Bool == true && texts.last?["matches"] as? Bool == false)
        #expect((texts.last?["delta"] as? Double ?? 0) > (texts.first?["threshold"] as? Double ?? .infinity))
        #expect(texts.first?["window_words"] as? Int == 5_000)
        #expect((texts.first?["features"] as? [String: Any])?["sentence_length_mean"] is Double)
        #expect((texts.last?["advice"] as? [[String: Any]])?.isEmpty == false)
        // Held out, so nothing copied beyond a stock phrase of the author's that recurs (one 8-word run here).
        let copies = ((texts.first?["copied"] as? [String: Any])?["copies"] as? [[String: Any]]) ?? []
        #expect(copies.allSatisfy { ($0["words"] as? Int ?? 99) <= 10 }, "\(copies)")
        #expect(object["all_match"] as? Bool == false)
        #expect((object["copy_guard"] as? [String: Any])?["scope"] as? String == "sample")
        #expect((object["profile"] as? [String: Any])?["name"] as? String == "Austen")
    }

    /// A passage of the sample itself is copying; a text under 500 words is matched with a warning;
    /// with the sample gone the guard falls back to the exemplars and says why.
    @Test func copyGuardAndShortTexts() throws {
        guard let austen = Self.novel("austen-pride-and-prejudice.txt") else { return }
        let scratch = try Scratch()
        defer { scratch.delete() }
        let sample = try Self.write(Self.passage(of: austen, from: 0, words: 8_000), "sample.txt", in: scratch)
        let copied = try Self.write(Self.passage(of: austen, from: 3_000, words: 300), "copied.txt", in: scratch)
        #expect(try CLI.run(["style", "extract", sample, "--out", "p.json"], in: scratch.url).status == 0)

        let result = try CLI.run(["style", "match", copied, "--profile", "p.json"], in: scratch.url)
        #expect([0, 1].contains(result.status), "\(result.stderr)")
        #expect(result.stdout.contains("below 500 words Delta is unreliable"), "\(result.stdout)")
        #expect(result.stdout.contains("copied: 1 run of 8 or more words"), "\(result.stdout)")
        #expect(result.stdout.contains("percentile of the author's own 250-word windows"), "\(result.stdout)")

        let json = try Self.json(try CLI.run(["style", "match", copied, "--profile", "p.json", "--json"], in: scratch.url).stdout)
        let text = try #require((json["texts"] as? [[String: Any]])?.first)
        #expect(text["reliable"] as? Bool == false)
        let copies = try #require((text["copied"] as? [String: Any])?["copies"] as? [[String: Any]])
        #expect(copies.count == 1 && (copies.first?["words"] as? Int ?? 0) > 250, "\(copies)")

        // The sample changed: the guard holds only the profile's exemplars, and says why.
        try Data("Something else entirely.\n".utf8).write(to: scratch.url.appendingPathComponent(sample))
        let changed = try CLI.run(["style", "match", copied, "--profile", "p.json", "--json"], in: scratch.url)
        let guardObject = try #require(try Self.json(changed.stdout)["copy_guard"] as? [String: Any])
        #expect(guardObject["scope"] as? String == "exemplars")
        #expect((guardObject["reason"] as? String ?? "").contains("changed since the profile was built"), "\(guardObject)")
        try FileManager.default.removeItem(at: scratch.url.appendingPathComponent(sample))
        let gone = try CLI.run(["style", "match", copied, "--profile", "p.json"], in: scratch.url)
        #expect(gone.stdout.contains("copy guard: against the profile's exemplar passages only"), "\(gone.stdout)")
        #expect(gone.stdout.contains("is missing or unreadable"), "\(gone.stdout)")
    }

    @Test func compareAttributesToTheRightAuthor() throws {
        guard let austen = Self.novel("austen-pride-and-prejudice.txt"), let dickens = Self.novel("dickens-great-expectations.txt"),
              let bronte = Self.novel("bronte-jane-eyre.txt") else { return }
        let scratch = try Scratch()
        defer { scratch.delete() }
        for (name, text) in [("austen", austen), ("dickens", dickens), ("bronte", bronte)] {
            let sample = try Self.write(Self.passage(of: text, from: 0, words: 30_000), "\(name).txt", in: scratch)
            let result = try CLI.run(["style", "extract", sample, "--out", "\(name).json"], in: scratch.url)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let text = try Self.write(Self.passage(of: austen, from: 80_000, words: 5_000), "unknown.txt", in: scratch)

        // The text as the last value after --profiles, and before it.
        for arguments in [["--profiles", "dickens.json", "austen.json", "bronte.json", text], [text, "--profiles", "dickens.json", "austen.json", "bronte.json"]] {
            let result = try CLI.run(["style", "compare"] + arguments, in: scratch.url)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("\(text) ("), "\(result.stdout)")
            #expect(result.stdout.contains("nearest \"austen\" (austen.json)"), "\(result.stdout)")
        }
        let result = try CLI.run(["style", "compare", "--profiles", "dickens.json", "austen.json", "bronte.json", text, "--json"], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try Self.json(result.stdout)
        #expect((object["nearest"] as? [String: Any])?["name"] as? String == "austen")
        let rows = try #require(object["profiles"] as? [[String: Any]])
        #expect(rows.map { $0["profile"] as? String ?? "" }.first == "austen.json" && rows.count == 3)
        let deltas = rows.compactMap { $0["delta"] as? Double }
        #expect(deltas == deltas.sorted(), "nearest first")
        #expect(abs((object["margin"] as? Double ?? 0) - (deltas[1] - deltas[0])) < 1e-9)

        // One profile is a usage error.
        let one = try CLI.run(["style", "compare", "--profiles", "austen.json", text], in: scratch.url)
        #expect(one.status == 2 && one.stderr.contains("two or more profiles"), "\(one.status) \(one.stderr)")
    }

    @Test func aSampleUnder5000WordsIsRefusedNamingTheFile() throws {
        guard let austen = Self.novel("austen-pride-and-prejudice.txt") else { return }
        let scratch = try Scratch()
        defer { scratch.delete() }
        let short = try Self.write(Self.passage(of: austen, from: 0, words: 3_000), "short-sample.txt", in: scratch)
        let result = try CLI.run(["style", "extract", short, "--out", "p.json"], in: scratch.url)
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: short-sample.txt: the style sample has 3"), "\(result.stderr)")
        #expect(result.stderr.contains("a profile needs at least 5000") && result.stderr.contains("fix: "), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("p.json").path), "no partial profile")
    }

    @Test func badSampleFilesExit65AndABadOutExits73() throws {
        guard let austen = Self.novel("austen-pride-and-prejudice.txt") else { return }
        let scratch = try Scratch()
        defer { scratch.delete() }
        let good = try Self.write(Self.passage(of: austen, from: 0, words: 6_000), "good.txt", in: scratch)
        let empty = try Self.write("", "empty.txt", in: scratch)
        try Data([0x48, 0x65, 0xE9, 0x20, 0x77, 0x61, 0x73, 0x0A]).write(to: scratch.url.appendingPathComponent("latin1.txt"))
        for (file, expected) in [(empty, "empty.txt is empty"), ("missing.txt", "missing.txt: no such file"), ("latin1.txt", "latin1.txt is not UTF-8")] {
            let result = try CLI.run(["style", "extract", good, file, "--out", "p.json"], in: scratch.url)
            #expect(result.status == 65, "\(file): \(result.status) \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: \(expected)") && result.stderr.contains("fix: "), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("p.json").path))
        }
        let unwritable = try CLI.run(["style", "extract", good, "--out", "no-such-folder/p.json"], in: scratch.url)
        #expect(unwritable.status == 73 && unwritable.stderr.contains("no-such-folder/p.json"), "\(unwritable.status) \(unwritable.stderr)")
        // --out naming a sample file is refused before the sample is touched.
        let before = try Data(contentsOf: scratch.url.appendingPathComponent(good))
        let usage = try CLI.run(["style", "extract", good, "--out", good], in: scratch.url)
        #expect(usage.status == 2 && usage.stderr.contains("is one of the sample files"), "\(usage.stderr)")
        #expect(try Data(contentsOf: scratch.url.appendingPathComponent(good)) == before)
    }

    /// A profile edited by hand, of another version, not JSON, or missing: exit 65 naming the file.
    @Test func aHandEditedProfileIsRefused() throws {
        guard let austen = Self.novel("austen-pride-and-prejudice.txt") else { return }
        let scratch = try Scratch()
        defer { scratch.delete() }
        let sample = try Self.write(Self.passage(of: austen, from: 0, words: 6_000), "sample.txt", in: scratch)
        let text = try Self.write(Self.passage(of: austen, from: 20_000, words: 1_000), "text.txt", in: scratch)
        #expect(try CLI.run(["style", "extract", sample, "--out", "p.json"], in: scratch.url).status == 0)
        let stored = try String(contentsOf: scratch.url.appendingPathComponent("p.json"), encoding: .utf8)
        var object = try Self.json(stored)
        var content = try #require(object["content"] as? [String: Any])
        content["name"] = "Someone else"
        object["content"] = content
        try JSONSerialization.data(withJSONObject: object).write(to: scratch.url.appendingPathComponent("edited.json"))
        object = try Self.json(stored)
        object["version"] = 99
        try JSONSerialization.data(withJSONObject: object).write(to: scratch.url.appendingPathComponent("future.json"))
        _ = try Self.write(String(stored.prefix(200)), "cut.json", in: scratch)
        object = try Self.json(stored)
        object["content"] = ["name": "x"]
        try JSONSerialization.data(withJSONObject: object).write(to: scratch.url.appendingPathComponent("partial.json"))

        for (file, expected) in [("edited.json", "edited.json: the style profile's fingerprint"), ("future.json", "future.json: the style profile has format version 99"),
                                 ("cut.json", "cut.json is not a style profile: not valid JSON"), ("partial.json", "partial.json is not a style profile: content."),
                                 ("nothing.json", "the style profile nothing.json: no such file")] {
            for command in [["style", "match", text, "--profile", file], ["style", "compare", "--profiles", "p.json", file, text]] {
                let result = try CLI.run(command, in: scratch.url)
                #expect(result.status == 65, "\(command): \(result.status) \(result.stderr)")
                #expect(result.stderr.hasPrefix("error: \(expected)"), "\(command): \(result.stderr)")
                #expect(result.stderr.contains("fix: "), "\(result.stderr)")
                #expect(result.stdout.isEmpty)
            }
        }
    }
}
