import Foundation
import LLM
import WorkbenchCore

/// One invocation as the Lambda Runtime API hands it over.
public struct LambdaInvocation: Sendable {
    public var requestID: String
    /// When Lambda stops the function (`Lambda-Runtime-Deadline-Ms`).
    public var deadline: Date
    public var functionARN: String?
    public var traceID: String?
    public var event: Data
}

/// What a failed invocation (or a runtime that cannot start) tells Lambda: the body of
/// `/invocation/{id}/error` and `/init/error`.
public struct LambdaFailure: Codable, Sendable, Equatable {
    public var errorMessage: String
    public var errorType: String

    public init(errorMessage: String, errorType: String) {
        self.errorMessage = errorMessage
        self.errorType = errorType
    }

    /// A failure from an error: its type's name and its message (a workbench error's, with its fix).
    public init(_ error: any Error) {
        if let error = error as? any WorkbenchError {
            errorMessage = error.message + (error.fix.map { " (\($0))" } ?? "")
        } else {
            errorMessage = "\(error)"
        }
        errorType = String(describing: type(of: error))
    }
}

/// What can go wrong between the runtime and Lambda.
public enum LambdaError: WorkbenchError, Equatable {
    /// `AWS_LAMBDA_RUNTIME_API` is not set: not running inside Lambda (or a Runtime API emulator).
    case notInLambda
    /// The Runtime API answered a call with a status it does not answer when all is well.
    case runtimeAPI(operation: String, status: Int, body: String)
    case unreachable(api: String, detail: String)
    /// The event is not an SQS batch.
    case invalidEvent(detail: String)
    /// The job's book was not done when the invocation's time (less the margin) ran out.
    case outOfTime(job: Int64, seconds: Int)

    public var message: String {
        switch self {
        case .notInLambda:
            return "workbench lambda is a Lambda function's runtime, and AWS_LAMBDA_RUNTIME_API (host:port of the Runtime API) is not set"
        case .runtimeAPI(let operation, let status, let body):
            return "the Lambda Runtime API refused \(operation) (HTTP \(status))" + (body.isEmpty ? "" : ": \(body.prefix(300))")
        case .unreachable(let api, let detail): return "no answer from the Lambda Runtime API at \(api): \(detail)"
        case .invalidEvent(let detail): return "the invocation's event is not an SQS batch: \(detail)"
        case .outOfTime(let job, let seconds):
            return "job \(job) was not done when its Lambda invocation's time ran out (\(seconds) s were left for it)"
        }
    }

    public var fix: String? {
        switch self {
        case .notInLambda: return "Lambda sets it; on a machine run `workbench worker --backend aws` instead"
        case .runtimeAPI: return "the runtime stops; Lambda starts it again"
        case .unreachable: return "check AWS_LAMBDA_RUNTIME_API"
        case .invalidEvent: return "map the deployment's task queue to the function (an SQS event source), nothing else"
        case .outOfTime: return "raise the function's timeout (at most 900 s), or write books this long with `workbench worker --backend aws`"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .notInLambda: return .usage
        case .runtimeAPI: return .internalError
        case .unreachable, .outOfTime: return .temporaryFailure
        case .invalidEvent: return .dataError
        }
    }
}

/// The Lambda Runtime API (`http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime`): the next
/// invocation (a long poll), its response or its error, and the error of a runtime that
/// could not start.
public struct LambdaRuntimeClient: Sendable {
    /// `host:port`, as Lambda gives it.
    public let api: String
    let engine: CurlEngine

    public init(api: String, engine: CurlEngine = .shared) {
        self.api = api
        self.engine = engine
    }

    /// The client of the Runtime API Lambda names in the environment.
    public static func fromEnvironment(_ environment: [String: String]) throws -> LambdaRuntimeClient {
        guard let api = environment["AWS_LAMBDA_RUNTIME_API"], !api.isEmpty else { throw LambdaError.notInLambda }
        return LambdaRuntimeClient(api: api)
    }

    var base: String { "http://\(api)/2018-06-01/runtime" }

