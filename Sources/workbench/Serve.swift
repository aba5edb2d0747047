import ArgumentParser
import Cloud
import Engine
import Foundation
import LLM
import Queue
import Server
import Store
import WorkbenchCore

extension Workbench {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the REST API, its event streams and the web dashboard, writing queued books as they come.",
            discussion: """
                Jobs posted to the API (POST /api/books, POST /api/generate/chapter, POST /api/regress) are queue jobs: the server's processor \
                runs them, several at once, and a server killed at any moment and started again continues them. \
                GET /api/openapi.json describes every route; the dashboard is at / .

                Security is on by default: the first start makes a token and prints it once (only its SHA-256 is kept, in \
                .workbench/server-token.sha256); every route but /healthz needs it as `Authorization: Bearer TOKEN` (the \
                dashboard's first load takes it from ?token= into a cookie), and every POST also needs the header \
                X-Workbench-CSRF. --rotate-token makes a new one. The server owns the workspace's writes while it runs: \
                commands that write refuse a served workspace (exit 75) and the queue processor is the server's.

                With --backend aws the jobs are the deployment's (`workbench cloud init`): the API queues them on SQS and \
                DynamoDB, any `workbench worker --backend aws` (and this server's processor, unless --parallel 0) writes \
                them, and a job another worker wrote is shown from the table and bucket (its progress, its result and \
                manuscript key); its event stream then carries only its final event.

                Exit codes: 0 stopped by SIGINT/SIGTERM; 2 usage; 65 a missing default experiment; 73 the token or lock \
                cannot be written; 75 the workspace is served or processed already, or the port is taken.
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @OptionGroup var backend: QueueBackendOptions
        @Option(help: "The address to listen on (127.0.0.1: this machine only).") var host = "127.0.0.1"
        @Option(help: "The port (0 picks a free one; the address is printed).") var port = 8080
        @Flag(name: .customLong("rotate-token"), help: "Make a new token (the old one stops working) and print it.") var rotateToken = false
        @Option(help: ArgumentHelp("The experiment a job is written under when it names none.", valueName: "file")) var experiment = "Experiments/sim.yaml"
        @Option(help: ArgumentHelp("The folder of frozen baselines (GET /api/baselines).", valueName: "dir")) var baselines = "Baselines"
        @Option(help: ArgumentHelp("Jobs run at once by the server's processor (0: none; jobs wait for `queue process` elsewhere).", valueName: "n"))
        var parallel = 3
        @Option(name: .customLong("body-limit"), help: ArgumentHelp("The largest request body taken, in bytes.", valueName: "bytes")) var bodyLimit = 1 << 20
        @Option(name: .customLong("cors-origin"), help: ArgumentHelp("An origin whose pages may call the API (repeatable; none by default).", valueName: "url"))
        var corsOrigins: [String] = []
        @OptionGroup var limits: GlobalLimitOptions

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535 (got \(port))") }
            guard (0...64).contains(parallel) else { throw ValidationError("--parallel must be 0 to 64 (got \(parallel))") }
            guard (1024...(256 << 20)).contains(bodyLimit) else { throw ValidationError("--body-limit must be 1024 to 268435456 bytes (got \(bodyLimit))") }
            for origin in corsOrigins where !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) || origin.hasSuffix("/") {
                throw ValidationError("--cors-origin takes an origin such as https://example.org (got \(origin))")
            }
        }

        func run() async throws {
            let resolved = try workspace.resolve()
            let database = try workspace.openForReading()
            let served = try ServedWorkspaceLock(folder: resolved.folder)
            defer { withExtendedLifetime(served) {} }
            // One processor per workspace queue; a shared cloud queue takes any number.
            let processorLock = parallel > 0 && backend.backend == .sqlite ? try ProcessorLock(path: resolved.folder.appendingPathComponent("queue.lock").path) : nil
            defer { withExtendedLifetime(processorLock) {} }
            let experimentFile = ExperimentConfig.absolute(experiment)
            guard FileManager.default.fileExists(atPath: experimentFile) else { throw ServerError.experimentNotFound(path: experimentFile) }
            let (token, created) = try ServerToken.load(workspace: resolved, rotate: rotateToken)

            var settings = ServerSettings(defaultExperiment: experimentFile, experimentsFolder: URL(fileURLWithPath: experimentFile).deletingLastPathComponent().path,
                                          baselinesFolder: ExperimentConfig.absolute(baselines))
            settings.host = host
            settings.port = port
            settings.bodyLimit = bodyLimit
            settings.corsOrigins = corsOrigins
            let cloudQueue = backend.backend == .aws ? try await AWSJobQueue(deployment: try backend.cloud.resources()) : nil
            let server = APIServer(database: database, token: token, settings: settings, queue: cloudQueue,
                                   shared: cloudQueue.map { CloudJobRecords(deployment: $0.deployment) })

            let limiter = limits.limiter(ledger: cloudQueue.map { DynamoRateLedger(table: $0.deployment.table) })
            let factory = ProviderOptions.factory(sharedLimiter: limiter)
            var processor: QueueProcessor?
            if parallel > 0 {
                var processing = ProcessorSettings()
                processing.parallel = parallel
                processing.mode = .forever
                let owner = ProcessorOptions.owner() + " (serve)"
                let engine = EngineJobRunner(database: database, factory: factory, reportsFolder: workspace.reportsFolder())
                processor = QueueProcessor(
                    queue: server.queue, runner: cloudQueue.map {
                        CloudJobRunner(engine: engine, queue: $0, worker: owner, bundlesFolder: resolved.folder.appendingPathComponent("bundles").path)
                    } ?? engine,
                    settings: processing, owner: owner,
                    spend: { run in (try? database.summary(of: run).costUSD) ?? 0 }, report: server.observe)
            }
            let displayHost = host.contains(":") ? "[\(host)]" : host
            do {
                try await server.run(processor: processor) { port in
                    let address = "http://\(displayHost):\(port)"
                    served.note("pid \(getpid()) serving \(address)")
                    var lines = ["workbench serving \(resolved.root.path) at \(address)"]
                    if let created {
                        lines.append("token: \(created)")
                        lines.append("  (shown once: only its SHA-256 is kept; `workbench serve --rotate-token` makes a new one)")
                        lines.append("dashboard: \(address)/?token=\(created)")
                    } else {
                        lines.append("dashboard: \(address)/ (with the token printed on the first start; --rotate-token makes a new one)")
                    }
                    lines.append(parallel > 0 ? "processor: \(parallel) book\(parallel == 1 ? "" : "s") at once" : "processor: none (--parallel 0)")
                    Console.output(lines.joined(separator: "\n") + "\n")
                }
            } catch {
                await factory.shutdown()
                if let error = error as? any WorkbenchError { throw error }
                throw ServerError.cannotBind(host: host, port: port, reason: "\(error)")
            }
            await factory.shutdown()
        }
    }
}
