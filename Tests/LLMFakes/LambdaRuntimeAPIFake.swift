import Foundation
import NIOConcurrencyHelpers

/// The Lambda Runtime API as a function's runtime sees it (2018-06-01), on loopback: moto
/// cannot invoke functions without Docker, so this plays Lambda. Invocations are queued by
/// the test; `GET /runtime/invocation/next` waits for one and hands it over with Lambda's
/// headers; `POST /runtime/invocation/{id}/response` (at most 6 MB) and `/error` answer it
/// once (202; an unknown or answered id is 400 `InvalidRequestID`, as Lambda does);
/// `POST /runtime/init/error` records a runtime that could not start.
public final class LambdaRuntimeAPIFake: Sendable {
    public enum Answer: Sendable, Equatable {
        case response(Data)
        /// The error's type (its header, else its body's errorType) and message.
        case error(type: String, message: String)
    }

    struct Invocation: Sendable {
        var id: String
        var event: Data
        var deadline: Date
    }

    struct State: Sendable {
        var waiting: [Invocation] = []
        var handedOver: Set<String> = []
        var answers: [String: Answer] = [:]
        var initErrors: [Answer] = []
        var stopped = false
    }

    public static let responseLimit = 6_291_556
    public static let functionARN = "arn:aws:lambda:us-east-1:123456789012:function:workbench-worker"

    private let state = NIOLockedValueBox(State())
    private let server: NIOLockedValueBox<FakeHTTPServer?> = NIOLockedValueBox(nil)

    public init() {}

    public static func start() async throws -> LambdaRuntimeAPIFake {
        let fake = LambdaRuntimeAPIFake()
        let server = try await FakeHTTPServer.start { [fake] request in fake.respond(to: request) }
        fake.server.withLockedValue { $0 = server }
        return fake
    }

    /// `host:port`, as `AWS_LAMBDA_RUNTIME_API` holds it.
    public var address: String { "127.0.0.1:\(server.withLockedValue { $0?.port ?? 0 })" }
    public var requests: [FakeRequest] { server.withLockedValue { $0?.requests ?? [] } }

    /// Queues an invocation of `event`; returns its request id.
    @discardableResult
    public func invoke(_ event: Data, deadline: Date = Date().addingTimeInterval(900)) -> String {
        let id = UUID().uuidString.lowercased()
        state.withLockedValue { $0.waiting.append(Invocation(id: id, event: event, deadline: deadline)) }
        return id
    }

    /// The invocation's answer, once the runtime gave it (nil after `seconds`).
    public func answer(_ id: String, seconds: Double) -> Answer? {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if let answer = state.withLockedValue({ $0.answers[id] }) { return answer }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return state.withLockedValue { $0.answers[id] }
    }

    public var initErrors: [Answer] { state.withLockedValue { $0.initErrors } }

    public func stop() async {
        state.withLockedValue { $0.stopped = true }
        await server.withLockedValue { $0 }?.stop()
    }

    private static func invalid(_ type: String, _ message: String, status: Int = 400) -> FakeResponse {
        .json(status, ["errorType": type, "errorMessage": message])
    }

    func respond(to request: FakeRequest) -> FakeResponse {
        let prefix = "/2018-06-01/runtime/"
        guard request.path.hasPrefix(prefix) else { return Self.invalid("NotFound", "no such route: \(request.path)", status: 404) }
        let route = request.path.dropFirst(prefix.count).split(separator: "/").map(String.init)
        switch (request.method, route.count, route.first, route.last) {
        case ("GET", 2, "invocation", "next"):
            return next()
        case ("POST", 3, "invocation", "response"):
            guard request.body.count <= Self.responseLimit else {
                return Self.invalid("RequestEntityTooLarge", "the response is \(request.body.count) bytes; at most \(Self.responseLimit)", status: 413)
            }
            return answer(route[1], .response(request.body))
        case ("POST", 3, "invocation", "error"):
            return answer(route[1], Self.error(request))
        case ("POST", 2, "init", "error"):
            state.withLockedValue { $0.initErrors.append(Self.error(request)) }
            return .json(202, ["status": "OK"])
        default:
            return Self.invalid("NotFound", "no such route: \(request.method) \(request.path)", status: 404)
        }
    }

    /// Blocks the fake's own event loop until an invocation is queued, as Lambda holds the
    /// call while there is none; a runtime has one call open at a time.
    private func next() -> FakeResponse {
        while true {
            let (taken, stopped) = state.withLockedValue { state -> (Invocation?, Bool) in
                guard !state.waiting.isEmpty else { return (nil, state.stopped) }
                let invocation = state.waiting.removeFirst()
                state.handedOver.insert(invocation.id)
                return (invocation, false)
            }
            if let taken {
                return FakeResponse(status: 200, headers: [("content-type", "application/json"), ("Lambda-Runtime-Aws-Request-Id", taken.id),
                                                           ("Lambda-Runtime-Deadline-Ms", String(Int64(taken.deadline.timeIntervalSince1970 * 1000))),
                                                           ("Lambda-Runtime-Invoked-Function-Arn", Self.functionARN),
                                                           ("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")],
                                    body: .data(taken.event))
            }
            if stopped { return Self.invalid("ServiceUnavailable", "the fake is stopping", status: 500) }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    private func answer(_ id: String, _ answer: Answer) -> FakeResponse {
        let accepted = state.withLockedValue { state -> Bool in
            guard state.handedOver.contains(id), state.answers[id] == nil else { return false }
            state.answers[id] = answer
            return true
        }
        return accepted ? .json(202, ["status": "OK"]) : Self.invalid("InvalidRequestID", "Invalid request ID: \(id)")
    }

    private static func error(_ request: FakeRequest) -> Answer {
        let body = request.json ?? [:]
        return .error(type: request.headers["lambda-runtime-function-error-type"] ?? body["errorType"] as? String ?? "",
                      message: body["errorMessage"] as? String ?? String(decoding: request.body, as: UTF8.self))
    }
}
