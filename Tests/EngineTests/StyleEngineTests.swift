import Config
import Foundation
import Quality
import Testing
@testable import Engine
import Simulator
import Store
import Style
import WorkbenchCore

/// The `style:` block of an experiment: how it loads, what the prompts get, and what a book
/// written to it is scored on.
@Suite struct StyleEngineTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus").standardized.path

    /// A temporary folder with an experiment using `style`, and whatever files it names.
    static func experiment(style: String, files: [String: String] = [:]) throws -> (file: String, folder: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("style-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        let file = folder + "/styled.yaml"
        try """
            name: styled
            routes: {plan: [sim], generate: [sim], enhance: [sim]}
            prompts: \(experiments)/prompts/v1
            book: {chapters: 2, words_per_chapter: 1500}
            enhancement: {iterations: 2}
            seed: 5
            style:
            \(style.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return (file, folder)
    }

    static func novel(_ name: String) throws -> String {
        guard let text = try? String(contentsOfFile: corpus + "/" + name, encoding: .utf8) else {
            Issue.record("the shared corpus is missing at \(corpus)")
            throw CancellationError()
        }
        return text
    }

    static var variables: [String: Any] { [
        "number": "2", "chapters": "3", "title": "The Ferry", "logline": "A keeper holds a ferry.", "setting": "A river town",
        "characters": "Mara (34), Tomas (29)", "obsession": "the bell", "previous": "1. Ice: the river freezes.", "chapter_title": "Thaw",
        "beats": ["the river rises", "a stranger waits"], "words": "900", "tail": "The bell rang.", "beat": "a stranger waits",
        "operation": "TIGHTEN", "instruction": "vary sentences", "passage": "Mara rang the bell.",
    ] }

    /// Without a style the templates render exactly as the frozen v1 of baseline v3.0 did, so
    /// books, caches and baselines written before the style block are unchanged.
    @Test func unstyledPromptsRenderAsTheFrozenTemplates() throws {
        let now = try PromptSet.load(folder: experiments + "/prompts/v1")
        let frozen = try PromptSet.load(folder: experiments + "/../Baselines/v3.0/prompts/v1")
        var variables = Self.variables
        variables["point_of_view"] = "the third person, past tense"
        #expect(now.chapter.render(variables) == frozen.chapter.render(variables))
        #expect(now.continuation.render(variables) == frozen.continuation.render(variables))
        #expect(now.enhance.render(variables) == frozen.enhance.render(variables))
    }

    @Test func aSampleBecomesTheBooksStyleAndItsPrompts() throws {
        let (file, folder) = try Self.experiment(style: "sample: eyre.txt\nname: Brontë", files: ["eyre.txt": String(try Self.novel("bronte-jane-eyre.txt").prefix(300_000))])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try ExperimentConfig.load(file: file)
        let style = try #require(config.style)
        #expect(style.profile.name == "Brontë")
        #expect(style.copyGuard.scope == .sample)
        let generator = BookGenerator(config: config, prompts: try PromptSet.load(folder: config.promptsFolder), database: try WorkbenchDatabase.inMemory(),
                                      route: { _, _ in throw CancellationError() })
        // Jane Eyre is told in the first person: the prompts ask for it instead of the default.
        #expect(generator.pointOfView == "the first person, past tense")
        let spec = ChapterSpec(number: 1, title: "Thaw", beats: ["the river rises", "a stranger waits", "the bell rings"], targetWords: 900)
        let outline = Outline(title: "The Ferry", logline: "A keeper holds a ferry.", obsession: "the bell", setting: "A river town",
                              characters: [BookCharacter(name: "Mara"), BookCharacter(name: "Tomas")], chapters: [spec])
        var variables = Self.variables
        variables.merge(generator.styleVariables(spec, outline: outline)) { _, new in new }
        let prompt = generator.prompts.chapter.render(variables)
        #expect(prompt.contains("in the first person, past tense."))
        #expect(prompt.contains(StylePrompt.header + " Brontë."))
        #expect(prompt.contains(StylePrompt.exemplarsLine))
        #expect(prompt.components(separatedBy: "\"\"\"").count - 1 == 2 * StyleSettings.defaultExemplars)
        // The style block comes after the length the chapter is asked for, and names no other.
        #expect(ResponseSurface.requestedWords(in: prompt) == 900)
        // Recorded in the run, so a resumed run sees a changed profile.
        let record = try config.fields()
        let recorded = try #require(record["style"] as? [String: Any])
        #expect(recorded["profile_sha256"] as? String == style.profile.fingerprint)
    }

    @Test func badStyleBlocksAreRefusedNamingFileAndField() throws {
        let short = String(repeating: "The bell rang over the river. ", count: 500)  // 3,000 words
        let (file, folder) = try Self.experiment(style: "sample: short.txt", files: ["short.txt": short])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect {
            try ExperimentConfig.load(file: file)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.field == "style.sample" && error.message.contains("short.txt") && error.message.contains("3000 words") && error.exitStatus == .dataError
        }

        // A profile edited by hand.
        let profile = try StyleProfile.build(from: String(try Self.novel("shelley-frankenstein.txt").prefix(120_000)), file: "frankenstein.txt")
        let edited = try profile.encoded().replacingOccurrences(of: "\"name\":\"frankenstein\"", with: "\"name\":\"Mary\"")
        let (tampered, tamperedFolder) = try Self.experiment(style: "profile: author.json", files: ["author.json": edited])
        defer { try? FileManager.default.removeItem(atPath: tamperedFolder) }
        #expect {
            try ExperimentConfig.load(file: tampered)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.field == "style.profile" && error.message.contains("author.json") && error.message.contains("fingerprint")
        }

        let (both, bothFolder) = try Self.experiment(style: "profile: a.json\nsample: b.txt")
        defer { try? FileManager.default.removeItem(atPath: bothFolder) }
        #expect(throws: ConfigError.self) { try ExperimentConfig.load(file: both) }
    }

    /// A profile whose sample file is gone guards against the exemplars the prompts show.
    @Test func aProfileWithoutItsSampleGuardsTheExemplars() throws {
        let profile = try StyleProfile.build(samples: [StyleSample(file: "/nonexistent/sample.txt", text: String(try Self.novel("austen-emma.txt").prefix(100_000)))])
        let (file, folder) = try Self.experiment(style: "profile: emma.json\nexemplars: 2", files: ["emma.json": try profile.encoded()])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let style = try #require(try ExperimentConfig.load(file: file).style)
        #expect(style.copyGuard.scope == .exemplars && style.exemplars == 2)
        // A chapter quoting an exemplar is caught, with the paragraph and the words.
        let exemplar = try #require(profile.content.exemplars.first)
        let report = QualityAnalyzer.analyze("The river was high that spring.\n\n" + exemplar, context: AnalysisContext(style: style.target))
        #expect((report["copied_8grams"] ?? 0) > 0)
        #expect(report.issues.contains { $0.metric == "style" && $0.paragraph == 2 && $0.severity == .major && $0.message.contains("Copies") })
    }

    /// A book written to a style is scored against it, and the enhancer's FIX_STYLE works on
    /// chapters that drift from it: here the chapter prompts lack the style block, the
    /// enhancer's has it.
    @Test func aStyledBookIsScoredAgainstItsProfile() async throws {
        let (file, folder) = try Self.experiment(style: "sample: \(Self.corpus)/austen-pride-and-prejudice.txt")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var config = try ExperimentConfig.load(file: file)
        let prompts = folder + "/drifting"
        try FileManager.default.copyItem(atPath: config.promptsFolder, toPath: prompts)
        for template in ["chapter", "continue"] {
            let path = prompts + "/\(template).mustache"
            try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "{{#style}}\n\n{{style}}\n{{/style}}\n", with: "")
                .write(toFile: path, atomically: true, encoding: .utf8)
        }
        config.promptsFolder = prompts
        let server = try await SimulatorServer.start(SimulatorOptions())
        defer { Task { await server.stop() } }
        let database = try WorkbenchDatabase.inMemory()
        let log = EventLog()
        let result = try await simGenerator(config, database: database, server: server, log: log).generate(premise: "A governess and a secret", outline: nil)
        let versions = try database.latestChapterVersions(bookID: result.bookID)
        let scores = try database.scores(versionIDs: versions.compactMap(\.id))
        for version in versions {
            let values = try #require(scores[version.id!]?[QualityAnalyzer.scorer])
            #expect(values["style"] != nil && values["style_delta"] != nil && values["style_percentile"] != nil && values["copied_8grams"] == 0)
        }
        let operations = log.all.compactMap { if case let .enhancing(_, operation, _) = $0 { operation } else { nil } }
        #expect(operations.contains("FIX_STYLE"), "\(operations)")
    }
}
