import Engine
import Foundation
import Synchronization

/// Experiments as loaded, by file and genre, read again when the file changes: a request that
/// names one is checked without parsing its YAML every time.
final class ExperimentCache: Sendable {
    private struct Key: Hashable {
        var file: String
        var genre: String?
    }

    private let loaded = Mutex([Key: (modified: Date, config: ExperimentConfig)]())

    func load(file: String, genre: String?) throws -> ExperimentConfig {
        let key = Key(file: file, genre: genre)
        let modified = (try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date) ?? .distantPast
        if let hit = loaded.withLock({ $0[key] }), hit.modified == modified { return hit.config }
        let config = try ExperimentConfig.load(file: file, genre: genre)
        loaded.withLock { $0[key] = (modified, config) }
        return config
    }
}
