import Cloud
import Foundation
import Testing

/// An experiment's folder packed into one object and unpacked elsewhere.
@Suite struct ExperimentBundleTests {
    static func folder() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("exp/prompts/v1"), withIntermediateDirectories: true)
        try Data("name: x\nprompts: v1\n".utf8).write(to: root.appendingPathComponent("exp/x.yaml"))
        try Data("{{premise}}".utf8).write(to: root.appendingPathComponent("exp/prompts/v1/chapter.mustache"))
        try Data("#!/bin/sh\necho ok\n".utf8).write(to: root.appendingPathComponent("exp/plugin.sh"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.appendingPathComponent("exp/plugin.sh").path)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("exp/.git"), withIntermediateDirectories: true)
        try Data("secret".utf8).write(to: root.appendingPathComponent("exp/.git/config"))
        return root
    }

    @Test func aFolderIsPackedOnceAndUnpackedWithItsModes() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let bundle = try ExperimentBundle.pack(experimentFile: root.appendingPathComponent("exp/x.yaml").path)
        #expect(Set(bundle.files.keys) == ["x.yaml", "prompts/v1/chapter.mustache", "plugin.sh"], "hidden entries stay home")
        let (key, data) = try bundle.object()
        #expect(try ExperimentBundle.pack(experimentFile: root.appendingPathComponent("exp/x.yaml").path).object().key == key, "the same files, the same key")
        let target = root.appendingPathComponent("unpacked/\(UUID().uuidString)").path
        let experiment = try ExperimentBundle.decode(data, key: key).unpack(into: target)
        #expect(experiment == target + "/x.yaml")
        #expect(try String(contentsOfFile: target + "/prompts/v1/chapter.mustache", encoding: .utf8) == "{{premise}}")
        #expect(FileManager.default.isExecutableFile(atPath: target + "/plugin.sh"))
        #expect(try bundle.unpack(into: target) == experiment, "unpacking again keeps what is there")
    }

    @Test func aBundleNamingAPathOutsideItselfIsRefused() throws {
        let stored = #"{"experiment": "x.yaml", "files": {"../escape.sh": {"mode": 493, "base64": "eA=="}}}"#
        let bundle = try ExperimentBundle.decode(Data(stored.utf8), key: "bundles/x.json")
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID().uuidString)").path
        #expect(throws: CloudError.self) { try bundle.unpack(into: target) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func aFolderTooLargeToTravelWithEachJobIsRefusedAndSaysWhatToDo() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        // Sparse: the size counts, not the disk it takes.
        FileManager.default.createFile(atPath: root.appendingPathComponent("exp/corpus.txt").path, contents: nil)
        let handle = try FileHandle(forWritingTo: root.appendingPathComponent("exp/corpus.txt"))
        try handle.truncate(atOffset: UInt64(ExperimentBundle.maxBytes + 1))
        try handle.close()
        do {
            _ = try ExperimentBundle.pack(experimentFile: root.appendingPathComponent("exp/x.yaml").path)
            Issue.record("a folder over \(ExperimentBundle.maxBytes) bytes was packed")
        } catch let error as CloudError {
            #expect(error.message.contains("20 MB") && (error.fix ?? "").contains("folder of its own"), "\(error.message)")
        }
    }
}
