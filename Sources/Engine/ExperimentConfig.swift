import Config
import Foundation
import LLM
import Quality
import WorkbenchCore

/// An experiment: what to generate, with which providers and prompts, to which targets.
/// Read from `Experiments/*.yaml`; every error names the file, line and field.
public struct ExperimentConfig: Sendable, Equatable {
    public var name: String
    public var file: String
    /// The provider table this experiment uses (its own `providers:` file, else Experiments/providers.yaml).
    public var providersFile: String?
    /// Task → provider chain; overrides the provider table's routes.
    public var routes: [LLMTask: [String]]
    public var promptVersion: String
    public var promptsFolder: String
    public var chapters: Int
    public var wordsPerChapter: Int
    public var targets: QualityTargets
    /// Chapter number → metric (or `quality`) → target, overriding the book's (roadmap 3.1).
    public var chapterRequirements: [Int: [String: Double]]
    public var enhancementIterations: Int
    public var concurrency: Int
    /// Write chapters one after another, each prompt carrying summaries of the chapters
    /// actually written before it (instead of only their planned beats).
    public var sequential: Bool
    public var seed: UInt64
    public var budgetUSD: Double?
    /// LLM judges on each finished chapter (routed through the `judge` task); nil for none.
    public var judge: JudgeSettings?
    /// `--provider NAME`: every task goes to this provider instead of the routes.
    public var providerOverride: String?
    /// The continuity step after the chapters are written (`continuity:`).
    public var continuity = ContinuitySettings()
    /// The author style the book is written in (`style:`); nil for none.
    public var style: StyleSettings?
    /// The plugins called at the pipeline's hooks (`plugins:`), in call order.
    public var plugins: [PluginSpec] = []
    /// Chapters drafted by several providers and merged unit by unit (`ensemble:`); nil for one writer.
    public var ensemble: EnsembleSettings?
    /// Plugin name → the version its handshake declared, once started: part of the run record.
    public var pluginVersions: [String: String] = [:]
    /// A resumed run that may continue with changed files (`resume --allow-changed`): a
    /// plugin's new version is then accepted too.
    public var acceptsChangedConfiguration = false
    /// The book's title instead of the planner's or the outline's (`queue add --title`).
    public var titleOverride: String?
    /// Write only this chapter of the outline (`POST /api/generate/chapter`): no other chapter
    /// and no whole-book continuity step; nil for the whole book.
    public var onlyChapter: Int?
    /// Plan only: the run stops once the book's outline is stored (a shared queue's plan task;
    /// its chapters are written by tasks of their own and `BookGenerator.assemble`).
    public var planOnly = false
    /// The genre section in force (`genres:` of the experiment, chosen by `--genre`); nil for none.
    public var genre: String?
    /// The genres the experiment declares, by name.
    public var genreNames: [String] = []
    /// The genre's template variables (`{{genre}}`, `{{tone}}`, …) for every prompt; a
    /// variable the engine sets itself wins over one of these.
    public var promptVariables: [String: String] = [:]
    /// The genre's instructions, added to every chapter prompt (before the plugins').
    public var promptInstructions: [String] = []

    /// `continuity: {check: true, verify: false, fix: false, rounds: 2}`: check the finished
    /// book's continuity (no model call), have the `judge` route verify each flagged pair, and
    /// fix what stands through the `enhance` route.
    public struct ContinuitySettings: Sendable, Equatable {
        public var check = true
        public var verify = false
        public var fix = false
        /// Rounds of sentence fixes before a violation's paragraph is rewritten.
        public var rounds = 2
        public init(check: Bool = true, verify: Bool = false, fix: Bool = false, rounds: Int = 2) {
            self.check = check
            self.verify = verify
            self.fix = fix
            self.rounds = rounds
        }
    }

    public struct JudgeSettings: Sendable, Equatable {
        public var dimensions: [String]
        public var samples: Int
        public var rubrics: String
    }


    /// The targets for one chapter: the book's, with its chapter requirements on top.
    public func targets(forChapter number: Int) -> QualityTargets {
        var result = targets
        for (metric, value) in chapterRequirements[number] ?? [:] {
            if metric == "quality" { result.quality = value } else { result.targets[metric] = value }
        }
        return result
    }

