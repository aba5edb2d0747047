import Foundation

/// A fresh folder under the system temp directory, removed by `delete()`.
struct TemporaryFolder {
    let url: URL

    init(_ label: String = "store") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("workbench-\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path }

    func delete() { try? FileManager.default.removeItem(at: url) }
}
