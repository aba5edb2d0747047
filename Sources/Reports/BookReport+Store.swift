import Foundation
import Quality
import Store

extension BookReport {
    /// Builds the report of a stored book from the newest version of each chapter and the
    /// heuristic scorer's values (scores are recomputed from values and `targets`, so a
    /// report can be re-read against other targets).
    public static func load(_ book: BookRecord, from database: WorkbenchDatabase, targets: QualityTargets = .standard, targetWords: Int? = nil) throws -> BookReport {
        let versions = try database.latestChapterVersions(bookID: book.id)
        let scores = try database.scores(versionIDs: versions.compactMap(\.id))
        let chapters = versions.map { version -> Chapter in
            let byScorer = scores[version.id ?? -1] ?? [:]
            let values = byScorer[QualityAnalyzer.scorer] ?? [:]
            var metricScores: [String: Double] = [:]
            for (name, value) in values {
                if let target = targets.targets[name], let score = MetricCatalog.score(name, value: value, target: target) { metricScores[name] = score }
            }
            let judge = byScorer.filter { $0.key.hasPrefix("judge:") }.values.reduce(into: [String: Double]()) { $0.merge($1) { a, _ in a } }
            return Chapter(number: version.chapter, version: version.version, words: version.wordCount,
                           quality: values["quality"] ?? 0, values: values.filter { $0.key != "quality" }, scores: metricScores, judge: judge)
        }
        return BookReport(title: book.title, book: book.id, target: targets.quality, targetWords: targetWords, chapters: chapters)
    }
}
