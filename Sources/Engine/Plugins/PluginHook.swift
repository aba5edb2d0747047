import Foundation
import WorkbenchCore

/// Where the pipeline calls plugins, in the order a chapter meets them.
public enum PluginHook: String, Sendable, CaseIterable, Codable, Comparable {
    case afterPlan, beforeChapter, afterDraft, analyze, chooseOperation, afterEnhance, afterChapter, onEvent, afterBook, onContinuityViolation

    /// The one capability a hook's effect needs; the others only observe.
    public var capability: PluginCapability {
        switch self {
        case .afterPlan, .beforeChapter, .chooseOperation: return .transformPrompt
        case .afterDraft: return .transformText
        case .analyze: return .addMetrics
        case .afterEnhance, .afterChapter, .onEvent, .afterBook, .onContinuityViolation: return .observe
        }
    }

    /// What a hook may change, for `plugins list` and the README.
    public var effect: String {
        switch self {
        case .afterPlan: return "may amend the outline (same chapter count)"
        case .beforeChapter: return "may add instructions and prompt variables to a chapter's drafting prompts"
        case .afterDraft: return "may replace the draft, or ask for one paragraph to be rewritten"
        case .analyze: return "may add metrics (plugin.NAME.METRIC) and located issues"
        case .chooseOperation: return "may propose the enhancement operation (first proposal wins)"
        case .afterEnhance: return "observes each enhancement and whether it was kept"
        case .afterChapter: return "observes each finished chapter"
        case .onEvent: return "observes every pipeline event (asynchronously, never slowing the run)"
        case .afterBook: return "observes the finished book"
        case .onContinuityViolation: return "observes each continuity violation found"
        }
    }

    public static func < (a: PluginHook, b: PluginHook) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// What a plugin may do; it declares them in its handshake and the host refuses the rest.
public enum PluginCapability: String, Sendable, CaseIterable, Codable, Comparable {
    case observe, addMetrics, transformPrompt, transformText

    public static func < (a: PluginCapability, b: PluginCapability) -> Bool { a.rawValue < b.rawValue }
}

/// What a plugin says of itself: in its handshake (external) or its type (built in).
public struct PluginManifest: Sendable, Equatable, Codable {
    public var name: String
    public var version: String
    public var hooks: Set<PluginHook>
    public var capabilities: Set<PluginCapability>

    public init(name: String, version: String, hooks: Set<PluginHook>, capabilities: Set<PluginCapability>) {
        self.name = name
        self.version = version
        self.hooks = hooks
        self.capabilities = capabilities
    }

    /// Hooks whose capability the plugin did not declare (refused at the handshake).
    public var undeclared: [PluginHook] {
        hooks.filter { !capabilities.contains($0.capability) }.sorted()
    }

    /// Why the plugin cannot serve `wanted` (the experiment's hooks, nil for all it declares):
    /// a hook it does not declare, or a declared hook whose capability it lacks; nil when it can.
    public func problem(serving wanted: Set<PluginHook>?) -> PluginProblem? {
        let missing = (wanted ?? hooks).subtracting(hooks).sorted()
        if !missing.isEmpty {
            return .refused("the experiment asks for \(missing.map(\.rawValue).joined(separator: ", ")), which it does not declare")
        }
        if let hook = undeclared.first {
            return .refused("hook \(hook.rawValue) needs capability \(hook.capability.rawValue), which it does not declare")
        }
        return nil
    }

    /// Plugin names: lower case letters, digits and dashes, as in metric names `plugin.NAME.METRIC`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= 40 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    /// A plugin's own metric names: lower case, digits and underscores, starting with a letter.
    public static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= 60 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// `plugin.romance.tension`: how a plugin metric is stored, reported and named in `abtest` and `regress`.
    public static func metricName(plugin: String, metric: String) -> String { "plugin.\(plugin).\(metric)" }
}