    /// `genre`: the section of `genres:` to apply (every section is checked whichever is chosen).
    public static func load(file: String, genre: String? = nil) throws -> ExperimentConfig {
        let root = try ConfigNode.load(file: file)
        try root.rejectUnknownKeys(["name", "providers", "routes", "prompts", "book", "quality", "enhancement", "concurrency", "sequential", "seed", "budget_usd", "judge", "continuity", "style", "plugins", "ensemble", "genres"])
        let folder = (file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : (folder.isEmpty ? path : folder + "/" + path) }

        var config = ExperimentConfig(
            name: try root.optional("name")?.nonEmptyString() ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension,
            file: file, providersFile: nil, routes: [:], promptVersion: "v1", promptsFolder: "", chapters: 3, wordsPerChapter: 600,
            targets: .standard, chapterRequirements: [:], enhancementIterations: 1, concurrency: 4, sequential: false, seed: 1, budgetUSD: nil, judge: nil)
        if let providers = try root.optional("providers") {
            let path = resolve(try providers.nonEmptyString())
            guard FileManager.default.fileExists(atPath: path) else { throw providers.error("no such file \(path)", fix: "give a path relative to \(file)") }
            config.providersFile = path
        } else if FileManager.default.fileExists(atPath: resolve("providers.yaml")) {
            config.providersFile = resolve("providers.yaml")
        }
        if let routes = try root.optional("routes") {
            // Checked against the provider table now, before any run exists.
            config.routes = try ProviderTable.parseRoutes(routes, known: try config.providerTable().providers.map(\.name))
        }
        // `prompts: v1` names a version beside the experiment; a value with a slash is a folder path.
        if let prompts = try root.optional("prompts") {
            config.promptVersion = try prompts.nonEmptyString()
        }
        config.promptsFolder = config.promptVersion.contains("/") ? resolve(config.promptVersion) : resolve("prompts/\(config.promptVersion)")
        if config.promptVersion.contains("/") { config.promptVersion = URL(fileURLWithPath: config.promptsFolder).lastPathComponent }
        guard FileManager.default.fileExists(atPath: config.promptsFolder + "/chapter.mustache") else {
            throw (try root.optional("prompts") ?? root).error("no prompt templates at \(config.promptsFolder)", fix: "create prompts/\(config.promptVersion)/ beside the experiment (see Experiments/prompts/README.md)")
        }
        if let book = try root.optional("book") {
            try book.rejectUnknownKeys(["chapters", "words_per_chapter"])
            config.chapters = try book.optional("chapters")?.int(in: 1...200) ?? config.chapters
            config.wordsPerChapter = try book.optional("words_per_chapter")?.int(in: 50...20_000) ?? config.wordsPerChapter
        }
        if let quality = try root.optional("quality") { try config.applyQuality(quality) }
        if let enhancement = try root.optional("enhancement") {
            try enhancement.rejectUnknownKeys(["iterations"])
            config.enhancementIterations = try enhancement.optional("iterations")?.int(in: 0...20) ?? config.enhancementIterations
        }
        config.concurrency = try root.optional("concurrency")?.int(in: 1...256) ?? config.concurrency
        config.sequential = try root.optional("sequential")?.bool() ?? false
        if let seed = try root.optional("seed") { config.seed = UInt64(try seed.int(in: 0...Int.max)) }
        config.budgetUSD = try root.optional("budget_usd")?.double(in: 0...1_000_000)
        if let judge = try root.optional("judge") {
            try judge.rejectUnknownKeys(["dimensions", "samples", "rubrics"])
            let rubrics = resolve(try judge.optional("rubrics")?.nonEmptyString() ?? "prompts/judge/v1")
            guard FileManager.default.fileExists(atPath: rubrics + "/_system.mustache") else {
                throw judge.error("no judge rubrics at \(rubrics)", fix: "point judge.rubrics at a folder like Experiments/prompts/judge/v1")
            }
            config.judge = JudgeSettings(dimensions: try judge.optional("dimensions")?.stringList() ?? ["overall"],
                                         samples: try judge.optional("samples")?.int(in: 1...20) ?? 1, rubrics: rubrics)
        }
        if let continuity = try root.optional("continuity") {
            try continuity.rejectUnknownKeys(["check", "verify", "fix", "rounds"])
            config.continuity.verify = try continuity.optional("verify")?.bool() ?? config.continuity.verify
            config.continuity.check = try continuity.optional("check")?.bool() ?? config.continuity.check
            config.continuity.fix = try continuity.optional("fix")?.bool() ?? config.continuity.fix
            config.continuity.rounds = try continuity.optional("rounds")?.int(in: 1...5) ?? config.continuity.rounds
            if (config.continuity.fix || config.continuity.verify) && !config.continuity.check {
                throw continuity.error("fix and verify need check: true (both start from the check's violations)", fix: "set check: true, or fix and verify false")
            }
        }
        if let style = try root.optional("style") { config.style = try StyleSettings.load(style, resolve: resolve) }
        if let plugins = try root.optional("plugins") {
            config.plugins = try PluginSpec.load(plugins, folder: folder.isEmpty ? "." : folder, builtIns: PluginRegistry.builtIn.names)
        }
        if let ensemble = try root.optional("ensemble") {
            config.ensemble = try EnsembleSettings.load(ensemble, known: try config.providerTable().providers.map(\.name), resolve: resolve)
        }
        if let genres = try root.optional("genres") {
            var chosen: ExperimentConfig?
            for (name, node) in try genres.entries() {
                // Each section is applied to a copy, so an error in any one is found now.
                var applied = config
                try applied.applyGenre(node, named: name, folder: folder)
                config.genreNames.append(name)
                if name == genre { chosen = applied }
            }
            if let chosen { config = chosen }
        }
        if let genre, config.genre != genre {
            let declared = config.genreNames.isEmpty ? "it has no `genres:` section" : "it declares " + config.genreNames.joined(separator: ", ")
            throw ((try? root.optional("genres")) ?? root).error("no genre `\(genre)` (\(declared))",
                fix: "use --genre with one of its genres, or add `genres: {\(genre): {variables: {genre: \(genre)}}}` to \(file)")
        }
        for number in config.chapterRequirements.keys where number > config.chapters {
            throw try root.required("quality").error("chapter_requirements names chapter \(number), but the book has \(config.chapters)")
        }
        return config
    }

