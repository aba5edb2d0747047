import Diagnostics

/// `workbench doctor` output: one line per component, a fix under each problem, a tally.
public enum DoctorReport {
    public static func text(_ results: [CheckResult], workspace: String?, style: TerminalStyle) -> String {
        var lines = ["workbench doctor" + (workspace.map { " — workspace \($0)" } ?? "")]
        let width = results.map(\.component.count).max() ?? 0
        for result in results {
            let label: String
            switch result.status {
            case .ok: label = style.green("ok  ")
            case .warn: label = style.yellow("warn")
            case .fail: label = style.red("FAIL")
            }
            let name = result.component + String(repeating: " ", count: width - result.component.count)
            lines.append("  \(label)  \(name)  \(result.summary)")
            if result.status != .ok, let fix = result.fix {
                lines.append("        " + String(repeating: " ", count: width) + "  " + style.dim("fix: \(fix)"))
            }
        }
        let failed = results.filter { $0.status == .fail }.count
        let warned = results.filter { $0.status == .warn }.count
        lines.append("\(results.count) checks: \(results.count - failed - warned) ok, \(warned) warning\(warned == 1 ? "" : "s"), \(failed) failed")
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ results: [CheckResult]) -> String {
        JSONOutput.renderWithNulls([
            "passed": Doctor.passed(results),
            "checks": results.map { result -> [String: Any] in
                var object: [String: Any] = [
                    "component": result.component, "status": result.status.rawValue,
                    "summary": result.summary, "details": result.details,
                ]
                if let fix = result.fix { object["fix"] = fix }
                return object
            },
        ] as [String: Any])
    }
}
