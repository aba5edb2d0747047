import Foundation
import LLM
import WorkbenchCore

/// One call to an AWS service.
public struct AWSCall: Sendable {
    public var service: AWSService
    /// The operation's name, for errors (`PutObject`, `ReceiveMessage`).
    public var operation: String
    public var method: String
    /// The path below the endpoint, already percent-encoded (`/bucket/key`).
    public var path: String
    /// Query parameters, unencoded: the client encodes and sorts them, as SigV4 signs them.
    public var query: [(name: String, value: String)]
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// The base URL instead of the service's endpoint (S3's virtual-hosted bucket addresses).
    public var baseURL: String?

    public init(service: AWSService, operation: String, method: String, path: String = "/", query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)] = [], body: Data? = nil, baseURL: String? = nil) {
        self.baseURL = baseURL
        self.service = service
        self.operation = operation
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// Signed calls to AWS over libcurl (`CURLOPT_AWS_SIGV4`), retried with backoff and full
/// jitter when throttled, when the service errs (5xx) or does not answer. What libcurl does
/// not do for SigV4 on every version in use, the client does: it sorts and encodes the query,
/// sends `x-amz-content-sha256` for S3 and the session token as `X-Amz-Security-Token`.
public struct AWSClient: Sendable {
    public let configuration: AWSConfiguration
    let engine: CurlEngine
    /// Attempts per call (1: no retry), and the first backoff; each next one doubles, capped at `maxBackoff`.
    public var attempts = 5
    public var backoff: Duration = .milliseconds(100)
    public var maxBackoff: Duration = .seconds(5)
    public var timeout: Duration = .seconds(30)

    public init(configuration: AWSConfiguration, engine: CurlEngine = .shared) {
        self.configuration = configuration
        self.engine = engine
    }

    /// Sends the call; an AWS error answer is thrown as `CloudError.service`.
    @discardableResult
    public func send(_ call: AWSCall) async throws -> HTTPResponse {
        var attempt = 1
        while true {
            do {
                return try await sendOnce(call)
            } catch let error as CloudError where error.isRetryable && attempt < attempts {
                let cap = min(maxBackoff, backoff * (1 << min(attempt - 1, 20)))
                try await Task.sleep(for: .milliseconds(Double.random(in: 0...max(1, cap.milliseconds))))
                attempt += 1
            }
        }
    }

    private func sendOnce(_ call: AWSCall) async throws -> HTTPResponse {
        let endpoint = call.baseURL ?? configuration.endpoint(call.service)
        let request = Self.signed(method: call.method, url: endpoint + call.path + Self.canonicalQuery(call.query), headers: call.headers, body: call.body,
                                  region: configuration.region, service: call.service.rawValue, credentials: configuration.credentials,
                                  hashPayload: call.service == .s3, timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await engine.send(request)
        } catch let error as HTTPTransportError {
            throw CloudError.unreachable(service: call.service, operation: call.operation, endpoint: endpoint, detail: "\(error)")
        }
        guard (200..<300).contains(response.status) else { throw Self.error(response, call: call) }
        return response
    }

    /// The request libcurl signs: `aws:amz:REGION:SERVICE` with the key pair, the token as a
    /// header (signed with the rest), and for S3 the payload's SHA-256 as `x-amz-content-sha256`.
    public static func signed(method: String, url: String, headers: [(name: String, value: String)], body: Data?, region: String, service: String,
                              credentials: AWSCredentials, hashPayload: Bool, timeout: Duration = .seconds(30)) -> HTTPRequest {
        var all = headers
        if let token = credentials.sessionToken { all.append(("X-Amz-Security-Token", token)) }
        if hashPayload { all.append(("x-amz-content-sha256", SHA256.hex(of: body ?? Data()))) }
        var request = HTTPRequest(method: method, url: url, headers: all, body: body, connectTimeout: .seconds(5), totalTimeout: timeout)
        request.awsSigV4 = HTTPRequest.AWSSigV4(provider: "aws:amz:\(region):\(service)", accessKeyID: credentials.accessKeyID,
                                                 secretAccessKey: credentials.secretAccessKey)
        return request
    }

    /// `?a=1&b=2`: names and values percent-encoded as SigV4 wants (all but `A-Za-z0-9-._~`),
    /// sorted by name then value; empty for no parameters.
    public static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        guard !query.isEmpty else { return "" }
        let pairs: [(name: String, value: String)] = query.map { (uriEncode($0.name), uriEncode($0.value)) }
        let sorted = pairs.sorted { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name == b.name ? a.value < b.value : a.name < b.name
        }
        return "?" + sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// RFC 3986 encoding of everything but the unreserved characters.
    public static func uriEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// A path segment of a key (`/` kept as the separator): S3 keys are encoded segment by segment.
    public static func encodePath(_ key: String) -> String {
        key.split(separator: "/", omittingEmptySubsequences: false).map { uriEncode(String($0)) }.joined(separator: "/")
    }

    /// The error an answer carries: S3's XML `<Error><Code>`, the JSON protocols' `__type`, or
    /// SQS's `x-amzn-query-error` header; else the HTTP status.
    static func error(_ response: HTTPResponse, call: AWSCall) -> CloudError {
        var code = "", message = ""
        if let query = response.head.headers["x-amzn-query-error"], let first = query.split(separator: ";").first { code = String(first) }
        if let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] {
            if code.isEmpty, let type = (object["__type"] as? String) ?? (object["code"] as? String) {
                code = String(type.split(separator: "#").last ?? Substring(type))
            }
            message = (object["message"] as? String) ?? (object["Message"] as? String) ?? ""
        } else if let text = String(data: response.body, encoding: .utf8), text.contains("<Error>") || text.contains("<ErrorResponse") {
            if code.isEmpty { code = XMLText.first("Code", in: text) ?? "" }
            message = XMLText.first("Message", in: text) ?? ""
        }
        if code.isEmpty {
            code = switch response.status {
            case 404: "NotFound"
            case 412: "PreconditionFailed"
            case 429: "Throttling"
            case 403: "AccessDenied"
            default: "HTTP\(response.status)"
            }
        }
        return .service(service: call.service, operation: call.operation, status: response.status, code: code, message: String(message.prefix(500)))
    }
}

/// Just enough XML for S3's answers: the text of elements by name (they never nest a same-named
/// element), entities decoded.
enum XMLText {
    static func first(_ name: String, in text: String) -> String? { all(name, in: text).first }

    static func all(_ name: String, in text: String) -> [String] {
        var found: [String] = []
        var rest = text[...]
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.range(of: open), let end = rest.range(of: close, range: start.upperBound..<rest.endIndex) {
            found.append(decode(String(rest[start.upperBound..<end.lowerBound])))
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// The elements `name` as raw XML bodies (for lists of structures such as `<Contents>`).
    static func blocks(_ name: String, in text: String) -> [String] {
        var found: [String] = []
        var rest = text[...]
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.range(of: open), let end = rest.range(of: close, range: start.upperBound..<rest.endIndex) {
            found.append(String(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return found
    }

    static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}

extension AWSClient {
    /// A call of the AWS JSON protocol (SQS, DynamoDB): `POST /` with `X-Amz-Target: PREFIX.OPERATION`.
    public func json(_ service: AWSService, target prefix: String, _ operation: String, _ body: [String: Any]) async throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let response = try await send(AWSCall(service: service, operation: operation, method: "POST", path: "/",
                                              headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "\(prefix).\(operation)")], body: data))
        if response.body.isEmpty { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            throw CloudError.malformedResponse(service: service, operation: operation, detail: String(decoding: response.body.prefix(200), as: UTF8.self))
        }
        return object
    }
}
