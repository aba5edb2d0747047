import Config
import Foundation
import WorkbenchCore

/// The providers an experiment may use and the fallback chain per task, as declared in
/// `Experiments/providers.yaml` (see that file for the documented fields).
public struct ProviderTable: Sendable, Equatable {
    public static let defaultFile = "Experiments/providers.yaml"

    public var providers: [ProviderConfig]
    /// Task → provider names, tried in order.
    public var routes: [LLMTask: [String]]

    public init(providers: [ProviderConfig], routes: [LLMTask: [String]] = [:]) {
        self.providers = providers
        self.routes = routes
    }

    /// What the workbench uses with no providers.yaml: the simulator and the local model.
    public static let builtIn = ProviderTable(providers: [
        ProviderConfig(name: "sim", kind: .sim, baseURL: "", model: "sim-1"),
        ProviderConfig(name: "local", kind: .local, baseURL: "", model: "SmolLM2-135M-Instruct", maxConcurrent: 2,
                       extraBodyJSON: ProviderConfig.localPenalties),
    ])

    public func provider(named name: String) throws -> ProviderConfig {
        guard let config = providers.first(where: { $0.name == name }) else {
            throw ProviderTableError.unknownProvider(name, known: providers.map(\.name))
        }
        return config
    }

    public static func load(file: String) throws -> ProviderTable {
        try parse(ConfigNode.load(file: file))
    }

    public static func parse(_ text: String, file: String) throws -> ProviderTable {
        try parse(ConfigNode.parse(text, file: file))
    }

    static let providerFields = ["kind", "base_url", "model", "api_key_env", "price", "limits", "extra_body", "simulator", "attempts"]
    static let faultNames = ["429", "500", "503", "timeout", "truncate", "malformed", "reset"]

