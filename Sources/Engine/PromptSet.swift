import Foundation
import Judge
import Mustache
import WorkbenchCore

/// The prompt templates of one version (`Experiments/prompts/v1`).
public struct PromptSet: Sendable {
    public let version: String
    let plan: MustacheTemplate
    let chapter: MustacheTemplate
    let continuation: MustacheTemplate
    let enhance: MustacheTemplate

    public static func load(folder: String) throws -> PromptSet {
        func template(_ name: String) throws -> MustacheTemplate {
            let path = folder + "/" + name + ".mustache"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw EngineError.promptMissing(path: path)
            }
            do {
                return try PlainTextTemplate.parse(text)
            } catch {
                throw EngineError.promptInvalid(path: path, detail: "\(error)")
            }
        }
        return PromptSet(version: URL(fileURLWithPath: folder).lastPathComponent, plan: try template("plan"), chapter: try template("chapter"),
                         continuation: try template("continue"), enhance: try template("enhance"))
    }

    /// The SHA-256 of a template folder: every `.mustache` file's name and text, in name order.
    public static func fingerprint(folder: String) throws -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter { $0.hasSuffix(".mustache") }.sorted() ?? []
        guard !names.isEmpty else { throw EngineError.promptMissing(path: folder + "/chapter.mustache") }
        var text = ""
        for name in names {
            text += name + "\u{0}" + ((try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "") + "\u{0}"
        }
        return SHA256.hex(of: text)
    }
}
