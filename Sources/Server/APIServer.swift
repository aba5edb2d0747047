import Engine
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Queue
import ServiceLifecycle
import Store
import Synchronization
import WorkbenchCore

/// How `workbench serve` runs.
public struct ServerSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The largest request body taken, in bytes.
    public var bodyLimit = 1 << 20
    /// Origins allowed to call the API from a browser page of theirs; none (CORS off) by default.
    public var corsOrigins: [String] = []
    /// The experiment a job is written under when it names none (an absolute path).
    public var defaultExperiment: String
    /// Where `"experiment": "NAME"` is looked for (`NAME.yaml`); an absolute path.
    public var experimentsFolder: String
    /// The frozen baselines (`baseline create`'s folder); an absolute path.
    public var baselinesFolder: String
    /// The seconds between two pings of an idle event stream.
    public var pingInterval: TimeInterval = 15
    /// How long an event stream waits for a change before it reads the store anyway.
    public var streamPoll: Duration = .seconds(1)

    public init(defaultExperiment: String, experimentsFolder: String, baselinesFolder: String) {
        self.defaultExperiment = defaultExperiment
        self.experimentsFolder = experimentsFolder
        self.baselinesFolder = baselinesFolder
    }
}

/// The REST API, its event streams, `/metrics` and the web dashboard over one workspace. Jobs
/// are the queue's: written by the processor the server runs (`QueueProcessor`), so they
/// survive a restart; event streams replay the run's stored events by number.
public final class APIServer: Sendable {
    public static let csrfHeader = "X-Workbench-CSRF"
    static let csrfHeaderName = HTTPField.Name(csrfHeader)!
    static let lastEventIDName = HTTPField.Name("Last-Event-ID")!
    static let cookieName = "workbench_token"

    public let database: WorkbenchDatabase
    /// The workspace's queue, or a shared one (the AWS backend's) whose jobs other workers may run.
    public let queue: any JobQueue
    /// Where a shared queue's workers record progress and results: for the jobs whose runs
    /// are not in this workspace.
    public let shared: (any SharedJobRecords)?
    public let settings: ServerSettings
    let token: ServerToken
    let signal = ChangeSignal()
    let experiments = ExperimentCache()
    let metrics = RequestMetrics()
    let shuttingDown = Mutex(false)
    /// The processor's parallel books, for `/api/queue` (nil: no processor runs here).
    let processorParallel: Mutex<Int?> = Mutex(nil)

    /// `queue`: the workspace's own when nil.
    public init(database: WorkbenchDatabase, token: ServerToken, settings: ServerSettings, queue: (any JobQueue)? = nil, shared: (any SharedJobRecords)? = nil) {
        self.database = database
        self.queue = queue ?? SQLiteJobQueue(database: database)
        self.shared = shared
        self.token = token
        self.settings = settings
    }

    /// What the processor reports: every event may change what a stream or a waiting request sees.
    public func observe(_ event: ProcessorEvent) {
        signal.notify()
    }

    var isShuttingDown: Bool { shuttingDown.withLock { $0 } }

