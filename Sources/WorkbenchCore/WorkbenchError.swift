/// Every module's typed error conforms to this, so the CLI can print one consistent shape
/// (what went wrong, where, and how to fix it) and exit with a distinct code.
public protocol WorkbenchError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, naming the file, field or value involved.
    var message: String { get }
    /// What the user can do about it, when there is something to do.
    var fix: String? { get }
    /// The exit code a command ends with when this error reaches the top.
    var exitStatus: ExitStatus { get }
}

extension WorkbenchError {
    public var description: String {
        guard let fix else { return message }
        return "\(message)\n  fix: \(fix)"
    }
}