    /// `quality: {target, targets, weights, chapter_requirements}`, at the top or in a genre.
    mutating func applyQuality(_ quality: ConfigNode) throws {
        try quality.rejectUnknownKeys(["target", "targets", "weights", "chapter_requirements"])
        targets.quality = try quality.optional("target")?.double(in: 0...10) ?? targets.quality
        let known = MetricCatalog.entries.map(\.name)
        if let node = try quality.optional("targets") {
            try node.rejectUnknownKeys(known)
            for (metric, value) in try node.entries() { targets.targets[metric] = try value.double(in: 0...100_000) }
        }
        if let weights = try quality.optional("weights") {
            try weights.rejectUnknownKeys(known)
            for (metric, node) in try weights.entries() { targets.weights[metric] = try node.double(in: 0...100) }
        }
        if let requirements = try quality.optional("chapter_requirements") {
            for (key, node) in try requirements.entries() {
                guard let number = Int(key), number >= 1 else { throw node.error("chapter `\(key)` is not a chapter number", fix: "use 1, 2, …") }
                try node.rejectUnknownKeys(known + ["quality"])
                var values: [String: Double] = [:]
                for (metric, value) in try node.entries() { values[metric] = try value.double(in: 0...100_000) }
                chapterRequirements[number] = values
            }
        }
    }

