import Foundation
import Store
import WorkbenchCore

/// A `regress` run's verdict, stored as the run's `regress.verdict` event: which baseline it was
/// checked against, whether it passed, the one-line summary and cost. The history of a baseline
/// (GET /api/baselines/{version}) is read from these.
public struct RegressionVerdict: Sendable, Equatable {
    public static let eventKind = "regress.verdict"

    public var runID: RunID
    public var at: Date
    public var baseline: String
    public var passed: Bool
    public var summary: String
    /// The prompts (and provider) checked, as the report labels them.
    public var current: String
    public var failedRows: Int
    public var costUSD: Double

    /// `report` is the JSON report (`RegressionReport`), kept whole so the verdict can be shown again.
    public static func record(_ result: RegressionResult, baseline: String, costUSD: Double, run: RunID, report: String, in database: WorkbenchDatabase) throws {
        var payload: [String: Any] = ["baseline": baseline, "passed": result.passed, "summary": result.summaryLine, "current": result.currentLabel,
                                      "failed_rows": result.rows.filter(\.failed).count, "cost_usd": costUSD]
        payload["report"] = try JSONSerialization.jsonObject(with: Data(report.utf8))
        let json = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
        try database.appendEvent(to: run, kind: eventKind, payloadJSON: json)
    }

    /// The verdict stored on a regress run; nil when it has none (it failed, or is running).
    public static func verdict(of run: RunID, in database: WorkbenchDatabase) throws -> RegressionVerdict? {
        try database.lastEvent(of: run, kind: eventKind).flatMap { parse($0)?.verdict }
    }

    /// The JSON report a run's verdict keeps, as an object; nil when the run has no verdict.
    public static func report(of run: RunID, in database: WorkbenchDatabase) throws -> [String: Any]? {
        try database.lastEvent(of: run, kind: eventKind).flatMap { parse($0)?.report }
    }

    /// The verdicts against `baseline`, newest first, at most `limit`.
    public static func history(of baseline: String, in database: WorkbenchDatabase, limit: Int = 100) throws -> [RegressionVerdict] {
        try database.events(kind: eventKind, matching: "$.baseline", value: baseline, limit: limit).compactMap { parse($0)?.verdict }
    }

    /// A stored verdict event read back, with its report.
    private static func parse(_ event: EventRecord) -> (verdict: RegressionVerdict, report: [String: Any]?)? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(event.payloadJSON.utf8)) as? [String: Any] else { return nil }
        let verdict = RegressionVerdict(runID: event.runID, at: event.at, baseline: object["baseline"] as? String ?? "", passed: object["passed"] as? Bool ?? false,
                                        summary: object["summary"] as? String ?? "", current: object["current"] as? String ?? "",
                                        failedRows: object["failed_rows"] as? Int ?? 0, costUSD: object["cost_usd"] as? Double ?? 0)
        return (verdict, object["report"] as? [String: Any])
    }
}
