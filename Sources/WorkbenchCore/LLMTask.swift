/// What a model call is for. Routing picks a provider chain by it, and the call log and
/// cost-by-task totals are keyed by it, so every request names one: there is no default.
public enum LLMTask: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    /// The outline from a premise.
    case plan
    /// Chapter drafts and their scene continuations.
    case generate
    /// Rewrites of a weak passage.
    case enhance
    /// LLM-as-judge scores.
    case judge
    /// Facts pulled out of text (continuity).
    case extract
    /// Instruction rewrites proposed by `workbench optimize`.
    case optimize
    /// A one-off `workbench complete` call.
    case complete
    /// `workbench providers test`.
    case providerTest = "test"

    /// The tasks an experiment's or provider table's `routes:` may name.
    public static let routable: [LLMTask] = [.plan, .generate, .enhance, .judge, .extract, .optimize]

    public static func < (lhs: LLMTask, rhs: LLMTask) -> Bool { lhs.rawValue < rhs.rawValue }
}
