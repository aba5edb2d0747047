/// The process exit codes every `workbench` command uses. The numbers above 2 follow
/// BSD `sysexits.h`, so shell scripts and CI can tell a bad input from a flaky provider.
public enum ExitStatus: Int32, Sendable, CaseIterable, Codable {
    /// Everything worked and every check or verdict passed.
    case ok = 0
    /// The command ran, and a check or verdict failed (doctor found a problem, a regression).
    case checkFailed = 1
    /// The command line itself is wrong: unknown flag, missing argument, no workspace.
    case usage = 2
    /// Input data is bad: a config, an outline, a baseline, a database that is corrupt or too new.
    case dataError = 65
    /// A file or folder could not be created or written.
    case cannotCreate = 73
    /// A bug or an impossible state inside the workbench.
    case internalError = 70
    /// A temporary failure: a provider or lock is unavailable now; retrying later may work.
    case temporaryFailure = 75
}
