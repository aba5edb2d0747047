import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Quality
import Stats
import Testing
@testable import Experiments

/// Scores of a one-metric suite: chapter id → the composite's samples.
func suiteScores(_ chapters: [(String, [Double])], scorer: String = QualityAnalyzer.scorer) -> SuiteScores {
    SuiteScores(format: 1, suite: "t", suiteSHA256: "x", scorer: scorer, lexicon: Lexicons.version, chapters: chapters.map { id, values in
        SuiteScores.Chapter(id: id, kind: "k", context: .init(targetWords: 250, obsession: "o", targets: .standard),
                            samples: values.indices.map { .init(sample: $0, seed: 1, file: "", textSHA256: "", words: 250, costUSD: 0) },
                            metrics: ["quality": .init(samples: values, raw: values)])
    })
}

@Suite("regression analysis (pure)")
struct RegressionAnalysisTests {
    func compare(_ before: [(String, [Double])], _ after: [(String, [Double])], threshold: Double = 0.5) -> RegressionResult {
        RegressionAnalysis.compare(baseline: suiteScores(before), current: suiteScores(after), options: .init(threshold: threshold),
                                   baselineLabel: "baseline", currentLabel: "now")
    }

    @Test func identicalScoresPass() {
        let scores = [("a", [7.0, 7.4, 7.2]), ("b", [6.0, 6.5, 6.1])]
        let result = compare(scores, scores)
        #expect(result.passed)
        #expect(result.rows.allSatisfy { $0.status == .unchanged && $0.delta == 0 })
        #expect(result.suite.pValue == 1 && !result.suite.failed)
        #expect(result.summaryLine.hasPrefix("PASS"))
    }

    @Test func aDropBeyondThresholdAndNoiseFails() {
        let result = compare([("a", [7.0, 7.1, 7.2]), ("b", [6.0, 6.1, 6.2])], [("a", [6.0, 6.1, 6.2]), ("b", [6.0, 6.1, 6.2])])
        let row = try! #require(result.rows.first { $0.chapter == "a" })
        #expect(row.status == .regressed && row.failed)
        #expect(abs(row.delta + 1) < 1e-12)
        // Welch's t one-sided, as SciPy's ttest_ind(equal_var=False, alternative='less') gives it.
        let welch = try! TTests.welch([6.0, 6.1, 6.2], [7.0, 7.1, 7.2], alternative: .less).pValue
        #expect(row.noiseP == welch && welch < 0.001)
        #expect(!result.passed && result.summaryLine.contains("a quality -1.00"))
    }

    @Test func aDropTheSamplesVariationExplainsIsWithinNoise() {
        let result = compare([("a", [5.0, 9.0, 7.0])], [("a", [4.0, 8.0, 6.3])])
        let row = result.rows[0]
        #expect(row.status == .withinNoise && !row.failed)
        #expect(row.note.contains("within the samples' variation"))
        #expect(result.passed)
    }

    @Test func deterministicSamplesMakeAnyDropCertain() {
        let result = compare([("a", [7.0, 7.0])], [("a", [6.4, 6.4])])
        #expect(result.rows[0].noiseP == 0 && result.rows[0].status == .regressed)
    }

    @Test func oneSampleEachSideIsJudgedByTheThresholdAlone() {
        let result = compare([("a", [7.0]), ("b", [7.0])], [("a", [6.4]), ("b", [6.9])])
        #expect(result.rows[0].status == .regressed && result.rows[0].noiseP == nil)
        #expect(result.rows[1].status == .unchanged)
        #expect(result.notes.contains { $0.contains("no estimate of noise") })
    }

    @Test func oneCurrentSampleIsTestedAgainstTheBaselinesSpread() throws {
        let result = compare([("a", [7.0, 7.2, 6.8, 7.1])], [("a", [6.0])])
        let row = result.rows[0]
        // t = (6 − 7.025) / (s √(1 + 1/4)), df 3: a prediction interval for one new value.
        let (mean, sd) = ABTestAnalysis.meanAndSD([7.0, 7.2, 6.8, 7.1])
        let expected = StudentT(df: 3).cdf((6 - mean) / (sd * (1.25).squareRoot()))
        #expect(abs(try #require(row.noiseP) - expected) < 1e-15)
        #expect(row.status == .regressed)
    }

    @Test func improvementsAreReportedAndPass() {
        let result = compare([("a", [6.0, 6.1, 6.2])], [("a", [7.0, 7.1, 7.2])])
        #expect(result.rows[0].status == .improved && result.passed)
        #expect(result.improvements.count == 1)
    }

