import Continuity
import Foundation

/// Continuity violations per standard chapter, baseline against now: `regress`'s continuity
/// gate. Each suite book's chapters of one sample are read as one book, in outline order
/// (sample k of the lighthouse book is its six chapters' k-th samples), with the pure
/// `BookCheck`; a violation counts against the chapter that contradicts what an earlier one
/// set up. Only samples written on both sides are compared, so both sides count over the same
/// seeds. The run fails when the new major violations — over chapters, the rise of a
/// chapter's major count, never below zero — are more than the threshold.
public struct ContinuityGate: Codable, Sendable, Equatable {
    /// One violation a side's texts hold.
    public struct Found: Codable, Sendable, Equatable {
        /// The suite chapter that contradicts, and the 0-based sample.
        public var chapter: String
        public var sample: Int
        public var type: String
        public var severity: String
        public var summary: String
        /// "paragraph 3, line 7" of the contradicting chapter; the established one's chapter id and place.
        public var place: String
        public var establishedIn: String

        enum CodingKeys: String, CodingKey {
            case chapter, sample, type, severity, summary, place
            case establishedIn = "established_in"
        }

        public var isMajor: Bool { severity == "major" }
    }

    /// Violations a side's texts hold, per suite chapter.
    public struct Side: Codable, Sendable, Equatable {
        public var violations: [Found]
        public func major(_ chapter: String) -> Int { violations.filter { $0.chapter == chapter && $0.isMajor }.count }
        public func minor(_ chapter: String) -> Int { violations.filter { $0.chapter == chapter && !$0.isMajor }.count }
        public var major: Int { violations.filter(\.isMajor).count }
        public var minor: Int { violations.count - major }
    }

    /// One chapter, baseline → now, summed over the samples compared.
    public struct Row: Codable, Sendable, Equatable {
        public var chapter: String
        public var kind: String
        public var baselineMajor: Int
        public var baselineMinor: Int
        public var currentMajor: Int
        public var currentMinor: Int
        /// max(0, now − baseline) of the major counts.
        public var newMajor: Int
        /// The chapter's major violations now that the baseline's texts of it do not state (by summary), when it has new ones.
        public var newViolations: [Found]

        enum CodingKeys: String, CodingKey {
            case chapter, kind
            case baselineMajor = "baseline_major", baselineMinor = "baseline_minor", currentMajor = "current_major", currentMinor = "current_minor"
            case newMajor = "new_major", newViolations = "new_violations"
        }
    }

