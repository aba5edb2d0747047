import ArgumentParser
import Cloud
import Engine
import Foundation
import Queue
import Reports
import Store
import WorkbenchCore

extension Workbench {
    struct QueueCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "queue",
            abstract: "The book queue in the workspace: add sources, manage the jobs, process them, estimate a batch.",
            discussion: "Jobs live in the workspace database; `queue process` writes their books.",
            subcommands: [Add.self, List.self, Show.self, Cancel.self, Retry.self, Purge.self, Pause.self, Resume.self, Process.self, Estimate.self])
    }
}

extension JobStatus: ExpressibleByArgument {}
extension NewJob.TaskSize: ExpressibleByArgument {}

/// Where a queue command's queue is.
enum QueueBackend: String, ExpressibleByArgument, CaseIterable {
    /// The workspace database: one machine.
    case sqlite
    /// The deployment's SQS queue and DynamoDB table (`workbench cloud init`): any number of workers.
    case aws
}

/// `--backend` (and the deployment's `--name` for aws).
struct QueueBackendOptions: ParsableArguments {
    @Option(help: ArgumentHelp("sqlite (the workspace's queue) or aws (the deployment's SQS queue and DynamoDB table; see `workbench cloud`).", valueName: "backend"))
    var backend: QueueBackend = .sqlite
    @OptionGroup var cloud: CloudOptions

    /// The queue, opened for writing (`reading`: a served workspace may be read).
    func queue(_ workspace: WorkspaceOptions, reading: Bool = false) async throws -> any JobQueue {
        switch backend {
        case .sqlite: return SQLiteJobQueue(database: try reading ? workspace.openForReading() : workspace.open())
        case .aws: return try await AWSJobQueue(deployment: try cloud.resources())
        }
    }
}