    @Test func aSmallDropInEveryChapterFailsTheSuiteMean() {
        let before: [(String, [Double])] = (0..<10).map { ("c\($0)", [7.0 + Double($0) * 0.1]) }
        let after: [(String, [Double])] = (0..<10).map { index in
            let drop = index % 2 == 0 ? 0.35 : 0.3
            return ("c\(index)", [7.0 + Double(index) * 0.1 - drop])
        }
        let result = compare(before, after)
        #expect(result.rows.allSatisfy { $0.status == .unchanged }, "each drop is under the threshold")
        #expect(result.suite.failed && (result.suite.pValue ?? 1) < 0.001)
        #expect(!result.passed && result.summaryLine.contains("suite mean quality"))
    }

    @Test func aChapterTheRunDidNotWriteFails() {
        let result = compare([("a", [7.0]), ("b", [7.0])], [("a", [7.0])])
        #expect(result.missing == ["b"] && !result.passed)
    }

    @Test func onlyGatedMetricsFail() {
        var before = suiteScores([("a", [7.0, 7.0])]), after = suiteScores([("a", [7.0, 7.0])])
        before.chapters[0].metrics["emotion"] = .init(samples: [8, 8], raw: [8, 8])
        after.chapters[0].metrics["emotion"] = .init(samples: [5, 5], raw: [5, 5])
        let ungated = RegressionAnalysis.compare(baseline: before, current: after, options: .init(), baselineLabel: "b", currentLabel: "n")
        #expect(ungated.passed && ungated.rows.contains { $0.metric == "emotion" && $0.status == .regressed && !$0.failed })
        let gated = RegressionAnalysis.compare(baseline: before, current: after, options: .init(metrics: ["quality", "emotion"]), baselineLabel: "b", currentLabel: "n")
        #expect(!gated.passed && gated.regressions.map(\.metric) == ["emotion"])
    }
}

@Suite("regression reports")
struct RegressionReportTests {
    /// Element names and their attributes, in document order.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String], parent: String?)] = []
        var stack: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append((name, attributes, stack.last))
            stack.append(name)
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { stack.removeLast() }
    }

    @Test func junitHasTheUsualShape() throws {
        let result = RegressionAnalysis.compare(baseline: suiteScores([("a&b", [7.0, 7.1]), ("c", [6.0, 6.1])]),
                                                current: suiteScores([("a&b", [5.0, 5.1]), ("c", [6.0, 6.1])]),
                                                options: .init(), baselineLabel: "baseline <v3>", currentLabel: "now")
        let xml = RegressionReport.render(result, as: .junit, seconds: 1.5)
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        let root = try #require(collector.elements.first)
        #expect(root.name == "testsuites" && root.parent == nil)
        let suites = collector.elements.filter { $0.name == "testsuite" }
        #expect(suites.count == 1 && suites[0].parent == "testsuites")
        let cases = collector.elements.filter { $0.name == "testcase" }
        #expect(cases.allSatisfy { $0.parent == "testsuite" && $0.attributes["classname"] != nil && $0.attributes["name"] != nil })
        // Two chapters × quality, and the suite mean.
        #expect(cases.count == 3 && suites[0].attributes["tests"] == "3")
        let failures = collector.elements.filter { $0.name == "failure" }
        #expect(failures.count == Int(suites[0].attributes["failures"] ?? "") && failures.count == 1)
        #expect(cases.contains { $0.attributes["classname"] == "regress.a&b" })
    }

    @Test func markdownAndJSONCarryTheVerdict() throws {
        let result = RegressionAnalysis.compare(baseline: suiteScores([("a", [7.0, 7.1])]), current: suiteScores([("a", [5.0, 5.1])]),
                                                options: .init(), baselineLabel: "baseline v", currentLabel: "now")
        let markdown = RegressionReport.render(result, as: .markdown)
        #expect(markdown.hasPrefix("# Quality regression: failed ✗") && markdown.contains("## Regressions") && markdown.contains("**a** quality"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(RegressionReport.render(result, as: .json).utf8)) as? [String: Any])
        #expect(json["passed"] as? Bool == false)
        let rows = try #require((json["result"] as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(rows.first?["status"] as? String == "regressed" && rows.first?["baseline_mean"] is Double)
    }
}

