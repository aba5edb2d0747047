import Foundation

/// One HTTP request as the engine sends it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Header lines in order; names as written (HTTP/2 lowercases them on the wire anyway).
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// Time allowed to establish the connection (TCP and TLS).
    public var connectTimeout: Duration
    /// Time allowed for the whole exchange; nil for none.
    public var totalTimeout: Duration?
    /// Longest silence allowed once the response has started (for streams); nil for none.
    /// libcurl measures it in whole seconds.
    public var idleTimeout: Duration?
    /// Signed by libcurl with AWS Signature Version 4 (every header given is signed with it).
    public var awsSigV4: AWSSigV4?

    /// `CURLOPT_AWS_SIGV4`'s `aws:amz:REGION:SERVICE` and the key pair it signs with.
    public struct AWSSigV4: Sendable {
        public var provider: String
        public var accessKeyID: String
        public var secretAccessKey: String

        public init(provider: String, accessKeyID: String, secretAccessKey: String) {
            self.provider = provider
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
        }
    }

    public init(
        method: String = "POST", url: String, headers: [(name: String, value: String)] = [], body: Data? = nil,
        connectTimeout: Duration = .seconds(10), totalTimeout: Duration? = .seconds(600), idleTimeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.idleTimeout = idleTimeout
    }
}

/// Status and headers of a response.
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    /// Header names lowercased; a repeated header keeps its last value.
    public var headers: [String: String]

    public init(status: Int, headers: [String: String]) {
        self.status = status
        self.headers = headers
    }
}

/// A complete response.
public struct HTTPResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: Data
    /// From sending the request to the first byte of the response body.
    public var timeToFirstByte: Duration
    public var totalTime: Duration

    public var status: Int { head.status }
}

/// What a streamed response delivers: the head once, then body bytes as they arrive.
public enum HTTPStreamEvent: Sendable {
    case head(HTTPResponseHead)
    case bytes(Data)
}

/// Transport-level failures (no HTTP status to speak of).
public enum HTTPTransportError: Error, Sendable, Equatable {
    case connect(detail: String)
    case timeout(phase: TimeoutPhase, detail: String)
    case transfer(code: Int32, detail: String)
    case cancelled
    case invalidRequest(detail: String)

    public enum TimeoutPhase: String, Sendable { case connect, total, idle }
}