extension Workbench.QueueCommand {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue one book per source: a premise, an outline (YAML or JSON) or a longer source text to plan from.",
            discussion: """
                --source takes a file, a folder (its files) or a quoted glob ('books/*.txt'), and may be repeated. A \
                .yaml, .yml or .json file is an outline, checked as `generate --outline` checks it; other text of up to \
                400 words is a premise, longer text a source the `plan` route outlines. Every source is read and checked \
                before any is queued: one bad source queues nothing. Exit codes: 0 queued, 2 usage, 65 a bad source or experiment.
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @OptionGroup var backend: QueueBackendOptions
        @Option(help: ArgumentHelp("A file, folder or quoted glob of sources (repeatable).", valueName: "path")) var source: [String] = []
        @Option(help: ArgumentHelp("The experiment the books are written under.", valueName: "file")) var experiment = "Experiments/sim.yaml"
        @Option(help: ArgumentHelp("A section of the experiment's `genres:` (its prompt variables, instructions, targets, plugins).", valueName: "name"))
        var genre: String?
        @Option(help: "The book's title (one source only; default: the planner's or the outline's).") var title: String?
        @Option(help: "Chapters of a planned book (premise or source text).") var chapters: Int?
        @Option(help: "Words per chapter of a planned book.") var words: Int?
        @Option(help: "Higher runs first (default 0).") var priority = 0
        @Option(help: "The seed (default: the experiment's).") var seed: UInt64?
        @Option(name: .customLong("max-attempts"), help: "Attempts before a job is dead (1–20).") var maxAttempts = 3
        @Option(help: ArgumentHelp("book (one task writes the whole book) or chapters (with --backend aws: a plan task, a task per chapter, then the assembly; for Lambda).",
                                   valueName: "size"))
        var tasks: NewJob.TaskSize = .book
        @Flag(help: "Print the queued jobs as JSON.") var json = false

        func validate() throws {
            guard !source.isEmpty else { throw ValidationError("give at least one --source FILE|DIR|GLOB") }
            if tasks == .chapters, backend.backend != .aws {
                throw ValidationError("--tasks chapters divides a book among the workers of a shared queue: give --backend aws")
            }
            if let chapters, !(1...200).contains(chapters) { throw ValidationError("--chapters must be 1 to 200 (got \(chapters))") }
            if let words, !(50...20_000).contains(words) { throw ValidationError("--words must be 50 to 20000 (got \(words))") }
            guard (1...20).contains(maxAttempts) else { throw ValidationError("--max-attempts must be 1 to 20 (got \(maxAttempts))") }
            if let title, title.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--title must not be empty") }
        }

        func run() async throws {
            // The experiment is read first, so a broken one is refused before the queue is touched.
            let config = try ExperimentConfig.load(file: experiment, genre: genre)
            if tasks == .chapters, config.sequential {
                throw ValidationError("\(config.file) writes its chapters in order (sequential: true), each from the ones before: it cannot be divided into chapter tasks (use --tasks book)")
            }
            let queue = try await backend.queue(workspace)
            let files = try JobSources.files(source)
            if title != nil, files.count > 1 { throw ValidationError("--title names one book, and the sources hold \(files.count)") }
            var jobs: [NewJob] = []
            for file in files {
                let read = try JobSources.read(file)
                if case .outline = read, chapters != nil || words != nil {
                    throw ValidationError("\(file) is an outline: its chapters and words are its own (drop --chapters and --words)")
                }
                jobs.append(NewJob(source: read, sourceName: file, experiment: ExperimentConfig.absolute(config.file), genre: genre, title: title, chapters: chapters,
                                   words: words, priority: priority, seed: seed, maxAttempts: maxAttempts, tasks: tasks))
            }
            let added = try await queue.enqueue(jobs, at: Date())
            if json { return Console.output(try JSONOutput.render(added.map(QueueView.object))) }
            let kinds = Dictionary(grouping: added, by: { $0.spec.source.kind.rawValue }).map { "\($0.value.count) \($0.key)\($0.value.count == 1 ? "" : "s")" }.sorted()
            let ids = added.count == 1 ? "job \(added[0].id)" : "jobs \(added.first!.id)–\(added.last!.id)"
            Console.output("queued \(added.count) book\(added.count == 1 ? "" : "s") (\(ids): \(kinds.joined(separator: ", "))) under \(config.file)\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The queued jobs, highest priority first.")

        @OptionGroup var workspace: WorkspaceOptions
        @OptionGroup var backend: QueueBackendOptions
        @Option(help: "Only jobs with this status (repeatable): pending, running, done, dead, cancelled.") var status: [JobStatus] = []
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let queue = try await backend.queue(workspace, reading: true)
            let jobs = try await queue.jobs(status: status.isEmpty ? nil : Set(status))
            if json { return Console.output(try JSONOutput.render(jobs.map(QueueView.object))) }
            var table = TextTable(columns: [.init("ID", .right), .init("STATUS"), .init("KIND"), .init("SOURCE"), .init("PRIORITY", .right),
                                            .init("ATTEMPTS", .right), .init("RUN"), .init("UPDATED")])
            for job in jobs {
                table.append([String(job.id), job.status.rawValue, job.spec.source.kind.rawValue, (job.spec.sourceName as NSString).lastPathComponent,
                              String(job.spec.priority), "\(job.attempts)/\(job.spec.maxAttempts)", job.runID?.rawValue ?? "–",
                              QueueView.time(job.updatedAt)])
            }
            let counts = Dictionary(grouping: try await queue.jobs(status: nil), by: \.status)
            let summary = JobStatus.allCases.compactMap { status in counts[status].map { "\($0.count) \(status)" } }.joined(separator: ", ")
            let paused = try await queue.isPaused()
            Console.output((paused ? "The queue is paused (`workbench queue resume`).\n" : "")
                           + (jobs.isEmpty ? "No jobs\(status.isEmpty ? "" : " with that status").\n" : table.render())
                           + (summary.isEmpty ? "" : "\nQueue: \(summary)\n"))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One job: its source, experiment, attempts, lease, run and last error.")

        @OptionGroup var workspace: WorkspaceOptions
        @OptionGroup var backend: QueueBackendOptions
        @Argument(help: "The job's id.") var id: Int64
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() async throws {
            let job = try await backend.queue(workspace, reading: true).job(id)
            if json { return Console.output(try JSONOutput.render(QueueView.object(job))) }
            var lines = ["Job \(job.id): \(job.status)", "source: \(job.spec.sourceName) (\(job.spec.source.kind.rawValue))", "experiment: \(job.spec.experiment)"]
            switch job.spec.source {
            case .premise(let text): lines.append("premise: \(text.prefix(300))")
            case .outline(let outline): lines.append("outline: \"\(outline.title)\", \(outline.chapters.count) chapters")
            case .text(let text): lines.append("source text: \(text.split(whereSeparator: \.isWhitespace).count) words")
            case .regress(let request): lines.append("regress against baseline \(request.baseline) (\(request.baselinesFolder))")
            }
            if let genre = job.spec.genre { lines.append("genre: \(genre)") }
            if let title = job.spec.title { lines.append("title: \(title)") }
            if let chapters = job.spec.chapters { lines.append("chapters: \(chapters)") }
            if let words = job.spec.words { lines.append("words per chapter: \(words)") }
            if let seed = job.spec.seed { lines.append("seed: \(seed)") }
            lines.append("priority: \(job.spec.priority); attempts: \(job.attempts) of \(job.spec.maxAttempts)")
            if let run = job.runID { lines.append("run: \(run) (`workbench runs show \(run)`)") }
            if let owner = job.leaseOwner, let until = job.leaseExpiresAt {
                lines.append("leased to \(owner) until \(QueueView.time(until))")
            }
            if let notBefore = job.notBefore { lines.append("retries after \(QueueView.time(notBefore))") }
            if let error = job.lastError { lines.append("last error: \(error)") }
            lines.append("queued \(QueueView.time(job.createdAt)), updated \(QueueView.time(job.updatedAt))")
            Console.output(lines.joined(separator: "\n") + "\n")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a pending or running job (exit 2 for one already finished).")
        @OptionGroup var workspace: WorkspaceOptions
        @OptionGroup var backend: QueueBackendOptions
        @Argument(help: "The job's id.") var id: Int64

        func run() async throws {
            let job = try await backend.queue(workspace).cancel(id, at: Date())
            Console.output("job \(job.id) cancelled\n")
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a dead or cancelled job pending again, with fresh attempts; it resumes its run.")
        @OptionGroup var workspace: WorkspaceOptions
        @OptionGroup var backend: QueueBackendOptions
        @Argument(help: "The job's id.") var id: Int64

        func run() async throws {
            let job = try await backend.queue(workspace).retry(id, at: Date())
            Console.output("job \(job.id) pending again (\(job.spec.maxAttempts) attempts)\n")
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete the jobs with a final status (done, dead or cancelled); their runs and books stay.")
        @OptionGroup var workspace: WorkspaceOptions
        @OptionGroup var backend: QueueBackendOptions
        @Option(help: "done, dead or cancelled (repeatable).") var status: [JobStatus] = []

        func validate() throws {
            guard !status.isEmpty else { throw ValidationError("give --status done, dead or cancelled") }
            if let unfinished = status.first(where: { !$0.isFinal }) { throw ValidationError("--status \(unfinished): only done, dead or cancelled jobs can be purged") }
        }

        func run() async throws {
            let count = try await backend.queue(workspace).purge(Set(status))
            Console.output("purged \(count) job\(count == 1 ? "" : "s")\n")
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop handing out jobs (books in progress finish); `queue resume` starts again.")
        @OptionGroup var workspace: WorkspaceOptions
        @OptionGroup var backend: QueueBackendOptions
        func run() async throws {
            try await backend.queue(workspace).setPaused(true)
            Console.output("queue paused\n")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hand out jobs again after `queue pause`.")
        @OptionGroup var workspace: WorkspaceOptions
        @OptionGroup var backend: QueueBackendOptions
        func run() async throws {
            try await backend.queue(workspace).setPaused(false)
            Console.output("queue resumed\n")
        }
    }
}

/// A job as JSON (`queue list|show|add --json`).
enum QueueView {
    static func time(_ date: Date) -> String { CivilTime(secondsSince1970: date.timeIntervalSince1970).iso8601 }

    static func object(_ job: Job) -> [String: Any] {
        func time(_ date: Date?) -> Any { date.map(QueueView.time) ?? NSNull() }
        var source: [String: Any] = ["kind": job.spec.source.kind.rawValue, "file": job.spec.sourceName]
        switch job.spec.source {
        case .premise(let text): source["premise"] = text
        case .outline(let outline): source["title"] = outline.title; source["chapters"] = outline.chapters.count
        case .text(let text): source["words"] = text.split(whereSeparator: \.isWhitespace).count
        case .regress(let request): source["baseline"] = request.baseline
        }
        return ["id": job.id, "status": job.status.rawValue, "source": source, "experiment": job.spec.experiment, "genre": job.spec.genre ?? NSNull(), "title": job.spec.title ?? NSNull(),
                "chapters": job.spec.chapters ?? NSNull(), "words": job.spec.words ?? NSNull(), "priority": job.spec.priority,
                "seed": job.spec.seed ?? NSNull(), "attempts": job.attempts, "max_attempts": job.spec.maxAttempts, "run": job.runID?.rawValue ?? NSNull(),
                "lease_owner": job.leaseOwner ?? NSNull(), "lease_expires_at": time(job.leaseExpiresAt), "not_before": time(job.notBefore),
                "last_error": job.lastError ?? NSNull(), "created_at": time(job.createdAt), "updated_at": time(job.updatedAt),
                "tasks": job.spec.tasks.rawValue, "chapter": job.spec.chapter ?? NSNull(), "parent": job.spec.parent ?? NSNull()]
    }
}
