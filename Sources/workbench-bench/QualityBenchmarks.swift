import Foundation
import Quality

/// Analysis throughput: every heuristic metric (with an obsession, a target length and a
/// style profile, so none is skipped) over the corpus novels cut into chapter-sized pieces
/// (paragraphs gathered to 3,000 words: the unit the workbench analyses), on one core; the
/// same through `workbench analyze` and `analyze --json` over the pieces as files; then
/// Python's textstat computing only Flesch reading ease on the same pieces.
enum QualityBenchmarks {
    /// Paragraphs gathered until a piece has 3,000 words; scripts/bench_textstat.py cuts the same way.
    static func chapters(of text: String) -> [String] {
        var pieces: [String] = []
        var current: [Substring] = []
        var words = 0
        for paragraph in text.split(separator: "\n\n", omittingEmptySubsequences: true) {
            current.append(paragraph)
            words += paragraph.split(whereSeparator: \.isWhitespace).count
            if words >= 3000 {
                pieces.append(current.joined(separator: "\n\n"))
                current = []
                words = 0
            }
        }
        if !current.isEmpty { pieces.append(current.joined(separator: "\n\n")) }
        return pieces
    }

    static func run(into report: inout BenchReport, corpus: String, python: String, binary: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".txt") }.sorted()
        guard !files.isEmpty else { throw BenchError.missingCorpus(corpus) }
        let texts = try files.flatMap { chapters(of: try String(contentsOfFile: corpus + "/" + $0, encoding: .utf8)) }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        let profile = VoiceProfile.build(from: String(texts[0].prefix(50_000)))
        let context = AnalysisContext(targetWords: 3000, obsession: "the letter from her father", profile: profile)

        // Best of three passes over the whole corpus.
        var best = Double.infinity
        var checksum = 0.0
        for _ in 0..<3 {
            best = min(best, measure {
                for text in texts { checksum += QualityAnalyzer.analyze(text, context: context).quality }
            })
        }
        let ours = Double(bytes) / best / 1_048_576
        report.add("quality", "all heuristic metrics, corpus (\(bytes / 1_048_576) MB in \(texts.count) chapters), one core", ours, "MB/s")
        try command(into: &report, binary: binary, chapters: texts, profile: String(texts[0].prefix(50_000)), context: context, inProcess: ours)

        if let result = try runPythonReference(python, script: "bench_textstat.py", arguments: [corpus]),
           let seconds = result["seconds"], let measured = result["bytes"] {
            let theirs = measured / seconds / 1_048_576
            report.add("quality", "textstat 0.7.3 flesch_reading_ease only, same chapters", theirs, "MB/s")
            report.add("quality", "speed ratio workbench (all metrics) / textstat (one)", ours / theirs, "×")
        } else {
            report.add("quality", "textstat reference missing (make pydeps)", .nan, "-")
        }
        // Keeps the optimiser from dropping the analysis whose result nobody reads.
        if checksum.isNaN { report.add("quality", "NaN composite seen", .nan, "-") }
    }

    /// The same analysis through the CLI, as a person runs it: `workbench analyze` over the
    /// chapters as files (one process, every file on its command line, the same obsession,
    /// target and profile), text output beside `--json`, output to /dev/null. Best of five
    /// by wall time; MB/s of chapter text, with the process's start and argument parsing in.
    static func command(into report: inout BenchReport, binary: URL, chapters: [String], profile: String, context: AnalysisContext, inProcess: Double) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-bench-analyze-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        for (index, chapter) in chapters.enumerated() {
            let file = folder.appendingPathComponent(String(format: "chapter-%04d.txt", index)).path
            try Data(chapter.utf8).write(to: URL(fileURLWithPath: file))
            files.append(file)
        }
        let profileFile = folder.appendingPathComponent("profile.txt").path
        try Data(profile.utf8).write(to: URL(fileURLWithPath: profileFile))
        let bytes = Double(chapters.reduce(0) { $0 + $1.utf8.count })
        let options = ["--target-words", String(context.targetWords ?? 3000), "--obsession", context.obsession ?? "", "--profile", profileFile]
        // Text and JSON runs alternate, so that both see the same load on a shared machine.
        var best = (text: Double.infinity, json: Double.infinity)
        for _ in 0..<5 {
            best.text = min(best.text, try measure { try CLIBenchmarks.spawn(binary, ["analyze"] + options + files) })
            best.json = min(best.json, try measure { try CLIBenchmarks.spawn(binary, ["analyze", "--json"] + options + files) })
        }
        let text = bytes / best.text / 1_048_576, json = bytes / best.json / 1_048_576
        report.add("quality", "workbench analyze, the same \(chapters.count) chapters as files, one process: text output", text, "MB/s")
        report.add("quality", "workbench analyze --json, the same", json, "MB/s")
        report.add("quality", "analyze --json / text output, throughput", json / text, "×")
        report.add("quality", "analyze --json / the analysis alone (above), throughput", json / inProcess, "×")
    }
}
