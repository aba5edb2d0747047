import Engine
import Foundation
import HTTPTypes
import Hummingbird
import Queue
import Reports
import Store
import WorkbenchCore

extension APIServer {
    // MARK: Runs

    func listRuns(_ request: Request) throws -> Response {
        try runPage(request, kind: nil, cursorKind: "run", item: runJSON)
    }

    /// A page of runs (of one kind), newest first.
    func runPage(_ request: Request, kind: RunKind?, cursorKind: String, item: (RunRecord) -> [String: Any]) throws -> Response {
        let limit = try Self.limit(request)
        let cursor = try Cursor.decode(Self.query(request, "cursor"), kind: cursorKind)
        let runs = try database.runs(after: try cursor.map(Self.pageCursor), limit: limit + 1, kind: kind)
        let page = Array(runs.prefix(limit))
        let next = runs.count > limit ? page.last.map { Cursor(kind: cursorKind, time: $0.startedAt, id: $0.id.rawValue).encoded } : nil
        return Self.cachedJSON(["items": page.map(item), "next_cursor": next.map { $0 as Any } ?? NSNull()], request: request)
    }

    func showRun(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let id = try Self.storeID(context, resource: "run")
        guard let runID = RunID(id), let record = try? database.run(matching: id), record.id == runID else {
            throw APIError.notFound(resource: "run", id: id)
        }
        let summary = try database.summary(of: record.id)
        var object = runJSON(record)
        object["books"] = summary.bookCount
        object["chapter_versions"] = summary.chapterVersionCount
        object["llm_calls"] = summary.llmCallCount
        object["prompt_tokens"] = summary.promptTokens
        object["completion_tokens"] = summary.completionTokens
        object["cost_usd"] = summary.costUSD
        object["events"] = summary.eventCount
        object["cost_by_task"] = summary.costByTask.map { ["task": $0.task, "calls": $0.calls, "cost_usd": $0.costUSD] }
        object["config"] = (try? JSONSerialization.jsonObject(with: Data(record.configJSON.utf8))) ?? NSNull()
        return Self.cachedJSON(object, request: request)
    }

    func runJSON(_ run: RunRecord) -> [String: Any] {
        ["id": run.id.rawValue, "kind": run.kind.rawValue, "status": run.status.rawValue, "started_at": Self.iso(run.startedAt),
         "finished_at": Self.iso(run.finishedAt), "error": run.error.map { Redaction.redact($0) as Any } ?? NSNull(), "workbench_version": run.workbenchVersion,
         "links": ["self": "/api/runs/\(run.id.rawValue)"]]
    }

    static func pageCursor(_ cursor: Cursor) throws -> PageCursor {
        guard let time = cursor.time else { throw APIError.invalidQuery(parameter: "cursor", message: "not a cursor of this list", fix: Cursor.fix) }
        return PageCursor(time: time, id: cursor.id)
    }

    // MARK: Books

    func listBooks(_ request: Request) throws -> Response {
        let limit = try Self.limit(request)
        let cursor = try Cursor.decode(Self.query(request, "cursor"), kind: "book")
        let books = try database.books(after: try cursor.map(Self.pageCursor), limit: limit + 1)
        let page = Array(books.prefix(limit))
        let next = books.count > limit ? page.last.map { Cursor(kind: "book", time: $0.createdAt, id: $0.id).encoded } : nil
        return Self.cachedJSON(["items": page.map(bookJSON), "next_cursor": next.map { $0 as Any } ?? NSNull()], request: request)
    }

    func book(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let book = try storedBook(context)
        let report = try BookReport.load(book, from: database)
        var object = bookJSON(book)
        object["premise"] = book.premise ?? NSNull()
        object["quality"] = report.chapters.isEmpty ? NSNull() : report.chapters.map(\.quality).reduce(0, +) / Double(report.chapters.count)
        object["target"] = report.target
        object["words"] = report.chapters.map(\.words).reduce(0, +)
        object["chapters"] = report.chapters.map { chapter -> [String: Any] in
            ["number": chapter.number, "version": chapter.version, "words": chapter.words, "quality": chapter.quality,
             "metrics": chapter.values, "scores": chapter.scores, "judge": chapter.judge]
        }
        object["cost_usd"] = try database.summary(of: book.runID).costUSD
        return Self.cachedJSON(object, request: request)
    }

    func manuscript(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let book = try storedBook(context)
        let text = Manuscript.markdown(of: book, chapters: try database.latestChapterVersions(bookID: book.id))
        return Self.cached(text, type: "text/markdown; charset=utf-8", request: request)
    }

    func report(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let book = try storedBook(context)
        let name = Self.query(request, "format") ?? "html"
        let types: [String: (BookReportRenderer.Format, String)] = [
            "html": (.html, "text/html; charset=utf-8"), "md": (.md, "text/markdown; charset=utf-8"), "json": (.json, "application/json"),
        ]
        guard let (format, type) = types[name] else {
            throw APIError.invalidQuery(parameter: "format", message: "\"\(name.prefix(40))\" is not a report format", fix: "give format=html, md or json")
        }
        let report = try BookReport.load(book, from: database)
        return Self.cached(BookReportRenderer.render(report, as: format), type: type, request: request)
    }

    func storedBook(_ context: BasicRequestContext) throws -> BookRecord {
        let id = try Self.storeID(context, resource: "book")
        guard let book = try? database.book(matching: id), book.id == id else { throw APIError.notFound(resource: "book", id: id) }
        return book
    }

    func bookJSON(_ book: BookRecord) -> [String: Any] {
        ["id": book.id, "title": book.title, "run_id": book.runID.rawValue, "status": book.status, "chapter_count": book.chapterCount,
         "created_at": Self.iso(book.createdAt), "updated_at": Self.iso(book.updatedAt),
         "links": ["self": "/api/books/\(book.id)", "manuscript": "/api/books/\(book.id)/manuscript", "report": "/api/books/\(book.id)/report",
                   "run": "/api/runs/\(book.runID.rawValue)"]]
    }

    // MARK: Queue

    func queueState(_ request: Request) async throws -> Response {
        let counts = try await queue.counts()
        let running = try await queue.jobs(status: [.running], beforeID: nil, limit: 200)
        let paused = try await queue.isPaused()
        let object: [String: Any] = [
            "paused": paused,
            "counts": Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) }),
            "processor": processorParallel.withLock { $0 }.map { ["running": true, "parallel": $0] as [String: Any] } ?? ["running": false, "parallel": 0],
            "running": running.map(jobJSON),
        ]
        return Self.cachedJSON(object, request: request)
    }

    func setPaused(_ paused: Bool, _ request: Request) async throws -> Response {
        try await emptyBody(request)
        try await queue.setPaused(paused)
        signal.notify()
        return Self.json(["paused": paused])
    }
}
