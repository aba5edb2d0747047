import ArgumentParser
import Engine
import Foundation
import Quality
import Reports
import WorkbenchCore

extension Workbench {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score prose with every heuristic metric: values, the composite and located issues.",
            discussion: """
                Reads each FILE (or standard input for -). Empty, binary or non-UTF-8 input is \
                refused with exit 65. Scores are 0–10 where 8 is on target; see the README's metric table. \
                With --outline FILE --chapter N the files are chapter N of that outline: its beats and \
                characters add outline_adherence, and its target length and the book's obsession are \
                used unless --target-words or --obsession say otherwise.
                """
        )

        @Argument(help: "Text files to analyse, or - for standard input.")
        var files: [String]

        @Option(help: "The chapter's target length in words (adds word_count_accuracy).")
        var targetWords: Int?

        @Option(help: "The book's central obsession (adds obsession_depth).")
        var obsession: String?

        @Option(help: ArgumentHelp("A text in the book's style (earlier chapters, an author's sample) to measure voice against.", valueName: "file"))
        var profile: String?

        @Option(help: ArgumentHelp("An author's style profile (`workbench style extract`): adds style, style_delta, style_percentile and copied_8grams, and voice measures against it.", valueName: "file"))
        var style: String?

        @Option(help: ArgumentHelp("The book's outline (YAML or JSON, as `generate --outline` reads it); needs --chapter.", valueName: "file"))
        var outline: String?

        @Option(help: ArgumentHelp("Which chapter of the --outline the files are (adds outline_adherence).", valueName: "n"))
        var chapter: Int?

        @Flag(help: "Print JSON: one object per file with every metric, the composite and the issues.")
        var json = false

        func validate() throws {
            if let targetWords, targetWords < 1 { throw ValidationError("--target-words must be at least 1") }
            if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
            if outline != nil, chapter == nil { throw ValidationError("--outline needs --chapter N: which of the outline's chapters the files are") }
            if chapter != nil, outline == nil { throw ValidationError("--chapter needs --outline FILE: the outline it is a chapter of") }
            if let chapter, chapter < 1 { throw ValidationError("--chapter must be at least 1") }
            if style != nil, profile != nil { throw ValidationError("give --style PROFILE or --profile TEXT, not both: both say what voice is measured against") }
        }

        func run() throws {
            // The outline first: a bad one or a chapter it lacks fails before any text is read.
            let planned = try outline.map { try Self.chapter(chapter ?? 1, of: $0) }
            let profileText = try profile.map { try Self.read($0) }
            let context = AnalysisContext(
                targetWords: targetWords ?? planned?.spec.targetWords, obsession: obsession ?? planned?.outline.obsession,
                profile: profileText.map { VoiceProfile.build(from: $0) },
                chapterPlan: planned.map { ChapterPlan(outline: $0.outline, chapter: $0.spec) },
                style: try style.map { try StyleProfileFile.read($0) })
            if json {
                // Each report is written as JSON as soon as it is made (`JSONOutput.render`'s text,
                // without its `[String: Any]` tree and `JSONSerialization`, which cost three times
                // the analysis). The output is printed whole or not at all, and a file that cannot
                // be read still fails the command before a figure JSON cannot hold does, as when
                // every file was read before anything was rendered.
                var writer = PrettyJSONWriter(capacity: 32_768 * files.count)  // ~25 kB per 3,000-word chapter
                var unwritable: (any Error)?
                writer.beginArray()
                for file in files {
                    let report = QualityAnalyzer.analyze(try Self.read(file), context: context)
                    guard unwritable == nil else { continue }
                    do { try QualityJSON.write(report, file: file, into: &writer) } catch { unwritable = error }
                }
                if let unwritable { throw unwritable }
                writer.endArray()
                // The bytes as they are (`Console.output` of `finished()` would check 9 MB of
                // UTF-8 for the corpus and copy it twice).
                FileHandle.standardOutput.write(Data(writer.finishedBytes()))
            } else {
                var reports: [(String, QualityReport)] = []
                for file in files {
                    reports.append((file, QualityAnalyzer.analyze(try Self.read(file), context: context)))
                }
                Console.output(reports.map { QualityText.render($1, title: $0, style: Console.style) }.joined(separator: "\n"))
            }
        }

        /// Chapter `number` of the outline in `file`, read as `generate --outline` reads it (the
        /// same errors, naming the file and field); a chapter it does not have is a usage error.
        static func chapter(_ number: Int, of file: String) throws -> (outline: Outline, spec: ChapterSpec) {
            let outline = try Workbench.Generate.readOutline(file)
            let problems = outline.problems(expectedChapters: nil)
            guard problems.isEmpty else { throw EngineError.invalidOutline(source: file, problems: problems) }
            guard let spec = outline.chapters.first(where: { $0.number == number }) else {
                throw AnalyzeError.noSuchChapter(number, outline: file, chapters: outline.chapters.count)
            }
            return (outline, spec)
        }

        static func read(_ file: String) throws -> String {
            if file == "-" {
                return try TextInput.decode([UInt8](FileHandle.standardInput.readDataToEndOfFile()), source: "standard input")
            }
            guard let bytes = contents(of: file) else {
                // Which failure, asked only after one: a stat per file showed in the profile.
                throw FileManager.default.fileExists(atPath: file) ? AnalyzeError.unreadable(file) : AnalyzeError.missing(file)
            }
            return try TextInput.decode(bytes, source: file)
        }

        /// The file's bytes read straight into the array the decoder takes (no `Data` to copy
        /// from: with hundreds of chapter files the copies showed in the profile); nil when
        /// it cannot be opened or read (a directory, no permission).
        static func contents(of file: String) -> [UInt8]? {
            let descriptor = open(file, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { return nil }
            var failed = false, atEnd = false
            // One byte more than the size, so that the read that finds the end needs no second buffer.
            var bytes = [UInt8](unsafeUninitializedCapacity: max(0, Int(status.st_size)) + 1) { buffer, initialized in
                while initialized < buffer.count {
                    let count = readRetrying(descriptor, buffer.baseAddress! + initialized, buffer.count - initialized)
                    if count < 0 { failed = true; return }
                    if count == 0 { atEnd = true; return }
                    initialized += count
                }
            }
            // Longer than its size said (it grew, or it is not a regular file): read on to the end.
            var chunk = [UInt8](repeating: 0, count: atEnd || failed ? 0 : 65536)
            while !atEnd, !failed {
                let count = chunk.withUnsafeMutableBytes { readRetrying(descriptor, $0.baseAddress!, $0.count) }
                if count < 0 { failed = true } else if count == 0 { atEnd = true } else { bytes += chunk[..<count] }
            }
            return failed ? nil : bytes
        }
    }
}

enum AnalyzeError: WorkbenchError {
    case missing(String), unreadable(String)
    /// `--chapter` names a chapter the outline does not have: a usage error.
    case noSuchChapter(Int, outline: String, chapters: Int)
    var message: String {
        switch self {
        case .missing(let file): return "\(file): no such file"
        case .unreadable(let file): return "\(file): cannot be read"
        case .noSuchChapter(let chapter, let outline, let chapters): return "--chapter \(chapter) is not in \(outline), which has chapters 1…\(chapters)"
        }
    }
    var fix: String? {
        switch self {
        case .missing, .unreadable: return "check the path and its permissions"
        case .noSuchChapter(_, _, let chapters): return "give --chapter 1…\(chapters)"
        }
    }
    var exitStatus: ExitStatus {
        switch self {
        case .missing, .unreadable: return .dataError
        case .noSuchChapter: return .usage
        }
    }
}

/// read(2), again when a signal interrupted it.
private func readRetrying(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    while true {
        let result = read(descriptor, buffer, count)
        if result >= 0 || errno != EINTR { return result }
    }
}
