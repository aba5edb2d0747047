import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LLM
import Queue
import Server
import Simulator
import Store
import WorkbenchCore

/// A workspace in a temporary folder with a server over it (token known), the repository's
/// experiments, and helpers to call the API.
struct ServerFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let root: URL
    let database: WorkbenchDatabase
    let server: APIServer
    let token: String

    init(bodyLimit: Int = 1 << 20, configure: (inout ServerSettings) -> Void = { _ in }) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString)")
        let workspace = Workspace(root: root)
        try FileManager.default.createDirectory(at: workspace.folder, withIntermediateDirectories: true)
        database = try WorkbenchDatabase.open(path: workspace.databasePath, create: true)
        let (stored, created) = try ServerToken.load(workspace: workspace, rotate: false)
        token = created!
        let experiments = Self.repository.appendingPathComponent("Experiments").path
        var settings = ServerSettings(defaultExperiment: experiments + "/sim.yaml", experimentsFolder: experiments,
                                      baselinesFolder: Self.repository.appendingPathComponent("Baselines").path)
        settings.bodyLimit = bodyLimit
        // A free port: a fixed one may be taken on the machine running the tests.
        settings.port = 0
        configure(&settings)
        server = APIServer(database: database, token: stored, settings: settings)
    }

    func delete() { try? FileManager.default.removeItem(at: root) }

    var auth: HTTPFields { [.authorization: "Bearer \(token)"] }
    var mutation: HTTPFields { [.authorization: "Bearer \(token)", HTTPField.Name("X-Workbench-CSRF")!: "1", .contentType: "application/json"] }

    /// Runs `body` against the router in-process.
    func test(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: server.router())
        try await app.test(.router) { client in try await body(client) }
    }

    /// A provider factory whose `sim` provider is a simulator of its own.
    static func simulatorFactory() -> ProviderFactory {
        ProviderFactory(environment: [:]) { seed, settings in
            var options = SimulatorOptions()
            options.seed = seed
            if let settings { options.apply(settings) }
            return try await SimulatorServer.start(options).baseURL
        }
    }

    static func outlineJSON(chapters: Int = 2) -> [String: Any] {
        ["title": "The Keeper's Letter", "logline": "A keeper's daughter finds a letter.", "obsession": "the unsent letter", "setting": "a lighthouse",
         "characters": [["name": "Mara", "attributes": ["age": "34"]], ["name": "Tomas"]],
         "chapters": (1...chapters).map { ["number": $0, "title": "Chapter \($0)", "beats": ["Mara finds the letter", "Tomas lies"], "target_words": 300] }]
    }

    static func body(_ object: Any) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }
}

extension TestResponse {
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:] }
    var text: String { String(buffer: body) }
    /// The error code of a JSON error answer.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorShapeIsRight: Bool {
        guard let error = json["error"] as? [String: Any] else { return false }
        return ["code", "message", "fix"].allSatisfy { (error[$0] as? String)?.isEmpty == false }
    }
}
