import Foundation
import HTTPTypes
import Hummingbird
import Queue
import Store
import Synchronization
import WorkbenchCore

/// Renders every error as the one JSON shape, and never lets a request's fault become a 5xx:
/// the router's 404 becomes 405 where the path exists under another method; the queue's and
/// the store's own errors become the 4xx they mean.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let routes: [(method: HTTPRequest.Method, path: String)]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error, request: request, routes: routes)
            if apiError.status.code >= 500 { context.logger.error("\(request.method) \(request.uri.path): \(error)") }
            var headers: HTTPFields = [.contentType: "application/json"]
            if case .methodNotAllowed(_, _, let allowed) = apiError { headers[.allow] = allowed.joined(separator: ", ") }
            if case .missingToken = apiError { headers[.wwwAuthenticate] = "Bearer" }
            if case .wrongToken = apiError { headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\"" }
            return Response(status: apiError.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: apiError.body)))
        }
    }

    static func apiError(for error: any Error, request: Request, routes: [(method: HTTPRequest.Method, path: String)]) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                let path = request.uri.path
                let allowed = routes.filter { Self.matches(pattern: $0.path, path: path) }.map(\.method.rawValue)
                if !allowed.isEmpty { return .methodNotAllowed(method: request.method.rawValue, path: path, allowed: Array(Set(allowed)).sorted()) }
                return .routeNotFound(method: request.method.rawValue, path: String(path.prefix(200)))
            case .contentTooLarge: return .bodyTooLarge(limit: 0)
            case .badRequest: return .invalidJSON(detail: error.body ?? "bad request")
            default: return .internalError(message: "\(error.status.code) \(error.status.reasonPhrase)")
            }
        case let error as QueueError:
            switch error {
            case .jobNotFound(let id): return .notFound(resource: "job", id: String(id))
            case .wrongStatus: return .conflict(message: error.message, fix: error.fix ?? "")
            default: return .internalError(message: error.message)
            }
        case let error as StoreError:
            switch error {
            case .runNotFound(let id, _): return .notFound(resource: "run", id: id)
            case .bookNotFound(let id, _): return .notFound(resource: "book", id: id)
            default: return .internalError(message: error.message)
            }
        default:
            return .internalError(message: Redaction.redact("\(error)"))
        }
    }

    /// Whether `path` fits `pattern` (`:name` matches one segment).
    static func matches(pattern: String, path: String) -> Bool {
        let wanted = pattern.split(separator: "/", omittingEmptySubsequences: true)
        let given = path.split(separator: "/", omittingEmptySubsequences: true)
        guard wanted.count == given.count else { return false }
        return zip(wanted, given).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}

/// The bearer token on every route but `/healthz`, from the `Authorization` header or the
/// dashboard's cookie; the page's first load may bring it as `?token=`, which sets the cookie
/// (HttpOnly, SameSite=Strict) and redirects to a URL without it. A mutation also needs the
/// CSRF header, which a page of another origin cannot send without CORS.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: ServerToken

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" { return try await next(request, context) }
        let fromQuery = path == "/" && (request.method == .get || request.method == .head) ? request.uri.queryParameters.get("token") : nil
        guard let presented = Self.bearer(request) ?? fromQuery ?? Self.cookie(request) else {
            if path == "/", request.headers[.accept]?.contains("text/html") == true {
                return Response(status: .unauthorized, headers: [.contentType: "text/html; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: DashboardPage.signIn)))
            }
            throw APIError.missingToken
        }
        guard token.accepts(presented) else { throw APIError.wrongToken }
        if let fromQuery {
            // The address without the token; the page's other parameters (`job`) are kept.
            let rest = (request.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("token=") }.joined(separator: "&")
            return Response(status: .seeOther, headers: [
                .location: rest.isEmpty ? "/" : "/?" + rest,
                .setCookie: "\(APIServer.cookieName)=\(fromQuery); HttpOnly; SameSite=Strict; Path=/",
            ])
        }
        if request.method != .get, request.method != .head {
            guard let value = request.headers[APIServer.csrfHeaderName], !value.isEmpty else { throw APIError.missingCSRFHeader(header: APIServer.csrfHeader) }
        }
        return try await next(request, context)
    }

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    static func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == APIServer.cookieName { return String(parts[1]) }
            }
        }
        return nil
    }
}

/// CORS for the configured origins only (`serve --cors-origin`): their preflights are answered
/// and their responses carry the allow headers; any other origin gets none (the browser refuses).
struct CORSOriginMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let origins: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else { return try await next(request, context) }
        let allow: HTTPFields = [
            .accessControlAllowOrigin: origin, .vary: "Origin",
            .accessControlAllowHeaders: "Authorization, Content-Type, Last-Event-ID, \(APIServer.csrfHeader)",
            .accessControlAllowMethods: "GET, POST",
        ]
        if request.method == .options { return Response(status: .noContent, headers: allow) }
        var response = try await next(request, context)
        for field in allow { response.headers[field.name] = field.value }
        return response
    }
}

/// Requests by route, method and status, and their durations, for `/metrics`.
final class RequestMetrics: Sendable {
    static let bounds: [Double] = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    struct Key: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    struct State {
        var counts: [Key: Int] = [:]
        var buckets = [Int](repeating: 0, count: RequestMetrics.bounds.count)
        var total = 0
        var sum = 0.0
        var openStreams = 0
    }

    let state = Mutex(State())

    func record(_ key: Key, seconds: Double) {
        state.withLock { state in
            state.counts[key, default: 0] += 1
            state.total += 1
            state.sum += seconds
            for (index, bound) in Self.bounds.enumerated() where seconds <= bound { state.buckets[index] += 1 }
        }
    }

    func streamOpened() { state.withLock { $0.openStreams += 1 } }
    func streamClosed() { state.withLock { $0.openStreams -= 1 } }
}

struct MetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        // Inside it the error middleware has turned every error into its answer.
        let response = try await next(request, context)
        metrics.record(.init(method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: response.status.code),
                       seconds: (ContinuousClock.now - start).seconds)
        return response
    }
}
