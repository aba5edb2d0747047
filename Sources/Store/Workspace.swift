import Foundation

/// A folder that holds a `.workbench/` folder with the workspace database, found like git
/// finds its repository: the nearest one upward from the current folder.
public struct Workspace: Sendable, Equatable {
    public static let folderName = ".workbench"
    public static let databaseName = "workbench.sqlite"
    public static let environmentVariable = "WORKBENCH_WORKSPACE"

    /// The folder that contains `.workbench/`.
    public let root: URL

    public init(root: URL) {
        // Accept `DIR/.workbench` as well as `DIR`: both name the same workspace.
        let standardized = root.standardizedFileURL
        self.root = standardized.lastPathComponent == Self.folderName ? standardized.deletingLastPathComponent() : standardized
    }

    public var folder: URL { root.appendingPathComponent(Self.folderName, isDirectory: true) }
    public var databaseURL: URL { folder.appendingPathComponent(Self.databaseName) }
    public var databasePath: String { databaseURL.path }

    /// The workspace a command works on: `--workspace` first, then `$WORKBENCH_WORKSPACE`,
    /// then the nearest `.workbench` upward from `currentDirectory`.
    public static func resolve(explicit: String?, environment: [String: String], currentDirectory: URL) throws -> Workspace {
        if let path = explicit ?? environment[environmentVariable].flatMap({ $0.isEmpty ? nil : $0 }) {
            return Workspace(root: URL(fileURLWithPath: path, relativeTo: currentDirectory))
        }
        if let found = discover(from: currentDirectory) { return found }
        throw StoreError.workspaceNotFound(searchedFrom: currentDirectory.standardizedFileURL.path)
    }

    /// Where `workbench init` creates a workspace: the explicit folder, or the current one.
    public static func forCreation(explicit: String?, environment: [String: String], currentDirectory: URL) -> Workspace {
        let path = explicit ?? environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        return Workspace(root: path.map { URL(fileURLWithPath: $0, relativeTo: currentDirectory) } ?? currentDirectory)
    }

    public static func discover(from start: URL) -> Workspace? {
        var folder = start.standardizedFileURL
        while true {
            var isDirectory: ObjCBool = false
            let candidate = folder.appendingPathComponent(folderName).path
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return Workspace(root: folder)
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }
}
