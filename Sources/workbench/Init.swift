import ArgumentParser
import Store

extension Workbench {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the workspace database, or bring it to the current schema.",
            discussion: """
                Creates DIR/.workbench/workbench.sqlite (WAL, foreign keys on, synchronous=NORMAL) \
                and applies the named migrations it lacks. Running it again on a current \
                workspace changes nothing. A corrupt database, another program's, or one written \
                by a newer workbench is refused and left untouched.
                """
        )

        @Option(name: .long, help: ArgumentHelp("Where to create the workspace (default: the current folder).", valueName: "dir"), completion: .directory)
        var workspace: String?

        func run() throws {
            let options = WorkspaceOptions(workspace: workspace)
            let target = Workspace.forCreation(explicit: workspace, environment: Console.environment, currentDirectory: options.currentDirectory)
            let (database, applied) = try WorkbenchDatabase.openReportingMigrations(path: target.databasePath, create: true)
            let schema = try database.schemaStatus()
            if applied.isEmpty {
                Console.output("Workspace \(target.folder.path) is current (\(schema.applied.count) migration\(schema.applied.count == 1 ? "" : "s")); nothing to do.\n")
            } else {
                Console.output("Initialized workspace \(target.folder.path): applied \(applied.joined(separator: ", ")).\n")
            }
        }
    }
}

extension WorkspaceOptions {
    init(workspace: String?) {
        self.init()
        self.workspace = workspace
    }
}
