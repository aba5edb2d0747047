import Engine
import Experiments
import Foundation
import HTTPTypes
import Hummingbird
import Quality
import Queue
import Store
import WorkbenchCore

extension APIServer {
    static let bookFields = ["premise", "outline", "text", "experiment", "genre", "title", "chapters", "words", "priority", "seed", "max_attempts"]
    static let chapterFields = ["outline", "chapter_num", "quality_target", "word_count", "experiment", "genre", "priority", "seed"]

    /// `POST /api/books`: a book from a premise, an outline or a source text, queued (202).
    func createBook(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await self.body(request, allowed: Self.bookFields)
        let given = ["premise", "outline", "text"].filter(body.has)
        guard given.count == 1 else {
            throw given.isEmpty
                ? APIError.missingField(field: "premise", fix: "give one of premise, outline or text")
                : APIError.invalidValue(field: given[1], message: "\(given.joined(separator: " and ")) given together", fix: "give one of premise, outline or text")
        }
        let source: JobSource
        if let premise = try body.string("premise") {
            source = .premise(premise)
        } else if let text = try body.string("text", maxLength: settings.bodyLimit) {
            source = .text(text)
        } else {
            source = .outline(try Self.outline(body))
        }
        let (experiment, genre) = try experiment(body)
        let chapters = try body.int("chapters", in: 1...200), words = try body.int("words", in: 50...20_000)
        if chapters != nil, case .outline = source {
            throw APIError.invalidValue(field: "chapters", message: "an outline has its own chapters", fix: "leave chapters out when you give an outline")
        }
        let job = NewJob(source: source, sourceName: "api", experiment: experiment, genre: genre, title: try body.string("title", maxLength: 300),
                         chapters: chapters, words: words, priority: try body.int("priority", in: -1000...1000) ?? 0,
                         seed: try body.int("seed", in: 0...Int(Int32.max)).map(UInt64.init), maxAttempts: try body.int("max_attempts", in: 1...10) ?? 3)
        return try await enqueue(job)
    }

    /// `POST /api/generate/chapter`: one chapter of an outline (the roadmap's body), queued;
    /// `?wait=true` answers with the chapter when it is written.
    func generateChapter(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let wait = try Self.flag(request, "wait")
        let timeout = try Self.waitTimeout(request)
        let body = try await self.body(request, allowed: Self.chapterFields)
        guard body.has("outline") else { throw APIError.missingField(field: "outline", fix: "give the book's outline: title, obsession, characters and chapters") }
        let outline = try Self.outline(body)
        guard let number = try body.int("chapter_num", in: 1...200) else {
            throw APIError.missingField(field: "chapter_num", fix: "give the number of the outline's chapter to write")
        }
        guard outline.chapters.contains(where: { $0.number == number }) else {
            throw APIError.invalidValue(field: "chapter_num", message: "the outline has no chapter \(number)",
                                        fix: "give one of \(outline.chapters.map { String($0.number) }.joined(separator: ", "))")
        }
        let (experiment, genre) = try experiment(body)
        let job = NewJob(source: .outline(outline), sourceName: "api", experiment: experiment, genre: genre, words: try body.int("word_count", in: 50...20_000),
                         chapter: number, qualityTarget: try body.double("quality_target", in: 0...10), priority: try body.int("priority", in: -1000...1000) ?? 0,
                         seed: try body.int("seed", in: 0...Int(Int32.max)).map(UInt64.init))
        return try await enqueue(job, waitingAtMost: wait ? timeout : nil)
    }

    /// Queues `job`: 202 with it and its links, or with a wait its result once it is finished
    /// (202 with the job as it stands when the wait ends first).
    func enqueue(_ job: NewJob, waitingAtMost timeout: TimeInterval? = nil) async throws -> Response {
        let queued = try await queue.enqueue([job], at: Date())[0]
        signal.notify()
        guard let timeout else { return Self.json(jobJSON(queued), status: .accepted, headers: [.location: "/api/jobs/\(queued.id)"]) }
        let final = try await waitForFinal(queued.id, timeout: timeout)
        guard final.status.isFinal else { return Self.json(jobJSON(final), status: .accepted, headers: [.location: "/api/jobs/\(final.id)"]) }
        return Self.json(try await result(of: final))
    }

    /// The outline of a body, checked as `generate --outline` checks a file.
    static func outline(_ body: RequestObject) throws -> Outline {
        guard let object = try body.object("outline") else { throw APIError.missingField(field: "outline", fix: "give the outline as an object") }
        let outline: Outline
        do {
            outline = try JSONDecoder().decode(Outline.self, from: jsonData(object))
        } catch let error as DecodingError {
            let field = DecodingProblem.field(of: error)
            throw APIError.invalidValue(field: field.isEmpty ? "outline" : "outline." + field, message: DecodingProblem.problem(of: error), fix: "give title, logline, obsession, setting, characters and chapters as `workbench generate --outline` takes them")
        }
        let problems = outline.problems(expectedChapters: nil)
        guard problems.isEmpty else { throw APIError.invalidValue(field: "outline", message: problems.joined(separator: "; "), fix: "complete the outline") }
        return outline
    }

