import ArgumentParser
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
                refused with exit 65. Scores are 0–10 where 8 is on target; see the README's metric table.
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

        @Flag(help: "Print JSON: one object per file with every metric, the composite and the issues.")
        var json = false

        func validate() throws {
            if let targetWords, targetWords < 1 { throw ValidationError("--target-words must be at least 1") }
            if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
        }

        func run() throws {
            let profileText = try profile.map { try Self.read($0) }
            let context = AnalysisContext(
                targetWords: targetWords, obsession: obsession, profile: profileText.map { StyleProfile.build(from: $0) })
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
    var message: String {
        switch self {
        case .missing(let file): return "\(file): no such file"
        case .unreadable(let file): return "\(file): cannot be read"
        }
    }
    var fix: String? { "check the path and its permissions" }
    var exitStatus: ExitStatus { .dataError }
}

/// read(2), again when a signal interrupted it.
private func readRetrying(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    while true {
        let result = read(descriptor, buffer, count)
        if result >= 0 || errno != EINTR { return result }
    }
}
