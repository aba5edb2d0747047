import Diagnostics
import Foundation
import Testing
@testable import Reports
import Store
import WorkbenchCore

@Suite struct TextTableTests {
    @Test func alignsColumnsAndTrimsTrailingBlanks() {
        var table = TextTable(columns: [.init("NAME"), .init("SCORE", .right), .init("NOTE")])
        table.append(["Ch 1", "8.1", ""])
        table.append(["Chapter 10", "10.0", "é█"])
        #expect(table.render() == """
            NAME        SCORE  NOTE
            ----------  -----  ----
            Ch 1          8.1
            Chapter 10   10.0  é█

            """)
    }
}

@Suite struct TerminalStyleTests {
    @Test func colourOnlyOnATerminalWithoutNoColor() {
        #expect(TerminalStyle(isTerminal: true, environment: [:]).colors)
        #expect(!TerminalStyle(isTerminal: false, environment: [:]).colors)
        #expect(!TerminalStyle(isTerminal: true, environment: ["NO_COLOR": "1"]).colors)
        #expect(!TerminalStyle(isTerminal: true, environment: ["TERM": "dumb"]).colors)
        #expect(TerminalStyle(isTerminal: true, environment: ["NO_COLOR": ""]).colors)
        #expect(TerminalStyle.plain.red("x") == "x")
        #expect(TerminalStyle(colors: true).red("x") == "\u{1B}[31mx\u{1B}[0m")
    }
}

@Suite struct RunsReportTests {
    let start = Date(timeIntervalSince1970: 1_795_601_585)

    func sampleRun(status: RunStatus = .succeeded) -> RunRecord {
        RunRecord(
            id: RunID(startedAt: 1_795_601_585, random: 0xABCDEF), kind: .generate, status: status,
            configJSON: #"{"chapters":3,"words":600}"#, configHash: String(repeating: "a", count: 64),
            gitRevision: "0123456789abcdef", workbenchVersion: "0.1.0", startedAt: start,
            finishedAt: status == .running ? nil : start.addingTimeInterval(187), error: nil)
    }

    @Test func tableShowsOneLinePerRun() {
        let text = RunsReport.table([sampleRun(), sampleRun(status: .running)], now: start.addingTimeInterval(20))
        let lines = text.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("ID"))
        #expect(lines[2].contains("20261125-101305-abcdef  generate  succeeded  2026-11-25 10:13"))
        #expect(lines[2].contains("3m07s"))
        #expect(lines[2].hasSuffix("aaaaaaaaaaaa  0123456789"))
        #expect(lines[3].contains("20.0s+"))
    }

    @Test func emptyTableSaysSo() {
        #expect(RunsReport.table([], now: start).hasPrefix("No runs yet."))
    }

    @Test func jsonHasStableFieldNames() throws {
        let text = RunsReport.json([sampleRun()], now: start)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        let run = try #require(parsed.first)
        #expect(run["id"] as? String == "20261125-101305-abcdef")
        #expect(run["started_at"] as? String == "2026-11-25T10:13:05.000Z")
        #expect(run["finished_at"] as? String == "2026-11-25T10:16:12.000Z")
        #expect(run["duration_seconds"] as? Double == 187)
        #expect(run["error"] is NSNull)
        #expect(Set(run.keys) == ["id", "kind", "status", "config_hash", "git_revision", "workbench_version", "started_at", "finished_at", "duration_seconds", "error"])
    }

    @Test func detailShowsTotalsAndConfig() throws {
        let summary = RunSummary(
            run: sampleRun(), bookCount: 1, chapterVersionCount: 4, llmCallCount: 9, promptTokens: 1200,
            completionTokens: 3400, costUSD: 0.0123, eventCount: 2, lastEvent: nil)
        let text = RunsReport.detail(summary, now: start)
        #expect(text.contains("cost:             $0.0123"))
        #expect(text.contains("tokens:           1200 in, 3400 out"))
        #expect(text.contains("config:\n  {\n    \"chapters\" : 3,"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(RunsReport.detailJSON(summary, now: start).utf8)) as? [String: Any])
        #expect((json["config"] as? [String: Any])?["words"] as? Int == 600)
        #expect((json["totals"] as? [String: Any])?["llm_calls"] as? Int == 9)
    }
}

@Suite struct DoctorReportTests {
    @Test func printsFixesUnderProblemsAndATally() {
        let results = [
            CheckResult(component: "openblas", status: .ok, summary: "fine"),
            CheckResult(component: "local-model", status: .warn, summary: "missing", fix: "make local-llm"),
            CheckResult(component: "sqlite", status: .fail, summary: "broken", fix: "run init"),
        ]
        let text = DoctorReport.text(results, workspace: "/w", style: .plain)
        #expect(text == """
            workbench doctor — workspace /w
              ok    openblas     fine
              warn  local-model  missing
                                 fix: make local-llm
              FAIL  sqlite       broken
                                 fix: run init
            3 checks: 1 ok, 1 warning, 1 failed

            """)
        let json = DoctorReport.json(results)
        #expect(json.contains("\"passed\" : false"))
    }
}
