import Cloud
import Foundation
import Testing
import TestSupport

/// Against a moto_server that checks every call's credentials and SigV4 signature (its IAM
/// authentication): the workbench's signed calls to S3, SQS and DynamoDB are accepted with
/// a real key, and a wrong secret or an unknown key is refused with an error that says what
/// to check, never retried, never showing the secret.
@Suite("AWS credentials checked by moto", .serialized)
struct CloudCredentialsTests {
    @Test func signedCallsPassAndWrongCredentialsAreRefusedClearly() async throws {
        let moto = try MotoServer(authenticating: true)
        defer { moto.stop() }
        let key = try moto.createAccessKey()
        func resources(secret: String, keyID: String? = nil) throws -> CloudResources {
            var environment = moto.environment.merging(["HOME": "/nonexistent"]) { a, _ in a }
            environment["AWS_ACCESS_KEY_ID"] = keyID ?? key.id
            environment["AWS_SECRET_ACCESS_KEY"] = secret
            var client = AWSClient(configuration: try AWSConfiguration.resolve(environment: environment))
            client.backoff = .milliseconds(1)
            return CloudResources(client: client, names: try CloudNames(prefix: "wb-auth"))
        }

        // Every service, signed with the right key: moto recomputes each signature and accepts it.
        // (A key with a space; moto 5.2 miscomputes the signature of non-ASCII keys, boto3's too.)
        let deployment = try resources(secret: key.secret)
        let (tasks, _) = try await deployment.initialize()
        #expect(try await deployment.bucket.put("books/a b.md", Data("text".utf8), contentType: "text/markdown") == .written)
        #expect(try await deployment.bucket.get("books/a b.md") == Data("text".utf8))
        _ = try await tasks.send("{\"job\": 1}")
        #expect(try await tasks.receive(max: 1, wait: 1).first?.body == "{\"job\": 1}")
        #expect(try await deployment.table.put(["pk": .s("a"), "sk": .s("b")]))
        #expect(try await deployment.table.get(pk: "a", sk: "b") != nil)
        #expect(try await deployment.status().complete)

        for (what, wrong) in [("a wrong secret", try resources(secret: "not-the-secret-0123456789")),
                              ("an unknown key", try resources(secret: "not-the-secret-0123456789", keyID: "AKIAUNKNOWN000000000"))] {
            for call in [{ _ = try await wrong.bucket.get("books/a b.md") }, { _ = try await wrong.taskQueue() },
                         { _ = try await wrong.table.get(pk: "a", sk: "b") }] as [@Sendable () async throws -> Void] {
                let error = await #expect(throws: CloudError.self, "\(what)") { try await call() }
                #expect(error?.exitStatus == .usage && error?.isRetryable == false, "\(what): \(String(describing: error))")
                #expect(error?.fix?.contains("AWS_SECRET_ACCESS_KEY") == true, "\(what): \(String(describing: error))")
                #expect(error.map { !$0.message.contains("not-the-secret") } == true)
            }
        }
    }
}
