import Foundation
import Store
import WorkbenchCore

/// `workbench continuity`'s outputs, rendered from the graph as the store holds it: what a
/// check prints is what it stored.
public enum ContinuityReport {
    // MARK: check

    /// Each violation with its type, severity, both quotes and places and the fix; then the count
    /// and violations per 10,000 words.
    public static func check(_ graph: ContinuityGraphRecord, title: String, rejectedFacts: Int = 0) -> String {
        var lines = [
            "Continuity of \"\(title)\" (book \(graph.bookID)): \(graph.chapters.count) chapter\(graph.chapters.count == 1 ? "" : "s"), \(grouped(graph.wordCount)) words; "
                + "\(graph.entities.count) entities, \(graph.facts.count) facts (\(graph.extractor) extractor)",
        ]
        if rejectedFacts > 0 { lines.append("\(rejectedFacts) fact\(rejectedFacts == 1 ? "" : "s") refused: the quote was not in the chapter where the source placed it") }
        let names = names(of: graph)
        for (index, violation) in graph.violations.enumerated() {
            lines.append("")
            lines.append("\(index + 1). \(violation.type) (\(violation.severity)): \(violation.summary)")
            lines.append("   established    \(violation.established.place): \"\(oneLine(violation.established.quote))\"  [\(fact(violation.established, names: names))]")
            lines.append("   contradicting  \(violation.contradicting.place): \"\(oneLine(violation.contradicting.quote))\"  [\(fact(violation.contradicting, names: names))]")
            lines.append("   fix: \(violation.suggestedFix)")
        }
        lines.append("")
        lines.append(summaryLine(graph))
        return lines.joined(separator: "\n") + "\n"
    }

    /// "2 violations (1 major, 1 minor); 16.61 per 10,000 words (CED)".
    public static func summaryLine(_ graph: ContinuityGraphRecord) -> String {
        let count = graph.violations.count, major = graph.majorViolations
        let counted = count == 0 ? "No violations" : "\(count) violation\(count == 1 ? "" : "s") (\(major) major, \(count - major) minor)"
        return counted + String(format: "; %.2f per 10,000 words (CED)", graph.violationsPer10kWords)
    }

    /// `refusedExtractions`: the reasons model-extracted facts were refused, as
    /// `rejected_extractions` (left out when no model was asked).
    public static func checkJSON(_ graph: ContinuityGraphRecord, title: String, rejectedFacts: Int = 0, refusedExtractions: [String]? = nil,
                                 dismissed: [String]? = nil) throws -> String {
        let names = names(of: graph)
        var object: [String: Any] = [
            "book": graph.bookID, "title": title, "checked_at": RunsReport.iso(graph.checkedAt), "extractor": graph.extractor,
            "chapters": graph.chapters.count, "words": graph.wordCount, "entities": graph.entities.count, "facts": graph.facts.count,
            "rejected_facts": rejectedFacts, "major": graph.majorViolations, "minor": graph.violations.count - graph.majorViolations,
            "violations_per_10k_words": graph.violationsPer10kWords,
            "violations": graph.violations.map { violationObject($0, names: names, inline: true) },
        ]
        if let refusedExtractions { object["rejected_extractions"] = refusedExtractions.map { ["reason": $0] } }
        if let dismissed { object["dismissed_by_verifier"] = dismissed }
        return try JSONOutput.render(object)
    }

    // MARK: facts

    public static func facts(_ facts: [ContinuityFactRecord], about entity: ContinuityEntityRecord, in graph: ContinuityGraphRecord) -> String {
        let names = names(of: graph)
        var header = "\(entity.canonicalName) (\(entity.kind)\(entity.gender.map { ", \($0)" } ?? ""))"
        if !entity.aliases.isEmpty { header += ", also \(entity.aliases.joined(separator: ", "))" }
        header += ": \(facts.count) fact\(facts.count == 1 ? "" : "s") in story order"
        guard !facts.isEmpty else { return header + "\n" }
        var table = TextTable(columns: [.init("CHAPTER", .right), .init("PARAGRAPH", .right), .init("LINE", .right), .init("FACT"), .init("QUOTE")])
        for fact in facts {
            table.append([String(fact.chapter), String(fact.paragraph), String(fact.line), self.fact(fact, names: names), "\"\(oneLine(fact.quote))\""])
        }
        return header + "\n\n" + table.render()
    }

