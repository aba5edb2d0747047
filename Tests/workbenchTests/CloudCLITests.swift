import Foundation
import Testing
import TestSupport

/// `workbench cloud init|status|destroy` as a process against moto_server: idempotent init,
/// status with its exit code, destroy guarded by --yes, and each failure's exit code.
@Suite("workbench cloud", .serialized)
struct CloudCLITests {
    @Test func initStatusAndDestroyADeployment() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let scratch = try Scratch()
        defer { scratch.delete() }
        let environment = moto.environment.merging(["HOME": scratch.url.path]) { a, _ in a }
        func cloud(_ arguments: [String]) throws -> CLI.Result { try CLI.run(["cloud"] + arguments + ["--name", "wb-cli"], in: scratch.url, environment: environment) }

        let before = try cloud(["status"])
        #expect(before.status == 1 && before.stdout.contains("incomplete") && before.stdout.contains("wb-cli-books: missing"), "\(before.stdout)\(before.stderr)")
        let created = try cloud(["init", "--visibility-timeout", "60", "--max-receives", "4"])
        #expect(created.status == 0 && created.stdout.contains("deployment wb-cli: complete"), "\(created.stdout)\(created.stderr)")
        #expect(try cloud(["init"]).status == 0, "a second init keeps what exists")
        let status = try cloud(["status", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], "\(status.stdout)")
        #expect(status.status == 0 && object["complete"] as? Bool == true)
        #expect(((object["queue"] as? [String: Any])?["redrive_policy"] as? String)?.contains("wb-cli-tasks-dlq") == true)

        let refused = try cloud(["destroy"])
        #expect(refused.status == 2 && refused.stderr.contains("--yes"), "\(refused.stderr)")
        #expect(try cloud(["status"]).status == 0, "nothing was removed without --yes")
        #expect(try cloud(["destroy", "--yes"]).status == 0)
        #expect(try cloud(["status"]).status == 1)
    }

    @Test func missingCredentialsAnUnreachableEndpointAndABadNameEachHaveTheirExitCode() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let none = ["HOME": scratch.url.path, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "", "AWS_REGION": "us-east-1"]
        let noCredentials = try CLI.run(["cloud", "status"], in: scratch.url, environment: none)
        #expect(noCredentials.status == 2 && noCredentials.stderr.contains("AWS_ACCESS_KEY_ID"), "\(noCredentials.stderr)")
        // A port nobody listens on: AWS unreachable is temporary (75), and no secret is printed.
        let closed = ["HOME": scratch.url.path, "AWS_ACCESS_KEY_ID": "AKIATEST", "AWS_SECRET_ACCESS_KEY": "do-not-print-me", "AWS_REGION": "us-east-1",
                      "AWS_ENDPOINT_URL": "http://127.0.0.1:9"]
        let unreachable = try CLI.run(["cloud", "status"], in: scratch.url, environment: closed, timeout: 120)
        #expect(unreachable.status == 75 && unreachable.stderr.contains("127.0.0.1:9"), "\(unreachable.stderr)")
        #expect(!unreachable.stderr.contains("do-not-print-me") && !unreachable.stdout.contains("do-not-print-me"))
        let badName = try CLI.run(["cloud", "status", "--name", "Bad_Name"], in: scratch.url, environment: closed)
        #expect(badName.status == 2 && badName.stderr.contains("--name"), "\(badName.stderr)")
    }
}
