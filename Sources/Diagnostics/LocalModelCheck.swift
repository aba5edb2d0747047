import Foundation
import WorkbenchCore

/// Checks that the embedded real LLM is installed: llama.cpp's `llama-server` and the
/// SmolLM2 model file (a GGUF, recognised by its magic bytes, not just its name).
public enum LocalModelCheck {
    public static func run(paths: CachePaths) -> CheckResult {
        let fileManager = FileManager.default
        let details = ["llama_server": paths.llamaServer, "model": paths.localModel]
        var missing: [String] = []
        if !fileManager.isExecutableFile(atPath: paths.llamaServer) {
            missing.append("llama-server not found at \(paths.llamaServer)")
        }
        if !isGGUF(paths.localModel) {
            missing.append(fileManager.fileExists(atPath: paths.localModel)
                ? "\(paths.localModel) is not a GGUF model file" : "model not found at \(paths.localModel)")
        }
        if !missing.isEmpty {
            return CheckResult(component: "local-model", status: .warn, summary: missing.joined(separator: "; "), details: details,
                               fix: "run `make local-llm` (installs both into the cache folder, once)")
        }
        let size = (try? fileManager.attributesOfItem(atPath: paths.localModel)[.size] as? NSNumber)?.doubleValue ?? 0
        return CheckResult(component: "local-model", status: .ok,
                           summary: "llama-server and SmolLM2-135M-Instruct (\(String(format: "%.0f", size / 1_048_576)) MB) installed",
                           details: details)
    }

    static func isGGUF(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
    }
}
