import Foundation
import Testing
@testable import Reports

@Suite struct DashboardTests {
    @Test func drawsOneLinePerChapterWithBarsIssuesAndTotals() {
        let start = Date(timeIntervalSince1970: 0)
        var dashboard = Dashboard(started: start)
        dashboard.title = "Threads of Fire"
        dashboard.progress(chapter: 1, words: 600, target: 1200, activity: "writing scene 2")
        dashboard.progress(chapter: 2, words: 0, target: 1200, activity: "waiting")
        dashboard.scored(chapter: 2, quality: 7.5, words: 1116, metrics: ["detail_density": 4.3, "detail_density.score": 8.6, "emotion": 8, "voice": 7.5],
                         issues: ["Low detail density in paragraph 3", "Word count 7% below target"])
        dashboard.activity(chapter: 2, "enhancing ¶3 (ADD_DEPTH)")
        dashboard.costUSD = 0.0123
        dashboard.completionTokens = 3000
        let frame = dashboard.frame(now: start.addingTimeInterval(10))
        let lines = frame.split(separator: "\n").map(String.init)
        #expect(lines[0] == "Threads of Fire  elapsed 10.0s  cost $0.0123  300 tokens/s  ETA 4.0s")
        // 1,716 of 2,400 words in 10 s: 684 to go at that pace is 4 s.
        #expect(lines[1].hasPrefix("Ch 1 quality ░░░░░░░░  -    detail       -  words ███░░░ 600/1200"))
        #expect(lines[1].hasSuffix("writing scene 2"))
        #expect(lines[2].contains("quality ██████░░  7.5  detail █████░ 4.3  words ██████ 1116/1200  emotion █████░ 8.0  voice █████░ 7.5  enhancing ¶3 (ADD_DEPTH)"))
        #expect(lines[3] == "     └─ Low detail density in paragraph 3; Word count 7% below target")
        dashboard.finished(chapter: 2, quality: 8.1)
        let after = dashboard.frame(now: start.addingTimeInterval(12)).split(separator: "\n")
        #expect(after.count == 3, "a finished chapter's issues are no longer shown")
        #expect(after[2].hasSuffix("done"))
        #expect(!dashboard.frame(style: .plain).contains("\u{1B}["), "no escape codes without colour")
    }
}
