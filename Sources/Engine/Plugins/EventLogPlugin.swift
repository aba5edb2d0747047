import Foundation
import WorkbenchCore

/// Built-in `event-log`: observes the run and appends each event, finished chapter and
/// finished book as one JSON line to `config.path` (default `plugin-events.jsonl`, relative
/// to the experiment's folder). It only observes.
public final class EventLogPlugin: WorkbenchPlugin, @unchecked Sendable {
    public static let version = "1.0.0"
    let path: String
    private let lock = NSLock()
    private var handle: FileHandle?

    public init(spec: PluginSpec) throws(PluginProblem) {
        let config = spec.configObject as? [String: Any] ?? [:]
        let relative = config["path"] as? String ?? "plugin-events.jsonl"
        path = relative.hasPrefix("/") ? relative : spec.folder + "/" + relative
    }

    /// Opens nothing yet: `plugins list` starts it for its manifest and must not leave a file behind.
    public func start() async throws(PluginProblem) -> PluginManifest {
        return PluginManifest(name: "event-log", version: Self.version, hooks: [.onEvent, .afterChapter, .afterBook], capabilities: [.observe])
    }

    /// Opens (creating) the log for appending; the caller holds the lock.
    private func openLocked() throws(PluginProblem) {
        guard FileManager.default.fileExists(atPath: path) || FileManager.default.createFile(atPath: path, contents: nil),
              let opened = FileHandle(forWritingAtPath: path) else {
            throw .failed("cannot write \(path)")
        }
        opened.seekToEndOfFile()
        handle = opened
    }

    public func handle(_ call: PluginCall) async throws(PluginProblem) -> PluginAnswer {
        var line = call.data
        line["hook"] = call.hook.rawValue
        if case .afterChapter = call { line["text"] = nil }  // the chapter is in the database; the log stays small
        guard let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            throw .failed("an event could not be encoded")
        }
        try append(data)
        return .none
    }

    private func append(_ data: Data) throws(PluginProblem) {
        lock.lock()
        defer { lock.unlock() }
        if handle == nil { try openLocked() }
        guard let handle else { return }
        do { try handle.write(contentsOf: data + Data("\n".utf8)) } catch { throw .failed("cannot write \(path): \(error)") }
    }

    public func shutdown() async {
        lock.withLock {
            try? handle?.close()
            handle = nil
        }
    }
}
