import ArgumentParser
import Engine
import Foundation
import Quality
import Reports
import Style
import WorkbenchCore

extension Workbench {
    struct StyleCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "style",
            abstract: "Build an author's style profile from a sample, and hold texts against it.",
            discussion: """
                A profile (`style extract`) holds the sample's surface features, the frequencies of its \
                150 most frequent words and the author's own spread: Burrows' Delta of windows of the \
                sample against the rest of it. `style match` places a text's Delta in that spread; \
                `style compare` attributes a text to the nearest of several profiles. A profile is JSON \
                with a fingerprint of its content: one edited by hand, or written by another version, is \
                refused (exit 65).
                """,
            subcommands: [Extract.self, Match.self, Compare.self])
    }
}

extension Workbench.StyleCommand {
    struct Extract: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a style profile from an author's sample (5,000 words or more) and write it as JSON.",
            discussion: """
                The files are read in order and joined into one sample. Each file's absolute path and \
                SHA-256 are recorded, so that `style match` guards against copying from the whole sample \
                while the files are unchanged. A sample under 5,000 words is refused (exit 65): Burrows' \
                Delta is unreliable on less. A missing, unreadable, empty, binary or non-UTF-8 file exits 65 \
                naming it; an --out that cannot be written exits 73. The profile is written whole or not at all.
                """)

        @Argument(help: ArgumentHelp("The author's sample: plain-text files (UTF-8), read in order.", valueName: "file"))
        var files: [String]

        @Option(help: ArgumentHelp("Where to write the profile (JSON).", valueName: "profile.json"))
        var out: String

        @Option(help: ArgumentHelp("The author's or style's name (default: the first file's name without its extension).", valueName: "name"))
        var name: String?

        func validate() throws {
            if files.isEmpty { throw ValidationError("give the sample: one or more text files") }
            if files.contains("-") { throw ValidationError("style extract reads files, not standard input: the profile records each file's path") }
            let paths = files.map(StyleFiles.absolute)
            if Set(paths).count < paths.count { throw ValidationError("a sample file is given twice: each counts once") }
            if paths.contains(StyleFiles.absolute(out)) { throw ValidationError("--out \(out) is one of the sample files: give another path for the profile") }
            if let name, name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--name cannot be empty") }
        }

        func run() throws {
            // A folder that is not there fails before the sample is read and measured.
            try StyleFiles.checkFolder(of: out)
            var samples: [StyleSample] = []
            for file in files {
                samples.append(StyleSample(file: StyleFiles.absolute(file), text: try Workbench.Analyze.read(file)))
            }
            let profile: StyleProfile
            do {
                profile = try StyleProfile.build(samples: samples, name: name)
            } catch .sampleTooShort(_, let words) {
                // The files as the user named them, not their absolute paths.
                throw StyleError.sampleTooShort(file: files.joined(separator: ", "), words: words)
            }
            try StyleFiles.write(try profile.encoded() + "\n", to: out)
            Console.output(Self.summary(profile, out: out))
        }

        static func summary(_ profile: StyleProfile, out: String) -> String {
            let content = profile.content, features = profile.features
            let spread = profile.spread.sorted()
            let sources = content.sources.count
            return """
                wrote \(out): style profile "\(profile.name)"
                  sample      \(StyleFiles.grouped(content.words)) words from \(sources) file\(sources == 1 ? "" : "s"), \(content.bags) bag\(content.bags == 1 ? "" : "s") of \(StyleFiles.grouped(content.bagWords)) words
                  sentences   mean \(StyleFiles.one(features.sentenceLength.mean)) words, sd \(StyleFiles.one(features.sentenceLength.sd))
                  dialogue    \(StyleFiles.percent(features.dialogueShare)) of the words inside quotation marks
                  voice       \(StyleFiles.voice(features))
                  own spread  Delta of the author's 5,000-word windows: median \(StyleFiles.two(StyleFeatures.quantile(spread, 0.5))), 90th percentile \(StyleFiles.two(profile.threshold())) (the match threshold for texts of that length)
                  exemplars   \(content.exemplars.count) passage\(content.exemplars.count == 1 ? "" : "s")

                """
        }
    }

    struct Match: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold texts against a style profile: Delta, percentile, score, what to change and copied passages.",
            discussion: """
                For each file: Burrows' Delta against the profile; its percentile among the author's own \
                windows of the text's length (the longest of 500, 1,000, 2,000, 3,000 and 5,000 words not \
                longer than the text); the threshold, the author's own 90th percentile, at or below which the \
                text matches; the score, 0–10 (10 at or below the author's median, 8 at the threshold); the \
                sentence, dialogue, paragraph and punctuation differences with what to change; and every run \
                of 8 or more words copied from the author's sample — or, when the sample's files are gone or \
                changed, from the profile's exemplar passages (the output says which). Below 500 words Delta \
                is unreliable and the output says so. Exit codes: 0 every file matches, 1 a file does not, \
                65 a profile that is not valid JSON, was edited or is of another version, or a text that cannot be read.
                """)

        @Argument(help: ArgumentHelp("Texts to hold against the profile, or - for standard input.", valueName: "file"))
        var files: [String]

        @Option(help: ArgumentHelp("The profile, as written by `style extract`.", valueName: "profile.json"))
        var profile: String

        @Flag(help: "Print JSON: the profile, the copy guard and one object per file.")
        var json = false

        func validate() throws {
            if files.isEmpty { throw ValidationError("give one or more text files to match") }
            if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
        }

        func run() throws {
            // The profile first: a bad one fails before any text is read.
            let profile = try StyleProfileFile.profile(self.profile)
            let copyGuard = StyleProfileFile.copyGuard(for: profile)
            var results: [(file: String, match: StyleMatch, copied: (grams: Int, copies: [CopyGuard.Copy]))] = []
            for file in files {
                let text = try Workbench.Analyze.read(file)
                results.append((file, profile.match(text), copyGuard.copyGuard.find(in: text)))
            }
            if json {
                Console.output(try JSONOutput.render([
                    "profile": StyleFiles.profileObject(profile, file: self.profile),
                    "copy_guard": StyleFiles.guardObject(copyGuard),
                    "texts": results.map { StyleFiles.matchObject($0.match, file: $0.file, profile: profile, copied: $0.copied) },
                    "all_match": results.allSatisfy(\.match.matches),
                ] as [String: Any]))
            } else {
                var lines = [
                    "profile \"\(profile.name)\" (\(self.profile)): \(StyleFiles.grouped(profile.content.words)) words of the author",
                    "copy guard: " + StyleFiles.guardLine(copyGuard),
                ]
                for result in results {
                    lines += [""] + StyleFiles.matchLines(result.match, file: result.file, profile: profile, copied: result.copied)
                }
                Console.output(lines.joined(separator: "\n") + "\n")
            }
            if !results.allSatisfy(\.match.matches) { throw ExitCode(ExitStatus.checkFailed.rawValue) }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attribute a text to the nearest of several style profiles.",
            usage: "workbench style compare --profiles <profile.json> <profile.json> ... <file> [--json]",
            discussion: """
                Prints each profile's Delta to the text, nearest first, with its percentile in that author's \
                own spread and whether the text matches it; the nearest profile and its margin over the \
                runner-up (the difference of their Deltas). Deltas against different profiles are comparable: \
                each profile measures in units of its own author's variation. The text may come before \
                --profiles or as the last value after it. Exit 0 whichever profile is nearest; 65 a profile \
                that is not valid, was edited or is of another version, or a text that cannot be read.
                """)

        @Option(parsing: .upToNextOption, help: ArgumentHelp("Two or more profiles written by `style extract`.", valueName: "profile.json"))
        var profiles: [String] = []

        @Argument(help: ArgumentHelp("The text to attribute, or - for standard input (or the last value after --profiles).", valueName: "file"))
        var file: String?

        @Flag(help: "Print JSON: the nearest profile, the margin and every profile's Delta.")
        var json = false

        mutating func validate() throws {
            // `--profiles A B TEXT`: the option takes every value up to the next flag, the text among them.
            if file == nil, profiles.count >= 2 { file = profiles.removeLast() }
            guard file != nil else { throw ValidationError("give the text to attribute: `style compare --profiles A.json B.json FILE`") }
            if profiles.count < 2 { throw ValidationError("--profiles needs two or more profiles to compare (`style match --profile` holds a text against one)") }
        }

        func run() throws {
            guard let file else { throw ValidationError("give the text to attribute") }
            var loaded: [StyleProfile] = []
            for path in profiles { loaded.append(try StyleProfileFile.profile(path)) }
            let text = try Workbench.Analyze.read(file)
            guard let nearest = StyleProfile.nearest(text, among: loaded) else { throw ValidationError("--profiles needs two or more profiles") }
            let words = TextScanner.scan(text).wordCount
            // Each profile's Delta, nearest first (ties in the order given).
            let rows = loaded.indices.map { index -> (file: String, profile: StyleProfile, delta: Double) in
                (profiles[index], loaded[index], loaded[index].delta(text))
            }.enumerated().sorted { $0.element.delta != $1.element.delta ? $0.element.delta < $1.element.delta : $0.offset < $1.offset }.map(\.element)
            let nearestFile = rows.first { $0.profile == nearest.profile }?.file ?? ""
            if json {
                Console.output(try JSONOutput.render([
                    "file": file, "words": words, "reliable": words >= StyleFiles.reliableWords,
                    "nearest": ["name": nearest.profile.name, "profile": nearestFile] as [String: Any],
                    "margin": nearest.margin,
                    "profiles": rows.map { row in
                        [
                            "name": row.profile.name, "profile": row.file, "delta": row.delta,
                            "percentile": row.profile.percentile(of: row.delta, words: words),
                            "threshold": row.profile.threshold(words: words), "matches": row.delta <= row.profile.threshold(words: words),
                        ] as [String: Any]
                    },
                ] as [String: Any]))
                return
            }
            var table = TextTable(columns: [.init("profile"), .init("Delta", .right), .init("percentile", .right), .init("threshold", .right), .init("matches"), .init("file")])
            for row in rows {
                let threshold = row.profile.threshold(words: words)
                table.append([row.profile.name, StyleFiles.two(row.delta), StyleFiles.whole(row.profile.percentile(of: row.delta, words: words)),
                              StyleFiles.two(threshold), row.delta <= threshold ? "yes" : "no", row.file])
            }
            var lines = [
                "\(file) (\(StyleFiles.grouped(words)) words): nearest \"\(nearest.profile.name)\" (\(nearestFile)), Delta \(StyleFiles.two(rows[0].delta)), "
                    + "margin \(StyleFiles.two(nearest.margin)) over the runner-up",
            ]
            if let note = StyleFiles.shortNote(words: words) { lines.append(note) }
            lines += ["", table.render()]
            Console.output(lines.joined(separator: "\n"))
        }
    }
}

