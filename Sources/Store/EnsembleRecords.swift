import Foundation
import GRDB

/// One ensemble chapter's merge (`ensemble_chapters`), with its units and the judges' verdicts.
public struct EnsembleChapterRecord: Sendable, Equatable, Codable {
    public struct Candidate: Sendable, Equatable, Codable {
        public var provider: String
        public var sample: Int
        public var words: Int
        public var tokens: Int
        public var costUSD: Double
        /// Continuity violations of its whole draft, checked as the merge is.
        public var violations: Int
        /// Its composite quality as a whole chapter.
        public var quality: Double
        public var failure: String?

        public var label: String { EnsembleChapterRecord.label(provider, sample: sample) }
        public var violationsPer10kWords: Double { ContinuityGraphRecord.density(violations: violations, words: words) }

        public init(provider: String, sample: Int, words: Int, tokens: Int, costUSD: Double, violations: Int, quality: Double, failure: String?) {
            self.provider = provider
            self.sample = sample
            self.words = words
            self.tokens = tokens
            self.costUSD = costUSD
            self.violations = violations
            self.quality = quality
            self.failure = failure
        }
    }

    public var runID: String
    public var bookID: String
    public var chapter: Int
    public var version: Int
    public var unit: String
    /// fixed or learned.
    public var weights: String
    public var candidates: [Candidate]
    /// Every token the chapter's ensemble took: the candidates, the judges and the seams.
    public var tokens: Int
    public var costUSD: Double
    public var words: Int
    public var violations: Int
    public var seams: Int
    public var seamsFused: Int
    public var fallback: String?
    public var createdAt: Date

    public init(runID: String, bookID: String, chapter: Int, version: Int, unit: String, weights: String, candidates: [Candidate], tokens: Int, costUSD: Double,
                words: Int, violations: Int, seams: Int, seamsFused: Int, fallback: String?, createdAt: Date = Date()) {
        self.runID = runID
        self.bookID = bookID
        self.chapter = chapter
        self.version = version
        self.unit = unit
        self.weights = weights
        self.candidates = candidates
        self.tokens = tokens
        self.costUSD = costUSD
        self.words = words
        self.violations = violations
        self.seams = seams
        self.seamsFused = seamsFused
        self.fallback = fallback
        self.createdAt = createdAt
    }

    /// A candidate's name: `sim-a`, or `sim-c#2` for a provider's later samples.
    public static func label(_ provider: String, sample: Int) -> String { sample == 0 ? provider : "\(provider)#\(sample + 1)" }

    public var violationsPer10kWords: Double { ContinuityGraphRecord.density(violations: violations, words: words) }
    /// The best finished candidate's violations per 10,000 words (nil when none finished).
    public var bestCandidatePer10kWords: Double? {
        candidates.filter { $0.failure == nil && $0.words > 0 }.map(\.violationsPer10kWords).min()
    }

    /// Tokens of one generation: the mean over the candidates that finished (all, when none did).
    public var singleTokens: Double { Self.singleTokens(candidates) }

    public static func singleTokens(_ candidates: [Candidate]) -> Double {
        let finished = candidates.filter { $0.failure == nil }
        let pool = finished.isEmpty ? candidates : finished
        return pool.isEmpty ? 0 : Double(pool.map(\.tokens).reduce(0, +)) / Double(pool.count)
    }
}

/// One candidate's unit at one position of an ensemble chapter (`ensemble_units`).
public struct EnsembleUnitRecord: Sendable, Equatable, Codable {
    public var position: Int
    public var beatStart: Int
    public var beatEnd: Int
    public var paragraph: Int?
    public var kind: String
    public var provider: String
    public var sample: Int
    public var composite: Double
    public var judgeShare: Double?
    /// The quality predictor's score of the unit, when the ensemble has one.
    public var predicted: Double?
    public var prior: Double
    public var words: Int
    public var chosen: Bool
    public var oracle: Bool
    /// UTF-8 bytes of the chosen unit in the merged version's text.
    public var bytes: Range<Int>?
    public var fused: Bool

