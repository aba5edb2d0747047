import Config
import Foundation
import Quality
import Style
import WorkbenchCore

/// `style: {profile: PROFILE.json}` or `style: {sample: FILE}` (or a list of files), with
/// `exemplars: 3`: the author style a book is written in. Its prompts get `{{style}}` (the
/// profile as measurable constraints and exemplar passages), chapters are scored against it
/// (`style`, `style_delta`, `style_percentile`, `copied_8grams`, and `voice` against its voice),
/// and the enhancer's `FIX_STYLE` rewrites the paragraphs that stray from it.
public struct StyleSettings: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case profile(path: String)
        case sample(paths: [String])
    }

    public var source: Source
    public var profile: StyleProfile
    /// Exemplar passages per prompt (0–5).
    public var exemplars: Int
    /// No 8-gram of the author's sample in the book: the sample when it can be read, else the exemplars.
    public var copyGuard: CopyGuard

    public static let defaultExemplars = 3

    public var target: StyleTarget { StyleTarget(profile: profile, copyGuard: copyGuard) }

    public static func == (left: StyleSettings, right: StyleSettings) -> Bool {
        left.source == right.source && left.profile == right.profile && left.exemplars == right.exemplars && left.copyGuard.identity == right.copyGuard.identity
    }

    /// The `{{style}}` variable for a chapter: constraints and the exemplars furthest from `content`.
    public func prompt(farFrom content: String) -> String {
        StylePrompt.render(profile, exemplars: exemplars > 0 ? profile.exemplars(farFrom: content, count: exemplars) : [])
    }

    /// Reads the `style:` block; paths are relative to the experiment's folder (`resolve`).
    static func load(_ node: ConfigNode, resolve: (String) -> String) throws -> StyleSettings {
        try node.rejectUnknownKeys(["profile", "sample", "name", "exemplars"])
        let exemplars = try node.optional("exemplars")?.int(in: 0...5) ?? defaultExemplars
        let profileNode = try node.optional("profile"), sampleNode = try node.optional("sample")
        switch (profileNode, sampleNode) {
        case (nil, nil), (.some, .some):
            throw node.error("give exactly one of `profile` (a profile from `workbench style extract`) and `sample` (the author's text)",
                             fix: "style: {profile: author.json} or style: {sample: author.txt}")
        case let (profileNode?, nil):
            if try node.optional("name") != nil { throw node.error("`name` goes with `sample`: a profile has its name", fix: "remove `name`") }
            let path = resolve(try profileNode.nonEmptyString())
            let target: StyleTarget
            do { target = try StyleProfileFile.read(path) } catch { throw profileNode.error(error.message, fix: error.fix) }
            return StyleSettings(source: .profile(path: ExperimentConfig.absolute(path)), profile: target.profile, exemplars: exemplars,
                                 copyGuard: target.copyGuard)
        case let (nil, sampleNode?):
            let files = try ((try? sampleNode.nonEmptyString()).map { [$0] } ?? sampleNode.stringList()).map(resolve)
            guard !files.isEmpty else { throw sampleNode.error("names no file", fix: "sample: author.txt") }
            var samples: [StyleSample] = []
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw sampleNode.error("no readable sample at \(file)", fix: "give the path of a text file of the author's prose, relative to the experiment")
                }
                guard let text = String(data: data, encoding: .utf8) else { throw sampleNode.error("\(file) is not UTF-8 text", fix: "convert it to UTF-8") }
                samples.append(StyleSample(file: ExperimentConfig.absolute(file), text: text))
            }
            let name = try node.optional("name")?.nonEmptyString()
            let profile: StyleProfile
            do {
                profile = try StyleProfile.build(samples: samples, name: name)
            } catch {
                throw sampleNode.error(error.message, fix: error.fix)
            }
            return StyleSettings(source: .sample(paths: samples.compactMap(\.file)), profile: profile, exemplars: exemplars,
                                 copyGuard: CopyGuard(texts: samples.map(\.text), scope: .sample))
        }
    }

}

/// A stored style profile (`workbench style extract`'s output) read from its file.
public enum StyleProfileFile {
    /// The profile with its copy guard (see `copyGuard(for:)`).
    public static func read(_ path: String) throws(StyleFileError) -> StyleTarget {
        let profile = try profile(path)
        return StyleTarget(profile: profile, copyGuard: copyGuard(for: profile).copyGuard)
    }

    /// The profile, refused with the file (and the field) named when it is missing, not a
    /// profile, of another format version or edited since it was written.
    public static func profile(_ path: String) throws(StyleFileError) -> StyleProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileManager.default.fileExists(atPath: path) ? .unreadable(path: path) : .missing(path: path)
        }
        do {
            return try StyleProfile.decode(data)
        } catch let error as StyleError {
            throw .refused(path: path, error)
        } catch {
            throw .invalid(path: path, field: DecodingProblem.field(of: error), problem: DecodingProblem.problem(of: error))
        }
    }

    /// The guard over the author's whole sample when every source file is still there with the
    /// text the profile was built from; else over its exemplar passages (what the prompts
    /// show), with the reason.
    public static func copyGuard(for profile: StyleProfile) -> (copyGuard: CopyGuard, fallbackReason: String?) {
        var texts: [String] = []
        for source in profile.content.sources {
            guard let text = try? String(contentsOfFile: source.file, encoding: .utf8) else {
                return (CopyGuard(texts: profile.content.exemplars, scope: .exemplars), "the sample file \(source.file) is missing or unreadable")
            }
            guard SHA256.hex(of: text) == source.sha256 else {
                return (CopyGuard(texts: profile.content.exemplars, scope: .exemplars), "the sample file \(source.file) changed since the profile was built")
            }
            texts.append(text)
        }
        return (CopyGuard(texts: texts, scope: .sample), nil)
    }
}

/// Why a stored style profile cannot be used.
public enum StyleFileError: WorkbenchError, Equatable {
    case missing(path: String)
    case unreadable(path: String)
    /// Not JSON in a profile's shape: the field (dotted path) and what is wrong with it.
    case invalid(path: String, field: String, problem: String)
    /// Another format version, or a fingerprint that does not match (edited by hand).
    case refused(path: String, StyleError)

    public var message: String {
        switch self {
        case .missing(let path): "the style profile \(path): no such file"
        case .unreadable(let path): "the style profile \(path) cannot be read"
        case .invalid(let path, let field, let problem): field.isEmpty ? "\(path) is not a style profile: \(problem)" : "\(path) is not a style profile: \(field): \(problem)"
        case .refused(let path, let error): "\(path): \(error.message)"
        }
    }

    public var fix: String? {
        switch self {
        case .missing, .unreadable: "check the path and its permissions; `workbench style extract FILE... --out PROFILE.json` writes a profile"
        case .invalid(let path, _, _), .refused(let path, _):
            "profiles are written by `workbench style extract`, never by hand: build it again from its sample with `workbench style extract FILE... --out \(path)`"
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}

extension StyleSettings {
    /// The run record's `style` field.
    var recordFields: [String: Any] {
        var object: [String: Any] = ["name": profile.name, "profile_sha256": profile.fingerprint, "exemplars": exemplars]
        switch source {
        case .profile(let path): object["profile"] = path
        case .sample(let paths): object["sample"] = paths
        }
        return object
    }
}
