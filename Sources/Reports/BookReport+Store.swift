import Foundation
import Quality
import Store

extension BookReport {
    /// Builds the report of a stored book from the newest version of each chapter and the
    /// heuristic scorer's values (scores are recomputed from values and the targets, so a
    /// report can be re-read against other targets). `targets` and `chapterRequirements`
    /// default to the ones the book's run was generated with (`recordedTargets`); each
    /// chapter is scored against its own targets, and keeps those that differ from the book's.
    public static func load(_ book: BookRecord, from database: WorkbenchDatabase, targets given: QualityTargets? = nil,
                            chapterRequirements givenRequirements: [Int: [String: Double]]? = nil, targetWords: Int? = nil) throws -> BookReport {
        let recorded = (given == nil || givenRequirements == nil) ? try recordedTargets(of: book, in: database) : nil
        let targets = given ?? recorded?.targets ?? .standard
        let requirements = givenRequirements ?? recorded?.chapterRequirements ?? [:]
        let versions = try database.latestChapterVersions(bookID: book.id)
        let scores = try database.scores(versionIDs: versions.compactMap(\.id))
        let chapters = versions.map { version -> Chapter in
            let byScorer = scores[version.id ?? -1] ?? [:]
            let values = byScorer[QualityAnalyzer.scorer] ?? [:]
            // The chapter's own requirements, where they differ from the book's targets.
            let own = (requirements[version.chapter] ?? [:]).filter { metric, value in
                value != (metric == "quality" ? targets.quality : targets.targets[metric])
            }
            var chapterTargets = targets.targets
            for (metric, value) in own where metric != "quality" { chapterTargets[metric] = value }
            var metricScores: [String: Double] = [:]
            for (name, value) in values {
                if let target = chapterTargets[name], let score = MetricCatalog.score(name, value: value, target: target) { metricScores[name] = score }
            }
            let judge = byScorer.filter { $0.key.hasPrefix("judge:") }.values.reduce(into: [String: Double]()) { $0.merge($1) { a, _ in a } }
            var chapter = Chapter(number: version.chapter, version: version.version, words: version.wordCount,
                                  quality: values["quality"] ?? 0, values: values.filter { $0.key != "quality" }, scores: metricScores, judge: judge,
                                  requirements: own)
            chapter.plugins = byScorer.filter { $0.key.hasPrefix("plugin:") }.values.reduce(into: [String: Double]()) { $0.merge($1) { a, _ in a } }
            return chapter
        }
        var report = BookReport(title: book.title, book: book.id, target: targets.quality, targetWords: targetWords, chapters: chapters)
        report.continuity = try continuity(of: book, in: database, versions: versions)
        report.styleName = (try? database.run(matching: book.runID.rawValue)).flatMap { styleName(configJSON: $0.configJSON) }
        return report
    }

    /// The quality targets and per-chapter requirements a book's run was started with (a
    /// `generate` run records its experiment's `quality_target`, `targets`, `weights` and
    /// `chapter_requirements`); the standard targets and none for a run that recorded none.
    public static func recordedTargets(of book: BookRecord, in database: WorkbenchDatabase) throws -> (targets: QualityTargets, chapterRequirements: [Int: [String: Double]]) {
        let run = try database.run(matching: book.runID.rawValue)
        return recordedTargets(configJSON: run.configJSON)
    }

    /// `recordedTargets(of:in:)` from a run's configuration JSON.
    public static func recordedTargets(configJSON: String) -> (targets: QualityTargets, chapterRequirements: [Int: [String: Double]]) {
        var targets = QualityTargets.standard
        guard let object = (try? JSONSerialization.jsonObject(with: Data(configJSON.utf8))) as? [String: Any] else { return (targets, [:]) }
        func numbers(_ value: Any?) -> [String: Double] {
            ((value as? [String: Any]) ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
        if let quality = (object["quality_target"] as? NSNumber)?.doubleValue { targets.quality = quality }
        if object["targets"] != nil { targets.targets.merge(numbers(object["targets"])) { _, recorded in recorded } }
        if object["weights"] != nil { targets.weights.merge(numbers(object["weights"])) { _, recorded in recorded } }
        var requirements: [Int: [String: Double]] = [:]
        for (key, value) in (object["chapter_requirements"] as? [String: Any]) ?? [:] {
            if let number = Int(key) { requirements[number] = numbers(value) }
        }
        return (targets, requirements)
    }
}