    public init(position: Int, beatStart: Int, beatEnd: Int, paragraph: Int?, kind: String, provider: String, sample: Int, composite: Double,
                judgeShare: Double?, predicted: Double? = nil, prior: Double, words: Int, chosen: Bool, oracle: Bool, bytes: Range<Int>?, fused: Bool) {
        self.position = position
        self.beatStart = beatStart
        self.beatEnd = beatEnd
        self.paragraph = paragraph
        self.kind = kind
        self.provider = provider
        self.sample = sample
        self.composite = composite
        self.judgeShare = judgeShare
        self.predicted = predicted
        self.prior = prior
        self.words = words
        self.chosen = chosen
        self.oracle = oracle
        self.bytes = bytes
        self.fused = fused
    }

    public var evidence: Double { EnsembleEvidence.of(composite: composite, predicted: predicted, judgeShare: judgeShare) }
    public var label: String { EnsembleChapterRecord.label(provider, sample: sample) }
}

/// What a unit's evidence is, on the 0–10 scale: its composite, averaged with the quality
/// predictor's score (clamped to 0–10) when there is one, then averaged with 10 × the judges'
/// share of the verdicts when they were asked.
public enum EnsembleEvidence {
    public static func of(composite: Double, predicted: Double?, judgeShare: Double?) -> Double {
        let heuristic = predicted.map { (composite + min(max($0, 0), 10)) / 2 } ?? composite
        return judgeShare.map { (heuristic + 10 * $0) / 2 } ?? heuristic
    }
}

/// The judges' verdicts on one pair of units (`ensemble_duels`), both orders asked.
public struct EnsembleDuelRecord: Sendable, Equatable, Codable {
    public var chapter: Int
    public var position: Int
    public var kind: String
    public var providerA: String
    public var sampleA: Int
    public var providerB: String
    public var sampleB: Int
    public var winsA: Int
    public var winsB: Int
    public var ties: Int
    public var orderFlips: Int
    public var judge: String

    public init(chapter: Int, position: Int, kind: String, providerA: String, sampleA: Int, providerB: String, sampleB: Int,
                winsA: Int, winsB: Int, ties: Int, orderFlips: Int, judge: String) {
        self.chapter = chapter
        self.position = position
        self.kind = kind
        self.providerA = providerA
        self.sampleA = sampleA
        self.providerB = providerB
        self.sampleB = sampleB
        self.winsA = winsA
        self.winsB = winsB
        self.ties = ties
        self.orderFlips = orderFlips
        self.judge = judge
    }
}

