import Continuity
import Foundation
import Quality

/// The continuity check without a model (#15's "graph update under 200 ms per chapter"): each
/// corpus novel cut into chapters as `metrics validate` cuts them, then the whole book checked
/// (pattern extraction, the quote gate, the seven rules), as `continuity check` re-checks a book
/// after each new chapter. Storage is not in these figures.
enum ContinuityBenchmarks {
    static func run(into report: inout BenchReport, corpus: String) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".txt") }.sorted()
        guard !files.isEmpty else { throw BenchError.missingCorpus(corpus) }
        var worstBook = 0.0, totalSeconds = 0.0, totalChapters = 0, worstName = ""
        var violations = 0
        for file in files {
            let text = try String(contentsOfFile: corpus + "/" + file, encoding: .utf8)
            let chapters = NovelChapters.cut(text).enumerated().map { ChapterText(number: $0.offset + 1, text: $0.element.text) }
            guard !chapters.isEmpty else { continue }
            // Best of three: the book as `continuity check` reads it once its last chapter is in.
            var best = Double.infinity
            for _ in 0..<3 {
                best = min(best, measure { violations += BookCheck(chapters).violations.count })
            }
            totalSeconds += best
            totalChapters += chapters.count
            if best > worstBook { worstBook = best; worstName = file.replacingOccurrences(of: ".txt", with: "") }
        }
        report.add("continuity", "whole-book check (extract, gate, rules), \(files.count) novels in \(totalChapters) chapters: per chapter", totalSeconds / Double(totalChapters) * 1000, "ms")
        report.add("continuity", "slowest whole-book re-check (\(worstName)), the update after its last chapter", worstBook * 1000, "ms")
        if violations < 0 { report.add("continuity", "impossible count", .nan, "-") }
    }
}
