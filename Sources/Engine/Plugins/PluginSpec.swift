import Config
import Foundation
import WorkbenchCore

/// A plugin: its manifest, and its answer to each call of a hook it declared.
public protocol WorkbenchPlugin: Sendable {
    /// Starts it if need be and says what it is (for an external plugin: its handshake).
    func start() async throws(PluginProblem) -> PluginManifest
    func handle(_ call: PluginCall) async throws(PluginProblem) -> PluginAnswer
    func shutdown() async
}

/// One entry of an experiment's `plugins:` list.
public struct PluginSpec: Sendable, Equatable {
    public var name: String
    /// The executable and its arguments; nil for a built-in plugin.
    public var command: [String]?
    /// The hooks to call; nil for every hook the plugin declares.
    public var hooks: Set<PluginHook>?
    public var timeoutMS: Int
    /// Failures after which the plugin is disabled for the rest of the run.
    public var maxFailures: Int
    /// Lower runs first; equal priorities run in name order.
    public var priority: Int
    /// The `config:` map, as canonical JSON (sorted keys), sent in the handshake.
    public var configJSON: String
    /// The folder commands run in and relative paths resolve against: the experiment's.
    public var folder: String
    /// Only its metrics are wanted (`analyze`, if it serves it): an A/B arm that does not run
    /// the plugin still measures with it, so both arms have its metrics.
    public var measureOnly = false

    public static let defaultTimeoutMS = 5_000
    public static let handshakeTimeoutMS = 10_000

    public init(name: String, command: [String]? = nil, hooks: Set<PluginHook>? = nil, timeoutMS: Int = defaultTimeoutMS, maxFailures: Int = 3,
                priority: Int = 0, configJSON: String = "{}", folder: String = ".") {
        self.name = name
        self.command = command
        self.hooks = hooks
        self.timeoutMS = timeoutMS
        self.maxFailures = maxFailures
        self.priority = priority
        self.configJSON = configJSON
        self.folder = folder
    }

    public var configObject: Any { (try? JSONSerialization.jsonObject(with: Data(configJSON.utf8))) ?? [String: Any]() }

    /// What a plugin process may see of our environment: no API key, no token, nothing but
    /// what a program needs to run.
    static func environment(for name: String) -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var result: [String: String] = ["WORKBENCH_PLUGIN": name, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"]
        for key in ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"] { result[key] = inherited[key] }
        if result["PATH"] == nil { result["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        return result
    }

    /// The spec's fields as the run record holds them (with the started plugin's version).
    func recordFields(version: String?) -> [String: Any] {
        var fields: [String: Any] = [
            "name": name, "hooks": hooks.map { $0.map(\.rawValue).sorted() } ?? NSNull(), "priority": priority, "config": configObject,
            "version": version ?? NSNull(),
        ]
        if let command { fields["command"] = command }
        return fields
    }

    /// Reads `plugins:` of an experiment: a list of `{name, command, hooks, timeout_ms,
    /// max_failures, priority, config}`; a plugin without `command` must be a built-in.
    static func load(_ node: ConfigNode, folder: String, builtIns: [String]) throws -> [PluginSpec] {
        var specs: [PluginSpec] = []
        for item in try node.items() {
            try item.rejectUnknownKeys(["name", "command", "hooks", "timeout_ms", "max_failures", "priority", "config"])
            let nameNode = try item.required("name")
            let name = try nameNode.nonEmptyString()
            guard PluginManifest.isValidName(name) else {
                throw nameNode.error("plugin name `\(name)` is not usable in metric names", fix: "use lower case letters, digits, - and _, starting with a letter")
            }
            guard !specs.contains(where: { $0.name == name }) else { throw nameNode.error("plugin `\(name)` is listed twice", fix: "list each plugin once") }
            var spec = PluginSpec(name: name, folder: folder)
            if let command = try item.optional("command") {
                let argv: [String]
                if let words = try? command.stringList() { argv = words } else { argv = try command.nonEmptyString().split(separator: " ").map(String.init) }
                guard !argv.isEmpty, !argv[0].isEmpty else { throw command.error("`command` is empty", fix: "give the program and its arguments: [python3, plugins/romance.py]") }
                spec.command = argv
            } else if !builtIns.contains(name) {
                throw nameNode.error("no built-in plugin is called `\(name)`, and it has no `command`",
                                     fix: "give `command: [program, args…]`, or use a built-in: \(builtIns.joined(separator: ", "))")
            }
            if let hooks = try item.optional("hooks") {
                var set: Set<PluginHook> = []
                for hookName in try hooks.stringList() {
                    guard let hook = PluginHook(rawValue: hookName) else {
                        throw hooks.error("unknown hook `\(hookName)`", fix: "use \(PluginHook.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    set.insert(hook)
                }
                spec.hooks = set
            }
            spec.timeoutMS = try item.optional("timeout_ms")?.int(in: 1...600_000) ?? spec.timeoutMS
            spec.maxFailures = try item.optional("max_failures")?.int(in: 1...1_000) ?? spec.maxFailures
            spec.priority = try item.optional("priority")?.int(in: -1_000...1_000) ?? spec.priority
            if let config = try item.optional("config") {
                let value = try config.jsonValue()
                guard value is [String: Any] else { throw config.error("`config` must be a map", fix: "config: {threshold: 5}") }
                spec.configJSON = String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
            }
            specs.append(spec)
        }
        return specs.sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
    }
}
