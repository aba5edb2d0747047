import Experiments
import Foundation
import WorkbenchCore

/// Where a queued book is in its life. `pending` waits (or waits out a retry's backoff),
/// `running` is leased by a processor, `done` has its manuscript, `dead` failed its last
/// attempt (`queue retry` revives it), `cancelled` was stopped by `queue cancel`.
public enum JobStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case pending, running, done, dead, cancelled
    public var description: String { rawValue }
    /// Whether the job will not run again unless retried.
    public var isFinal: Bool { self == .done || self == .dead || self == .cancelled }
}

/// What a job does. A book is written from a premise (planned into an outline), an outline
/// (written as given), or a longer source text (the `plan` route makes a premise-driven
/// outline of it); a regress writes a baseline's suite again and checks it against the baseline.
public enum JobSource: Sendable, Equatable {
    case premise(String)
    case outline(Outline)
    case text(String)
    case regress(RegressionRequest)

    public var kind: Kind {
        switch self {
        case .premise: .premise
        case .outline: .outline
        case .text: .text
        case .regress: .regress
        }
    }

    public enum Kind: String, Sendable, Codable, CaseIterable {
        case premise, outline, text, regress
    }
}

/// A job to enqueue: its source, the experiment it is written under and what the command
/// line overrides.
public struct NewJob: Sendable, Equatable {
    public var source: JobSource
    /// The file it came from, as given (shown in `queue list`).
    public var sourceName: String
    /// The experiment file's absolute path.
    public var experiment: String
    /// The experiment's `genres:` section the book is written under.
    public var genre: String?
    public var title: String?
    public var chapters: Int?
    public var words: Int?
    /// Only this chapter of the outline is written (`POST /api/generate/chapter`); nil for the book.
    public var chapter: Int?
    /// The quality target instead of the experiment's (0–10).
    public var qualityTarget: Double?
    public var priority: Int
    public var seed: UInt64?
    public var maxAttempts: Int
    /// How a shared queue divides the book: one task, or a plan task, a task per chapter
    /// and the assembly (the book's job waits for its chapters' jobs).
    public var tasks: TaskSize = .book
    /// A chapter task's book job.
    public var parent: Int64?

    /// The work one task of a book does.
    public enum TaskSize: String, Sendable, Codable, CaseIterable {
        case book, chapters
    }

    public init(source: JobSource, sourceName: String, experiment: String, genre: String? = nil, title: String? = nil, chapters: Int? = nil, words: Int? = nil,
                chapter: Int? = nil, qualityTarget: Double? = nil, priority: Int = 0, seed: UInt64? = nil, maxAttempts: Int = 3,
                tasks: TaskSize = .book, parent: Int64? = nil) {
        self.tasks = tasks
        self.parent = parent
        self.source = source
        self.sourceName = sourceName
        self.experiment = experiment
        self.genre = genre
        self.title = title
        self.chapters = chapters
        self.words = words
        self.chapter = chapter
        self.qualityTarget = qualityTarget
        self.priority = priority
        self.seed = seed
        self.maxAttempts = maxAttempts
    }
}

/// A job as the queue holds it.
public struct Job: Sendable, Equatable {
    public var id: Int64
    public var status: JobStatus
    public var spec: NewJob
    public var attempts: Int
    /// The engine run writing (or that wrote) the book; kept across attempts so a retry resumes it.
    public var runID: RunID?
    /// The processor holding the lease, and until when.
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var heartbeatAt: Date?
    /// A retried job waits until then (its backoff).
    public var notBefore: Date?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, status: JobStatus, spec: NewJob, attempts: Int, runID: RunID?, leaseOwner: String?, leaseExpiresAt: Date?, heartbeatAt: Date?,
                notBefore: Date?, lastError: String?, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.status = status
        self.spec = spec
        self.attempts = attempts
        self.runID = runID
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.heartbeatAt = heartbeatAt
        self.notBefore = notBefore
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

// A job's spec as JSON, for a queue that keeps it outside SQLite (an S3 object).
extension JobSource: Codable {
    private enum CodingKeys: String, CodingKey { case kind, text, outline, request }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .kind) {
        case .premise: self = .premise(try container.decode(String.self, forKey: .text))
        case .text: self = .text(try container.decode(String.self, forKey: .text))
        case .outline: self = .outline(try container.decode(Outline.self, forKey: .outline))
        case .regress: self = .regress(try container.decode(RegressionRequest.self, forKey: .request))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .premise(let text), .text(let text): try container.encode(text, forKey: .text)
        case .outline(let outline): try container.encode(outline, forKey: .outline)
        case .regress(let request): try container.encode(request, forKey: .request)
        }
    }
}

extension NewJob: Codable {
    private enum CodingKeys: String, CodingKey {
        case source, experiment, genre, title, chapters, words, chapter, priority, seed, tasks, parent
        case sourceName = "source_name", qualityTarget = "quality_target", maxAttempts = "max_attempts"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(source: try container.decode(JobSource.self, forKey: .source), sourceName: try container.decode(String.self, forKey: .sourceName),
                  experiment: try container.decode(String.self, forKey: .experiment), genre: try container.decodeIfPresent(String.self, forKey: .genre),
                  title: try container.decodeIfPresent(String.self, forKey: .title), chapters: try container.decodeIfPresent(Int.self, forKey: .chapters),
                  words: try container.decodeIfPresent(Int.self, forKey: .words), chapter: try container.decodeIfPresent(Int.self, forKey: .chapter),
                  qualityTarget: try container.decodeIfPresent(Double.self, forKey: .qualityTarget), priority: try container.decodeIfPresent(Int.self, forKey: .priority) ?? 0,
                  seed: try container.decodeIfPresent(UInt64.self, forKey: .seed), maxAttempts: try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? 3,
                  tasks: try container.decodeIfPresent(TaskSize.self, forKey: .tasks) ?? .book, parent: try container.decodeIfPresent(Int64.self, forKey: .parent))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(sourceName, forKey: .sourceName)
        try container.encode(experiment, forKey: .experiment)
        try container.encodeIfPresent(genre, forKey: .genre)
        try container.encodeIfPresent(title, forKey: .title)
        try container.encodeIfPresent(chapters, forKey: .chapters)
        try container.encodeIfPresent(words, forKey: .words)
        try container.encodeIfPresent(chapter, forKey: .chapter)
        try container.encodeIfPresent(qualityTarget, forKey: .qualityTarget)
        try container.encode(priority, forKey: .priority)
        try container.encodeIfPresent(seed, forKey: .seed)
        try container.encode(maxAttempts, forKey: .maxAttempts)
        // Only when not the default: a spec written before these existed keeps its bytes (and its key).
        if tasks != .book { try container.encode(tasks, forKey: .tasks) }
        try container.encodeIfPresent(parent, forKey: .parent)
    }
}
