import Foundation
import Quality
import WorkbenchCore

/// `workbench plugins check`: starts a plugin, runs its handshake, sends one call of each
/// hook it declares with sample data, and says how each went and how long it took.
public enum PluginCheck {
    public struct HookResult: Sendable, Equatable {
        public var hook: PluginHook
        public var milliseconds: Double
        /// What the answer would change ("metrics tension=3.10"), or nil when it only observed.
        public var effect: String?
        public var problem: PluginProblem?
    }

    public struct Report: Sendable, Equatable {
        public var spec: PluginSpec
        public var manifest: PluginManifest?
        public var handshakeMilliseconds: Double
        /// A handshake that failed, or a hook the experiment names that the plugin lacks.
        public var startProblem: PluginProblem?
        public var hooks: [HookResult]
        public var ok: Bool { startProblem == nil && hooks.allSatisfy { $0.problem == nil } }
    }

    /// Runs the check; the plugin is stopped before it returns.
    public static func run(_ spec: PluginSpec, registry: PluginRegistry = .builtIn) async -> Report {
        var report = Report(spec: spec, manifest: nil, handshakeMilliseconds: 0, startProblem: nil, hooks: [])
        let plugin: any WorkbenchPlugin
        do { plugin = try registry.make(spec) } catch {
            report.startProblem = error
            return report
        }
        let began = DispatchTime.now().uptimeNanoseconds
        do {
            let manifest = try await plugin.start()
            report.handshakeMilliseconds = milliseconds(since: began)
            report.manifest = manifest
            report.startProblem = manifest.problem(serving: spec.hooks)
            let executor = PluginExecutor()
            for hook in (spec.hooks ?? manifest.hooks).intersection(manifest.hooks).sorted() {
                let call = sample(for: hook)
                let start = DispatchTime.now().uptimeNanoseconds
                let outcome = await PluginHost.within(spec.timeoutMS, plugin: plugin, executor: executor, call: call)
                let elapsed = milliseconds(since: start)
                switch outcome {
                case .success(let answer):
                    report.hooks.append(HookResult(hook: hook, milliseconds: elapsed, effect: describe(answer), problem: nil))
                case .failure(let problem):
                    report.hooks.append(HookResult(hook: hook, milliseconds: elapsed, effect: nil, problem: problem))
                }
            }
        } catch {
            report.handshakeMilliseconds = milliseconds(since: began)
            report.startProblem = error
        }
        await plugin.shutdown()
        return report
    }