@Suite("regression suites and baseline folders")
struct BaselineFolderTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Baselines").standardized.path

    /// A copy of the shipped simulator baseline, to break.
    static func copy() throws -> (root: String, folder: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-baselines-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: shipped + "/sim-v3.0", toPath: root + "/sim-v3.0")
        return (root, root + "/sim-v3.0")
    }

    @Test func theStandardSuiteCoversEveryKindOfChapter() throws {
        let suite = StandardSuite.suite
        #expect(suite.problems().isEmpty)
        #expect(suite.chapters.count == 10)
        #expect(Set(suite.chapters.map(\.kind)) == ["opening", "dialogue", "action", "introspective", "climax", "ending"])
        // Written out and read back, the suite is the same (and keeps its fingerprint).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("suite-\(UUID().uuidString.prefix(6)).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(try suite.yaml().utf8).write(to: URL(fileURLWithPath: file))
        let reread = try RegressionSuite.load(file: file)
        #expect(reread == suite && reread.fingerprint == suite.fingerprint)
    }

    @Test func aSuiteWithABadReferenceIsRefusedNamingTheField() throws {
        var suite = StandardSuite.suite
        suite.chapters[3].book = "nowhere"
        suite.chapters[4].targets["charm"] = 3
        #expect(suite.problems().contains { $0.hasPrefix("chapters[3].book `nowhere`") })
        #expect(suite.problems().contains { $0 == "chapters[4].targets: unknown metric `charm`" })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("suite-\(UUID().uuidString.prefix(6)).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data("name: x\nbooks: {}\nchapters:\n  - id: a\n    kind: opening\n    book: b\n    chapter: one\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect { try RegressionSuite.load(file: file) } throws: { error in
            guard case BaselineError.invalid(let path, let field, _) = error else { return false }
            return path == file && field == "chapters[0].chapter"
        }
    }

    @Test func theShippedSimulatorBaselineLoadsAndAgreesWithTheScorer() throws {
        let baseline = try Baseline.load(version: "sim-v3.0", root: Self.shipped)
        #expect(baseline.rescoredFrom == nil)
        #expect(baseline.suite == StandardSuite.suite)
        #expect(baseline.scores.samplesPerChapter == baseline.provenance.samples && baseline.provenance.samples >= 2)
        #expect(baseline.provenance.routes["generate"] == ["sim"])
        #expect(Baseline.versions(root: Self.shipped).contains("sim-v3.0"))
    }

    @Test func aCorruptScoresFileIsNamed() throws {
        let (root, folder) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data("{\"format\": 1, \"chapters\": [".utf8).write(to: URL(fileURLWithPath: folder + "/scores.json"))
        #expect { try Baseline.load(version: "sim-v3.0", root: root) } throws: { error in
            guard case BaselineError.invalid(let path, _, _) = error else { return false }
            return path == folder + "/scores.json" && (error as? BaselineError)?.exitStatus.rawValue == 65
        }
    }

    @Test func aMissingChapterFileIsNamed() throws {
        let (root, folder) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.removeItem(atPath: folder + "/chapters/keeper-climax/2.md")
        #expect(throws: BaselineError.missingFile(path: folder + "/chapters/keeper-climax/2.md", what: "chapter keeper-climax sample 1's text")) {
            try Baseline.load(version: "sim-v3.0", root: root)
        }
    }

    @Test func anEditedTextOrScoreIsCaught() throws {
        let (root, folder) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let text = folder + "/chapters/keeper-opening/1.md"
        let original = try String(contentsOfFile: text, encoding: .utf8)
        try Data((original + " An extra line.").utf8).write(to: URL(fileURLWithPath: text))
        #expect { try Baseline.load(version: "sim-v3.0", root: root) } throws: { error in
            guard case BaselineError.invalid(let path, _, let problem) = error else { return false }
            return path == text && problem.contains("SHA-256")
        }
        try Data(original.utf8).write(to: URL(fileURLWithPath: text))

        // A sample's score raised, and its mean kept consistent: the scorer disagrees.
        let scoresURL = URL(fileURLWithPath: folder + "/scores.json")
        var scores = try JSONDecoder().decode(SuiteScores.self, from: Data(contentsOf: scoresURL))
        var quality = scores.chapters[0].metrics["quality"]!
        quality.samples[0] += 1
        scores.chapters[0].metrics["quality"] = .init(samples: quality.samples, raw: quality.raw)
        try JSONEncoder().encode(scores).write(to: scoresURL)
        #expect(throws: BaselineError.scoresDisagree(path: scoresURL.path, chapter: scores.chapters[0].id, metric: "quality", scorer: QualityAnalyzer.scorer)) {
            try Baseline.load(version: "sim-v3.0", root: root)
        }
    }

    @Test func anotherScorerVersionIsReScoredFromTheTexts() throws {
        let (root, folder) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let scoresURL = URL(fileURLWithPath: folder + "/scores.json")
        var scores = try JSONDecoder().decode(SuiteScores.self, from: Data(contentsOf: scoresURL))
        let stored = scores
        scores.scorer = "heuristic-0"
        for index in scores.chapters.indices { scores.chapters[index].metrics["quality"] = .init(samples: [1, 1, 1], raw: [1, 1, 1]) }
        try JSONEncoder().encode(scores).write(to: scoresURL)
        let baseline = try Baseline.load(version: "sim-v3.0", root: root)
        #expect(baseline.rescoredFrom == "heuristic-0/\(QualityAnalyzer.dataVersion)")
        #expect(baseline.scores.chapters.map { $0.metrics["quality"] } == stored.chapters.map { $0.metrics["quality"] })
    }

    @Test func anUnknownVersionNamesTheOnesThereAre() {
        #expect(throws: BaselineError.notFound(version: "v9", folder: Self.shipped + "/v9", known: Baseline.versions(root: Self.shipped))) {
            try Baseline.load(version: "v9", root: Self.shipped)
        }
    }
}

