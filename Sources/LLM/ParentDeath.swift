import CCurl
import Foundation
import Synchronization

/// Makes a child process die with this one, where `setpriv --pdeathsig` is not installed:
/// the child is started as `workbench _pdeath-exec --parent PID -- PROGRAM ARGS…`, which arms
/// the kernel's parent-death signal (SIGKILL) with `prctl` and then `execv`s the program in
/// its place (the signal survives the exec). Foundation's `Process` cannot run code in the
/// child between fork and exec, so the workbench binary itself is that code.
public enum ParentDeath {
    /// The hidden first argument that runs `exec(_:)` instead of the CLI.
    public static let subcommand = "_pdeath-exec"

    /// The command that prefixes a child's command line to start it this way (the workbench
    /// binary and `subcommand`), when the running program is the workbench CLI; nil elsewhere.
    public static var helper: [String]? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
    private static let state = Mutex<[String]?>(nil)

    /// `helper` with the arguments that start `command` under it, parented to this process.
    static func wrapping(_ command: [String], helper: [String]) -> [String] {
        helper + ["--parent", String(getpid()), "--"] + command
    }

    /// Runs in the child: `arguments` are what follows the subcommand (`--parent PID --
    /// PROGRAM ARGS…`). Never returns: it becomes the program, or exits 2 (usage), 1 (the
    /// parent is already gone) or 127 (the program cannot be run).
    public static func exec(_ arguments: [String]) -> Never {
        guard arguments.count >= 4, arguments[0] == "--parent", let parent = Int32(arguments[1]), arguments[2] == "--" else {
            FileHandle.standardError.write(Data("usage: workbench \(subcommand) --parent PID -- PROGRAM [ARGS…]\n".utf8))
            exit(2)
        }
        let command = Array(arguments[3...])
        guard wb_set_parent_death_signal(SIGKILL) == 0 else {
            FileHandle.standardError.write(Data("workbench \(subcommand): prctl(PR_SET_PDEATHSIG): \(String(cString: strerror(errno)))\n".utf8))
            exit(1)
        }
        // The parent died before the signal was armed (we were handed to another parent):
        // the signal will never come, so do not start what would be an orphan.
        guard getppid() == parent else { exit(1) }
        // The program answers signals as usual, whatever mask and dispositions we inherited.
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        let argv = command.map { strdup($0) } + [nil]
        execv(command[0], argv)
        FileHandle.standardError.write(Data("workbench \(subcommand): cannot run \(command[0]): \(String(cString: strerror(errno)))\n".utf8))
        exit(127)
    }

    /// The path of the running executable (`/proc/self/exe`), else `argv[0]`.
    public static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