    static func parse(_ root: ConfigNode) throws -> ProviderTable {
        try root.rejectUnknownKeys(["providers", "routes"])
        var providers: [ProviderConfig] = []
        for (name, node) in try root.required("providers", fix: "add a `providers:` mapping (see the example in Experiments/providers.yaml)").entries() {
            try node.rejectUnknownKeys(providerFields)
            let kindNode = try node.required("kind", fix: "one of: \(ProviderConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            guard let kind = ProviderConfig.Kind(rawValue: try kindNode.string()) else {
                throw kindNode.error("unknown kind `\(try kindNode.string())`", fix: "one of: \(ProviderConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var config = ProviderConfig(name: name, kind: kind, baseURL: "", model: "")
            switch kind {
            case .openai:
                config.baseURL = try node.required("base_url", fix: "e.g. `base_url: https://api.groq.com/openai/v1`").nonEmptyString()
            case .anthropic:
                config.baseURL = try node.optional("base_url")?.nonEmptyString() ?? "https://api.anthropic.com/v1"
            case .gemini:
                config.baseURL = try node.optional("base_url")?.nonEmptyString() ?? "https://generativelanguage.googleapis.com/v1beta"
            case .sim, .local:
                config.baseURL = try node.optional("base_url")?.nonEmptyString() ?? ""
            }
            if !config.baseURL.isEmpty, !(config.baseURL.hasPrefix("http://") || config.baseURL.hasPrefix("https://")) {
                throw try node.required("base_url").error("must start with http:// or https://")
            }
            let defaultModel = kind == .sim ? "sim-1" : kind == .local ? "SmolLM2-135M-Instruct" : nil
            if let modelNode = try node.optional("model") {
                config.model = try modelNode.nonEmptyString()
            } else if let defaultModel {
                config.model = defaultModel
            } else {
                _ = try node.required("model", fix: "name the model, e.g. `model: llama-3.1-8b-instant`")
            }
            if let keyNode = try node.optional("api_key_env") {
                let variable = try keyNode.nonEmptyString()
                guard variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !variable.hasPrefix("sk-") else {
                    throw keyNode.error("must be the NAME of an environment variable, not a key", fix: "e.g. `api_key_env: GROQ_API_KEY`; keys never go in files")
                }
                config.apiKeyEnv = variable
            }
            if let price = try node.optional("price") {
                try price.rejectUnknownKeys(["input", "output"])
                config.inputPricePerMillion = try price.optional("input")?.double(in: 0...10_000) ?? 0
                config.outputPricePerMillion = try price.optional("output")?.double(in: 0...10_000) ?? 0
            }
            if kind == .local { config.maxConcurrent = 2 }
            if let limits = try node.optional("limits") {
                try limits.rejectUnknownKeys(["concurrent", "requests_per_minute", "tokens_per_minute"])
                config.maxConcurrent = try limits.optional("concurrent")?.int(in: 1...10_000) ?? config.maxConcurrent
                config.requestsPerMinute = try limits.optional("requests_per_minute")?.double(in: 0.001...10_000_000)
                config.tokensPerMinute = try limits.optional("tokens_per_minute")?.double(in: 1...1_000_000_000)
            }
            if let extra = try node.optional("extra_body") {
                var object: [String: Any] = [:]
                for (key, value) in try extra.entries() {
                    if let number = try? value.double() { object[key] = number } else { object[key] = try value.string() }
                }
                config.extraBodyJSON = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            } else if kind == .local {
                config.extraBodyJSON = ProviderConfig.localPenalties
            }
            config.maxAttempts = try node.optional("attempts")?.int(in: 1...20)
            if let simulator = try node.optional("simulator") {
                guard kind == .sim else { throw simulator.error("only `kind: sim` providers have simulator settings") }
                try simulator.rejectUnknownKeys(["fault_rate", "faults", "ttft_ms", "tokens_per_second", "retry_after_ms", "fact_rate", "contradiction_rate"])
                var settings = ProviderConfig.SimulatorSettings()
                settings.faultRate = try simulator.optional("fault_rate")?.double(in: 0...1) ?? 0
                if let faults = try simulator.optional("faults") {
                    settings.faults = try faults.stringList()
                    for (index, fault) in settings.faults.enumerated() where !Self.faultNames.contains(fault) {
                        throw try faults.items()[index].error("unknown fault `\(fault)`", fix: "faults: \(Self.faultNames.joined(separator: ", "))")
                    }
                }
                settings.timeToFirstTokenMilliseconds = try simulator.optional("ttft_ms")?.double(in: 0...600_000) ?? 0
                settings.tokensPerSecond = try simulator.optional("tokens_per_second")?.double(in: 0...1_000_000) ?? 0
                settings.retryAfterMilliseconds = try simulator.optional("retry_after_ms")?.double(in: 0...600_000) ?? 1000
                settings.factRate = try simulator.optional("fact_rate")?.double(in: 0...1)
                settings.contradictionRate = try simulator.optional("contradiction_rate")?.double(in: 0...1)
                config.simulator = settings
            }
            if providers.contains(where: { $0.name == name }) { throw node.error("provider `\(name)` is declared twice") }
            providers.append(config)
        }
        let routes = try root.optional("routes").map { try parseRoutes($0, known: providers.map(\.name)) } ?? [:]
        return ProviderTable(providers: providers, routes: routes)
    }

    /// A `routes:` mapping, task → provider chain: every task known, every chain non-empty,
    /// and, when `known` is given, every provider declared.
    public static func parseRoutes(_ node: ConfigNode, known: [String]? = nil) throws -> [LLMTask: [String]] {
        var routes: [LLMTask: [String]] = [:]
        let taskNames = LLMTask.routable.map(\.rawValue).joined(separator: ", ")
        for (name, chainNode) in try node.entries() {
            guard let task = LLMTask(rawValue: name), LLMTask.routable.contains(task) else {
                throw chainNode.error("unknown task `\(name)`", fix: "tasks: \(taskNames)")
            }
            let chain = try chainNode.stringList()
            guard !chain.isEmpty else { throw chainNode.error("a route needs at least one provider") }
            if let known {
                for (index, provider) in chain.enumerated() where !known.contains(provider) {
                    throw try chainNode.items()[index].error("unknown provider `\(provider)`", fix: "declare it under `providers:` or use one of: \(known.joined(separator: ", "))")
                }
            }
            routes[task] = chain
        }
        return routes
    }
}

extension ProviderConfig {
    /// Without repetition penalties the small local model loops; these go with every request.
    public static let localPenalties = #"{"frequency_penalty":0.3,"presence_penalty":0.3,"repeat_penalty":1.3}"#
}

public enum ProviderTableError: WorkbenchError, Equatable {
    case unknownProvider(String, known: [String])

    public var message: String {
        switch self {
        case .unknownProvider(let name, _): return "no provider named `\(name)`"
        }
    }
    public var fix: String? {
        switch self {
        case .unknownProvider(_, let known): return "use one of: \(known.joined(separator: ", ")) (or declare it in providers.yaml)"
        }
    }
    public var exitStatus: ExitStatus { .usage }
}