    /// Waits (without a time limit: Lambda freezes the process meanwhile) for the next invocation.
    public func next() async throws -> LambdaInvocation {
        let response = try await send("next invocation", HTTPRequest(method: "GET", url: base + "/invocation/next", totalTimeout: nil), expect: 200)
        let headers = response.head.headers
        guard let id = headers["lambda-runtime-aws-request-id"], !id.isEmpty else {
            throw LambdaError.runtimeAPI(operation: "next invocation", status: response.status, body: "no Lambda-Runtime-Aws-Request-Id header")
        }
        // Without a deadline, Lambda's longest timeout.
        let deadline = headers["lambda-runtime-deadline-ms"].flatMap(Double.init).map { Date(timeIntervalSince1970: $0 / 1000) } ?? Date().addingTimeInterval(900)
        return LambdaInvocation(requestID: id, deadline: deadline, functionARN: headers["lambda-runtime-invoked-function-arn"],
                                traceID: headers["lambda-runtime-trace-id"], event: response.body)
    }

    public func respond(to requestID: String, _ body: Data) async throws {
        try await send("invocation response", HTTPRequest(method: "POST", url: base + "/invocation/\(requestID)/response",
                                                          headers: [("Content-Type", "application/json")], body: body), expect: 202)
    }

    public func fail(_ requestID: String, _ failure: LambdaFailure) async throws {
        try await send("invocation error", Self.errorRequest(base + "/invocation/\(requestID)/error", failure), expect: 202)
    }

    /// The runtime could not start (its deployment is missing, its credentials wrong): Lambda fails the invocation with this.
    public func failInitialization(_ failure: LambdaFailure) async throws {
        try await send("initialization error", Self.errorRequest(base + "/init/error", failure), expect: 202)
    }

    static func errorRequest(_ url: String, _ failure: LambdaFailure) throws -> HTTPRequest {
        HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", failure.errorType)],
                    body: try JSONEncoder().encode(failure))
    }

    @discardableResult
    private func send(_ operation: String, _ request: HTTPRequest, expect status: Int) async throws -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await engine.send(request)
        } catch let error as HTTPTransportError {
            throw LambdaError.unreachable(api: api, detail: "\(error)")
        }
        guard response.status == status else {
            throw LambdaError.runtimeAPI(operation: operation, status: response.status, body: String(decoding: response.body.prefix(1000), as: UTF8.self))
        }
        return response
    }
}

/// An SQS event source's batch: its records as the messages they are.
public enum SQSEvent {
    public static func messages(in event: Data) throws -> [SQSMessage] {
        guard let object = try? JSONSerialization.jsonObject(with: event) as? [String: Any] else {
            throw LambdaError.invalidEvent(detail: "it is not a JSON object")
        }
        guard let records = object["Records"] as? [[String: Any]] else { throw LambdaError.invalidEvent(detail: "it has no Records array") }
        return try records.enumerated().map { index, record in
            let source = record["eventSource"] as? String
            guard source == "aws:sqs" else {
                throw LambdaError.invalidEvent(detail: "record \(index + 1) comes from \(source.map { "'\($0)'" } ?? "no eventSource"), not aws:sqs")
            }
            guard let id = record["messageId"] as? String, let body = record["body"] as? String, let handle = record["receiptHandle"] as? String else {
                throw LambdaError.invalidEvent(detail: "record \(index + 1) lacks messageId, receiptHandle or body")
            }
            let count = ((record["attributes"] as? [String: Any])?["ApproximateReceiveCount"] as? String).flatMap(Int.init) ?? 1
            return SQSMessage(id: id, body: body, receiptHandle: handle, receiveCount: count)
        }
    }

    /// The partial batch response: the messages Lambda must not delete.
    public static func batchResponse(failures: [String]) -> Data {
        let items = failures.map { ["itemIdentifier": $0] }
        return (try? JSONSerialization.data(withJSONObject: ["batchItemFailures": items], options: [.sortedKeys])) ?? Data()
    }
}
