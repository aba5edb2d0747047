import Foundation
import LLM
import Store
import WorkbenchCore

/// What goes wrong between a stored book and its continuity graph.
public enum BookContinuityError: WorkbenchError, Equatable {
    /// The book has no chapter text to read.
    case noChapters(bookID: String, title: String)
    /// The book was never checked, so there is no graph to show.
    case notChecked(bookID: String)
    /// No entity of the graph goes by the name; `similar` are the names that contain it as a
    /// word ("Elizabeth Bennet" for "Elizabeth"), else the characters.
    case unknownEntity(name: String, bookID: String, similar: [String], characters: [String])
    /// More than one entity goes by the name.
    case ambiguousEntity(name: String, candidates: [String])
    /// Model extraction was asked for with no provider to ask.
    case noExtractProvider
    /// A model task of the continuity commands (`judge` for the verifier, `enhance` for fixes)
    /// has no provider: no route in the table or the book's experiment, and no --provider.
    case noProvider(task: String, bookID: String)

    public var message: String {
        switch self {
        case let .noChapters(bookID, title): "book \(bookID) (\"\(title)\") has no chapters to check"
        case .notChecked(let bookID): "book \(bookID) has no continuity graph yet"
        case let .unknownEntity(name, bookID, similar, characters):
            "no entity of book \(bookID) goes by \"\(name)\""
                + (!similar.isEmpty ? "; names that contain it: \(Self.list(similar))" : characters.isEmpty ? "" : "; its characters: \(Self.list(characters))")
        case let .ambiguousEntity(name, candidates): "\"\(name)\" names \(candidates.count) entities: \(candidates.joined(separator: ", "))"
        case .noExtractProvider: "fact extraction by a model needs a provider for the `extract` task"
        case let .noProvider(task, bookID): "book \(bookID) has no provider for the `\(task)` task: no experiment of its own routes it, nor does the provider table"
        }
    }

    public var fix: String? {
        switch self {
        case .noChapters: "generate the book's chapters (`workbench resume RUN`) or import them (`workbench books import`), then check again"
        case .notChecked(let bookID): "run `workbench continuity check \(bookID)` first"
        case .unknownEntity(_, let bookID, _, _): "give a name or alias the graph knows (`workbench continuity graph \(bookID) --format json` lists them)"
        case .ambiguousEntity: "give the fuller name"
        case .noExtractProvider: "route `extract` in the provider table, or give --provider NAME"
        case let .noProvider(task, _): "give --provider NAME, or route `\(task)` in the provider table (or pass --experiment FILE where the command takes one)"
        }
    }

    static func list(_ names: [String]) -> String {
        names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", … (\(names.count) in all)" : "")
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .noChapters: .dataError
        case .notChecked, .unknownEntity, .ambiguousEntity, .noExtractProvider, .noProvider: .usage
        }
    }
}

/// A book's continuity graph in the workspace: checked from its stored chapters, stored, read back.
public enum BookContinuity {
    /// What `extractor` names in the store for the deterministic patterns.
    public static let patternExtractor = "pattern"
    /// What `extractor` names for the model's `extract` route (the fact's rule is the model's name).
    public static let modelExtractor = "model"

    /// Reads the book's kept chapter versions, checks them and stores the graph in place of the
    /// last one. Everything is read and checked before anything is written, so a book that
    /// cannot be checked keeps its old graph. Returns the graph as stored, and the facts the
    /// gate refused.
    /// `excluding`: violations a verifier dismissed, left out of the stored graph.
    public static func check(_ book: BookRecord, in database: WorkbenchDatabase, excluding dismissed: Set<ViolationKey> = [],
                             at time: Date = Date()) throws -> (graph: ContinuityGraphRecord, rejected: [ContinuityError]) {
        let versions = try chapterVersions(of: book, in: database)
        var check = BookCheck(versions.map { ChapterText(number: $0.chapter, text: $0.text) }, characters: characters(of: book))
        check.violations.removeAll { dismissed.contains(ViolationKey($0)) }
        return (try store(check, of: book, versions: versions, extractor: patternExtractor, in: database, at: time), check.rejected)
    }

