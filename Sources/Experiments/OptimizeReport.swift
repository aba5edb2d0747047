import Foundation
import Reports

/// An optimisation run as a terminal table, Markdown, JSON, or HTML with the search plotted.
public enum OptimizeReport {
    public enum Format: String, Sendable { case terminal, markdown, json, html }

    public static func render(_ result: OptimizeResult, as format: Format, style: TerminalStyle = .plain) -> String {
        switch format {
        case .terminal: return terminal(result, style: style)
        case .markdown: return markdown(result)
        case .json: return ABTestReport.encodeJSON(result)
        case .html: return html(result)
        }
    }

    static func number(_ value: Double?, _ format: String = "%.2f") -> String { ABTestReport.number(value, format) }

    static func name(_ id: Int) -> String { String(format: "c%03d", id) }

    static func headline(_ result: OptimizeResult) -> String {
        var line = "optimisation \(result.id): \(result.targetMetric) (\(result.higherIsBetter ? "higher" : "lower") is better)"
        if let target = result.target { line += ", target \(number(target))" }
        line += "; \(result.evaluated) of \(result.iterations) iterations evaluated (and \(result.ablations) ablations), \(result.proposed) candidates proposed; stopped: \(result.stop.rawValue)"
        line += String(format: "; $%.4f", result.costUSD) + (result.budgetUSD.map { String(format: " of $%.2f", $0) } ?? "")
        return line
    }

    /// What the run found, in words: the best against the base, and whether the held-out test bore it out.
    static func findings(_ result: OptimizeResult) -> [String] {
        var lines: [String] = []
        guard let base = result.base, let best = result.best else { return ["the base prompts were not evaluated"] }
        if best.id == 0 {
            lines.append("no candidate beat the base prompts (\(result.targetMetric) \(number(base.score)))")
            return lines
        }
        var line = "winner: \(name(best.id)) with \(result.targetMetric) \(number(best.score)) against the base's \(number(base.score))"
        if let difference = best.difference { line += " (paired Δ \(number(difference, "%+.2f")) ± \(number(best.differenceSE))" + ")" }
        if result.target != nil { line += result.targetReached ? "; target reached" : "; target not reached" }
        lines.append(line)
        if let top = result.top {
            lines.append("chosen as the simplest within one standard error of the top score (\(name(top.id)): \(number(top.score)), \(top.instructions.count) instructions)")
        }
        lines.append("instructions: \(best.instructions.joined(separator: " "))")
        if let prompts = result.winnerPrompts { lines.append("prompts: \(prompts)") }
        if let confirmation = result.confirmation {
            var text = "held-out confirmation (A/B test \(confirmation.abtest), \(confirmation.pairs) pairs on \(result.heldOut.count) unseen chapters): "
            text += "Δ \(number(confirmation.difference, "%+.2f")) [\(number(confirmation.ciLow, "%+.2f"))…\(number(confirmation.ciHigh, "%+.2f"))], p=\(ABTestReport.p(confirmation.pValue)): "
            text += confirmation.confirmed ? "confirmed ✓" : "not confirmed: the development gain may be selection noise ✗"
            if let quality = confirmation.qualityDifference, result.targetMetric != "quality" { text += "; quality Δ \(number(quality, "%+.2f"))" }
            lines.append(text)
        } else {
            lines.append("no held-out confirmation (the budget was spent)")
        }
        return lines
    }

    static func candidateRows(_ result: OptimizeResult) -> (header: [String], rows: [[String]]) {
        let header = ["candidate", "iteration", "from", "operator", "predicted", "score", "Δ vs base", "quality", "cost", "instructions"]
        let rows = result.evaluations.map { c in
            [name(c.id), "\(c.iteration)", c.parent.map(name) ?? "", c.operator,
             c.predicted.map { "\(number($0)) ± \(number(c.predictedSD))" } ?? "", "\(number(c.score)) ± \(number(c.scoreSE))",
             c.difference.map { "\(number($0, "%+.2f")) ± \(number(c.differenceSE))" } ?? "", number(c.quality), String(format: "$%.4f", c.costUSD),
             c.instructions.isEmpty ? "(none)" : c.instructions.joined(separator: " ")]
        }
        return (header, rows)
    }

    static func effectRows(_ result: OptimizeResult) -> (header: [String], rows: [[String]]) {
        (["instruction", "effect alone", "in evaluated", "aims", "text"],
         result.effects.map { [$0.id, "\(number($0.effect, "%+.2f")) ± \(number($0.sd))", "\($0.evaluations)", $0.aims.joined(separator: ", "), $0.text] })
    }

    static func terminal(_ result: OptimizeResult, style: TerminalStyle) -> String {
        var out = style.bold(headline(result)) + "\n\n"
        let (header, rows) = candidateRows(result)
        var table = TextTable(columns: header.enumerated().map { .init($0.element, (4...8).contains($0.offset) ? .right : .left) })
        rows.forEach { table.append($0) }
        out += table.render() + "\n"
        if !result.effects.isEmpty {
            let effects = effectRows(result)
            var effectTable = TextTable(columns: effects.header.enumerated().map { .init($0.element, (1...2).contains($0.offset) ? .right : .left) })
            effects.rows.forEach { effectTable.append($0) }
            out += "what each instruction does to \(result.targetMetric), as the surrogate learned it:\n" + effectTable.render() + "\n"
        }
        for line in findings(result) { out += "  " + line + "\n" }
        return out
    }