    /// The routes, in the order the OpenAPI document lists them.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        // Metrics outermost: every answer it counts is already rendered, errors included.
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware(routes: Self.routes))
        if !settings.corsOrigins.isEmpty { router.add(middleware: CORSOriginMiddleware(origins: settings.corsOrigins)) }
        router.add(middleware: AuthMiddleware(token: token))

        router.get("/healthz") { _, _ in Self.json(["status": "ok"]) }
        router.get("/metrics") { _, _ in try await self.metricsText() }
        router.get("/api/openapi.json") { request, _ in Self.cached(OpenAPIDocument.json, type: "application/json", request: request) }

        router.post("/api/generate/chapter") { request, context in try await self.generateChapter(request, context) }
        router.post("/api/books") { request, context in try await self.createBook(request, context) }
        router.get("/api/books") { request, _ in try self.listBooks(request) }
        router.get("/api/books/:id") { request, context in try self.book(request, context) }
        router.get("/api/books/:id/manuscript") { request, context in try self.manuscript(request, context) }
        router.get("/api/books/:id/report") { request, context in try self.report(request, context) }
        router.get("/api/jobs") { request, _ in try await self.listJobs(request) }
        router.get("/api/jobs/:id") { request, context in try await self.showJob(request, context) }
        router.get("/api/jobs/:id/result") { request, context in try await self.jobResult(request, context) }
        router.post("/api/jobs/:id/cancel") { request, context in try await self.cancelJob(request, context) }
        router.get("/api/jobs/:id/events") { request, context in try await self.events(request, context) }
        router.get("/api/runs") { request, _ in try self.listRuns(request) }
        router.get("/api/runs/:id") { request, context in try self.showRun(request, context) }
        router.get("/api/abtests") { request, _ in try self.listABTests(request) }
        router.get("/api/abtests/:id") { request, context in try self.abTest(request, context) }
        router.get("/api/baselines") { request, _ in try self.listBaselines(request) }
        router.get("/api/baselines/:version") { request, context in try self.baseline(request, context) }
        router.post("/api/regress") { request, context in try await self.createRegress(request, context) }
        router.get("/api/queue") { request, _ in try await self.queueState(request) }
        router.post("/api/queue/pause") { request, _ in try await self.setPaused(true, request) }
        router.post("/api/queue/resume") { request, _ in try await self.setPaused(false, request) }

        router.get("/") { request, _ in Self.cached(DashboardPage.html, type: "text/html; charset=utf-8", request: request, headers: DashboardPage.headers) }
        router.get("/static/app.js") { request, _ in Self.cached(DashboardPage.script, type: "text/javascript; charset=utf-8", request: request) }
        router.get("/static/app.css") { request, _ in Self.cached(DashboardPage.style, type: "text/css; charset=utf-8", request: request) }
        return router
    }

    /// Every route, for 405 answers (a known path asked with another method).
    public static let routes: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/healthz"), (.get, "/metrics"), (.get, "/api/openapi.json"),
        (.post, "/api/generate/chapter"), (.post, "/api/books"), (.get, "/api/books"), (.get, "/api/books/:id"),
        (.get, "/api/books/:id/manuscript"), (.get, "/api/books/:id/report"),
        (.get, "/api/jobs"), (.get, "/api/jobs/:id"), (.get, "/api/jobs/:id/result"), (.post, "/api/jobs/:id/cancel"), (.get, "/api/jobs/:id/events"),
        (.get, "/api/runs"), (.get, "/api/runs/:id"), (.get, "/api/abtests"), (.get, "/api/abtests/:id"), (.get, "/api/baselines"), (.get, "/api/baselines/:version"),
        (.post, "/api/regress"),
        (.get, "/api/queue"), (.post, "/api/queue/pause"), (.post, "/api/queue/resume"),
        (.get, "/"), (.get, "/static/app.js"), (.get, "/static/app.css"),
    ]

    /// Serves until SIGTERM or SIGINT, with `processor` (if any) writing the queue's books.
    /// `listening` learns the port (useful with port 0). On a signal the event streams end
    /// (their clients reconnect and replay), the processor hands its books back, and the
    /// server finishes the requests in flight.
    /// `handlesSignals`: false in tests, which cancel the task instead.
    public func run(processor: QueueProcessor?, handlesSignals: Bool = true, listening: @escaping @Sendable (Int) -> Void) async throws {
        processorParallel.withLock { $0 = processor?.settings.parallel }
        var configuration = ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "workbench")
        configuration.reuseAddress = true
        let app = Application(router: router(), configuration: configuration, onServerRunning: { channel in
            listening(channel.localAddress?.port ?? 0)
        })
        let group = ServiceGroup(configuration: .init(services: [app, Lifecycle(server: self, processor: processor)],
                                                      gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [], logger: app.logger))
        try await group.run()
    }

    /// Runs the processor beside the server; on shutdown (it is shut down first) ends the event
    /// streams and stops the processor, whose books go back to the queue.
    private struct Lifecycle: Service {
        let server: APIServer
        let processor: QueueProcessor?

        func run() async throws {
            let work = processor.map { processor in Task { try await processor.run() } }
            try? await gracefulShutdown()
            server.shuttingDown.withLock { $0 = true }
            server.signal.notify()
            work?.cancel()
            _ = await work?.result
        }
    }

    // MARK: Responses

    static func jsonData(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    static func json(_ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: jsonData(object))))
    }

    /// A GET answer with its ETag; 304 when the client has it already.
    static func cached(_ body: Data, type: String, request: Request, headers: HTTPFields = [:]) -> Response {
        let tag = "\"" + SHA256.hex(of: body).prefix(32) + "\""
        var fields = headers
        fields[.eTag] = tag
        fields[.cacheControl] = "no-cache"
        if let given = request.headers[.ifNoneMatch], given.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag || $0 == "*" }) {
            return Response(status: .notModified, headers: fields)
        }
        fields[.contentType] = type
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func cachedJSON(_ object: Any, request: Request) -> Response {
        cached(jsonData(object), type: "application/json", request: request)
    }

    static func cached(_ text: String, type: String, request: Request, headers: HTTPFields = [:]) -> Response {
        cached(Data(text.utf8), type: type, request: request, headers: headers)
    }

    // MARK: Request parts

    /// The body of a mutation, at most the server's limit, as a strict JSON object.
    func body(_ request: Request, allowed: [String]) async throws -> RequestObject {
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw APIError.unsupportedMediaType(given: String(type.prefix(80)))
        }
        return try RequestObject(try await bytes(request), allowed: allowed)
    }

    /// A body that must be empty or `{}` (cancel, pause): anything else is refused.
    func emptyBody(_ request: Request) async throws {
        let data = try await bytes(request)
        if !String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { _ = try RequestObject(data, allowed: []) }
    }

    /// The request's body, refused (413) past the limit: at once when its Content-Length says
    /// so, else as soon as more has arrived.
    func bytes(_ request: Request) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > settings.bodyLimit {
            throw APIError.bodyTooLarge(limit: settings.bodyLimit)
        }
        do {
            return Data(try await request.body.collect(upTo: settings.bodyLimit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: settings.bodyLimit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: settings.bodyLimit)
        }
    }

    static func jobID(_ context: BasicRequestContext) throws -> Int64 {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0, String(id) == text else { throw APIError.invalidID(resource: "job", id: text) }
        return id
    }

    /// A run or book id: letters, digits, '-' and '_' (never a path).
    static func storeID(_ context: BasicRequestContext, resource: String) throws -> String {
        let text = context.parameters.get("id") ?? ""
        guard (1...64).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw APIError.invalidID(resource: resource, id: text)
        }
        return text
    }

    static func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters.get(name)
    }

    /// `limit` (1–200, default 50).
    static func limit(_ request: Request) throws -> Int {
        guard let text = query(request, "limit") else { return 50 }
        guard let value = Int(text), (1...200).contains(value) else {
            throw APIError.invalidQuery(parameter: "limit", message: "\"\(text.prefix(40))\" is not a whole number from 1 to 200", fix: "give limit from 1 to 200")
        }
        return value
    }

    static func iso(_ date: Date?) -> Any { date.map(isoString) ?? NSNull() }

    static func isoString(_ date: Date) -> String { CivilTime(secondsSince1970: date.timeIntervalSince1970).iso8601 }
}
