import Foundation
import Quality
import Style

/// Style profiles (issue #16): building a profile from a whole corpus novel, as `style extract`
/// does after reading the files, and holding chapter-sized texts (3,000 words, cut as
/// QualityBenchmarks cuts them) against it, as `style match` does per file; on one core.
enum StyleBenchmarks {
    static func run(into report: inout BenchReport, corpus: String) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".txt") }.sorted()
        guard !files.isEmpty else { throw BenchError.missingCorpus(corpus) }
        let novels = try files.map { (name: $0.replacingOccurrences(of: ".txt", with: ""), text: try String(contentsOfFile: corpus + "/" + $0, encoding: .utf8)) }

        // Extraction: each novel built into a profile, best of three per novel.
        var seconds = 0.0, bytes = 0
        var profiles: [StyleProfile] = []
        for novel in novels {
            var best = Double.infinity
            var built: StyleProfile?
            for _ in 0..<3 {
                best = min(best, try measure { built = try StyleProfile.build(from: novel.text, file: novel.name) })
            }
            seconds += best
            bytes += novel.text.utf8.count
            if let built { profiles.append(built) }
        }
        report.add("style", "profile extraction (features, 150-word Delta profile, spreads, exemplars), \(novels.count) corpus novels (\(bytes / 1_048_576) MB), each whole", Double(bytes) / seconds / 1_048_576, "MB/s")

        // Matching: every novel's 3,000-word chapters against the first novel's profile.
        guard let profile = profiles.first else { return }
        let chapters = novels.flatMap { QualityBenchmarks.chapters(of: $0.text) }.filter { TextScanner.scan($0).wordCount >= 2_500 }
        var best = Double.infinity
        var matched = 0
        for _ in 0..<3 {
            best = min(best, measure {
                for chapter in chapters where profile.match(chapter).matches { matched += 1 }
            })
        }
        report.add("style", "style match of a ~3,000-word chapter (Delta, percentile, score, features), \(chapters.count) corpus chapters against \(profile.name)", best / Double(chapters.count) * 1000, "ms")

        // What `style match` adds per file: the copy guard over the whole sample (built once per command).
        var copyGuard: CopyGuard?
        let guardSeconds = measure { copyGuard = CopyGuard(texts: [novels[0].text], scope: .sample) }
        var bestGuarded = Double.infinity
        var copied = 0
        for _ in 0..<3 {
            bestGuarded = min(bestGuarded, measure {
                for chapter in chapters {
                    if profile.match(chapter).matches { matched += 1 }
                    copied += copyGuard?.find(in: chapter).grams ?? 0
                }
            })
        }
        report.add("style", "the same with the copy guard over the whole sample (guard built once: \(String(format: "%.0f", guardSeconds * 1000)) ms)", bestGuarded / Double(chapters.count) * 1000, "ms")
        // Keeps the optimiser from dropping work whose result nobody reads.
        if matched < 0 || copied < 0 { report.add("style", "impossible count", .nan, "-") }
    }
}
