import Experiments
import Foundation
import Hummingbird
import Queue
import Store
import WorkbenchCore

extension APIServer {
    static let regressFields = ["baseline", "experiment", "samples", "threshold", "suite_threshold", "alpha", "metrics", "per_chapter", "continuity_threshold",
                                "priority", "max_attempts"]

    /// `POST /api/regress`: a regress against a baseline of the server's baselines folder,
    /// queued (202) like a book, with `workbench regress`'s settings; `?wait=true` answers with
    /// the verdict. The baseline, experiment and gated metrics are checked before anything is queued.
    func createRegress(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let wait = try Self.flag(request, "wait")
        let timeout = try Self.waitTimeout(request)
        let body = try await self.body(request, allowed: Self.regressFields)
        let known = Baseline.versions(root: settings.baselinesFolder)
        guard let version = try body.string("baseline", maxLength: 64) else {
            throw APIError.missingField(field: "baseline", fix: "give the version of a baseline: \(known.isEmpty ? "the server's baselines folder has none" : known.joined(separator: ", "))")
        }
        guard Self.isBaselineVersion(version), known.contains(version) else {
            throw APIError.invalidValue(field: "baseline", message: "there is no baseline \(version.prefix(64))",
                                        fix: known.isEmpty ? "make one with `workbench baseline create VERSION`" : "give one of \(known.joined(separator: ", "))")
        }
        var regress = RegressionRequest(baseline: version, baselinesFolder: URL(fileURLWithPath: settings.baselinesFolder).standardized.path,
                                        experiment: try experimentFile(body), samples: try body.int("samples", in: 1...100), metrics: try body.strings("metrics"),
                                        perChapter: try body.bool("per_chapter") ?? false, continuityThreshold: try body.int("continuity_threshold", in: 0...10_000) ?? 0)
        if let threshold = try body.double("threshold", in: 0...10) { regress.threshold = threshold }
        if let threshold = try body.double("suite_threshold", in: 0...10) { regress.suiteThreshold = threshold }
        if let alpha = try body.double("alpha", in: 0...0.5) {
            guard alpha > 0, alpha < 0.5 else { throw APIError.invalidValue(field: "alpha", message: "\(alpha) is not between 0 and 0.5", fix: "give alpha above 0 and below 0.5, e.g. 0.05") }
            regress.alpha = alpha
        }
        let prepared = try prepare(regress)
        let job = NewJob(source: .regress(regress), sourceName: "api", experiment: prepared.config.file, title: "regress \(version)",
                         priority: try body.int("priority", in: -1000...1000) ?? 0, maxAttempts: try body.int("max_attempts", in: 1...10) ?? 3)
        return try await enqueue(job, waitingAtMost: wait ? timeout : nil)
    }

    /// The regress as the queue will run it, or the 4xx that names what is wrong with it.
    private func prepare(_ request: RegressionRequest) throws -> RegressionRun {
        do {
            return try RegressionRun(request)
        } catch let error as BaselineError {
            switch error {
            case .metricNotScored: throw APIError.invalidValue(field: "metrics", message: error.message, fix: error.fix ?? "")
            case .experimentMissing:
                throw APIError.invalidValue(field: "experiment", message: error.message, fix: "name the current experiment (one of \(Self.experimentNames(in: settings.experimentsFolder).joined(separator: ", ")))")
            default: throw APIError.conflict(message: "baseline \(request.baseline) cannot be used: \(error.message)", fix: error.fix ?? "check its files")
            }
        } catch let error as any WorkbenchError {
            throw APIError.invalidValue(field: "experiment", message: error.message, fix: error.fix ?? "fix the experiment file")
        }
    }

    /// A finished regress job's verdict, with the report `workbench regress --json` prints.
    func regressResult(_ job: Job, run: RunID) throws -> [String: Any] {
        guard let verdict = try RegressionVerdict.verdict(of: run, in: database) else {
            throw APIError.internalError(message: "job \(job.id) is done but its run \(run) has no verdict")
        }
        return ["job_id": job.id, "run_id": run.rawValue, "baseline": verdict.baseline, "passed": verdict.passed, "summary": verdict.summary,
                "current": verdict.current, "failed_rows": verdict.failedRows, "cost": verdict.costUSD,
                "report": try RegressionVerdict.report(of: run, in: database) ?? [:], "links": ["baseline": "/api/baselines/\(verdict.baseline)", "run": "/api/runs/\(run.rawValue)"]]
    }
}