    public static func factsJSON(_ facts: [ContinuityFactRecord], about entity: ContinuityEntityRecord, in graph: ContinuityGraphRecord) throws -> String {
        let names = names(of: graph)
        return try JSONOutput.render([
            "book": graph.bookID, "entity": entityObject(entity), "facts": facts.map { factObject($0, names: names) },
        ] as [String: Any])
    }

    // MARK: graph

    /// Entities, aliases, facts and violations (which name their facts by id).
    public static func graphJSON(_ graph: ContinuityGraphRecord) throws -> String {
        let names = names(of: graph)
        return try JSONOutput.render([
            "book": graph.bookID, "checked_at": RunsReport.iso(graph.checkedAt), "extractor": graph.extractor, "words": graph.wordCount,
            "chapters": graph.chapters.map { ["chapter": $0.chapter, "version_id": $0.versionID] },
            "entities": graph.entities.map(entityObject), "facts": graph.facts.map { factObject($0, names: names) },
            "violations": graph.violations.map { violationObject($0, names: names, inline: false) },
            "violations_per_10k_words": graph.violationsPer10kWords,
        ] as [String: Any])
    }

    /// Graphviz DOT: an entity per node (characters as ellipses, places as boxes, objects as
    /// diamonds), one edge per relationship, possession or location with the chapters that state
    /// it; what a violation involves is drawn red.
    public static func graphDOT(_ graph: ContinuityGraphRecord) -> String {
        let inViolation = Set(graph.violations.flatMap { [$0.established.id, $0.contradicting.id] }.compactMap { $0 })
        var violationsBySubject: [String: [String]] = [:]
        for violation in graph.violations { violationsBySubject[violation.contradicting.subject, default: []].append(violation.type) }
        var lines = [
            "digraph continuity {",
            "  graph [label=\(dotString("book \(graph.bookID): \(graph.entities.count) entities, \(graph.facts.count) facts, \(graph.violations.count) violations")), labelloc=t];",
            "  node [fontname=\"Helvetica\"];",
            "  edge [fontname=\"Helvetica\", fontsize=10];",
        ]
        for entity in graph.entities {
            let shape = ["character": "ellipse", "place": "box", "object": "diamond"][entity.kind] ?? "hexagon"
            var attributes = ["label=\(dotString(entity.canonicalName))", "shape=\(shape)"]
            if let types = violationsBySubject[entity.entityID] {
                attributes += ["color=red", "penwidth=2", "xlabel=\(dotString(Array(Set(types)).sorted().joined(separator: ", ")))"]
            }
            lines.append("  \(dotString(entity.entityID)) [\(attributes.joined(separator: ", "))];")
        }
        // One edge per subject, tie and target, however many passages state it.
        struct Edge: Hashable { var from, to, label: String }
        var chapters: [Edge: Set<Int>] = [:], violated: Set<Edge> = []
        var order: [Edge] = []
        for fact in graph.facts {
            guard let target = fact.value.entity, ["relationship", "possession", "location", "birthplace"].contains(fact.predicate) else { continue }
            let edge = Edge(from: fact.subject, to: target, label: fact.predicate == "relationship" ? (fact.value.text ?? "kin") : fact.predicate)
            if chapters[edge] == nil { order.append(edge) }
            chapters[edge, default: []].insert(fact.chapter)
            if let id = fact.id, inViolation.contains(id) { violated.insert(edge) }
        }
        for edge in order {
            let label = "\(edge.label) (ch. \(chapters[edge, default: []].sorted().map(String.init).joined(separator: ", ")))"
            lines.append("  \(dotString(edge.from)) -> \(dotString(edge.to)) [label=\(dotString(label))\(violated.contains(edge) ? ", color=red, fontcolor=red, penwidth=2" : "")];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Pieces

    /// A quote that runs over a line break, on one line for the terminal (JSON keeps it exact).
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// A DOT quoted string.
    static func dotString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    static func names(of graph: ContinuityGraphRecord) -> [String: String] {
        Dictionary(graph.entities.map { ($0.entityID, $0.canonicalName) }, uniquingKeysWith: { a, _ in a })
    }

    /// A fact as a line: "Marcus Hale eyeColour grey", "Clara Marsh possession begins: brass key".
    static func fact(_ fact: ContinuityFactRecord, names: [String: String]) -> String {
        let aspect = fact.aspect == "holds" ? "" : " \(fact.aspect)"
        return "\(names[fact.subject] ?? fact.subject) \(fact.predicate)\(aspect): \(value(fact.value, names: names))"
    }

    /// The value in words: a colour, "28", "dead", "sibling of Marcus Hale", "brass key".
    static func value(_ value: ContinuityFactValueRecord, names: [String: String]) -> String {
        let entity = value.entity.map { names[$0] ?? $0 }
        switch value.kind {
        case "years": return value.number.map(String.init) ?? "?"
        case "alive": return value.number == 0 ? "dead" : "alive"
        case "entity": return entity ?? "?"
        case "kin": return "\(value.text ?? "kin") of \(entity ?? "?")"
        default: return value.text ?? entity ?? "?"
        }
    }

    static func entityObject(_ entity: ContinuityEntityRecord) -> [String: Any] {
        ["id": entity.entityID, "kind": entity.kind, "name": entity.canonicalName, "aliases": entity.aliases, "gender": entity.gender ?? NSNull()]
    }

    static func factObject(_ fact: ContinuityFactRecord, names: [String: String]) -> [String: Any] {
        func time(_ time: ContinuityStoryTimeRecord?) -> Any { time.map { ["chapter": $0.chapter, "beat": $0.beat] } ?? NSNull() }
        // The typed fields as stored, and the value in words.
        var value: [String: Any] = ["kind": fact.value.kind, "described": value(fact.value, names: names)]
        if let text = fact.value.text { value["text"] = text }
        if let number = fact.value.number { value["number"] = number }
        if let entity = fact.value.entity { value["entity"] = entity }
        return [
            "id": fact.id.map { $0 as Any } ?? NSNull(), "subject": fact.subject, "subject_name": names[fact.subject] ?? fact.subject,
            "predicate": fact.predicate, "value": value, "aspect": fact.aspect,
            "chapter": fact.chapter, "paragraph": fact.paragraph, "line": fact.line, "bytes": [fact.bytes.lowerBound, fact.bytes.upperBound], "quote": fact.quote,
            "story_time": time(fact.storyTime), "valid_from": time(fact.validFrom), "valid_until": time(fact.validUntil),
            "confidence": fact.confidence, "origin": fact.origin, "origin_rule": fact.originRule,
        ]
    }

    /// With `inline`, the two facts in full; else their ids in the graph's `facts`.
    static func violationObject(_ violation: ContinuityViolationRecord, names: [String: String], inline: Bool) -> [String: Any] {
        var object: [String: Any] = [
            "id": violation.id.map { $0 as Any } ?? NSNull(), "type": violation.type, "severity": violation.severity, "status": violation.status.rawValue,
            "summary": violation.summary, "message": violation.message, "suggested_fix": violation.suggestedFix,
        ]
        if inline {
            object["established"] = factObject(violation.established, names: names)
            object["contradicting"] = factObject(violation.contradicting, names: names)
        } else {
            object["established_fact_id"] = violation.established.id.map { $0 as Any } ?? NSNull()
            object["contradicting_fact_id"] = violation.contradicting.id.map { $0 as Any } ?? NSNull()
        }
        return object
    }

    /// 12345 as "12,345".
    static func grouped(_ number: Int) -> String {
        let digits = String(number)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
