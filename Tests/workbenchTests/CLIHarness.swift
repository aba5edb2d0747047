import Foundation
import Testing

/// Runs the built `workbench` binary as a separate process, the way a user or CI does.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary beside the test bundle (`.build/<triple>/debug/workbench`), or `$WORKBENCH_BIN`.
    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["WORKBENCH_BIN"] { return URL(fileURLWithPath: explicit) }
        let testExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testExecutable.deletingLastPathComponent().appendingPathComponent("workbench")
    }

    /// Runs `workbench ARGS` in `directory`. Output goes to files, not pipes, so a chatty
    /// child can never block on a full pipe; a child still running after `timeout` is killed.
    static func run(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:], stdin: Data? = nil, timeout: TimeInterval = 60) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["WORKBENCH_WORKSPACE"] = nil
        environment["COLUMNS"] = "80"
        environment["NO_COLOR"] = "1"
        // An empty cache folder: the local-model check then reports the same thing everywhere.
        environment["WORKBENCH_CACHE"] = scratch.appendingPathComponent("cache").path
        environment.merge(extra) { _, new in new }
        process.environment = environment
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let input = scratch.appendingPathComponent("stdin")
            try stdin.write(to: input)
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            // SIGKILL: a child started from a concurrency thread may have SIGTERM blocked.
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
            Issue.record("workbench \(arguments.joined(separator: " ")) still ran after \(timeout) s and was killed")
        }
        try out.close()
        try err.close()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// Starts `executable` (the workbench binary by default) in the background in `directory`,
/// its output and errors going to a new log file there (no $WORKBENCH_WORKSPACE: the folder's
/// workspace is the one used).
func launch(_ arguments: [String], in directory: URL, executable: URL = CLI.binary, environment extra: [String: String] = [:], log name: String) throws -> (Process, URL) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var environment = ProcessInfo.processInfo.environment
    environment["WORKBENCH_WORKSPACE"] = nil
    environment.merge(extra) { _, new in new }
    process.environment = environment
    let log = directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    return (process, log)
}

/// A fresh folder for one test, removed by `delete()`.
struct Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-clitest-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var path: String { url.path }
    func delete() { try? FileManager.default.removeItem(at: url) }
}

/// Compares text with a file under Tests/workbenchTests/Golden; `WORKBENCH_UPDATE_GOLDEN=1`
/// rewrites the file instead, for reviewing the change in the diff.
func expectGolden(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name).txt")
    if ProcessInfo.processInfo.environment["WORKBENCH_UPDATE_GOLDEN"] == "1" {
        try Data(text.utf8).write(to: url)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("missing golden file \(url.path); run with WORKBENCH_UPDATE_GOLDEN=1 to create it", sourceLocation: sourceLocation)
        return
    }
    #expect(text == expected, "output differs from \(url.lastPathComponent)", sourceLocation: sourceLocation)
}
