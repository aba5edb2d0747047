import Foundation
import Testing

// What the tests of whole processes (signals, children, git checkouts) share.

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
let simExperiment = repositoryRoot.appendingPathComponent("Experiments/sim.yaml").path

/// The runs of a workspace, newest first, from `runs list --json`.
func listedRuns(in directory: URL) throws -> [[String: Any]] {
    let result = try CLI.run(["runs", "list", "--json"], in: directory)
    return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result.stderr)")
}

/// Whether a process is gone (or a zombie nobody has reaped yet: dead all the same).
func isDead(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return kill(pid, 0) != 0 }
    // "PID (comm) S …": the state follows the command name's closing parenthesis.
    guard let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}
