import Experiments
import Foundation
import HTTPTypes
import Hummingbird
import Store
import WorkbenchCore

extension APIServer {
    // MARK: A/B tests

    /// `GET /api/abtests`: the workspace's A/B tests (runs of `workbench abtest`), newest first.
    func listABTests(_ request: Request) throws -> Response {
        try runPage(request, kind: .abtest, cursorKind: "abtest") { run in
            var object = runJSON(run)
            object["links"] = ["self": "/api/abtests/\(run.id.rawValue)", "report": "/api/abtests/\(run.id.rawValue)?format=html", "run": "/api/runs/\(run.id.rawValue)"]
            return object
        }
    }

    /// `GET /api/abtests/{id}?format=json|html|md`: an A/B test's analysis as `abtest show`
    /// gives it: arms, samples, each comparison's difference, interval, p-value and verdict;
    /// the HTML report draws the plots.
    func abTest(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let id = try Self.storeID(context, resource: "abtest")
        guard RunID(id) != nil, let record = try? database.run(matching: id), record.id.rawValue == id, record.kind == .abtest else {
            throw APIError.notFound(resource: "abtest", id: id)
        }
        let name = Self.query(request, "format") ?? "json"
        let formats: [String: (ABTestReport.Format, String)] = [
            "json": (.json, "application/json"), "html": (.html, "text/html; charset=utf-8"), "md": (.markdown, "text/markdown; charset=utf-8"),
        ]
        guard let (format, type) = formats[name] else {
            throw APIError.invalidQuery(parameter: "format", message: "\"\(name.prefix(40))\" is not a report format", fix: "give format=json, html or md")
        }
        let result: ABTestResult
        do { result = try EngineABTest.result(of: id, database: database) } catch let error as any WorkbenchError {
            throw APIError.conflict(message: "A/B test \(id) has no analysis: \(error.message)", fix: error.fix ?? "resume it with `workbench abtest resume \(id)`")
        }
        return Self.cached(ABTestReport.render(result, as: format), type: type, request: request)
    }

    // MARK: Baselines

    /// A version name as `baseline create` takes it: never a path.
    static func isBaselineVersion(_ version: String) -> Bool {
        (1...64).contains(version.count) && version.first != "."
            && version.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    /// `GET /api/baselines`: the frozen baselines of the baselines folder, each with its suite,
    /// samples, scorer, provenance and mean quality.
    func listBaselines(_ request: Request) throws -> Response {
        let root = settings.baselinesFolder
        let items = Baseline.versions(root: root).map { version -> [String: Any] in
            do {
                return baselineJSON(try Baseline.load(version: version, root: root))
            } catch let error as any WorkbenchError {
                return ["version": version, "error": error.message]
            } catch {
                return ["version": version, "error": "\(error)"]
            }
        }
        return Self.cachedJSON(["items": items, "next_cursor": NSNull()], request: request)
    }

    /// `GET /api/baselines/{version}`: one baseline with each suite chapter's metric means and
    /// its regress history (every `workbench regress` verdict against it, newest first).
    func baseline(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let version = context.parameters.get("version") ?? ""
        guard Self.isBaselineVersion(version) else { throw APIError.invalidID(resource: "baseline", id: version) }
        guard Baseline.versions(root: settings.baselinesFolder).contains(version) else { throw APIError.notFound(resource: "baseline", id: version) }
        let baseline: Baseline
        do { baseline = try Baseline.load(version: version, root: settings.baselinesFolder) } catch let error as any WorkbenchError {
            throw APIError.conflict(message: "baseline \(version) cannot be read: \(error.message)", fix: error.fix ?? "check its files")
        }
        var object = baselineJSON(baseline)
        object["history"] = try RegressionVerdict.history(of: version, in: database).map(verdictJSON)
        object["chapters"] = baseline.scores.chapters.map { chapter -> [String: Any] in
            ["id": chapter.id, "kind": chapter.kind, "samples": chapter.samples.count,
             "metrics": chapter.metrics.mapValues { metric -> [String: Any] in ["mean": metric.mean, "sd": metric.sd ?? NSNull()] }]
        }
        return Self.cachedJSON(object, request: request)
    }

    func verdictJSON(_ verdict: RegressionVerdict) -> [String: Any] {
        ["run_id": verdict.runID.rawValue, "at": Self.iso(verdict.at), "passed": verdict.passed, "summary": verdict.summary,
         "current": verdict.current, "failed_rows": verdict.failedRows, "cost_usd": verdict.costUSD]
    }

    func baselineJSON(_ baseline: Baseline) -> [String: Any] {
        let provenance = baseline.provenance
        let last = (try? RegressionVerdict.history(of: baseline.version, in: database, limit: 1))?.first
        return ["last_regress": last.map { verdictJSON($0) as Any } ?? NSNull(),"version": baseline.version, "suite": baseline.scores.suite, "chapters_count": baseline.scores.chapters.count,
                "samples_per_chapter": baseline.scores.samplesPerChapter, "scorer": baseline.scores.scorer, "mean_quality": baseline.scores.meanQuality,
                "cost_usd": baseline.scores.totalCostUSD, "created_at": provenance.createdAt, "workbench_version": provenance.workbenchVersion,
                "git_revision": provenance.gitRevision ?? NSNull(), "experiment": provenance.experiment, "rescored_from": baseline.rescoredFrom ?? NSNull(),
                "links": ["self": "/api/baselines/\(baseline.version)"]]
    }
}