    /// One section of `genres:`: `{variables: {NAME: TEXT}, instructions: [TEXT], quality: {…}, plugins: […]}`.
    /// Its quality targets go over the experiment's, its plugins after the experiment's.
    mutating func applyGenre(_ node: ConfigNode, named name: String, folder: String) throws {
        try node.rejectUnknownKeys(["variables", "instructions", "quality", "plugins"])
        genre = name
        var variables = ["genre": name]
        if let given = try node.optional("variables") {
            for (key, value) in try given.entries() { variables[key] = try value.string() }
        }
        promptVariables = variables
        promptInstructions = try node.optional("instructions")?.stringList() ?? []
        if let quality = try node.optional("quality") { try applyQuality(quality) }
        if let more = try node.optional("plugins") {
            let added = try PluginSpec.load(more, folder: folder.isEmpty ? "." : folder, builtIns: PluginRegistry.builtIn.names)
            if let clash = added.first(where: { spec in plugins.contains { $0.name == spec.name } }) {
                throw more.error("plugin `\(clash.name)` is already among the experiment's plugins", fix: "give the genre's plugin another name, or drop one")
            }
            plugins += added
        }
    }

    /// The provider table in force: the experiment's `providers:` file, else a
    /// providers.yaml beside it, else Experiments/providers.yaml, else the built-in one.
    public func providerTable() throws -> ProviderTable {
        if let providersFile { return try ProviderTable.load(file: providersFile) }
        if FileManager.default.fileExists(atPath: ProviderTable.defaultFile) { return try ProviderTable.load(file: ProviderTable.defaultFile) }
        return ProviderTable.builtIn
    }

    /// The tasks a run of this experiment calls a model for: `planning` when it plans an
    /// outline from a premise, `optimizing` when `workbench optimize` proposes rewrites.
    public func tasks(planning: Bool, optimizing: Bool = false) -> Set<LLMTask> {
        var tasks: Set<LLMTask> = [.generate]
        if planning { tasks.insert(.plan) }
        if enhancementIterations > 0 || continuity.fix || ensemble?.fuse == true { tasks.insert(.enhance) }
        if judge != nil || continuity.verify { tasks.insert(.judge) }
        if optimizing { tasks.insert(.optimize) }
        return tasks
    }

    /// The run record's configuration: everything a run was started with (the experiment
    /// file as an absolute path, the `--provider` override, the premise) and a fingerprint
    /// of every file it read, so `resume` can continue it exactly or say what changed.
    /// `pluginVersions`: what the started plugins' handshakes declared.
    /// `sourceText`: what a premise is drawn from, when the book starts from a source text.
    public func runJSON(premise: String?, sourceText: String? = nil, pluginVersions: [String: String] = [:]) throws -> String {
        var config = self
        config.pluginVersions.merge(pluginVersions) { _, started in started }
        var object = try config.fields()
        if let premise { object["premise"] = premise }
        if let sourceText { object["source_text"] = sourceText }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// The fields of the run record, each one that can change a book.
    func fields() throws -> [String: Any] {
        var object: [String: Any] = [
            "name": name, "file": Self.absolute(file), "providers": providersFile.map(Self.absolute) ?? NSNull(),
            "routes": Dictionary(uniqueKeysWithValues: routes.map { ($0.key.rawValue, $0.value) }), "prompts": promptVersion,
            "chapters": chapters, "words_per_chapter": wordsPerChapter, "quality_target": targets.quality, "targets": targets.targets,
            "weights": targets.weights, "chapter_requirements": Dictionary(uniqueKeysWithValues: chapterRequirements.map { (String($0.key), $0.value) }),
            "enhancement_iterations": enhancementIterations, "concurrency": concurrency, "sequential": sequential, "seed": seed,
            "budget_usd": budgetUSD ?? NSNull(), "provider": providerOverride ?? NSNull(),
            "prompts_sha256": try PromptSet.fingerprint(folder: promptsFolder),
            "provider_table_sha256": SHA256.hex(of: providersFile.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "built-in"),
        ]
        // Only when not the default, so that runs from before the step existed resume unchanged.
        if continuity != ContinuitySettings() {
            object["continuity"] = ["check": continuity.check, "verify": continuity.verify, "fix": continuity.fix, "rounds": continuity.rounds] as [String: Any]
        }
        if let style { object["style"] = style.recordFields }
        if let ensemble { object["ensemble"] = ensemble.recordFields }
        if let genre { object["genre"] = genre }
        if let titleOverride { object["title"] = titleOverride }
        if let onlyChapter { object["only_chapter"] = onlyChapter }
        if planOnly { object["plan_only"] = true }
        // Name, version (once started), command, hooks, priority and config of each: a plugin changes the book.
        if !plugins.isEmpty { object["plugins"] = plugins.map { $0.recordFields(version: pluginVersions[$0.name]) } }
        if let judge {
            object["judge"] = ["dimensions": judge.dimensions, "samples": judge.samples, "rubrics": Self.absolute(judge.rubrics)] as [String: Any]
            object["rubrics_sha256"] = try PromptSet.fingerprint(folder: judge.rubrics)
        }
        return object
    }

    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)).standardized.path
    }
}

