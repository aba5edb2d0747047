import Foundation
import Store
import WorkbenchCore

/// Runs every component check, in the order a person would fix them.
public enum Doctor {
    public static func run(workspace: Workspace?, openError: (any Error)?, environment: [String: String]) -> [CheckResult] {
        var database: WorkbenchDatabase?
        var databaseError = openError
        if let workspace, openError == nil {
            do {
                database = try WorkbenchDatabase.open(workspace)
            } catch {
                databaseError = error
            }
        }
        return [
            BLASCheck.openBLAS(),
            BLASCheck.lapack(),
            CurlCheck.run(),
            StoreCheck.sqlite(database),
            StoreCheck.workspace(workspace, database: database, openError: databaseError),
            LocalModelCheck.run(paths: CachePaths(environment: environment)),
        ]
    }

    /// `fail` anywhere fails the doctor; warnings do not.
    public static func passed(_ results: [CheckResult]) -> Bool {
        !results.contains { $0.status == .fail }
    }
}