/// Scores of a suite from per-metric samples: metric → [(chapter id, samples)], every metric
/// over the same chapters.
func suiteScores(metrics: [String: [(String, [Double])]]) -> SuiteScores {
    let ids = metrics.values.first!.map(\.0)
    return SuiteScores(format: 1, suite: "t", suiteSHA256: "x", scorer: QualityAnalyzer.scorer, lexicon: Lexicons.version, chapters: ids.map { id in
        var found: [String: SuiteScores.Metric] = [:]
        for (name, chapters) in metrics {
            let values = chapters.first { $0.0 == id }!.1
            found[name] = .init(samples: values, raw: values)
        }
        let n = found.values.first!.samples.count
        return SuiteScores.Chapter(id: id, kind: "k", context: .init(targetWords: 250, obsession: "o", targets: .standard),
                                   samples: (0..<n).map { .init(sample: $0, seed: 1, file: "", textSHA256: "", words: 250, costUSD: 0) }, metrics: found)
    })
}

@Suite("regression decision: pooled noise, partial pooling, the split alpha")
struct RegressionDecisionTests {
    /// Ten chapters of three samples, each with the same spread (sd 1) around its mean.
    static func chapters(_ means: [Double], spread: [Double] = [-1, 0, 1]) -> [(String, [Double])] {
        means.enumerated().map { index, mean in ("c\(index)", spread.map { mean + $0 }) }
    }

    func compare(_ before: [String: [(String, [Double])]], _ after: [String: [(String, [Double])]], options: RegressionResult.Options = .init()) -> RegressionResult {
        RegressionAnalysis.compare(baseline: suiteScores(metrics: before), current: suiteScores(metrics: after), options: options, baselineLabel: "b", currentLabel: "n")
    }

    @Test("τ² and μ are DerSimonian–Laird's, as statsmodels' combine_effects(method_re='dl') gives them")
    func partialPoolingMatchesTheReference() {
        // statsmodels 0.14: combine_effects([-3, -2.5, -0.3, -3.2, -2.8], se² of [1, 1.2, 1, 0.9, 1.1], method_re="dl")
        // → tau2 0.45011704981775913, mean_effect_re -2.3680153728376157.
        let pooled = RegressionAnalysis.partialPooling(deltas: [-3, -2.5, -0.3, -3.2, -2.8], errors: [1, 1.2, 1, 0.9, 1.1])
        #expect(abs(pooled.tau2 - 0.45011704981775913) < 1e-12)
        #expect(abs(pooled.mu - -2.3680153728376157) < 1e-12)
        // The chapter that barely moved (−0.3) is shrunk toward the others: B = 1 / (1 + τ²).
        let shrink = 1 / (1 + pooled.tau2)
        #expect(abs(pooled.posteriors[2].mean - (shrink * pooled.mu + (1 - shrink) * -0.3)) < 1e-12)
        #expect(abs(pooled.posteriors[2].variance - ((1 - shrink) + shrink * shrink * pooled.varianceMu)) < 1e-12)
        // One chapter far from the rest: τ² large, that chapter keeps nearly its own change.
        let lone = RegressionAnalysis.partialPooling(deltas: [-6, 0.2, -0.1, 0.3, 0], errors: [0.5, 0.5, 0.5, 0.5, 0.5])
        #expect(abs(lone.tau2 - 7.217) < 1e-9 && abs(lone.mu - -1.12) < 1e-12)
        #expect(lone.posteriors[0].mean < -5.8)
    }