    /// The check with facts from `extractor`: the patterns, the model behind `provider` (one
    /// `extract` request per chapter, see `ModelExtraction`), or both merged. The stored graph's
    /// `extractor` is "pattern", "model" or "pattern+model". Returns the graph as stored, the
    /// facts the gate refused and the extraction answers' items that were refused, each with
    /// its reason (none of them stored).
    public static func check(_ book: BookRecord, in database: WorkbenchDatabase, extractor: ExtractorChoice, provider: (any LLMProvider)?, seed: UInt64?,
                             verifier: (any LLMProvider)? = nil, at time: Date = Date()) async throws -> ModelCheck {
        let versions = try chapterVersions(of: book, in: database)
        let chapters = versions.map { ChapterText(number: $0.chapter, text: $0.text) }
        var modelFacts: [Fact] = [], refused: [ExtractionRejection] = []
        if extractor.usesModel {
            guard let provider else { throw BookContinuityError.noExtractProvider }
            (modelFacts, refused) = try await ModelExtraction.extract(chapters: chapters, cast: PatternExtractor().cast(of: chapters), provider: provider, seed: seed)
        }
        let characters = characters(of: book)
        var check = BookCheck(chapters, modelFacts: modelFacts, usePatterns: extractor.usesPatterns, characters: characters)
        var dismissed: [(violation: Violation, reason: String)] = [], unverified: [VerificationRejection] = []
        if let verifier {
            let verdicts = try await ModelVerification.verify(check.violations, chapters: chapters, characters: characters.isEmpty ? nil : BookCharacter.sheet(characters),
                                                              provider: verifier, seed: seed)
            check.violations = verdicts.kept
            (dismissed, unverified) = (verdicts.dismissed, verdicts.rejected)
        }
        let name = [extractor.usesPatterns ? patternExtractor : nil, extractor.usesModel ? modelExtractor : nil].compactMap { $0 }.joined(separator: "+")
        return ModelCheck(graph: try store(check, of: book, versions: versions, extractor: name, in: database, at: time), rejected: check.rejected,
                          refused: refused, dismissed: dismissed, unverified: unverified)
    }

    /// What a check with a model stored, and what it left out and why.
    public struct ModelCheck: Sendable {
        public var graph: ContinuityGraphRecord
        /// Facts the gate refused.
        public var rejected: [ContinuityError]
        /// Extraction answers' items refused.
        public var refused: [ExtractionRejection]
        /// Violations the verifier dismissed, quoting both passages, with its reason: not stored.
        public var dismissed: [(violation: Violation, reason: String)]
        /// Verifier answers refused (not JSON, a quote not in its passage): those violations stay.
        public var unverified: [VerificationRejection]
    }

    /// The outline's characters, whose sheet the chapters must agree with (none for a book
    /// imported without an outline).
    public static func characters(of book: BookRecord) -> [BookCharacter] {
        book.outlineJSON.flatMap { try? JSONDecoder().decode(Outline.self, from: Data($0.utf8)) }?.characters ?? []
    }

    /// The book's kept chapter versions; a book without any cannot be checked.
    static func chapterVersions(of book: BookRecord, in database: WorkbenchDatabase) throws -> [ChapterVersionRecord] {
        let versions = try database.latestChapterVersions(bookID: book.id)
        guard !versions.isEmpty else { throw BookContinuityError.noChapters(bookID: book.id, title: book.title) }
        return versions
    }

    /// Stores `check` as the book's graph in place of the last one; returns it as stored.
    static func store(_ check: BookCheck, of book: BookRecord, versions: [ChapterVersionRecord], extractor: String, in database: WorkbenchDatabase, at time: Date) throws -> ContinuityGraphRecord {
        let graph = ContinuityGraphRecord(
            bookID: book.id, extractor: extractor,
            chapters: versions.compactMap { version in version.id.map { ContinuityCheckedChapter(chapter: version.chapter, versionID: $0) } },
            wordCount: versions.reduce(0) { $0 + $1.wordCount }, checkedAt: time,
            entities: check.entities.map(\.record), facts: check.facts.map(\.record), violations: check.violations.map(\.record))
        try database.replaceContinuityGraph(graph)
        return try database.continuityGraph(bookID: book.id) ?? graph
    }

    /// The book's stored graph, and the chapters whose kept version is not the one it was read
    /// from (a chapter enhanced, added or removed since the check).
    public static func graph(of book: BookRecord, in database: WorkbenchDatabase) throws -> (graph: ContinuityGraphRecord, staleChapters: [Int]) {
        guard let graph = try database.continuityGraph(bookID: book.id) else { throw BookContinuityError.notChecked(bookID: book.id) }
        let checked = Dictionary(graph.chapters.map { ($0.chapter, $0.versionID) }, uniquingKeysWith: { a, _ in a })
        let latest = Dictionary(try database.latestChapterVersions(bookID: book.id).compactMap { version in version.id.map { (version.chapter, $0) } }, uniquingKeysWith: { a, _ in a })
        let stale = Set(checked.keys).union(latest.keys).filter { checked[$0] != latest[$0] }.sorted()
        return (graph, stale)
    }