extension WorkbenchDatabase {
    /// Stores a merged chapter's summary, units and verdicts in one transaction.
    public func addEnsembleChapter(_ chapter: EnsembleChapterRecord, units: [EnsembleUnitRecord], duels: [EnsembleDuelRecord]) throws {
        let candidates = String(decoding: try JSONEncoder().encode(chapter.candidates), as: UTF8.self)
        try write { db in
            try db.execute(sql: """
                INSERT INTO ensemble_chapters (run_id, book_id, chapter, version, unit, weights, candidates_json, tokens, cost_usd, words, violations,
                                               seams, seams_fused, fallback, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [chapter.runID, chapter.bookID, chapter.chapter, chapter.version, chapter.unit, chapter.weights, candidates, chapter.tokens,
                                 chapter.costUSD, chapter.words, chapter.violations, chapter.seams, chapter.seamsFused, chapter.fallback, chapter.createdAt])
            for unit in units {
                try db.execute(sql: """
                    INSERT INTO ensemble_units (book_id, chapter, version, position, beat_start, beat_end, paragraph, kind, provider, sample, composite,
                                                judge_share, predicted, prior, words, chosen, oracle, byte_start, byte_end, fused)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [chapter.bookID, chapter.chapter, chapter.version, unit.position, unit.beatStart, unit.beatEnd, unit.paragraph, unit.kind,
                                     unit.provider, unit.sample, unit.composite, unit.judgeShare, unit.predicted, unit.prior.isFinite ? unit.prior : -1e9, unit.words,
                                     unit.chosen, unit.oracle, unit.bytes?.lowerBound, unit.bytes?.upperBound, unit.fused])
            }
            for duel in duels {
                try db.execute(sql: """
                    INSERT INTO ensemble_duels (run_id, book_id, chapter, position, kind, provider_a, sample_a, provider_b, sample_b, wins_a, wins_b, ties,
                                                order_flips, judge, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [chapter.runID, chapter.bookID, duel.chapter, duel.position, duel.kind, duel.providerA, duel.sampleA, duel.providerB,
                                     duel.sampleB, duel.winsA, duel.winsB, duel.ties, duel.orderFlips, duel.judge, chapter.createdAt])
            }
        }
    }

    /// The ensemble chapters of a run, by chapter then version.
    public func ensembleChapters(runID: String) throws -> [EnsembleChapterRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ensemble_chapters WHERE run_id = ? ORDER BY book_id, chapter, version", arguments: [runID]).map { row in
                let json: String = row["candidates_json"]
                return EnsembleChapterRecord(
                    runID: row["run_id"], bookID: row["book_id"], chapter: row["chapter"], version: row["version"], unit: row["unit"], weights: row["weights"],
                    candidates: (try? JSONDecoder().decode([EnsembleChapterRecord.Candidate].self, from: Data(json.utf8))) ?? [],
                    tokens: row["tokens"], costUSD: row["cost_usd"], words: row["words"], violations: row["violations"], seams: row["seams"],
                    seamsFused: row["seams_fused"], fallback: row["fallback"], createdAt: row["created_at"])
            }
        }
    }

    /// The units of one merged chapter version, by position then candidate.
    public func ensembleUnits(bookID: String, chapter: Int, version: Int) throws -> [EnsembleUnitRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ensemble_units WHERE book_id = ? AND chapter = ? AND version = ? ORDER BY position, provider, sample",
                             arguments: [bookID, chapter, version]).map { row in
                let start: Int? = row["byte_start"], end: Int? = row["byte_end"]
                return EnsembleUnitRecord(
                    position: row["position"], beatStart: row["beat_start"], beatEnd: row["beat_end"], paragraph: row["paragraph"], kind: row["kind"],
                    provider: row["provider"], sample: row["sample"], composite: row["composite"], judgeShare: row["judge_share"], predicted: row["predicted"], prior: row["prior"],
                    words: row["words"], chosen: row["chosen"], oracle: row["oracle"], bytes: start.flatMap { s in end.map { s..<$0 } }, fused: row["fused"])
            }
        }
    }

    /// Every pairwise verdict on ensemble units stored in the workspace, except `excludingRun`'s
    /// (a run learns from the judgments made before it, so its own choices stay reproducible).
    public func ensembleDuels(excludingRun: String? = nil) throws -> [EnsembleDuelRecord] {
        try duels(where: "run_id IS NOT ?", excludingRun)
    }

    /// The verdicts of one run, for its report.
    public func ensembleDuels(runID: String) throws -> [EnsembleDuelRecord] {
        try duels(where: "run_id = ?", runID)
    }

    private func duels(where condition: String, _ argument: String?) throws -> [EnsembleDuelRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ensemble_duels WHERE \(condition) ORDER BY id", arguments: [argument]).map { row in
                EnsembleDuelRecord(chapter: row["chapter"], position: row["position"], kind: row["kind"], providerA: row["provider_a"], sampleA: row["sample_a"],
                                   providerB: row["provider_b"], sampleB: row["sample_b"], winsA: row["wins_a"], winsB: row["wins_b"], ties: row["ties"],
                                   orderFlips: row["order_flips"], judge: row["judge"])
            }
        }
    }
}
