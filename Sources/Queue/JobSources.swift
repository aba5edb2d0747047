import Foundation
import WorkbenchCore
import Yams

/// Reads what `queue add --source` names: a file, a folder (its files, not recursive, hidden
/// ones left out) or a glob; each file is a premise, an outline or a longer source text.
public enum JobSources {
    /// A text of at most this many words is a premise; a longer one is a source text to plan from.
    public static let premiseWords = 400

    /// The files `sources` name, in order, each once.
    public static func files(_ sources: [String]) throws -> [String] {
        var result: [String] = []
        for source in sources {
            var isDirectory: ObjCBool = false
            let found: [String]
            if FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []
                    found = names.filter { !$0.hasPrefix(".") }.sorted().map { (source as NSString).appendingPathComponent($0) }.filter { path in
                        var directory: ObjCBool = false
                        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && !directory.boolValue
                    }
                } else {
                    found = [source]
                }
            } else {
                found = glob(source)
            }
            guard !found.isEmpty else { throw QueueError.noSources(pattern: source) }
            for file in found where !result.contains(file) { result.append(file) }
        }
        return result
    }

    /// The regular files a shell-style pattern matches, sorted.
    static func glob(_ pattern: String) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else { return [] }
        var matches = glob_t()
        defer { globfree(&matches) }
        guard Foundation.glob(pattern, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { index in
            guard let path = matches.gl_pathv[index].map({ String(cString: $0) }) else { return nil }
            var directory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && !directory.boolValue ? path : nil
        }.sorted()
    }

    /// What one file holds. An outline is a `.yaml`, `.yml` or `.json` file (or any text that
    /// decodes as one), checked as `generate --outline` checks it; other text is a premise up to
    /// `premiseWords` words, else a source text. Empty, binary and non-UTF-8 files are refused.
    public static func read(_ path: String) throws -> JobSource {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw QueueError.badSource(path: path, problem: "cannot be read", fix: "check the path and its permissions")
        }
        guard !data.contains(0), let text = String(data: data, encoding: .utf8) else {
            throw QueueError.badSource(path: path, problem: "is not text (binary, or not UTF-8)", fix: "give a premise or source as UTF-8 text, or an outline as YAML or JSON")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw QueueError.badSource(path: path, problem: "is empty", fix: "write the book's premise in it, or give an outline or a source text")
        }
        let outlineFile = ["yaml", "yml", "json"].contains((path as NSString).pathExtension.lowercased())
        if outlineFile || trimmed.hasPrefix("{") || trimmed.contains("\nchapters:") || trimmed.hasPrefix("chapters:") || trimmed.hasPrefix("title:") {
            let outline: Outline
            do {
                outline = try YAMLDecoder().decode(Outline.self, from: text)
            } catch {
                if !outlineFile { return prose(trimmed) }
                throw QueueError.badSource(path: path, problem: "is not an outline: \([DecodingProblem.field(of: error), DecodingProblem.problem(of: error)].filter { !$0.isEmpty }.joined(separator: ": "))",
                                           fix: "give title, logline, obsession, setting, characters and chapters (number, title, beats, target_words) as `generate --outline` reads them")
            }
            let problems = outline.problems(expectedChapters: nil)
            guard problems.isEmpty else {
                throw QueueError.badSource(path: path, problem: "the outline does not validate: \(problems.joined(separator: "; "))", fix: "fix the named fields")
            }
            return .outline(outline)
        }
        return prose(trimmed)
    }

    static func prose(_ text: String) -> JobSource {
        text.split(whereSeparator: \.isWhitespace).count <= premiseWords ? .premise(text) : .text(text)
    }
}