/// What the style commands share: reading profiles and sample files, the copy guard, and the
/// text and JSON of a match.
enum StyleFiles {
    /// Below this many words a Delta is mostly noise: the percentile still reads it against the author's own windows of that length, but two texts of the author's own differ widely.
    static let reliableWords = 500

    static func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    /// Fails when the folder `path` would be written into does not exist.
    static func checkFolder(of path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw StyleCommandError.cannotWrite(path: path, reason: "the folder \(folder) does not exist")
        }
    }

    /// Writes the file atomically (a temporary file renamed over it): never a partial file.
    static func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StyleCommandError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    static func guardLine(_ copyGuard: (copyGuard: CopyGuard, fallbackReason: String?)) -> String {
        switch copyGuard.copyGuard.scope {
        case .sample: return "against the author's whole sample (its files are unchanged)"
        case .exemplars: return "against the profile's exemplar passages only: \(copyGuard.fallbackReason ?? "the sample is not available")"
        }
    }

    static func guardObject(_ copyGuard: (copyGuard: CopyGuard, fallbackReason: String?)) -> [String: Any] {
        var object: [String: Any] = ["scope": copyGuard.copyGuard.scope.rawValue]
        if let reason = copyGuard.fallbackReason { object["reason"] = reason }
        return object
    }

    static func profileObject(_ profile: StyleProfile, file: String) -> [String: Any] {
        ["file": file, "name": profile.name, "fingerprint": profile.fingerprint, "words": profile.content.words,
         "sources": profile.content.sources.map { ["file": $0.file, "words": $0.words, "sha256": $0.sha256] as [String: Any] }]
    }

    static func shortNote(words: Int) -> String? {
        guard words < reliableWords else { return nil }
        return "note: the text has \(grouped(words)) word\(words == 1 ? "" : "s"): below \(reliableWords) words Delta is unreliable, read it as a rough sign only"
    }

    /// The surface features a match compares, text against author: name, text, author, unit.
    static func featureRows(_ match: StyleMatch, author: StyleFeatures) -> [(key: String, label: String, text: Double, author: Double, unit: String)] {
        let text = match.features
        var rows: [(key: String, label: String, text: Double, author: Double, unit: String)] = [
            ("sentence_length_mean", "sentence length, mean", text.sentenceLength.mean, author.sentenceLength.mean, "words"),
            ("sentence_length_cv", "rhythm (sentence length CV)", text.sentenceLength.cv, author.sentenceLength.cv, ""),
            ("dialogue_share", "dialogue share", text.dialogueShare, author.dialogueShare, "%"),
            ("paragraph_sentences_median", "paragraph sentences, median", text.paragraphSentencesMedian, author.paragraphSentencesMedian, "sentences"),
            ("paragraph_words_median", "paragraph words, median", text.paragraphWordsMedian, author.paragraphWordsMedian, "words"),
        ]
        let marks: [(String, String, KeyPath<PunctuationRates, Double>)] = [
            ("commas", "commas", \.comma), ("semicolons", "semicolons", \.semicolon), ("dashes", "dashes", \.dash),
            ("ellipses", "ellipses", \.ellipsis), ("exclamation_marks", "exclamation marks", \.exclamation), ("question_marks", "question marks", \.question),
        ]
        for (key, label, path) in marks {
            rows.append(("\(key)_per_1000", "\(label) per 1,000 words", text.punctuation[keyPath: path], author.punctuation[keyPath: path], ""))
        }
        return rows
    }

    static func matchLines(_ match: StyleMatch, file: String, profile: StyleProfile, copied: (grams: Int, copies: [CopyGuard.Copy])) -> [String] {
        let words = match.features.words
        var lines = [
            "\(file): \(match.matches ? "matches" : "does not match") \"\(profile.name)\" (score \(one(match.score)) of 10; \(grouped(words)) words)",
            "  Delta \(two(match.delta)), at the \(ordinal(match.percentile)) percentile of the author's own \(grouped((profile.window(forWords: words)?.words ?? 0)))-word windows; "
                + "threshold \(two(match.threshold)) (their 90th percentile)",
        ]
        if let note = shortNote(words: words) { lines.append("  " + note) }
        var table = TextTable(columns: [.init("feature"), .init("text", .right), .init("author", .right), .init("difference", .right)])
        for row in featureRows(match, author: profile.features) {
            if row.unit == "%" {
                table.append([row.label, percent(row.text), percent(row.author), signed((row.text - row.author) * 100, digits: 0) + " points"])
            } else {
                let digits = row.key == "sentence_length_cv" ? 2 : 1
                table.append([row.label, fixed(row.text, digits), fixed(row.author, digits), signed(row.text - row.author, digits: digits) + (row.unit.isEmpty ? "" : " \(row.unit)")])
            }
        }
        lines += table.render().split(separator: "\n").map { "  " + $0 }
        let advice = match.advice(against: profile.features)
        if advice.isEmpty {
            lines.append("  what to change: nothing stands out")
        } else {
            lines.append("  what to change:")
            lines += advice.map { "    - \($0.message)" }
        }
        if copied.copies.isEmpty {
            lines.append("  copied: no run of \(CopyGuard.gram) words")
        } else {
            let runs = copied.copies.count
            lines.append("  copied: \(runs) run\(runs == 1 ? "" : "s") of \(CopyGuard.gram) or more words (\(copied.grams) \(CopyGuard.gram)-word sequence\(copied.grams == 1 ? "" : "s")):")
            lines += copied.copies.map { "    - paragraph \($0.paragraph + 1), \($0.words) words: \"\($0.quote)\"" }
        }
        return lines
    }

    static func matchObject(_ match: StyleMatch, file: String, profile: StyleProfile, copied: (grams: Int, copies: [CopyGuard.Copy])) -> [String: Any] {
        let words = match.features.words
        let rows = featureRows(match, author: profile.features)
        return [
            "file": file, "words": words, "reliable": words >= reliableWords,
            "delta": match.delta, "percentile": match.percentile, "threshold": match.threshold, "window_words": (profile.window(forWords: words)?.words ?? 0),
            "score": match.score, "matches": match.matches,
            "features": Dictionary(uniqueKeysWithValues: rows.map { ($0.key, $0.text) }),
            "author": Dictionary(uniqueKeysWithValues: rows.map { ($0.key, $0.author) }),
            "differences": Dictionary(uniqueKeysWithValues: rows.map { ($0.key, $0.text - $0.author) }),
            "advice": match.advice(against: profile.features).map { ["feature": $0.feature.rawValue, "message": $0.message] },
            "copied": [
                "grams": copied.grams,
                "copies": copied.copies.map { ["paragraph": $0.paragraph + 1, "words": $0.words, "quote": $0.quote] as [String: Any] },
            ] as [String: Any],
        ]
    }

    // MARK: numbers

    static func voice(_ features: StyleFeatures) -> String {
        (features.firstPersonShare > 0.5 ? "first person" : "third person") + ", " + (features.pastShare >= 0.5 ? "past tense" : "present tense")
    }

    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
    static func one(_ value: Double) -> String { fixed(value, 1) }
    static func two(_ value: Double) -> String { fixed(value, 2) }
    static func whole(_ value: Double) -> String { fixed(value, 0) }
    static func percent(_ share: Double) -> String { fixed(share * 100, 0) + "%" }

    static func signed(_ value: Double, digits: Int) -> String {
        let text = fixed(abs(value), digits)
        return Double(text) == 0 ? text : (value < 0 ? "-" : "+") + text
    }

    /// 52 as "52nd".
    static func ordinal(_ value: Double) -> String {
        let number = Int(value.rounded())
        let suffix = (11...13).contains(number % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][number % 10] ?? "th"
        return "\(number)\(suffix)"
    }

    /// 12345 as "12,345".
    static func grouped(_ number: Int) -> String {
        let digits = String(number)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, digit != "-", (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}

/// Why a style command cannot write its profile (reading one fails with `StyleFileError`).
enum StyleCommandError: WorkbenchError {
    case cannotWrite(path: String, reason: String)

    var message: String {
        switch self {
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }

    var fix: String? {
        switch self {
        case .cannotWrite: return "check that the folder exists and is writable, or give another --out"
        }
    }

    var exitStatus: ExitStatus { .cannotCreate }
}
