import Foundation

/// A chapter a worker has done, as it recorded it for every process to read.
public struct SharedChapter: Sendable, Equatable {
    public var number: Int
    public var quality: Double
    public var words: Int

    public init(number: Int, quality: Double, words: Int) {
        self.number = number
        self.quality = quality
        self.words = words
    }
}

/// What a job made, as its worker recorded it for every process to read.
public struct SharedJobResult: Sendable, Equatable {
    public var runID: String
    public var worker: String
    public var costUSD: Double
    /// A book's quality and words; nil for a regress.
    public var quality: Double?
    public var words: Int?
    /// Where each chapter's kept text and the manuscript are (keys of `text(at:)`), by chapter number.
    public var chapterKeys: [Int: String]
    public var manuscriptKey: String?
    /// A regress's verdict.
    public var baseline: String?
    public var passed: Bool?
    public var summary: String?

    public init(runID: String, worker: String, costUSD: Double, quality: Double? = nil, words: Int? = nil, chapterKeys: [Int: String] = [:],
                manuscriptKey: String? = nil, baseline: String? = nil, passed: Bool? = nil, summary: String? = nil) {
        self.runID = runID
        self.worker = worker
        self.costUSD = costUSD
        self.quality = quality
        self.words = words
        self.chapterKeys = chapterKeys
        self.manuscriptKey = manuscriptKey
        self.baseline = baseline
        self.passed = passed
        self.summary = summary
    }
}

/// Progress and results of a shared queue's jobs where any process can read them (the AWS
/// backend: its table and bucket), for a job whose run is in another machine's workspace.
public protocol SharedJobRecords: Sendable {
    /// The chapters done so far, by number.
    func chapters(of job: Int64) async throws -> [SharedChapter]
    /// The job's result, once its worker stored it.
    func result(of job: Int64) async throws -> SharedJobResult?
    /// A stored text (a chapter, a manuscript) by its key; nil when there is none.
    func text(at key: String) async throws -> String?
}
