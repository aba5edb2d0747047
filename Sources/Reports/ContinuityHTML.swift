import Foundation
import Store

/// `workbench continuity graph BOOK --format html`: one self-contained page of a stored graph —
/// the violations first (type, severity, both quotes and places, the fix), then the entities,
/// then every fact chapter by chapter in story order, with the facts a violation rests on
/// highlighted and linked both ways. No script and no external asset: every part reads as
/// plain HTML, and chapters fold with `<details>`.
public enum ContinuityHTML {
    public static func render(_ graph: ContinuityGraphRecord, title: String, staleChapters: [Int] = []) -> String {
        let names = ContinuityReport.names(of: graph)
        let anchors = FactAnchors(graph)
        // Fact anchor → the violations (1-based, as listed) that rest on it.
        var violationsOf: [String: [Int]] = [:]
        for (index, violation) in graph.violations.enumerated() {
            for fact in [violation.established, violation.contradicting] { violationsOf[anchors.anchor(of: fact), default: []].append(index + 1) }
        }
        var body = "<h1>Continuity: \(escape(title))</h1>\n" + header(graph, staleChapters: staleChapters)
        body += violations(graph, names: names, anchors: anchors)
        body += entities(graph, anchors: anchors, violationsOf: violationsOf)
        body += facts(graph, names: names, anchors: anchors, violationsOf: violationsOf)
        return HTMLPage.render(title: "Continuity: \(title)", body: body, style: style)
    }

    static let style = """
        .summary { font-size: 1.05em; } .stale { background: #fff4e5; padding: 6px 10px; border-left: 4px solid #b54708; }
        .violation { border: 1px solid #eee; border-left: 5px solid #b54708; padding: 6px 12px; margin: 10px 0; }
        .violation.major { border-left-color: #b42318; } .violation:target { background: #fdf2f1; }
        .tag { display: inline-block; font-size: 0.8em; padding: 0 6px; border-radius: 3px; background: #eee; margin-right: 4px; }
        .tag.major { background: #b42318; color: #fff; } .tag.minor { background: #f79009; color: #fff; } .tag.fixed { background: #1a7f37; color: #fff; }
        .violation dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 6px 0; } .violation dt { color: #555; } .violation dd { margin: 0; }
        q { font-style: italic; } td.text, th.text { text-align: left; } tr.violated td { background: #fdecea; } tr:target td { background: #fcd9d5; }
        td.in-violation::after { content: " ⚠"; color: #b42318; }
        details { margin: 6px 0; } summary { cursor: pointer; font-weight: 600; }

        """

    // MARK: Parts

    static func header(_ graph: ContinuityGraphRecord, staleChapters: [Int]) -> String {
        let count = graph.violations.count, major = graph.majorViolations
        var html = "<p class=\"summary\">Book \(escape(graph.bookID)): \(graph.chapters.count) chapter\(plural(graph.chapters.count)), "
            + "\(ContinuityReport.grouped(graph.wordCount)) words; \(graph.entities.count) entities, \(graph.facts.count) facts; "
            + "<strong>\(count) violation\(plural(count))</strong> (\(major) major, \(count - major) minor); "
            + "<strong>CED \(String(format: "%.2f", graph.violationsPer10kWords))</strong> violations per 10,000 words. "
            + "Read by the \(escape(graph.extractor)) extractor, checked \(escape(RunsReport.iso(graph.checkedAt))).</p>\n"
        if !staleChapters.isEmpty {
            html += "<p class=\"stale\">Chapter\(plural(staleChapters.count)) \(staleChapters.map(String.init).joined(separator: ", ")) changed since this check: "
                + "the graph shows the versions it read. <code>workbench continuity check \(escape(graph.bookID))</code> brings it up to date.</p>\n"
        }
        return html
    }

    static func violations(_ graph: ContinuityGraphRecord, names: [String: String], anchors: FactAnchors) -> String {
        var html = "<h2 id=\"violations\">Violations (\(graph.violations.count))</h2>\n"
        guard !graph.violations.isEmpty else { return html + "<p>No violations: no two facts of the graph contradict each other.</p>\n" }
        for (index, violation) in graph.violations.enumerated() {
            let status = violation.status == .open ? "" : "<span class=\"tag \(violation.status.rawValue)\">\(violation.status.rawValue)</span>"
            html += "<div class=\"violation \(escape(violation.severity))\" id=\"v\(index + 1)\">"
                + "<p><strong>\(index + 1).</strong> <span class=\"tag \(escape(violation.severity))\">\(escape(violation.severity))</span>"
                + "<span class=\"tag\">\(escape(violation.type))</span>\(status) \(escape(violation.summary))</p><dl>"
            for (label, fact) in [("established", violation.established), ("contradicting", violation.contradicting)] {
                html += "<dt>\(label)</dt><dd><a href=\"#\(anchors.anchor(of: fact))\">\(escape(fact.place))</a>: <q>\(escape(fact.quote))</q> "
                    + "(\(escape(ContinuityReport.fact(fact, names: names))))</dd>"
            }
            html += "<dt>fix</dt><dd>\(escape(violation.suggestedFix))</dd></dl></div>\n"
        }
        return html
    }

