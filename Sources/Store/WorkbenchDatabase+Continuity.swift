import Foundation
import GRDB
import WorkbenchCore

extension WorkbenchDatabase {
    /// Stores a book's graph in place of the one its last check left, in one transaction:
    /// checking a book twice leaves one graph, and a failed write leaves the old one.
    public func replaceContinuityGraph(_ graph: ContinuityGraphRecord) throws {
        let chaptersJSON = try CanonicalJSON.encode(graph.chapters)
        try write { db in
            // Cascades to the entities, aliases, facts and violations of the last check.
            try db.execute(sql: "DELETE FROM continuity_checks WHERE book_id = ?", arguments: [graph.bookID])
            try db.execute(sql: "INSERT INTO continuity_checks (book_id, extractor, chapters_json, word_count, checked_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [graph.bookID, graph.extractor, chaptersJSON, graph.wordCount, graph.checkedAt])
            for entity in graph.entities {
                // Statements compiled once per graph: a book's graph is thousands of rows.
                try db.cachedStatement(sql: "INSERT INTO continuity_entities (book_id, entity_id, kind, canonical_name, gender) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [graph.bookID, entity.entityID, entity.kind, entity.canonicalName, entity.gender])
                for alias in Set(entity.aliases).subtracting([entity.canonicalName]).sorted() {
                    try db.cachedStatement(sql: "INSERT INTO continuity_aliases (book_id, entity_id, alias) VALUES (?, ?, ?)").execute(arguments: [graph.bookID, entity.entityID, alias])
                }
            }
            var stored: [ContinuityFactRecord: Int64] = [:]
            func id(of fact: ContinuityFactRecord) throws -> Int64 {
                let key = fact.unstored
                if let id = stored[key] { return id }
                let id = try Self.insert(fact, bookID: graph.bookID, db)
                stored[key] = id
                return id
            }
            for fact in graph.facts { _ = try id(of: fact) }
            for violation in graph.violations {
                try db.cachedStatement(sql: """
                    INSERT INTO continuity_violations (book_id, type, severity, established_fact_id, contradicting_fact_id, summary, message, suggested_fix, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [graph.bookID, violation.type, violation.severity, try id(of: violation.established), try id(of: violation.contradicting),
                                     violation.summary, violation.message, violation.suggestedFix, violation.status.rawValue])
            }
        }
    }

    private static func insert(_ fact: ContinuityFactRecord, bookID: String, _ db: Database) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO continuity_facts (book_id, subject, predicate, value_kind, value_text, value_number, value_entity, aspect, chapter, paragraph, line,
                                          byte_start, byte_end, quote, story_chapter, story_beat, valid_from_chapter, valid_from_beat,
                                          valid_until_chapter, valid_until_beat, confidence, origin, origin_rule)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [bookID, fact.subject, fact.predicate, fact.value.kind, fact.value.text, fact.value.number, fact.value.entity, fact.aspect,
                             fact.chapter, fact.paragraph, fact.line, fact.bytes.lowerBound, fact.bytes.upperBound, fact.quote,
                             fact.storyTime.chapter, fact.storyTime.beat, fact.validFrom?.chapter, fact.validFrom?.beat,
                             fact.validUntil?.chapter, fact.validUntil?.beat, fact.confidence, fact.origin, fact.originRule])
        return db.lastInsertedRowID
    }

    /// The graph the book's last check stored, or nil when it was never checked.
    public func continuityGraph(bookID: String) throws -> ContinuityGraphRecord? {
        try read { db in
            guard let check = try Row.fetchOne(db, sql: "SELECT * FROM continuity_checks WHERE book_id = ?", arguments: [bookID]) else { return nil }
            let chaptersJSON: String = check["chapters_json"]
            let chapters = (try? JSONDecoder().decode([ContinuityCheckedChapter].self, from: Data(chaptersJSON.utf8))) ?? []
            return ContinuityGraphRecord(
                bookID: bookID, extractor: check["extractor"], chapters: chapters, wordCount: check["word_count"], checkedAt: check["checked_at"],
                entities: try Self.entities(bookID: bookID, where: nil, db),
                facts: try Self.facts(bookID: bookID, where: nil, db),
                violations: try Self.violations(bookID: bookID, db))
        }
    }

    /// The entities of a book's graph that go by `name` (canonical name, alias or id, any case).
    public func continuityEntities(bookID: String, named name: String) throws -> [ContinuityEntityRecord] {
        try read { db in
            try Self.entities(bookID: bookID, where: (sql: """
                (e.canonical_name = ? COLLATE NOCASE OR e.entity_id = ? COLLATE NOCASE
                 OR EXISTS (SELECT 1 FROM continuity_aliases a WHERE a.book_id = e.book_id AND a.entity_id = e.entity_id AND a.alias = ? COLLATE NOCASE))
                """, arguments: [name, name, name]), db)
        }
    }

    /// The facts about an entity, in story order: those it is the subject of, and those whose
    /// value it is (the key someone holds, the place someone is in, the person someone is kin to).
    public func continuityFacts(bookID: String, about entityID: String) throws -> [ContinuityFactRecord] {
        try read { db in
            try Self.facts(bookID: bookID, where: (sql: "(subject = ? OR value_entity = ?)", arguments: [entityID, entityID]), db)
        }
    }

    /// The violations the book's last check found, in the order of their contradicting facts.
    public func continuityViolations(bookID: String) throws -> [ContinuityViolationRecord] {
        try read { db in try Self.violations(bookID: bookID, db) }
    }

    // MARK: Rows

    private static func entities(bookID: String, where condition: (sql: String, arguments: StatementArguments)?, _ db: Database) throws -> [ContinuityEntityRecord] {
        var arguments: StatementArguments = [bookID]
        if let condition { arguments += condition.arguments }
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM continuity_entities e WHERE e.book_id = ?\(condition.map { " AND \($0.sql)" } ?? "") ORDER BY e.kind, e.canonical_name, e.entity_id",
                                    arguments: arguments)
        var aliases: [String: [String]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT entity_id, alias FROM continuity_aliases WHERE book_id = ? ORDER BY entity_id, alias", arguments: [bookID]) {
            aliases[row["entity_id"], default: []].append(row["alias"])
        }
        return rows.map { row in
            let id: String = row["entity_id"]
            return ContinuityEntityRecord(entityID: id, kind: row["kind"], canonicalName: row["canonical_name"], aliases: aliases[id] ?? [], gender: row["gender"])
        }
    }

    private static func facts(bookID: String, where condition: (sql: String, arguments: StatementArguments)?, _ db: Database) throws -> [ContinuityFactRecord] {
        var arguments: StatementArguments = [bookID]
        if let condition { arguments += condition.arguments }
        return try Row.fetchAll(db, sql: "SELECT * FROM continuity_facts WHERE book_id = ?\(condition.map { " AND \($0.sql)" } ?? "") ORDER BY chapter, byte_start, id",
                                arguments: arguments).map(fact)
    }

    private static func fact(_ row: Row) -> ContinuityFactRecord {
        func time(_ chapter: String, _ beat: String) -> ContinuityStoryTimeRecord? {
            guard let chapter: Int = row[chapter], let beat: Int = row[beat] else { return nil }
            return ContinuityStoryTimeRecord(chapter: chapter, beat: beat)
        }
        let start: Int = row["byte_start"], end: Int = row["byte_end"]
        return ContinuityFactRecord(
            id: row["id"], subject: row["subject"], predicate: row["predicate"],
            value: ContinuityFactValueRecord(kind: row["value_kind"], text: row["value_text"], number: row["value_number"], entity: row["value_entity"]),
            aspect: row["aspect"], chapter: row["chapter"], paragraph: row["paragraph"], line: row["line"], bytes: start..<end, quote: row["quote"],
            storyTime: ContinuityStoryTimeRecord(chapter: row["story_chapter"], beat: row["story_beat"]),
            validFrom: time("valid_from_chapter", "valid_from_beat"), validUntil: time("valid_until_chapter", "valid_until_beat"),
            confidence: row["confidence"], origin: row["origin"], originRule: row["origin_rule"])
    }

    private static func violations(bookID: String, _ db: Database) throws -> [ContinuityViolationRecord] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT v.* FROM continuity_violations v JOIN continuity_facts f ON f.id = v.contradicting_fact_id
            WHERE v.book_id = ? ORDER BY f.chapter, f.byte_start, v.id
            """, arguments: [bookID])
        let ids = Set(rows.flatMap { [$0["established_fact_id"] as Int64, $0["contradicting_fact_id"] as Int64] })
        guard !ids.isEmpty else { return [] }
        var facts: [Int64: ContinuityFactRecord] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM continuity_facts WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))", arguments: StatementArguments(Array(ids))) {
            let fact = fact(row)
            facts[fact.id!] = fact
        }
        return rows.compactMap { row in
            guard let established = facts[row["established_fact_id"]], let contradicting = facts[row["contradicting_fact_id"]] else { return nil }
            // `open`, `fixed` or `unfixed`; a state this build does not know reads as `open`.
            let status: String = row["status"]
            return ContinuityViolationRecord(id: row["id"], type: row["type"], severity: row["severity"], established: established, contradicting: contradicting,
                                             summary: row["summary"], message: row["message"], suggestedFix: row["suggested_fix"], status: ContinuityViolationRecord.Status(rawValue: status) ?? .open)
        }
    }
}

extension WorkbenchDatabase {
    /// Sets the status of the stored violations of a book whose summary and contradicting
    /// chapter are among `violations` (a fix was tried on them and they are still there).
    public func setContinuityViolationStatus(bookID: String, _ violations: [(summary: String, chapter: Int)], to status: ContinuityViolationRecord.Status) throws {
        guard !violations.isEmpty else { return }
        try write { db in
            for violation in violations {
                try db.execute(sql: """
                    UPDATE continuity_violations SET status = ? WHERE book_id = ? AND summary = ?
                      AND contradicting_fact_id IN (SELECT id FROM continuity_facts WHERE book_id = ? AND chapter = ?)
                    """, arguments: [status.rawValue, bookID, violation.summary, bookID, violation.chapter])
            }
        }
    }
}
