import ArgumentParser
import Foundation
import Server
import Store

/// `--workspace`, shared by every command that touches a workspace.
struct WorkspaceOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The workspace folder (the one holding .workbench/).",
            discussion: "Default: $WORKBENCH_WORKSPACE, else the nearest folder upward from here with a .workbench folder.",
            valueName: "dir"),
        completion: .directory)
    var workspace: String?

    var currentDirectory: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true) }

    func resolve() throws -> Workspace {
        try Workspace.resolve(explicit: workspace, environment: Console.environment, currentDirectory: currentDirectory)
    }

    /// The workspace's Reports/ folder (./Reports without a workspace), created if missing.
    func reportsFolder() -> String {
        let folder = (try? resolve().root.appendingPathComponent("Reports").path) ?? "Reports"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The workspace's database for a command that writes, migrated forward if an older
    /// workbench made it; refused (exit 75) while `workbench serve` serves the workspace: the
    /// server owns its writes then.
    func open() throws -> WorkbenchDatabase {
        let workspace = try resolve()
        try ServedWorkspaceLock.refuseIfServed(folder: workspace.folder)
        return try WorkbenchDatabase.open(workspace)
    }

    /// The database for a command that only reads: allowed while the workspace is served.
    func openForReading() throws -> WorkbenchDatabase {
        try WorkbenchDatabase.open(resolve())
    }
}
