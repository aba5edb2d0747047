import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Continuity
import Testing
@testable import Experiments

/// `regress`'s continuity gate on hand-written texts of the standard suite.
@Suite("regress continuity gate (pure)")
struct ContinuityGateTests {
    static let suite = StandardSuite.suite

    /// Every suite chapter's text for samples 0..<samples: plain, contradiction-free prose
    /// where the lighthouse opening sets up Mara's blue eyes.
    static func texts(samples: Int = 1) -> [String: [Int: String]] {
        var texts: [String: [Int: String]] = [:]
        for chapter in suite.chapters {
            for sample in 0..<samples {
                texts[chapter.id, default: [:]][sample] = chapter.id == "keeper-opening"
                    ? "Mara Quill climbed the stair at dusk. Mara had blue eyes and a steady hand.\n\n\"Where is the letter?\" said Mara."
                    : "The wind came off the water and the night was long.\n\nNobody spoke until the morning came."
            }
        }
        return texts
    }

    /// The same texts with the lighthouse dialogue chapter giving Mara grey eyes in sample `sample`.
    static func withEyeColourChange(_ texts: [String: [Int: String]], sample: Int = 0) -> [String: [Int: String]] {
        var changed = texts
        changed["keeper-dialogue", default: [:]][sample] = "Mara Quill walked to the post office. Mara had grey eyes that caught the lamplight.\n\nShe waited for an answer."
        return changed
    }

    @Test func equalTextsPass() {
        let texts = Self.texts(samples: 2)
        let gate = ContinuityGate.compare(suite: Self.suite, baseline: texts, current: texts)
        #expect(gate.skipped == nil && gate.samples == [0, 1])
        #expect(gate.newMajor == 0 && !gate.failed)
        #expect(gate.rows.count == Self.suite.chapters.count)
        #expect(gate.line.hasPrefix("continuity: no new major violation"), "\(gate.line)")
    }

    @Test func anEyeColourChangeFailsNamingTheChapterAndQuotingTheViolation() throws {
        let texts = Self.texts()
        let gate = ContinuityGate.compare(suite: Self.suite, baseline: texts, current: Self.withEyeColourChange(texts))
        #expect(gate.failed && gate.newMajor == 1)
        let row = try #require(gate.worse.first)
        #expect(row.chapter == "keeper-dialogue" && row.baselineMajor == 0 && row.currentMajor == 1)
        let found = try #require(row.newViolations.first)
        #expect(found.type == "immutableChanged" && found.summary.contains("grey") && found.establishedIn.hasPrefix("keeper-opening"))
        #expect(gate.line.contains("keeper-dialogue +1"), "\(gate.line)")

        // In the regression result: the run fails, and every format says where.
        var result = RegressionAnalysis.compare(baseline: suiteScores([("keeper-dialogue", [7.0, 7.1])]), current: suiteScores([("keeper-dialogue", [7.0, 7.1])]),
                                                options: .init(), baselineLabel: "baseline", currentLabel: "now")
        #expect(result.passed)
        result.continuity = gate
        #expect(!result.passed)
        #expect(result.summaryLine == "FAIL: keeper-dialogue continuity +1 major", "\(result.summaryLine)")
        let terminal = RegressionReport.render(result, as: .terminal)
        #expect(terminal.contains("new: keeper-dialogue sample 1, paragraph 1, line 1: \(found.summary)"), "\(terminal)")
        #expect(terminal.contains("✗ new contradiction"))
        #expect(RegressionReport.render(result, as: .markdown).contains("## Continuity"))
        let junit = RegressionReport.render(result, as: .junit)
        #expect(junit.contains("name=\"continuity\" time=\"0\"><failure type=\"continuity\""), "\(junit)")
        #expect(junit.contains("failures=\"1\""))
        #expect(XMLParser(data: Data(junit.utf8)).parse())
        let json = try #require(try JSONSerialization.jsonObject(with: Data(RegressionReport.render(result, as: .json).utf8)) as? [String: Any])
        let continuity = try #require((json["result"] as? [String: Any])?["continuity"] as? [String: Any])
        #expect((continuity["rows"] as? [[String: Any]])?.first { $0["chapter"] as? String == "keeper-dialogue" }?["new_major"] as? Int == 1)
        #expect(json["passed"] as? Bool == false)
    }

    @Test func aThresholdOfOneToleratesOne() {
        let texts = Self.texts(samples: 2)
        let one = ContinuityGate.compare(suite: Self.suite, baseline: texts, current: Self.withEyeColourChange(texts), threshold: 1)
        #expect(one.newMajor == 1 && !one.failed)
        #expect(one.rows.first { $0.chapter == "keeper-dialogue" }?.newMajor == 1)
        let two = ContinuityGate.compare(suite: Self.suite, baseline: texts, current: Self.withEyeColourChange(Self.withEyeColourChange(texts), sample: 1), threshold: 1)
        #expect(two.newMajor == 2 && two.failed)
    }

    @Test func aViolationTheBaselineAlreadyHadIsNotNew() {
        let changed = Self.withEyeColourChange(Self.texts())
        let gate = ContinuityGate.compare(suite: Self.suite, baseline: changed, current: changed)
        #expect(gate.baseline.major == 1 && gate.current.major == 1 && gate.newMajor == 0 && !gate.failed)
        // Fewer violations than the baseline is no failure either.
        #expect(!ContinuityGate.compare(suite: Self.suite, baseline: changed, current: Self.texts()).failed)
    }

    @Test func aBaselineWithoutTextsSkipsTheGateAndSaysWhy() {
        let gate = ContinuityGate.compare(suite: Self.suite, baseline: [:], current: Self.texts())
        #expect(gate.skipped != nil && !gate.failed)
        #expect(gate.line.contains("skipped"))
        var result = RegressionAnalysis.compare(baseline: suiteScores([("a", [7.0])]), current: suiteScores([("a", [7.0])]), options: .init(),
                                                baselineLabel: "baseline", currentLabel: "now")
        result.continuity = gate
        #expect(result.passed && result.summaryLine.hasSuffix("; continuity not checked"))
        #expect(RegressionReport.render(result, as: .junit).contains("name=\"continuity\" time=\"0\"><skipped"))
    }

    @Test func onlySamplesWrittenOnBothSidesAreCompared() {
        let gate = ContinuityGate.compare(suite: Self.suite, baseline: Self.texts(samples: 3), current: Self.withEyeColourChange(Self.texts(samples: 1), sample: 0))
        #expect(gate.samples == [0] && gate.failed)
        #expect(gate.notes.contains { $0.contains("samples 2, 3 left out") }, "\(gate.notes)")
    }
}
