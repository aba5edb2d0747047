import Foundation
import Testing

/// Runs `scripts/NAME` with the cases as JSON on stdin and returns the JSON rows it prints;
/// nil, with `missing` recorded as an issue, when the script fails (its Python package is not
/// installed): a reference comparison that cannot run says so instead of passing.
public func pythonReference(_ name: String, _ cases: [[String: Any]], missing: String,
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]]? {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/\(name)").standardized.path
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-reference-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = folder.appendingPathComponent("in.json"), output = folder.appendingPathComponent("out.json")
    try JSONSerialization.data(withJSONObject: cases).write(to: input)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "python3 '\(script)' < '\(input.path)' > '\(output.path)'"]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let data = try? Data(contentsOf: output),
          let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
        Issue.record(Comment(rawValue: missing), sourceLocation: sourceLocation)
        return nil
    }
    return rows
}
