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
            var reports: [(String, QualityReport)] = []
            for file in files {
                reports.append((file, QualityAnalyzer.analyze(try Self.read(file), context: context)))
            }
            if json {
                try Console.output(JSONOutput.render(reports.map { QualityJSON.object(for: $1, file: $0) }))
            } else {
                Console.output(reports.map { QualityText.render($1, title: $0, style: Console.style) }.joined(separator: "\n"))
            }
        }

        static func read(_ file: String) throws -> String {
            let source = file == "-" ? "standard input" : file
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard FileManager.default.fileExists(atPath: file) else { throw AnalyzeError.missing(file) }
                guard let contents = FileManager.default.contents(atPath: file) else { throw AnalyzeError.unreadable(file) }
                data = contents
            }
            return try TextInput.decode([UInt8](data), source: source)
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
