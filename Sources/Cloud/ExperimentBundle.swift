import Foundation
import WorkbenchCore

/// An experiment's folder as one object, so a job queued on one machine is written on any
/// other with the same experiment: the experiment file, its prompts, rubrics, provider table
/// and plugins beside it (everything it names by a relative path). Hidden entries are left
/// out; a path the experiment names absolutely must exist where the worker runs.
///
/// The object is canonical JSON (`{"experiment": relative path, "files": {path: {mode, base64}}}`),
/// so its content key is the same for the same files and a worker unpacks it once.
public struct ExperimentBundle: Sendable, Equatable {
    /// The experiment file's path inside the bundle.
    public var experiment: String
    public var files: [String: File]

    public struct File: Sendable, Equatable, Codable {
        /// POSIX permissions (a plugin's executable bit travels).
        public var mode: Int
        public var base64: String
    }

    /// The most a bundle may hold: an experiment's folder, not a home directory.
    public static let maxBytes = 20 << 20

    /// Packs the folder of `experimentFile`.
    public static func pack(experimentFile: String) throws -> ExperimentBundle {
        let experiment = URL(fileURLWithPath: experimentFile).standardizedFileURL
        let root = experiment.deletingLastPathComponent()
        let manager = FileManager.default
        var files: [String: File] = [:]
        var total = 0
        guard let walker = manager.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey], options: [.skipsHiddenFiles]) else {
            throw CloudError.configuration(problem: "cannot read the experiment's folder \(root.path)", fix: "check its permissions")
        }
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey])
            guard values.isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            let data = try Data(contentsOf: url)
            total += data.count
            guard total <= maxBytes else {
                throw CloudError.configuration(problem: "the folder of \(experimentFile) holds more than \(maxBytes >> 20) MB, too much to send with each job",
                                               fix: "keep the experiment in a folder of its own (its prompts and provider table beside it)")
            }
            let mode = (try manager.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? 0o644
            files[relative] = File(mode: mode, base64: data.base64EncodedString())
        }
        return ExperimentBundle(experiment: experiment.lastPathComponent, files: files)
    }

    /// The bundle as its object: canonical JSON and its content-addressed key.
    public func object() throws -> (key: String, data: Data) {
        let json = ["experiment": experiment, "files": files.mapValues { ["mode": $0.mode, "base64": $0.base64] as [String: Any] }] as [String: Any]
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])
        return (S3Bucket.contentKey(data, prefix: "bundles", suffix: "json"), data)
    }

    public static func decode(_ data: Data, key: String) throws -> ExperimentBundle {
        struct Stored: Decodable {
            var experiment: String
            var files: [String: File]
        }
        do {
            let stored = try JSONDecoder().decode(Stored.self, from: data)
            return ExperimentBundle(experiment: stored.experiment, files: stored.files)
        } catch {
            throw CloudError.malformedResponse(service: .s3, operation: "GetObject", detail: "the experiment bundle \(key) is not one: \(error)")
        }
    }

    /// Writes the files under `folder` (once: a folder already there is the same bundle, its
    /// key being its content's) and returns the experiment file's path there.
    public func unpack(into folder: String) throws -> String {
        let manager = FileManager.default
        let target = URL(fileURLWithPath: folder)
        if !manager.fileExists(atPath: target.path) {
            // Written aside, then renamed: a worker killed midway leaves no half bundle, and
            // two jobs unpacking it at once each write their own copy (the first rename wins).
            let partial = URL(fileURLWithPath: folder + ".partial-" + UUID().uuidString)
            defer { try? manager.removeItem(at: partial) }
            for (path, file) in files {
                guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                    throw CloudError.malformedResponse(service: .s3, operation: "GetObject", detail: "the experiment bundle names a path outside itself: \(path)")
                }
                guard let data = Data(base64Encoded: file.base64) else {
                    throw CloudError.malformedResponse(service: .s3, operation: "GetObject", detail: "the experiment bundle's \(path) is not base64")
                }
                let url = partial.appendingPathComponent(path)
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url)
                try manager.setAttributes([.posixPermissions: file.mode & 0o777], ofItemAtPath: url.path)
            }
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            do {
                try manager.moveItem(at: partial, to: target)
            } catch where manager.fileExists(atPath: target.path) {
                // Another job (or process) of this workspace unpacked it first.
            }
        }
        return target.appendingPathComponent(experiment).path
    }
}
