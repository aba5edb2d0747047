import Foundation
import Testing
@testable import Diagnostics
import Store
import WorkbenchCore

@Suite struct ComponentCheckTests {
    @Test func openBLASMultipliesCorrectly() {
        let result = BLASCheck.openBLAS()
        #expect(result.status == .ok, "\(result.summary)")
        #expect(result.details["dgemm_max_error"] == "0.0")
        #expect(Double(result.details["dgemm_256_gflops"] ?? "") ?? 0 > 0)
    }

    @Test func lapackSolvesThroughOpenBLAS() {
        let result = BLASCheck.lapack()
        #expect(result.status == .ok, "\(result.summary)")
        #expect(result.details["info"] == "0")
    }

    @Test func libcurlHasTLSAndSigV4() {
        let result = CurlCheck.run()
        #expect(result.status != .fail, "\(result.summary)")
        #expect(result.details["aws_sigv4"] == "true")
        #expect(result.details["protocols"]?.split(separator: ",").contains("https") == true)
        #expect(result.summary.hasPrefix("libcurl "))
    }

    @Test func sqliteCheckPassesOnAFreshWorkspace() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-diag-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = Workspace(root: folder)
        let database = try WorkbenchDatabase.open(workspace, create: true)
        let sqlite = StoreCheck.sqlite(database)
        #expect(sqlite.status == .ok, "\(sqlite.summary)")
        #expect(sqlite.details["journal_mode"] == "wal")
        #expect(sqlite.details["integrity"] == "ok")
        let space = StoreCheck.workspace(workspace, database: database, openError: nil)
        #expect(space.status != .fail, "\(space.summary)")
    }

    @Test func missingWorkspaceFailsWithTheStoreFix() {
        let error = StoreError.workspaceNotFound(searchedFrom: "/nowhere")
        let result = StoreCheck.workspace(nil, database: nil, openError: error)
        #expect(result.status == .fail)
        #expect(result.fix == error.fix)
        #expect(StoreCheck.sqlite(nil).status == .warn)
    }

    @Test func versionComparison() {
        #expect(StoreCheck.isOlder("3.40.1", than: [3, 51, 3]))
        #expect(StoreCheck.isOlder("3.51.2", than: [3, 51, 3]))
        #expect(!StoreCheck.isOlder("3.51.3", than: [3, 51, 3]))
        #expect(!StoreCheck.isOlder("3.52", than: [3, 51, 3]))
    }

    @Test func localModelNeedsAnExecutableServerAndAGGUFFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-llm-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = CachePaths(environment: ["WORKBENCH_CACHE": folder.path])
        let missing = LocalModelCheck.run(paths: paths)
        #expect(missing.status == .warn)
        #expect(missing.fix?.contains("make local-llm") == true)

        try FileManager.default.createDirectory(atPath: (paths.llamaServer as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: (paths.localModel as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: paths.llamaServer, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        FileManager.default.createFile(atPath: paths.localModel, contents: Data("not a model".utf8))
        let wrongModel = LocalModelCheck.run(paths: paths)
        #expect(wrongModel.status == .warn)
        #expect(wrongModel.summary.contains("is not a GGUF model file"))

        FileManager.default.createFile(atPath: paths.localModel, contents: Data("GGUF".utf8) + Data(count: 1024))
        #expect(LocalModelCheck.run(paths: paths).status == .ok)
    }

    @Test func doctorPassesUnlessSomethingFails() {
        let ok = CheckResult(component: "a", status: .ok, summary: "")
        let warn = CheckResult(component: "b", status: .warn, summary: "")
        let fail = CheckResult(component: "c", status: .fail, summary: "")
        #expect(Doctor.passed([ok, warn]))
        #expect(!Doctor.passed([ok, fail]))
    }
}
