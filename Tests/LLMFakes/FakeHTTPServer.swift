import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// One request as the fake received it.
public struct FakeRequest: Sendable {
    public var method: String
    /// Path and query, e.g. `/v1beta/models/m:streamGenerateContent?alt=sse`.
    public var uri: String
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: Data

    public var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
    public var query: [String: String] {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            result[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }
    /// The body as a JSON object, if it is one.
    public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
}

/// What the fake sends back.
public struct FakeResponse: Sendable {
    public enum Body: Sendable {
        case data(Data)
        /// Server-sent events, written one by one; `close` hangs up after them instead of
        /// ending the response properly.
        case events([Data], close: Bool)
    }
    public var status: Int
    public var headers: [(String, String)]
    public var body: Body

    public init(status: Int, headers: [(String, String)] = [], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ status: Int, _ object: Any, headers: [(String, String)] = []) -> FakeResponse {
        FakeResponse(status: status, headers: [("content-type", "application/json")] + headers, body: .data(FakeJSON.data(object)))
    }

    public static func sse(_ events: [Data], close: Bool = false) -> FakeResponse {
        FakeResponse(status: 200, headers: [("content-type", "text/event-stream"), ("cache-control", "no-cache")], body: .events(events, close: close))
    }
}

enum FakeJSON {
    static func data(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])) ?? Data("{}".utf8)
    }

    static func text(_ object: Any) -> String { String(decoding: data(object), as: UTF8.self) }

    /// One SSE event: an optional `event:` line and its `data:` line.
    static func event(_ name: String?, _ object: Any) -> Data {
        var text = name.map { "event: \($0)\n" } ?? ""
        text += "data: \(self.text(object))\n\n"
        return Data(text.utf8)
    }
}

/// A plain HTTP/1.1 server on 127.0.0.1 (SwiftNIO, like the simulator) that hands every
/// request to `respond` and records it.
public final class FakeHTTPServer: Sendable {
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let log: NIOLockedValueBox<[FakeRequest]>

    public var requests: [FakeRequest] { log.withLockedValue { $0 } }
    public var origin: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, group: MultiThreadedEventLoopGroup, channel: any Channel, log: NIOLockedValueBox<[FakeRequest]>) {
        self.port = port
        self.group = group
        self.channel = channel
        self.log = log
    }

    public static func start(_ respond: @escaping @Sendable (FakeRequest) -> FakeResponse) async throws -> FakeHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let log = NIOLockedValueBox<[FakeRequest]>([])
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(FakeHandler(log: log, respond: respond))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
            return FakeHTTPServer(port: channel.localAddress?.port ?? 0, group: group, channel: channel, log: log)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

final class FakeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let log: NIOLockedValueBox<[FakeRequest]>
    private let respond: @Sendable (FakeRequest) -> FakeResponse
    private var head: HTTPRequestHead?
    private var body = Data()

    init(log: NIOLockedValueBox<[FakeRequest]>, respond: @escaping @Sendable (FakeRequest) -> FakeResponse) {
        self.log = log
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = Data()
        case .body(let chunk):
            body.append(contentsOf: chunk.readableBytesView)
        case .end:
            guard let head else { return }
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let request = FakeRequest(method: head.method.rawValue, uri: head.uri, headers: headers, body: body)
            self.head = nil
            log.withLockedValue { $0.append(request) }
            write(respond(request), context: context)
        }
    }

    private func write(_ response: FakeResponse, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let status = HTTPResponseStatus(statusCode: response.status)
        switch response.body {
        case .data(let data):
            headers.add(name: "content-length", value: String(data.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: data)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .events(let events, let close):
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            for event in events { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: event)))), promise: nil) }
            if close {
                context.flush()
                context.close(promise: nil)
            } else {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