    static func markdown(_ result: OptimizeResult) -> String {
        var out = "## Prompt optimisation \(result.id)\n\n\(headline(result))\n\n"
        out += findings(result).map { "- " + $0 }.joined(separator: "\n") + "\n\n"
        let (header, rows) = candidateRows(result)
        out += ABTestReport.markdownTable(header, rows) + "\n"
        let effects = effectRows(result)
        return out + (result.effects.isEmpty ? "" : "\n### What each instruction does, as the surrogate learned it\n\n" + ABTestReport.markdownTable(effects.header, effects.rows) + "\n")
    }

    static func html(_ result: OptimizeResult) -> String {
        var body = "<h1>Prompt optimisation \(HTMLPage.escape(result.id))</h1>\n<p>\(HTMLPage.escape(headline(result)))</p>\n<ul>"
        body += findings(result).map { "<li>\(HTMLPage.escape($0))</li>" }.joined() + "</ul>\n"
        body += "<h2>The search</h2>\n" + searchPlot(result) + "\n"
        body += "<p>Filled dots: candidates written on the development suite (bars ± one standard error); hollow dots: proposals the surrogate predicted "
            + "and passed over; the line: the best so far; dashed: the target.</p>\n"
        let (header, rows) = candidateRows(result)
        body += "<h2>Evaluated candidates</h2>\n" + ABTestReport.htmlTable(header, rows) + "\n"
        let effects = effectRows(result)
        body += "<h2>What each instruction does, as the surrogate learned it</h2>\n<p>The predicted change of \(HTMLPage.escape(result.targetMetric)) from the base "
            + "prompts with the instruction alone (posterior mean ± sd).</p>\n" + ABTestReport.htmlTable(effects.header, effects.rows) + "\n"
        let passed = result.candidates.filter { $0.status == "proposed" }
        body += "<h2>Proposals not evaluated</h2>\n" + ABTestReport.htmlTable(["candidate", "iteration", "operator", "predicted", "instructions"], passed.map {
            [name($0.id), "\($0.iteration)", $0.operator, "\(number($0.predicted)) ± \(number($0.predictedSD))", $0.instructions.joined(separator: " ")]
        }) + "\n"
        return HTMLPage.render(title: "Prompt optimisation \(result.id)", body: body)
    }

    /// Score against iteration: evaluations with error bars, unevaluated proposals at their
    /// prediction, the best-so-far line and the target.
    static func searchPlot(_ result: OptimizeResult) -> String {
        let width = 720.0, height = 300.0, left = 50.0, bottom = 30.0
        let evaluations = result.evaluations
        let se = { (c: OptimizeResult.Candidate) in c.scoreSE ?? 0 }
        var values = evaluations.compactMap { c in c.score.map { [$0 - se(c), $0 + se(c)] } }.flatMap { $0 }
        values += result.candidates.compactMap(\.predicted) + [result.target].compactMap { $0 }
        guard let low = values.min(), let high = values.max(), let last = result.candidates.map(\.iteration).max() else { return "<p>No candidate was evaluated.</p>" }
        let span = max(high - low, 1e-9), steps = Double(max(last, 1))
        func x(_ iteration: Int) -> Double { left + Double(iteration) / steps * (width - left - 20) }
        func y(_ value: Double) -> Double { 10 + (high - value) / span * (height - bottom - 20) }
        func f(_ value: Double) -> String { number(value, "%.1f") }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTMLPage.escape(result.targetMetric)) per iteration\">"
        for tick in 0...4 {
            let value = low + span * Double(tick) / 4
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - 20))\" y1=\"\(f(y(value)))\" y2=\"\(f(y(value)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"4\" y=\"\(f(y(value) + 4))\">\(number(value))</text>"
        }
        svg += "<text x=\"\(f(width / 2))\" y=\"\(f(height - 6))\">iteration</text>"
        if let target = result.target {
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - 20))\" y1=\"\(f(y(target)))\" y2=\"\(f(y(target)))\" stroke=\"#c9733a\" stroke-dasharray=\"6 4\"><title>target \(number(target))</title></line>"
        }
        for c in result.candidates where c.status == "proposed" {
            guard let predicted = c.predicted else { continue }
            svg += "<circle cx=\"\(f(x(c.iteration)))\" cy=\"\(f(y(predicted)))\" r=\"3\" fill=\"none\" stroke=\"#999\"><title>\(name(c.id)) predicted \(number(predicted))</title></circle>"
        }
        var bestSoFar: Double?
        var path = ""
        for c in evaluations {
            guard let score = c.score else { continue }
            svg += "<line x1=\"\(f(x(c.iteration)))\" x2=\"\(f(x(c.iteration)))\" y1=\"\(f(y(score - se(c))))\" y2=\"\(f(y(score + se(c))))\" stroke=\"#5b7db1\"/>"
            svg += "<circle cx=\"\(f(x(c.iteration)))\" cy=\"\(f(y(score)))\" r=\"4\" fill=\"#5b7db1\"><title>\(name(c.id)) \(HTMLPage.escape(c.operator)): \(number(score))</title></circle>"
            // A step line: the best so far holds until an evaluation beats it.
            if let previous = bestSoFar { path += " L\(f(x(c.iteration))) \(f(y(previous)))" }
            if bestSoFar.map({ result.higherIsBetter ? score > $0 : score < $0 }) ?? true { bestSoFar = score }
            path += (path.isEmpty ? "M" : " L") + "\(f(x(c.iteration))) \(f(y(bestSoFar!)))"
        }
        if !path.isEmpty { svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"#4f9a6b\" stroke-width=\"2\"/>" }
        return svg + "</svg>"
    }
}
