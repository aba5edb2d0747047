// swift-tools-version:6.1
// Swift 6 language mode (the default for tools 6.x) gives complete strict-concurrency checking.
import PackageDescription

let package = Package(
    name: "workbench",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "workbench", targets: ["workbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // The REST API and web dashboard (issue #20); traits off: no swift-configuration.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System libraries: a module map plus a small shim header each.
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // Pure domain types: no I/O.
        .target(name: "WorkbenchCore"),
        // Quality metrics, located issues and the composite score: pure, no I/O.
        .target(name: "Quality", dependencies: ["WorkbenchCore"]),
        // Distributions and hypothesis tests: pure, checked against SciPy.
        .target(name: "Stats", dependencies: ["WorkbenchCore"]),
        // The workspace database (SQLite through GRDB).
        .target(
            name: "Store",
            dependencies: ["WorkbenchCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Health checks of the real components behind `workbench doctor`.
        .target(name: "Diagnostics", dependencies: ["WorkbenchCore", "Store", "COpenBLAS", "CCurl"]),
        // YAML configuration files with errors that name file, line and field.
        .target(name: "Config", dependencies: ["WorkbenchCore", .product(name: "Yams", package: "Yams")]),
        // Everything that talks to a model: providers over libcurl, retries, fallbacks, cost.
        .target(name: "LLM", dependencies: ["WorkbenchCore", "Config", "CCurl"]),
        // The offline OpenAI-compatible server: deterministic writer, latency and faults; its
        // judge answers from the Quality metrics of the chapter it is shown.
        .target(
            name: "Simulator",
            dependencies: [
                "WorkbenchCore", "LLM", "Quality", "Style",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // LLM-as-judge: rubric prompts, JSON answers, repeated samples, several judges, pairs.
        .target(
            name: "Judge",
            dependencies: ["WorkbenchCore", "LLM", .product(name: "Mustache", package: "swift-mustache")]
        ),
        // The book pipeline: plan, write, analyse, enhance, store.
        .target(
            name: "Engine",
            dependencies: ["WorkbenchCore", "Config", "LLM", "Quality", "Store", "Judge", "Continuity", "Style", "Learning", .product(name: "Mustache", package: "swift-mustache")]
        ),
        // The book's knowledge graph: entities, facts and their contradictions (roadmap 3.4). Extraction
        // and checks are pure; Storage/ reads a stored book's chapters and stores its graph.
        .target(name: "Continuity", dependencies: ["WorkbenchCore", "Quality", "Store", "LLM"]),
        // BLAS-backed matrices, features and models (roadmap 5.1–5.3).
        .target(name: "Learning", dependencies: ["WorkbenchCore", "Quality", "COpenBLAS"]),
        // Experiments over the engine: A/B tests of prompt variants, regression suites against baselines, prompt optimisation.
        .target(name: "Experiments", dependencies: ["WorkbenchCore", "Stats", "Store", "Quality", "Continuity", "LLM", "Engine", "Learning", "Reports", "Config", "Style", .product(name: "Yams", package: "Yams")]),
        // Style extraction: measurable features, Burrows' Delta profiles and attribution (issue #16). Pure, no I/O.
        .target(name: "Style", dependencies: ["WorkbenchCore", "Quality"]),
        // The book queue: the JobQueue protocol, its SQLite implementation, sources (issue #19).
        .target(name: "Queue", dependencies: ["WorkbenchCore", "Store", "Engine", "Experiments", "LLM", "Config", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams")]),
        // The REST API, its event streams and the web dashboard over the queue (issue #20).
        .target(
            name: "Server",
            dependencies: ["WorkbenchCore", "Store", "Queue", "Engine", "LLM", "Quality", "Reports", "Experiments", "Config",
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // AWS through libcurl's SigV4: S3, SQS and DynamoDB clients and a deployment's resources (issue #21).
        .target(name: "Cloud", dependencies: ["WorkbenchCore", "LLM", "Queue"]),
        // Renders what the store holds: terminal tables, JSON, Markdown and HTML.
        .target(name: "Reports", dependencies: ["WorkbenchCore", "Store", "Diagnostics", "Quality"]),

        // The thin CLI.
        .executableTarget(
            name: "workbench",
            dependencies: [
                "WorkbenchCore", "Store", "Diagnostics", "Reports", "LLM", "Simulator", "Quality", "Judge", "Engine", "Stats", "Experiments", "Learning", "Continuity", "Style", "Queue", "Server", "Cloud",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench`: every benchmark that exists so far, printed as one table.
        .executableTarget(
            name: "workbench-bench",
            dependencies: ["WorkbenchCore", "Store", "LLM", "Simulator", "Quality", "Continuity", "Engine", "Queue", "Reports", "Judge", "Stats", "Learning", "Style", "COpenBLAS", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams")]
        ),

        .testTarget(name: "WorkbenchCoreTests", dependencies: ["WorkbenchCore"]),
        .testTarget(name: "QualityTests", dependencies: ["Quality", "WorkbenchCore"]),
        .testTarget(name: "ContinuityTests", dependencies: ["Continuity", "Quality", "Store", "WorkbenchCore", "LLM", "Simulator"]),
        // What several test targets share: running the Python reference scripts.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Fakes of the OpenAI, Anthropic and Gemini APIs on loopback that check requests as the services do.
        .target(
            name: "LLMFakes",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/LLMFakes"
        ),
        .testTarget(name: "StyleTests", dependencies: ["Style", "WorkbenchCore"]),
        .testTarget(name: "StatsTests", dependencies: ["Stats", "WorkbenchCore", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "WorkbenchCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics", "Store"]),
        .testTarget(name: "LLMTests", dependencies: ["LLM", "Simulator", "Store", "WorkbenchCore", "LLMFakes"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Learning", "Style", "Config", "LLM", "Simulator", "Store", "Quality", "WorkbenchCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "CloudTests", dependencies: ["Cloud", "LLM", "Queue", "WorkbenchCore", "TestSupport"]),
        .testTarget(name: "QueueTests", dependencies: ["Queue", "Store", "Experiments", "WorkbenchCore"]),
        .testTarget(
            name: "ServerTests",
            dependencies: ["Server", "Queue", "Store", "Engine", "Experiments", "LLM", "Simulator", "WorkbenchCore",
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(name: "JudgeTests", dependencies: ["Judge", "LLM", "Simulator", "WorkbenchCore"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "LLM", "Quality", "Style", "WorkbenchCore"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Style", "Continuity", "Engine", "Judge", "Stats", "Store", "Quality", "Simulator", "LLM", "WorkbenchCore", "LLMFakes"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Store", "Quality", "WorkbenchCore"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "Quality", "WorkbenchCore", "TestSupport"]),
        // Runs the built `workbench` binary as a process.
        .testTarget(
            name: "workbenchTests",
            dependencies: ["Store", "WorkbenchCore", "LLMFakes", "TestSupport", "Cloud", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Golden"]
        ),
    ]
)
