import Foundation
import Store
import WorkbenchCore

/// `workbench runs list` and `runs show`, as a table or JSON.
public enum RunsReport {
    public static func table(_ runs: [RunRecord], now: Date) -> String {
        if runs.isEmpty { return "No runs yet. Runs appear here once a generation, A/B test or regression has started.\n" }
        var table = TextTable(columns: [
            .init("ID"), .init("KIND"), .init("STATUS"), .init("STARTED (UTC)"), .init("DURATION", .right), .init("CONFIG"), .init("GIT"),
        ])
        for run in runs {
            table.append([
                run.id.rawValue, run.kind.rawValue, run.status.rawValue,
                CivilTime(secondsSince1970: run.startedAt.timeIntervalSince1970).shortDisplay,
                formatDuration(seconds: run.duration(now: now)) + (run.status == .running ? "+" : ""),
                String(run.configHash.prefix(12)), run.gitRevision.map { String($0.prefix(10)) } ?? "-",
            ])
        }
        return table.render()
    }

    public static func json(_ runs: [RunRecord], now: Date) -> String {
        JSONOutput.renderWithNulls(runs.map { object(for: $0, now: now) })
    }

    public static func detail(_ summary: RunSummary, health: RunHealth? = nil, now: Date) -> String {
        let run = summary.run
        var lines: [(String, String)] = [
            ("id", run.id.rawValue), ("kind", run.kind.rawValue), ("status", run.status.rawValue),
            ("started", iso(run.startedAt)),
            ("finished", run.finishedAt.map(iso) ?? "-"),
            ("duration", formatDuration(seconds: run.duration(now: now)) + (run.status == .running ? " so far" : "")),
            ("workbench", run.workbenchVersion), ("git", run.gitRevision ?? "-"), ("config hash", run.configHash),
            ("books", String(summary.bookCount)), ("chapter versions", String(summary.chapterVersionCount)),
            ("llm calls", String(summary.llmCallCount)),
            ("tokens", "\(summary.promptTokens) in, \(summary.completionTokens) out"),
            ("cost", String(format: "$%.4f", summary.costUSD)
                + (summary.costByTask.isEmpty ? "" : " (" + summary.costByTask.map { "\($0.task) \($0.calls) calls $" + String(format: "%.4f", $0.costUSD) }.joined(separator: ", ") + ")")),
            ("events", String(summary.eventCount)),
        ]
        if let last = summary.lastEvent { lines.append(("last event", "#\(last.seq) \(last.kind) at \(iso(last.at))")) }
        if let error = run.error { lines.append(("error", error)) }
        for line in healthLines(health) { lines.append(line) }
        let width = lines.map(\.0.count).max() ?? 0
        var text = lines.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }.joined(separator: "\n")
        text += "\nconfig:\n" + prettyConfig(run.configJSON).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        return text
    }

    /// "plugin romance": "3 failures (2 timeout, 1 crash), disabled"; "event delivery": "onEvent 812 delivered, 0 dropped".
    static func healthLines(_ health: RunHealth?) -> [(String, String)] {
        guard let health else { return [] }
        var lines: [(String, String)] = []
        for plugin in health.plugins {
            let reasons = plugin.byReason.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            lines.append(("plugin \(plugin.plugin)", "\(plugin.total) failure\(plugin.total == 1 ? "" : "s")" + (reasons.isEmpty ? "" : " (\(reasons))") + (plugin.disabled ? ", disabled" : "")))
        }
        if !health.deliveries.isEmpty {
            lines.append(("event delivery", health.deliveries.map { "\($0.subscriber) \($0.delivered) delivered, \($0.dropped) dropped" }.joined(separator: "; ")))
        }
        return lines
    }

    public static func detailJSON(_ summary: RunSummary, health: RunHealth? = nil, now: Date) -> String {
        var object = object(for: summary.run, now: now)
        if let health {
            object["plugins"] = health.plugins.map { ["plugin": $0.plugin, "failures": $0.byReason, "disabled": $0.disabled] as [String: Any] }
            object["event_delivery"] = health.deliveries.map { ["subscriber": $0.subscriber, "delivered": $0.delivered, "dropped": $0.dropped] as [String: Any] }
        }
        object["config"] = (try? JSONSerialization.jsonObject(with: Data(summary.run.configJSON.utf8), options: [.fragmentsAllowed])) ?? NSNull()
        object["totals"] = [
            "books": summary.bookCount, "chapter_versions": summary.chapterVersionCount,
            "llm_calls": summary.llmCallCount, "prompt_tokens": summary.promptTokens,
            "completion_tokens": summary.completionTokens, "cost_usd": summary.costUSD, "events": summary.eventCount,
            "by_task": summary.costByTask.map { ["task": $0.task, "calls": $0.calls, "cost_usd": $0.costUSD] as [String: Any] },
        ] as [String: Any]
        return JSONOutput.renderWithNulls(object)
    }

    static func object(for run: RunRecord, now: Date) -> [String: Any] {
        [
            "id": run.id.rawValue, "kind": run.kind.rawValue, "status": run.status.rawValue,
            "config_hash": run.configHash, "git_revision": run.gitRevision ?? NSNull(),
            "workbench_version": run.workbenchVersion, "started_at": iso(run.startedAt),
            "finished_at": run.finishedAt.map(iso) ?? NSNull(),
            "duration_seconds": (run.duration(now: now) * 1000).rounded() / 1000, "error": run.error ?? NSNull(),
        ]
    }

    static func iso(_ date: Date) -> String { CivilTime(secondsSince1970: date.timeIntervalSince1970).iso8601 }

    static func prettyConfig(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
