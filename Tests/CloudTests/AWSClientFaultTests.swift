@testable import Cloud
import Foundation
import Testing

/// How the client meets AWS's faults, against a scripted loopback server: a throttled or
/// failing call is retried with backoff until it succeeds or its attempts run out; an answer
/// that retrying cannot fix is not retried; each error says what AWS said and what to do.
@Suite("AWS client faults", .serialized)
struct AWSClientFaultTests {
    static let throttled = (status: 400, body: #"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#)

    func client(_ server: CaptureServer, attempts: Int = 5) -> AWSClient {
        let configuration = AWSConfiguration(credentials: AWSCredentials(accessKeyID: "AKIATEST", secretAccessKey: "secret", source: "test"), region: "us-east-1",
                                             endpoints: [.dynamodb: "http://127.0.0.1:\(server.port)", .sqs: "http://127.0.0.1:\(server.port)"])
        var client = AWSClient(configuration: configuration)
        client.attempts = attempts
        client.backoff = .milliseconds(5)
        return client
    }

    @Test func aThrottledCallIsRetriedUntilItGoesThrough() async throws {
        let server = try CaptureServer().answer([Self.throttled, (500, #"{"__type":"InternalServerError","message":"boom"}"#), Self.throttled]).start()
        defer { server.stop() }
        let table = DynamoTable(client: client(server), name: "t")
        #expect(try await table.put(["pk": .s("a"), "sk": .s("b")]))
        #expect(server.requests.count == 4, "three faults, then the call that went through")
    }

    @Test func attemptsRunOutWithAnErrorThatSaysSo() async throws {
        let server = try CaptureServer().answer([Self.throttled, Self.throttled, Self.throttled]).start()
        defer { server.stop() }
        let error = await #expect(throws: CloudError.self) { try await DynamoTable(client: client(server, attempts: 3), name: "t").put(["pk": .s("a"), "sk": .s("b")]) }
        #expect(error?.code == "ThrottlingException" && error?.exitStatus == .temporaryFailure && error?.fix?.contains("throttled") == true)
        #expect(server.requests.count == 3)
    }

    @Test func aClientErrorIsNotRetried() async throws {
        let server = try CaptureServer().answer([(400, #"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#)]).start()
        defer { server.stop() }
        let queue = SQSQueue(client: client(server), name: "q", url: "http://127.0.0.1:\(server.port)/123/q")
        let error = await #expect(throws: CloudError.self) { try await queue.send("x") }
        #expect(error?.code == "QueueDoesNotExist" && error?.fix?.contains("cloud init") == true && error?.exitStatus == .dataError)
        #expect(server.requests.count == 1)
    }

    @Test func anAnswerThatIsNotJSONIsMalformedNotACrash() async throws {
        let server = try CaptureServer().answer([(200, "<html>a captive portal</html>")]).start()
        defer { server.stop() }
        let error = await #expect(throws: CloudError.self) { try await SQSQueue(client: client(server), name: "q", url: "u").send("x") }
        if case .malformedResponse(let service, let operation, _)? = error { #expect(service == .sqs && operation == "SendMessage") } else { Issue.record("\(String(describing: error))") }
    }
}
