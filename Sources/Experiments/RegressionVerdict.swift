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

    public static func record(_ result: RegressionResult, baseline: String, costUSD: Double, run: RunID, in database: WorkbenchDatabase) throws {
        let payload: [String: Any] = ["baseline": baseline, "passed": result.passed, "summary": result.summaryLine, "current": result.currentLabel,
                                      "failed_rows": result.rows.filter(\.failed).count, "cost_usd": costUSD]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
        try database.appendEvent(to: run, kind: eventKind, payloadJSON: json)
    }

    /// The verdicts against `baseline`, newest first, at most `limit`.
    public static func history(of baseline: String, in database: WorkbenchDatabase, limit: Int = 100) throws -> [RegressionVerdict] {
        try database.events(kind: eventKind, matching: "$.baseline", value: baseline, limit: limit).compactMap { event in
            guard let object = try? JSONSerialization.jsonObject(with: Data(event.payloadJSON.utf8)) as? [String: Any] else { return nil }
            return RegressionVerdict(runID: event.runID, at: event.at, baseline: baseline, passed: object["passed"] as? Bool ?? false,
                                     summary: object["summary"] as? String ?? "", current: object["current"] as? String ?? "",
                                     failedRows: object["failed_rows"] as? Int ?? 0, costUSD: object["cost_usd"] as? Double ?? 0)
        }
    }
}
