import Foundation
import Synchronization
import WorkbenchCore

/// The runs this process started (or reopened) and has not finished, with the database
/// that holds each: what a SIGINT or SIGTERM handler marks `interrupted` before the process
/// exits, so `workbench resume` can continue them instead of finding them `running` forever.
public enum OpenRuns {
    /// The database of an open run: held weakly (a run never finished must not keep its
    /// database alive), with its path to open it again if it is gone.
    final class Entry: Sendable {
        let path: String
        private let reference: Mutex<WeakDatabase>
        init(_ database: WorkbenchDatabase) {
            path = database.path
            reference = Mutex(WeakDatabase(database: database))
        }
        var database: WorkbenchDatabase? { reference.withLock { $0.database } }
    }

    struct WeakDatabase: @unchecked Sendable { weak var database: WorkbenchDatabase? }

    private static let entries = Mutex<[RunID: Entry]>([:])

    static func opened(_ id: RunID, in database: WorkbenchDatabase) {
        let entry = Entry(database)
        entries.withLock { $0[id] = entry }
    }

    static func closed(_ id: RunID) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }

    /// The open runs, oldest first, with their database paths.
    public static var current: [(id: RunID, path: String)] {
        entries.withLock { $0.map { ($0.key, $0.value.path) } }.sorted { $0.id.rawValue < $1.id.rawValue }
    }

    /// Marks every open run `interrupted` with `reason` as its error, and returns the ones
    /// marked. A run whose database was released is marked through its file; one kept only
    /// in memory cannot be and is skipped.
    @discardableResult
    public static func interruptAll(reason: String) -> [(id: RunID, kind: RunKind)] {
        let open = entries.withLock { $0 }
        var marked: [(id: RunID, kind: RunKind)] = []
        for (id, entry) in open.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let database = entry.database ?? (entry.path == ":memory:" ? nil : try? WorkbenchDatabase.open(path: entry.path))
            // Finished meanwhile (it raced the signal): left as it ended.
            guard let database, let run = try? database.run(matching: id.rawValue), run.status == .running,
                  (try? database.finishRun(id, status: .interrupted, error: reason)) != nil else { continue }
            marked.append((id, run.kind))
        }
        return marked
    }
}