    static func milliseconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000 }

    /// One line of what an answer changes.
    static func describe(_ answer: PluginAnswer) -> String? {
        var parts: [String] = []
        if let outline = answer.outline { parts.append("outline \"\(outline.title)\" (\(outline.chapters.count) chapters)") }
        if !answer.instructions.isEmpty { parts.append("\(answer.instructions.count) instruction\(answer.instructions.count == 1 ? "" : "s")") }
        if !answer.variables.isEmpty { parts.append("variables " + answer.variables.keys.sorted().joined(separator: ", ")) }
        if let text = answer.text { parts.append("text of \(TextScanner.scan(text).wordCount) words") }
        if let rewrite = answer.rewrite { parts.append("rewrite of paragraph \(rewrite.paragraph)") }
        if !answer.metrics.isEmpty { parts.append("metrics " + answer.metrics.sorted { $0.key < $1.key }.map { String(format: "%@=%.2f", $0.key, $0.value) }.joined(separator: " ")) }
        if !answer.issues.isEmpty { parts.append("\(answer.issues.count) issue\(answer.issues.count == 1 ? "" : "s")") }
        if let operation = answer.operation { parts.append("operation \(operation.name)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// A two-chapter outline and a short chapter: what every hook is sent.
    public static let sampleOutline = Outline(
        title: "The Lighthouse Keeper's Daughter", logline: "A keeper's daughter falls for the surveyor sent to close the light.",
        obsession: "the light", setting: "a rocky island off the Cornish coast, 1890",
        characters: [BookCharacter(name: "Mara Penrose", attributes: ["age": "24", "occupation": "keeper's daughter"], relationships: ["Tom Avery": "loves"]),
                     BookCharacter(name: "Tom Avery", attributes: ["age": "30", "occupation": "surveyor"])],
        chapters: [ChapterSpec(number: 1, title: "The Surveyor", beats: ["Tom lands on the island", "Mara refuses him the tower", "A storm keeps him overnight"], targetWords: 600),
                   ChapterSpec(number: 2, title: "The Lamp", beats: ["They tend the lamp together", "She learns why he came", "She hides his papers"], targetWords: 600)])

    public static let sampleText = """
        The boat came in on the evening tide, and Mara watched it from the gallery with the brass cloth still in her hand.

        Tom Avery stepped onto the rocks as if he owned them. He carried a leather case and did not look at the light once.

        "You'll be the keeper's girl," he said. She did not answer. She wanted him gone before the lamp was lit, and she wanted, \
        against all sense, to hear him speak again.

        By nightfall the wind had turned, and no boat would cross until morning.
        """

    public static func sample(for hook: PluginHook) -> PluginCall {
        let spec = sampleOutline.chapters[0]
        let words = TextScanner.scan(sampleText).wordCount
        switch hook {
        case .afterPlan: return .afterPlan(premise: sampleOutline.logline, outline: sampleOutline)
        case .beforeChapter:
            return .beforeChapter(.init(chapter: 1, title: spec.title, beats: spec.beats, targetWords: spec.targetWords, bookTitle: sampleOutline.title, obsession: sampleOutline.obsession))
        case .afterDraft: return .afterDraft(chapter: 1, text: sampleText, words: words)
        case .analyze: return .analyze(.init(chapter: 1, version: 1, text: sampleText, quality: 6.2, metrics: ["emotion": 0.05, "detail_density": 0.08]))
        case .chooseOperation:
            return .chooseOperation(.init(chapter: 1, text: sampleText, quality: 6.2, metrics: ["emotion": 0.05, "detail_density": 0.08],
                                          proposed: ProposedOperation(name: "ADD_DEPTH", instruction: "add concrete sensory detail", paragraph: 2)))
        case .afterEnhance: return .afterEnhance(chapter: 1, version: 2, operation: "ADD_DEPTH", quality: 6.5, kept: true)
        case .afterChapter: return .afterChapter(chapter: 1, quality: 6.5, words: words, text: sampleText)
        case .onEvent: return .onEvent(.chapterDone(chapter: 1, quality: 6.5, words: words))
        case .afterBook: return .afterBook(title: sampleOutline.title, quality: 6.5, words: words * 2, costUSD: 0, chapters: 2)
        case .onContinuityViolation:
            return .onContinuityViolation(rule: "attribute", severity: "major", message: "Mara's eyes are grey in chapter 1 and brown in chapter 2", chapters: [1, 2])
        }
    }
}

extension PluginCheck.Report {
    /// The report for a person: the handshake, then a line per hook.
    public var text: String {
        var lines: [String] = []
        let kind = spec.command.map { "command: " + $0.joined(separator: " ") } ?? "built in"
        if let manifest {
            lines.append("\(manifest.name) \(manifest.version) (\(kind))")
            lines.append("  capabilities: " + manifest.capabilities.sorted().map(\.rawValue).joined(separator: ", "))
            lines.append(String(format: "  handshake: %.1f ms", handshakeMilliseconds))
        } else {
            lines.append("\(spec.name.isEmpty ? "plugin" : spec.name) (\(kind))")
        }
        if let startProblem { lines.append("  PROBLEM \(startProblem.reason): \(startProblem.detail)") }
        for result in hooks {
            let status = result.problem.map { "PROBLEM \($0.reason): \($0.detail)" } ?? "ok" + (result.effect.map { ": \($0)" } ?? "")
            lines.append(String(format: "  %@ %8.2f ms  %@", result.hook.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0), result.milliseconds, status))
        }
        let problems = (startProblem == nil ? 0 : 1) + hooks.filter { $0.problem != nil }.count
        lines.append(problems == 0 ? "no problems" : "\(problems) problem\(problems == 1 ? "" : "s")")
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: String {
        var object: [String: Any] = [
            "plugin": manifest?.name ?? spec.name, "command": spec.command ?? NSNull(), "ok": ok,
            "handshake_ms": handshakeMilliseconds,
            "hooks": hooks.map { result -> [String: Any] in
                ["hook": result.hook.rawValue, "ms": result.milliseconds, "effect": result.effect ?? NSNull(),
                 "problem": result.problem.map { ["reason": $0.reason, "detail": $0.detail] } ?? NSNull()]
            },
        ]
        object["version"] = manifest?.version ?? NSNull()
        object["capabilities"] = manifest.map { $0.capabilities.sorted().map(\.rawValue) } ?? NSNull()
        object["start_problem"] = startProblem.map { ["reason": $0.reason, "detail": $0.detail] } ?? NSNull()
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

extension PluginCheck {
    /// The spec `plugins check PLUGIN` runs: the experiment's entry of that name, else a
    /// built-in, else a program at that path (run by its extension's interpreter).
    public static func spec(for plugin: String, experiment: ExperimentConfig?, timeoutMS: Int?, registry: PluginRegistry = .builtIn) throws -> PluginSpec {
        var spec: PluginSpec
        if let found = experiment?.plugins.first(where: { $0.name == plugin }) {
            spec = found
        } else if registry.names.contains(plugin) {
            spec = PluginSpec(name: plugin)
        } else if FileManager.default.fileExists(atPath: plugin) {
            let interpreters = ["py": "python3", "js": "node", "sh": "sh"]
            let extensionName = (plugin as NSString).pathExtension
            let path = plugin.contains("/") ? plugin : "./" + plugin
            spec = PluginSpec(name: "", command: interpreters[extensionName].map { [$0, path] } ?? [path])
        } else {
            throw PluginCheckError.unknown(plugin: plugin, experiment: experiment?.file, builtIns: registry.names)
        }
        if let timeoutMS { spec.timeoutMS = timeoutMS }
        return spec
    }

    /// "romance 1.0.0 — hooks: analyze, … (capabilities: …)" from a handshake, or its problem.
    public static func manifestOnly(_ spec: PluginSpec, registry: PluginRegistry = .builtIn) async -> String {
        let label = spec.command.map { " [" + $0.joined(separator: " ") + "]" } ?? " [built in]"
        guard let plugin = try? registry.make(spec) else { return "\(spec.name)\(label): cannot be made" }
        let line: String
        do {
            let manifest = try await plugin.start()
            line = "\(manifest.name) \(manifest.version)\(label): hooks \(manifest.hooks.sorted().map(\.rawValue).joined(separator: ", "))"
                + "; capabilities \(manifest.capabilities.sorted().map(\.rawValue).joined(separator: ", "))"
        } catch {
            line = "\(spec.name)\(label): PROBLEM \(error.reason): \(error.detail)"
        }
        await plugin.shutdown()
        return line
    }
}

public enum PluginCheckError: WorkbenchError, Equatable {
    case unknown(plugin: String, experiment: String?, builtIns: [String])

    public var message: String {
        switch self {
        case .unknown(let plugin, let experiment, _):
            return "no plugin `\(plugin)`: not \(experiment.map { "in \($0)'s plugins, not " } ?? "")a built-in plugin, and no such file"
        }
    }

    public var fix: String? {
        switch self {
        case .unknown(_, let experiment, let builtIns):
            return (experiment == nil ? "give --experiment FILE for an experiment's plugin, " : "") + "name a built-in (\(builtIns.joined(separator: ", "))) or a program's path"
        }
    }

    public var exitStatus: ExitStatus { .usage }
}