    static func entities(_ graph: ContinuityGraphRecord, anchors: FactAnchors, violationsOf: [String: [Int]]) -> String {
        var factCount: [String: Int] = [:], violated: [String: Set<Int>] = [:]
        for fact in graph.facts {
            factCount[fact.subject, default: 0] += 1
            if let entity = fact.value.entity, entity != fact.subject { factCount[entity, default: 0] += 1 }
            for number in violationsOf[anchors.anchor(of: fact)] ?? [] {
                violated[fact.subject, default: []].insert(number)
            }
        }
        var html = "<h2 id=\"entities\">Entities (\(graph.entities.count))</h2>\n"
        guard !graph.entities.isEmpty else { return html + "<p>None.</p>\n" }
        html += "<table><thead><tr><th class=\"text\">name</th><th class=\"text\">kind</th><th class=\"text\">aliases</th><th>facts</th><th class=\"text\">violations</th></tr></thead><tbody>\n"
        for entity in graph.entities {
            let numbers = (violated[entity.entityID] ?? []).sorted()
            html += "<tr\(numbers.isEmpty ? "" : " class=\"violated\"")><td class=\"text\(numbers.isEmpty ? "" : " in-violation")\" id=\"e-\(escape(entity.entityID))\">\(escape(entity.canonicalName))</td>"
                + "<td class=\"text\">\(escape(entity.kind))\(entity.gender.map { ", \(escape($0))" } ?? "")</td>"
                + "<td class=\"text\">\(escape(entity.aliases.joined(separator: ", ")))</td><td>\(factCount[entity.entityID] ?? 0)</td>"
                + "<td class=\"text\">\(links(numbers))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    static func facts(_ graph: ContinuityGraphRecord, names: [String: String], anchors: FactAnchors, violationsOf: [String: [Int]]) -> String {
        var html = "<h2 id=\"facts\">Facts by chapter (\(graph.facts.count))</h2>\n"
        let byChapter = Dictionary(grouping: graph.facts, by: \.chapter)
        let chapters = Set(byChapter.keys).union(graph.chapters.map(\.chapter)).sorted()
        guard !chapters.isEmpty else { return html + "<p>None.</p>\n" }
        for chapter in chapters {
            let facts = (byChapter[chapter] ?? []).sorted { ($0.bytes.lowerBound, $0.id ?? 0) < ($1.bytes.lowerBound, $1.id ?? 0) }
            let flagged = facts.filter { violationsOf[anchors.anchor(of: $0)] != nil }.count
            html += "<details open id=\"chapter-\(chapter)\"><summary>Chapter \(chapter): \(facts.count) fact\(plural(facts.count))"
                + (flagged > 0 ? ", <span class=\"worse\">\(flagged) in violations</span>" : "") + "</summary>\n"
            guard !facts.isEmpty else { html += "<p>No facts read in this chapter.</p></details>\n"; continue }
            html += "<table><thead><tr><th>¶</th><th>line</th><th class=\"text\">subject</th><th class=\"text\">predicate</th><th class=\"text\">value</th>"
                + "<th class=\"text\">quote</th><th class=\"text\">origin</th><th class=\"text\">violations</th></tr></thead><tbody>\n"
            for fact in facts {
                let anchor = anchors.anchor(of: fact), numbers = violationsOf[anchor] ?? []
                let predicate = fact.predicate + (fact.aspect == "holds" ? "" : " (\(fact.aspect))")
                html += "<tr id=\"\(anchor)\"\(numbers.isEmpty ? "" : " class=\"violated\"")><td>\(fact.paragraph)</td><td>\(fact.line)</td>"
                    + "<td class=\"text\">\(escape(names[fact.subject] ?? fact.subject))</td><td class=\"text\">\(escape(predicate))</td>"
                    + "<td class=\"text\">\(escape(ContinuityReport.value(fact.value, names: names)))</td><td class=\"text\"><q>\(escape(fact.quote))</q></td>"
                    + "<td class=\"text\">\(escape(fact.origin))\(fact.originRule.isEmpty ? "" : " " + escape(fact.originRule))</td><td class=\"text\">\(links(numbers))</td></tr>\n"
            }
            html += "</tbody></table></details>\n"
        }
        return html
    }

    // MARK: Pieces

    /// "#2, #5": links to the violations listed at the top.
    static func links(_ numbers: [Int]) -> String {
        numbers.map { "<a href=\"#v\($0)\">#\($0)</a>" }.joined(separator: ", ")
    }

    static func escape(_ text: String) -> String { HTMLPage.escape(text) }
    static func plural(_ count: Int) -> String { count == 1 ? "" : "s" }

    /// Each fact's anchor in the page: its row id when stored ("f12"), else its place in the
    /// graph's facts, so a violation links to the row of the very fact it quotes.
    struct FactAnchors {
        var byPlace: [Place: Int] = [:]

        struct Place: Hashable {
            var chapter: Int, bytes: Range<Int>, subject: String, predicate: String
        }

        init(_ graph: ContinuityGraphRecord) {
            for (index, fact) in graph.facts.enumerated() where byPlace[Self.place(fact)] == nil { byPlace[Self.place(fact)] = index }
        }

        static func place(_ fact: ContinuityFactRecord) -> Place {
            Place(chapter: fact.chapter, bytes: fact.bytes, subject: fact.subject, predicate: fact.predicate)
        }

        func anchor(of fact: ContinuityFactRecord) -> String {
            if let id = fact.id { return "f\(id)" }
            return "fact-\(byPlace[Self.place(fact)] ?? -1)"
        }
    }
}
