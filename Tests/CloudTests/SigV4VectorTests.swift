import Cloud
import Foundation
import LLM
import Testing

/// The signatures libcurl makes for the client's requests, against AWS's published SigV4 test
/// suite (aws-sig-v4-test-suite, as botocore carries it under tests/unit/auth/aws4_testsuite):
/// the request goes to a loopback server as `example.amazonaws.com` with the suite's date,
/// credentials, region and service, and the Authorization header it arrives with must be the
/// suite's `.authz` exactly. The cases are those libcurl 7.88 (Debian 12's) signs as AWS does
/// when the client encodes and sorts the query itself, as it always does.
@Suite("SigV4 through libcurl against AWS's test vectors", .serialized)
struct SigV4VectorTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", source: "the test suite")
    static let stsToken = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var path: String
        var query: [(name: String, value: String)] = []
        var headers: [(name: String, value: String)] = []
        var body: String?
        var token: String?
        var signedHeaders: String
        var signature: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "get-vanilla", method: "GET", path: "/", signedHeaders: "host;x-amz-date",
               signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(name: "post-vanilla", method: "POST", path: "/", signedHeaders: "host;x-amz-date",
               signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(name: "get-vanilla-query-order-key-case", method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")],
               signedHeaders: "host;x-amz-date", signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(name: "post-x-www-form-urlencoded", method: "POST", path: "/", headers: [("Content-Type", "application/x-www-form-urlencoded")],
               body: "Param1=value1", signedHeaders: "content-type;host;x-amz-date",
               signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        Vector(name: "get-header-value-trim", method: "GET", path: "/", headers: [("My-Header1", "value1"), ("My-Header2", "\"a   b   c\"")],
               signedHeaders: "host;my-header1;my-header2;x-amz-date", signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(name: "get-utf8", method: "GET", path: "/" + AWSClient.encodePath("ሴ"), signedHeaders: "host;x-amz-date",
               signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        Vector(name: "get-vanilla-with-session-token", method: "GET", path: "/", token: "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
               signedHeaders: "host;x-amz-date;x-amz-security-token", signature: "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"),
        Vector(name: "post-sts-header-before", method: "POST", path: "/", token: stsToken, signedHeaders: "host;x-amz-date;x-amz-security-token",
               signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
    ]

    @Test(arguments: vectors)
    func libcurlSignsAsTheSuiteSays(_ vector: Vector) async throws {
        let server = try CaptureServer().start()
        defer { server.stop() }
        var credentials = Self.credentials
        credentials.sessionToken = vector.token
        // The suite's host and date; the date header is given, so libcurl signs that time, not now.
        let request = AWSClient.signed(method: vector.method, url: "http://127.0.0.1:\(server.port)\(vector.path)\(AWSClient.canonicalQuery(vector.query))",
                                       headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")] + vector.headers,
                                       body: vector.body.map { Data($0.utf8) }, region: "us-east-1", service: "service", credentials: credentials, hashPayload: false)
        let response = try await CurlEngine.shared.send(request)
        #expect(response.status == 200)
        let head = try #require(server.requests.first)
        let authorization = head.first { $0.lowercased().hasPrefix("authorization:") }.map { String($0.dropFirst("authorization:".count)).trimmingCharacters(in: .whitespaces) }
        #expect(authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)",
                "\(vector.name): \(head.joined(separator: " | "))")
        if vector.token != nil { #expect(head.contains { $0.lowercased().hasPrefix("x-amz-security-token:") }, "the token is sent as well as signed") }
    }

    @Test func theQueryIsEncodedAndSortedAsSigV4SignsIt() {
        #expect(AWSClient.canonicalQuery([("b", "2"), ("a", "x y"), ("a", "+1"), ("list-type", "2")]) == "?a=%2B1&a=x%20y&b=2&list-type=2")
        #expect(AWSClient.canonicalQuery([]) == "")
        #expect(AWSClient.encodePath("books/a b/ü.md") == "books/a%20b/%C3%BC.md")
    }
}
