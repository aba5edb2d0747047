/// The outcome of one component check of `workbench doctor`.
public struct CheckResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Works as the workbench needs it.
        case ok
        /// Usable, or not needed yet, but worth attention (e.g. an optional component missing).
        case warn
        /// Broken: the workbench cannot work until it is fixed.
        case fail
    }

    /// Short stable name: `openblas`, `lapack`, `libcurl`, `sqlite`, `workspace`, `local-model`.
    public var component: String
    public var status: Status
    /// One line a person reads first.
    public var summary: String
    /// The facts behind the summary (versions, paths, measured figures), for `--json`.
    public var details: [String: String]
    /// What to do when the status is not `ok`.
    public var fix: String?

    public init(component: String, status: Status, summary: String, details: [String: String] = [:], fix: String? = nil) {
        self.component = component
        self.status = status
        self.summary = summary
        self.details = details
        self.fix = fix
    }
}