    /// The entity a name or alias stands for ("Mr. Hale" reads as "Mr Hale"), and every fact
    /// about it in story order.
    public static func facts(about name: String, of book: BookRecord, in database: WorkbenchDatabase) throws -> (entity: ContinuityEntityRecord, facts: [ContinuityFactRecord]) {
        let graph = try graph(of: book, in: database).graph
        let spellings = [name, NameForm(parsing: name).description].reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var matches: [ContinuityEntityRecord] = []
        for spelling in spellings where matches.isEmpty { matches = try database.continuityEntities(bookID: book.id, named: spelling) }
        switch matches.count {
        case 0:
            // A bare first name two people share ("Elizabeth") is no one's alias: offer the names it is part of.
            // Its title is left out: "Mr Smith" should not offer every Mr.
            let words = Set(NameForm(parsing: name).parts.map { $0.lowercased() })
            let similar = graph.entities.flatMap(\.names).filter { !words.isDisjoint(with: $0.lowercased().split(separator: " ").map(String.init)) }
            throw BookContinuityError.unknownEntity(name: name, bookID: book.id, similar: Array(Set(similar)).sorted(),
                                                    characters: graph.entities.filter { $0.kind == EntityKind.character.rawValue }.map(\.canonicalName))
        case 1:
            return (matches[0], try database.continuityFacts(bookID: book.id, about: matches[0].entityID))
        default:
            throw BookContinuityError.ambiguousEntity(name: name, candidates: matches.map { "\($0.canonicalName) (\($0.entityID))" })
        }
    }
}

// MARK: The graph as rows

extension Entity {
    var record: ContinuityEntityRecord {
        ContinuityEntityRecord(entityID: id.rawValue, kind: kind.rawValue, canonicalName: canonicalName, aliases: aliases, gender: gender?.rawValue)
    }
}

extension FactValue {
    var record: ContinuityFactValueRecord {
        switch self {
        case .colour(let colour): ContinuityFactValueRecord(kind: "colour", text: colour.rawValue)
        case .years(let years): ContinuityFactValueRecord(kind: "years", number: years)
        case .entity(let id): ContinuityFactValueRecord(kind: "entity", entity: id.rawValue)
        case .alive(let alive): ContinuityFactValueRecord(kind: "alive", number: alive ? 1 : 0)
        case let .kin(kinship, other): ContinuityFactValueRecord(kind: "kin", text: kinship.rawValue, entity: other.rawValue)
        case .topic(let topic): ContinuityFactValueRecord(kind: "topic", text: topic)
        case .bodyPart(let part): ContinuityFactValueRecord(kind: "bodyPart", text: part)
        case .deed(let verb): ContinuityFactValueRecord(kind: "deed", text: verb)
        }
    }
}

extension FactOrigin {
    var record: (origin: String, rule: String) {
        switch self {
        case .pattern(let rule): (BookContinuity.patternExtractor, rule)
        case .model(let name): (BookContinuity.modelExtractor, name)
        case .outline(let key): ("outline", key)
        }
    }
}

extension StoryTime {
    var record: ContinuityStoryTimeRecord { ContinuityStoryTimeRecord(chapter: chapter, beat: beat) }
}

extension Fact {
    var record: ContinuityFactRecord {
        ContinuityFactRecord(
            subject: subject.rawValue, predicate: predicate.rawValue, value: value.record, aspect: aspect.rawValue,
            chapter: quote.chapter, paragraph: quote.paragraph, line: quote.line, bytes: quote.bytes, quote: quote.text,
            storyTime: time.record, validFrom: interval.start?.record, validUntil: interval.end?.record,
            confidence: confidence, origin: origin.record.origin, originRule: origin.record.rule)
    }
}

extension Violation {
    var record: ContinuityViolationRecord {
        ContinuityViolationRecord(type: type.rawValue, severity: severity.rawValue, established: established.record, contradicting: contradicting.record,
                                  summary: summary, message: message, suggestedFix: suggestedFix)
    }
}