    /// The experiment file a body names (`NAME` → `experiments folder/NAME.yaml`, nothing
    /// else: never a path), or the default; loaded now so a broken one or an unknown genre is refused.
    func experiment(_ body: RequestObject) throws -> (file: String, genre: String?) {
        let file = try experimentFile(body) ?? settings.defaultExperiment
        let genre = try body.string("genre", maxLength: 64)
        do {
            _ = try experiments.load(file: file, genre: genre)
        } catch let error as any WorkbenchError {
            throw APIError.invalidValue(field: genre != nil ? "genre" : "experiment", message: error.message, fix: error.fix ?? "fix the experiment file")
        }
        return (file, genre)
    }

    /// The file of the body's `experiment` name, nil when it names none.
    func experimentFile(_ body: RequestObject) throws -> String? {
        guard let name = try body.string("experiment", maxLength: 64) else { return nil }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw APIError.invalidValue(field: "experiment", message: "\"\(name)\" is not an experiment name", fix: "give the name of a file in the server's experiments folder, without .yaml")
        }
        let file = settings.experimentsFolder + "/" + name + ".yaml"
        guard FileManager.default.fileExists(atPath: file) else {
            throw APIError.invalidValue(field: "experiment", message: "there is no experiment \(name)", fix: "give one of \(Self.experimentNames(in: settings.experimentsFolder).joined(separator: ", "))")
        }
        return file
    }

    static func experimentNames(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    // MARK: Reading and cancelling

    func listJobs(_ request: Request) async throws -> Response {
        let limit = try Self.limit(request)
        var statuses: Set<JobStatus>?
        if let text = Self.query(request, "status") {
            let parsed = text.split(separator: ",").map { JobStatus(rawValue: String($0)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
                throw APIError.invalidQuery(parameter: "status", message: "\"\(text.prefix(60))\" is not a job status",
                                            fix: "give one or more of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")), separated by commas")
            }
            statuses = Set(parsed.compactMap { $0 })
        }
        let before = try Cursor.decode(Self.query(request, "cursor"), kind: "job").map { cursor -> Int64 in
            guard let id = Int64(cursor.id) else { throw APIError.invalidQuery(parameter: "cursor", message: "not a cursor this server gave", fix: Cursor.fix) }
            return id
        }
        let jobs = try await queue.jobs(status: statuses, beforeID: before, limit: limit + 1)
        let page = Array(jobs.prefix(limit))
        let next = jobs.count > limit ? page.last.map { Cursor(kind: "job", time: nil, id: String($0.id)).encoded } : nil
        return Self.cachedJSON(["items": page.map(jobJSON), "next_cursor": next.map { $0 as Any } ?? NSNull()], request: request)
    }

    func showJob(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let job = try await queue.job(try Self.jobID(context))
        var object = jobJSON(job)
        object["progress"] = try await progress(of: job)
        return Self.cachedJSON(object, request: request)
    }

    /// `GET /api/jobs/{id}/result`: a chapter job's chapter (the roadmap's answer), a book job's figures, a regress job's verdict.
    func jobResult(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let job = try await queue.job(try Self.jobID(context))
        guard job.status == .done else {
            throw APIError.conflict(message: "job \(job.id) is \(job.status): it has no result yet",
                                    fix: job.status.isFinal ? "see its last_error with GET /api/jobs/\(job.id)" : "wait for it (GET /api/jobs/\(job.id)/events) and ask again")
        }
        return Self.cachedJSON(try await result(of: job), request: request)
    }

    func cancelJob(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try Self.jobID(context)
        try await emptyBody(request)
        let job = try await queue.cancel(id, at: Date())
        signal.notify()
        return Self.json(jobJSON(job))
    }

    /// Waits (the change signal, at most `timeout`) until the job is done, dead or cancelled.
    func waitForFinal(_ id: Int64, timeout: TimeInterval) async throws -> Job {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let seen = signal.generation
            let job = try await queue.job(id)
            if job.status.isFinal || Date() >= deadline || isShuttingDown || Task.isCancelled { return job }
            await signal.wait(since: seen, timeout: min(settings.streamPoll, .seconds(max(0.01, deadline.timeIntervalSinceNow))))
        }
    }

    /// What a finished job made: for a chapter job the roadmap's shape (chapter_text,
    /// quality_score, metrics, cost); for a book, its quality, words and cost; for a regress, its verdict and report.
    func result(of job: Job) async throws -> [String: Any] {
        switch job.status {
        case .done: break
        case .cancelled: throw APIError.conflict(message: "job \(job.id) was cancelled", fix: "queue it again")
        default: throw APIError.conflict(message: "job \(job.id) is \(job.status): \(job.lastError ?? "no error recorded")", fix: "see GET /api/jobs/\(job.id)")
        }
        guard let run = job.runID else { throw APIError.internalError(message: "job \(job.id) is done but has no run") }
        if let shared, !isLocal(run) { return try await sharedResult(of: job, from: shared) }
        if case .regress = job.spec.source { return try regressResult(job, run: run) }
        let book = try database.book(matchingBookOrRun: run.rawValue)
        let versions = try database.latestChapterVersions(bookID: book.id)
        let summary = try database.summary(of: run)
        var result: [String: Any] = ["job_id": job.id, "run_id": run.rawValue, "book_id": book.id, "cost": summary.costUSD,
                                     "tokens": summary.promptTokens + summary.completionTokens]
        guard let number = job.spec.chapter else {
            result["quality_score"] = try EngineJobRunner.quality(database, run: run)
            result["words"] = versions.map(\.wordCount).reduce(0, +)
            result["chapters"] = versions.count
            return result
        }
        guard let version = versions.first(where: { $0.chapter == number }) else {
            throw APIError.internalError(message: "job \(job.id) is done but its chapter \(number) is not stored")
        }
        let scores = try database.scores(versionIDs: [version.id ?? -1])[version.id ?? -1] ?? [:]
        // The heuristic metrics' values (the judges' scores are kept apart, under `judge`).
        var metrics = scores[QualityAnalyzer.scorer] ?? [:]
        let quality = metrics.removeValue(forKey: "quality") ?? 0
        result["chapter_num"] = number
        result["chapter_text"] = version.text
        result["quality_score"] = quality
        result["metrics"] = metrics
        result["judge"] = scores.filter { $0.key.hasPrefix("judge:") }.values.reduce(into: [String: Double]()) { $0.merge($1) { first, _ in first } }
        result["words"] = version.wordCount
        result["version"] = version.version
        return result
    }

    /// Whether the run is in this workspace (else another worker of a shared queue wrote it).
    func isLocal(_ run: RunID) -> Bool {
        (try? database.run(matching: run.rawValue)) != nil
    }

    /// A job another worker ran, as it recorded it: a book's figures and manuscript key, a
    /// chapter's text and quality (its metrics stay in that worker's workspace), a regress's verdict.
    func sharedResult(of job: Job, from shared: any SharedJobRecords) async throws -> [String: Any] {
        guard let stored = try await shared.result(of: job.id) else {
            throw APIError.internalError(message: "job \(job.id) is done but its worker stored no result")
        }
        var result: [String: Any] = ["job_id": job.id, "run_id": stored.runID, "cost": stored.costUSD, "worker": stored.worker]
        if case .regress(let request) = job.spec.source {
            result["baseline"] = stored.baseline ?? request.baseline
            result["passed"] = stored.passed ?? NSNull()
            result["summary"] = stored.summary ?? NSNull()
            return result
        }
        result["manuscript_key"] = stored.manuscriptKey ?? NSNull()
        guard let number = job.spec.chapter else {
            result["quality_score"] = stored.quality ?? NSNull()
            result["words"] = stored.words ?? NSNull()
            result["chapters"] = stored.chapterKeys.count
            return result
        }
        guard let key = stored.chapterKeys[number], let text = try await shared.text(at: key) else {
            throw APIError.internalError(message: "job \(job.id) is done but its chapter \(number) is not in the bucket")
        }
        let chapter = try await shared.chapters(of: job.id).first { $0.number == number }
        result["chapter_num"] = number
        result["chapter_text"] = text
        result["quality_score"] = chapter?.quality ?? stored.quality ?? NSNull()
        result["words"] = chapter?.words ?? stored.words ?? NSNull()
        return result
    }

    // MARK: JSON

    func jobJSON(_ job: Job) -> [String: Any] {
        var links: [String: Any] = ["self": "/api/jobs/\(job.id)", "events": "/api/jobs/\(job.id)/events", "result": "/api/jobs/\(job.id)/result"]
        if !job.status.isFinal { links["cancel"] = "/api/jobs/\(job.id)/cancel" }
        if let run = job.runID { links["run"] = "/api/runs/\(run.rawValue)" }
        let experiment = URL(fileURLWithPath: job.spec.experiment).deletingPathExtension().lastPathComponent
        return [
            "id": job.id, "kind": Self.kind(of: job), "status": job.status.rawValue,
            "source": Self.sourceJSON(job.spec),
            "experiment": experiment, "genre": job.spec.genre ?? NSNull(), "title": job.spec.title ?? NSNull(),
            "chapters": job.spec.chapters ?? NSNull(), "words": job.spec.words ?? NSNull(), "chapter_num": job.spec.chapter ?? NSNull(),
            "quality_target": job.spec.qualityTarget ?? NSNull(), "priority": job.spec.priority, "attempts": job.attempts, "max_attempts": job.spec.maxAttempts,
            "run_id": job.runID?.rawValue ?? NSNull(), "last_error": job.lastError ?? NSNull(),
            "created_at": Self.iso(job.createdAt), "updated_at": Self.iso(job.updatedAt), "links": links,
        ]
    }

    static func sourceJSON(_ spec: NewJob) -> [String: Any] {
        var source: [String: Any] = ["kind": spec.source.kind.rawValue, "name": spec.sourceName]
        if case .regress(let request) = spec.source { source["baseline"] = request.baseline }
        return source
    }

    static func kind(of job: Job) -> String {
        if case .regress = job.spec.source { return "regress" }
        return job.spec.chapter == nil ? "book" : "chapter"
    }

    /// A job's run so far: chapters planned and done, words, cost, the latest quality. A
    /// regress counts every sample of every suite chapter.
    func progress(of job: Job) async throws -> [String: Any] {
        guard let run = job.runID else { return ["chapters_total": NSNull(), "chapters_done": 0, "cost_usd": 0, "words": 0] }
        if let shared, !isLocal(run) {
            // Another worker's: what it recorded (its cost once it is done).
            let chapters = try await shared.chapters(of: job.id)
            let cost = job.status == .done ? try await shared.result(of: job.id)?.costUSD : nil
            return ["chapters_total": job.spec.chapter != nil ? 1 : job.spec.chapters.map { $0 as Any } ?? NSNull(), "chapters_done": chapters.count,
                    "words": chapters.map(\.words).reduce(0, +), "cost_usd": cost.map { $0 as Any } ?? NSNull(), "run_status": NSNull()]
        }
        let done = try database.events(of: run, kind: "chapter.done")
        let summary = try database.summary(of: run)
        let total: Int?, doneCount: Int
        if case .regress = job.spec.source {
            let suite = try database.events(of: run, kind: SuiteWriter.startedEvent).last
            total = (suite?["chapters"] as? Int).flatMap { chapters in (suite?["samples"] as? Int).map { chapters * $0 } }
            doneCount = done.count
        } else {
            total = job.spec.chapter != nil ? 1 : try database.events(of: run, kind: "plan.done").last?["chapters"] as? Int
            doneCount = Set(done.compactMap { $0["chapter"] as? Int }).count
        }
        return ["chapters_total": total ?? NSNull(), "chapters_done": doneCount,
                "words": done.compactMap { $0["words"] as? Int }.reduce(0, +), "cost_usd": summary.costUSD,
                "tokens": summary.promptTokens + summary.completionTokens, "run_status": summary.run.status.rawValue]
    }

    // MARK: Query flags

    static func flag(_ request: Request, _ name: String) throws -> Bool {
        guard let text = query(request, name) else { return false }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no", "": return false
        default: throw APIError.invalidQuery(parameter: name, message: "\"\(text.prefix(40))\" is not true or false", fix: "give \(name)=true or \(name)=false")
        }
    }

    static func waitTimeout(_ request: Request) throws -> TimeInterval {
        guard let text = query(request, "timeout") else { return 600 }
        guard let value = Double(text), value.isFinite, value > 0, value <= 3600 else {
            throw APIError.invalidQuery(parameter: "timeout", message: "\"\(text.prefix(40))\" is not a number of seconds from 0 to 3600", fix: "give timeout in seconds, at most 3600")
        }
        return value
    }
}

/// An opaque page cursor: what kind of list it pages, and the last row's time and id.
struct Cursor {
    static let fix = "pass back the next_cursor of the page before, unchanged"
    var kind: String
    var time: Date?
    var id: String

    var encoded: String {
        let text = [kind, time.map { String(format: "%.6f", $0.timeIntervalSince1970) } ?? "", id].joined(separator: "|")
        return Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String?, kind: String) throws -> Cursor? {
        guard let text else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard text.count <= 200, let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8) else {
            throw APIError.invalidQuery(parameter: "cursor", message: "not a cursor this server gave", fix: fix)
        }
        let parts = decoded.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == kind, !parts[2].isEmpty else {
            throw APIError.invalidQuery(parameter: "cursor", message: "not a cursor of this list", fix: fix)
        }
        var time: Date?
        if !parts[1].isEmpty {
            guard let seconds = Double(parts[1]), seconds.isFinite else { throw APIError.invalidQuery(parameter: "cursor", message: "not a cursor this server gave", fix: fix) }
            time = Date(timeIntervalSince1970: seconds)
        }
        return Cursor(kind: kind, time: time, id: parts[2])
    }
}
