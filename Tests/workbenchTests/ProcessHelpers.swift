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

/// An experiment in `scratch` (with its own providers.yaml) against a simulator slowed to
/// `ttftMilliseconds` to first token and `tokensPerSecond`, so a book takes long enough for a
/// signal or a kill to land mid-book.
func slowSimExperiment(in scratch: Scratch, ttftMilliseconds: Int, tokensPerSecond: Int, chapters: Int, words: Int, concurrency: Int) throws -> String {
    let providers = "providers:\n  slow:\n    kind: sim\n    model: sim-1\n    simulator: {ttft_ms: \(ttftMilliseconds), tokens_per_second: \(tokensPerSecond)}\n"
    try Data(providers.utf8).write(to: scratch.url.appendingPathComponent("providers.yaml"))
    let experiment = """
        name: slow
        routes: {plan: [slow], generate: [slow], enhance: [slow]}
        prompts: \(repositoryRoot.appendingPathComponent("Experiments/prompts/v1").path)
        book: {chapters: \(chapters), words_per_chapter: \(words)}
        enhancement: {iterations: 1}
        concurrency: \(concurrency)
        seed: 7

        """
    let file = scratch.url.appendingPathComponent("slow.yaml")
    try Data(experiment.utf8).write(to: file)
    return file.path
}

/// Job id → manuscript of the books in `premises` (`queue add` with `arguments`), written by
/// `queue process` on one machine's SQLite queue: what a distributed run must match.
func singleMachineManuscripts(_ premises: String, experiment: String, arguments: [String], parallel: Int = 1, in scratch: Scratch) throws -> [Int: String] {
    let folder = scratch.url.appendingPathComponent("single")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    #expect(try CLI.run(["init"], in: folder).status == 0)
    #expect(try CLI.run(["queue", "add", "--source", premises, "--experiment", experiment] + arguments, in: folder).status == 0)
    let processed = try CLI.run(["queue", "process", "--parallel", String(parallel), "--until-empty", "--plain"], in: folder, timeout: 600)
    #expect(processed.status == 0, "\(processed.stdout)\(processed.stderr)")
    var manuscripts: [Int: String] = [:]
    for line in processed.stdout.split(separator: "\n") where line.hasPrefix("job ") && line.contains(" done: book ") {
        let id = Int(line.dropFirst(4).prefix { $0.isNumber })!
        let path = String(line[line.range(of: ", /")!.upperBound...].prefix { $0 != "\n" })
        manuscripts[id] = try String(contentsOfFile: "/" + path, encoding: .utf8)
    }
    return manuscripts
}
