import Foundation
import HTTPTypes
import Hummingbird

/// Every way a request is refused, each with its HTTP status, a stable code, what went wrong
/// and how to fix it; rendered in one JSON shape: `{"error": {"code", "message", "fix"}}`.
public enum APIError: Error, Sendable, Equatable {
    case missingToken
    case wrongToken
    case missingCSRFHeader(header: String)
    case routeNotFound(method: String, path: String)
    case methodNotAllowed(method: String, path: String, allowed: [String])
    case notFound(resource: String, id: String)
    case invalidID(resource: String, id: String)
    case unsupportedMediaType(given: String?)
    case invalidJSON(detail: String)
    case bodyTooLarge(limit: Int)
    case missingField(field: String, fix: String)
    case unknownField(field: String, allowed: [String])
    case wrongType(field: String, expected: String)
    case invalidValue(field: String, message: String, fix: String)
    case invalidQuery(parameter: String, message: String, fix: String)
    case conflict(message: String, fix: String)
    case unavailable(message: String, fix: String)
    case internalError(message: String)

    public var status: HTTPResponse.Status {
        switch self {
        case .missingToken, .wrongToken: .unauthorized
        case .missingCSRFHeader: .forbidden
        case .routeNotFound, .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .invalidID, .invalidJSON, .missingField, .unknownField, .wrongType, .invalidQuery: .badRequest
        case .invalidValue: .unprocessableContent
        case .unsupportedMediaType: .unsupportedMediaType
        case .bodyTooLarge: .contentTooLarge
        case .conflict: .conflict
        case .unavailable: .serviceUnavailable
        case .internalError: .internalServerError
        }
    }

    public var code: String {
        switch self {
        case .missingToken: "missing_token"
        case .wrongToken: "wrong_token"
        case .missingCSRFHeader: "missing_csrf_header"
        case .routeNotFound: "route_not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .notFound: "not_found"
        case .invalidID: "invalid_id"
        case .unsupportedMediaType: "unsupported_media_type"
        case .invalidJSON: "invalid_json"
        case .bodyTooLarge: "body_too_large"
        case .missingField: "missing_field"
        case .unknownField: "unknown_field"
        case .wrongType: "wrong_type"
        case .invalidValue: "invalid_value"
        case .invalidQuery: "invalid_query"
        case .conflict: "conflict"
        case .unavailable: "unavailable"
        case .internalError: "internal_error"
        }
    }

    public var message: String {
        switch self {
        case .missingToken: "this route needs the server's token"
        case .wrongToken: "the token does not match the server's"
        case .missingCSRFHeader(let header): "a request that changes something must carry the \(header) header"
        case .routeNotFound(let method, let path): "no route \(method) \(path)"
        case .methodNotAllowed(let method, let path, let allowed): "\(path) does not take \(method) (it takes \(allowed.joined(separator: ", ")))"
        case .notFound(let resource, let id): "no \(resource) \(id)"
        case .invalidID(let resource, let id): "\"\(id.prefix(80))\" is not a \(resource) id"
        case .unsupportedMediaType(let given): "the body must be JSON (Content-Type: application/json), not \(given ?? "no content type")"
        case .invalidJSON(let detail): "the body is not valid JSON: \(detail)"
        case .bodyTooLarge(let limit): "the body is larger than the server's limit of \(limit) bytes"
        case .missingField(let field, _): "the body lacks \"\(field)\""
        case .unknownField(let field, _): "the body has a field this route does not know: \"\(field.prefix(80))\""
        case .wrongType(let field, let expected): "\"\(field)\" must be \(expected)"
        case .invalidValue(let field, let message, _): "\"\(field)\": \(message)"
        case .invalidQuery(let parameter, let message, _): "query parameter \"\(parameter)\": \(message)"
        case .conflict(let message, _), .unavailable(let message, _), .internalError(let message): message
        }
    }

    public var fix: String {
        switch self {
        case .missingToken: "send `Authorization: Bearer TOKEN` (the token `workbench serve` printed on its first start; `workbench serve --rotate-token` makes a new one)"
        case .wrongToken: "use the token `workbench serve` printed last; `workbench serve --rotate-token` makes a new one"
        case .missingCSRFHeader(let header): "add the header `\(header): 1` to POST requests"
        case .routeNotFound: "see GET /api/openapi.json for the routes"
        case .methodNotAllowed(_, _, let allowed): "use \(allowed.joined(separator: " or "))"
        case .notFound(let resource, _): "list the \(resource)s with GET /api/\(resource == "job" ? "jobs" : resource + "s")"
        case .invalidID(let resource, _): resource == "job" ? "a job id is a positive whole number" : "a \(resource) id is letters, digits, '-' and '_' only"
        case .unsupportedMediaType: "send the body as JSON with `Content-Type: application/json`"
        case .invalidJSON: "send one JSON object"
        case .bodyTooLarge: "send a smaller body, or start the server with a larger --body-limit"
        case .missingField(_, let fix), .invalidValue(_, _, let fix), .invalidQuery(_, _, let fix), .conflict(_, let fix), .unavailable(_, let fix): fix
        case .unknownField(_, let allowed): "use only \(allowed.joined(separator: ", "))"
        case .wrongType(let field, let expected): "send \(field) as \(expected)"
        case .internalError: "see the server's log; this is a bug if the request was valid"
        }
    }

    /// The error's JSON body.
    public var body: Data {
        let object: [String: Any] = ["error": ["code": code, "message": message, "fix": fix]]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}