    /// New major violations the run may have before it fails (0: any fails it).
    public var threshold: Int
    /// The samples compared (0-based), those written on both sides.
    public var samples: [Int]
    public var rows: [Row]
    public var baseline: Side
    public var current: Side
    /// Why the gate did not run (a baseline without texts); nil when it ran.
    public var skipped: String?
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case threshold, samples, rows, baseline, current, skipped, notes
    }

    public var newMajor: Int { rows.reduce(0) { $0 + $1.newMajor } }
    public var failed: Bool { skipped == nil && newMajor > threshold }
    /// The chapters with new major violations.
    public var worse: [Row] { rows.filter { $0.newMajor > 0 } }

    /// A gate that did not run, and why.
    public static func skipped(_ reason: String, threshold: Int) -> ContinuityGate {
        ContinuityGate(threshold: threshold, samples: [], rows: [], baseline: Side(violations: []), current: Side(violations: []), skipped: reason, notes: [])
    }

    /// Compares the continuity of two sides' texts of `suite` (chapter id → sample → text).
    public static func compare(suite: RegressionSuite, baseline: [String: [Int: String]], current: [String: [Int: String]], threshold: Int = 0) -> ContinuityGate {
        let written = { (texts: [String: [Int: String]]) in Set(texts.values.flatMap(\.keys)) }
        let before = written(baseline), after = written(current)
        guard !before.isEmpty else {
            return .skipped("the baseline has no chapter texts to check, so the continuity gate was skipped", threshold: threshold)
        }
        let samples = before.intersection(after).sorted()
        var notes: [String] = []
        let unmatched = before.symmetricDifference(after)
        if !unmatched.isEmpty {
            notes.append("continuity compared over the \(samples.count) sample\(samples.count == 1 ? "" : "s") written on both sides; samples \(unmatched.sorted().map { String($0 + 1) }.joined(separator: ", ")) left out")
        }
        let baselineSide = Side(violations: check(suite: suite, texts: baseline, samples: samples))
        let currentSide = Side(violations: check(suite: suite, texts: current, samples: samples))
        let rows = suite.chapters.map { chapter -> Row in
            let newMajor = max(0, currentSide.major(chapter.id) - baselineSide.major(chapter.id))
            var new: [Found] = []
            if newMajor > 0 {
                let known = Set(baselineSide.violations.filter { $0.chapter == chapter.id && $0.isMajor }.map(\.summary))
                let mine = currentSide.violations.filter { $0.chapter == chapter.id && $0.isMajor }
                new = mine.filter { !known.contains($0.summary) }
                if new.isEmpty { new = mine }
                // One contradicting passage against several earlier ones is one line to read.
                var seen: Set<String> = []
                new = new.filter { seen.insert("\($0.sample) \($0.place) \($0.summary)").inserted }
            }
            return Row(chapter: chapter.id, kind: chapter.kind, baselineMajor: baselineSide.major(chapter.id), baselineMinor: baselineSide.minor(chapter.id),
                       currentMajor: currentSide.major(chapter.id), currentMinor: currentSide.minor(chapter.id), newMajor: newMajor, newViolations: new)
        }
        return ContinuityGate(threshold: threshold, samples: samples, rows: rows, baseline: baselineSide, current: currentSide, skipped: nil, notes: notes)
    }

    /// Every violation of the texts: per suite book and sample, its chapters read as one book in outline order.
    public static func check(suite: RegressionSuite, texts: [String: [Int: String]], samples: [Int]) -> [Found] {
        var found: [Found] = []
        for key in suite.books.keys.sorted() {
            let chapters = suite.chapters.filter { $0.book == key }.sorted { ($0.chapter, $0.id) < ($1.chapter, $1.id) }
            for sample in samples {
                // Chapter numbers are positions in the book as written: the ids they stand for.
                var ids: [Int: String] = [:], book: [ChapterText] = []
                for chapter in chapters {
                    guard let text = texts[chapter.id]?[sample] else { continue }
                    book.append(ChapterText(number: book.count + 1, text: text))
                    ids[book.count] = chapter.id
                }
                guard !book.isEmpty else { continue }
                for violation in BookCheck(book).violations {
                    let contradicting = violation.contradicting.quote, established = violation.established.quote
                    found.append(Found(chapter: ids[contradicting.chapter] ?? "?", sample: sample, type: violation.type.rawValue, severity: violation.severity.rawValue,
                                       summary: violation.summary, place: "paragraph \(contradicting.paragraph), line \(contradicting.line)",
                                       establishedIn: "\(ids[established.chapter] ?? "?") paragraph \(established.paragraph), line \(established.line)"))
                }
            }
        }
        return found
    }

    /// "continuity: 1 new major violation (threshold 0): keeper-dialogue +1".
    public var line: String {
        if let skipped { return "continuity: \(skipped)" }
        let counts = "major violations \(baseline.major) → \(current.major), minor \(baseline.minor) → \(current.minor) over \(samples.count) sample\(samples.count == 1 ? "" : "s") per book"
        guard newMajor > 0 else { return "continuity: no new major violation (\(counts))" }
        return "continuity: \(newMajor) new major violation\(newMajor == 1 ? "" : "s") (threshold \(threshold)): "
            + worse.map { "\($0.chapter) +\($0.newMajor)" }.joined(separator: ", ") + " (\(counts))"
    }

    /// What a report quotes: the first `perChapter` new violations of each worse chapter, and
    /// how many more the JSON holds.
    public func quoted(perChapter: Int = 3) -> [String] {
        worse.flatMap { row in
            row.newViolations.prefix(perChapter).map(Self.describe)
                + (row.newViolations.count > perChapter ? ["\(row.chapter): \(row.newViolations.count - perChapter) more (all in the JSON report)"] : [])
        }
    }

    /// "keeper-dialogue sample 2, paragraph 3, line 7: Mara's eyes: grey here, blue before (immutableChanged; set up in keeper-opening paragraph 1, line 2)".
    public static func describe(_ found: Found) -> String {
        "\(found.chapter) sample \(found.sample + 1), \(found.place): \(found.summary) (\(found.type); set up in \(found.establishedIn))"
    }
}