    @Test("a drop in every chapter is seen in every chapter, even one whose own samples missed it")
    func aDropEverywhereFlagsEveryChapter() {
        // outline_adherence as the local model scores it: about 2 points of sd between samples.
        let before = Self.chapters([4, 3, 3, 3.5, 3, 5.5, 2.5, 3.5, 7, 4], spread: [-2, 0, 2])
        // The outline gone: it falls about three points everywhere but in c3, whose samples fell 0.4.
        let after = Self.chapters([1, 0.5, 0.3, 3.1, 0.5, 1, 0, 0.2, 1.5, 0.5], spread: [-2, 0, 2])
        let quality = Self.chapters(Array(repeating: 3, count: 10))
        let result = compare(["quality": quality, "outline_adherence": before], ["quality": quality, "outline_adherence": after])
        #expect(!result.passed)
        #expect(Set(result.regressions.map(\.chapter)).count == 10, "\(result.summaryLine)")
        let missed = try! #require(result.rows.first { $0.chapter == "c3" && $0.metric == "outline_adherence" })
        #expect(missed.failed && abs(missed.delta + 0.4) < 1e-9 && missed.estimate! < -2)
        #expect(missed.note.contains("with the suite's evidence"))
        // Judged on its own samples, c3's drop is within its noise.
        let alone = compare(["quality": quality, "outline_adherence": before], ["quality": quality, "outline_adherence": after],
                            options: .init(partialPooling: false))
        #expect(alone.rows.first { $0.chapter == "c3" && $0.metric == "outline_adherence" }?.failed == false)
    }

    @Test("one chapter that broke is flagged and the others are not")
    func oneBrokenChapterIsFlaggedAlone() {
        let before = Self.chapters([7, 6.5, 7.2, 6.8, 7, 7.4, 6.9, 7.1, 6.6, 7])
        var afterMeans = [7, 6.5, 7.2, 6.8, 7, 7.4, 6.9, 7.1, 6.6, 7.0]
        afterMeans[4] = 1.5
        let result = compare(["quality": before], ["quality": Self.chapters(afterMeans)])
        #expect(result.regressions.map(\.chapter) == ["c4"], "\(result.summaryLine)")
    }

    @Test("a chapter whose few samples happen to agree does not make a small drop certain: the noise is the suite's")
    func luckyAgreementIsNotCertainty() {
        // Nine chapters vary by ±1 within; c0's three baseline samples agree to 0.05.
        var before = Self.chapters(Array(repeating: 7, count: 10))
        before[0].1 = [7.0, 7.05, 7.1]
        var after = Self.chapters([7, 7.4, 6.8, 7.3, 6.9, 7.2, 7.1, 6.7, 7.0, 7.2])
        after[0].1 = [6.0, 6.6, 6.3]
        let result = compare(["quality": before], ["quality": after], options: .init(metrics: ["quality"]))
        let row = try! #require(result.rows.first { $0.chapter == "c0" })
        // Welch's t on its own samples calls it significant …
        #expect((row.noiseP ?? 1) < 0.05)
        // … but against the noise the suite shows it is not.
        #expect(row.status == .withinNoise && result.passed, "\(row.note)")
    }

    @Test("alpha is split over the gated metrics and the suite-mean test; outline_adherence gates only where scored")
    func theAlphaIsSplitAndUnscoredMetricsAreNamed() {
        let quality = Self.chapters(Array(repeating: 6, count: 10))
        let both = compare(["quality": quality, "outline_adherence": quality], ["quality": quality, "outline_adherence": quality])
        #expect(both.gatedMetrics == ["quality", "outline_adherence"] && abs(both.familyAlpha! - 0.05 / 3) < 1e-15)
        #expect(both.passed && both.summaryLine == "PASS: no chapter dropped more than 0.50 points on quality, outline_adherence")
        let old = compare(["quality": quality], ["quality": quality])
        #expect(old.gatedMetrics == ["quality"] && abs(old.familyAlpha! - 0.05 / 2) < 1e-15)
        #expect(old.notes.contains { $0.contains("not gated: outline_adherence") })
        #expect(old.summaryLine == "PASS: no chapter dropped more than 0.50 points on quality")
    }

    @Test("identical runs pass with every Δ exactly zero, pooled or not")
    func identicalRunsPass() {
        let scores = ["quality": Self.chapters([3, 4, 2, 5, 3, 4, 3, 2, 4, 3]), "outline_adherence": Self.chapters([4, 3, 3, 3, 3, 5, 2, 3, 7, 4])]
        for pooling in [true, false] {
            let result = compare(scores, scores, options: .init(partialPooling: pooling))
            #expect(result.passed && result.rows.allSatisfy { $0.delta == 0 && $0.status == .unchanged })
        }
    }
}