extension ExperimentConfig {
    /// What a field of the run record is, for a person reading "what changed".
    static let fieldNames: [String: String] = [
        "prompts_sha256": "the prompt templates", "provider_table_sha256": "the provider table", "rubrics_sha256": "the judge rubrics",
        "provider": "--provider", "file": "the experiment file's path", "providers": "the provider table's path",
        "style": "the style profile", "plugins": "the plugins", "ensemble": "the ensemble", "genre": "the genre",
    ]

    /// The configuration a run was started with: its experiment file read again (by the
    /// absolute path recorded), with the values the run overrode put back. Anything that
    /// differs from the record (a prompt, a route, a target, the provider table, the
    /// override) is refused, naming each, unless `allowChanged`: a resumed book must not mix
    /// two configurations silently.
    /// `overriding` applies what the resuming command line changes (a provider, a table).
    public static func resumed(run runID: String, fromRunJSON json: String, allowChanged: Bool,
                               overriding: (inout ExperimentConfig) -> Void = { _ in }) throws -> ExperimentConfig {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], let file = object["file"] as? String else {
            throw EngineError.unresumable(runID: runID, reason: "its record names no experiment file")
        }
        guard FileManager.default.fileExists(atPath: file) else {
            throw EngineError.unresumable(runID: runID, reason: "its experiment file \(file) is gone")
        }
        var config = try load(file: file, genre: object["genre"] as? String)
        if let value = object["chapters"] as? Int { config.chapters = value }
        if let value = object["words_per_chapter"] as? Int { config.wordsPerChapter = value }
        if let value = object["concurrency"] as? Int { config.concurrency = value }
        if let value = (object["seed"] as? NSNumber)?.uint64Value { config.seed = value }
        if let value = object["budget_usd"] as? Double { config.budgetUSD = value }
        config.providerOverride = object["provider"] as? String
        config.titleOverride = object["title"] as? String
        config.onlyChapter = object["only_chapter"] as? Int
        config.planOnly = object["plan_only"] as? Bool ?? false
        // The versions the plugins declared when the run started; the resumed run's own
        // handshakes are checked against them (`BookGenerator.resume`).
        for plugin in object["plugins"] as? [[String: Any]] ?? [] {
            if let name = plugin["name"] as? String, let version = plugin["version"] as? String { config.pluginVersions[name] = version }
        }
        overriding(&config)
        let now = try config.fields()
        var changed: [String] = []
        for key in Set(now.keys).union(object.keys).subtracting(["premise", "source_text", "budget_usd", "concurrency"]).sorted() {
            guard let recorded = object[key] else { continue }  // a field older records lack
            let current = now[key] ?? NSNull()
            if !JSONSerialization.isEqual(recorded, current) { changed.append(fieldNames[key] ?? key) }
        }
        if !changed.isEmpty && !allowChanged {
            throw EngineError.configurationChanged(runID: runID, changed: changed)
        }
        config.acceptsChangedConfiguration = allowChanged
        return config
    }
}

extension JSONSerialization {
    /// Whether two decoded JSON values are the same document.
    static func isEqual(_ a: Any, _ b: Any) -> Bool {
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .fragmentsAllowed]
        guard let left = try? data(withJSONObject: a, options: options), let right = try? data(withJSONObject: b, options: options) else { return false }
        return left == right
    }
}
