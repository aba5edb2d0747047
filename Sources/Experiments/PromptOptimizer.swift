import Engine
import Foundation
import Learning
import LLM
import Store
import WorkbenchCore

/// What an optimisation run searches for and how: stored as its run's configuration, so
/// `optimize show` and `optimize resume` read back exactly what was planned.
public struct OptimizeDesign: Codable, Sendable, Equatable {
    public var experimentFile: String
    /// The prompt folder whose `{{instructions}}` slot the search fills, and its templates' hash.
    public var basePrompts: String
    public var basePromptsHash: String
    public var targetMetric: String
    /// Stop once the best development score reaches this (nil: run every iteration).
    public var target: Double?
    /// Candidates evaluated on the development suite after the base.
    public var iterations: Int
    public var budgetUSD: Double?
    /// Samples of each development chapter per evaluation, and of each held-out chapter in the confirmation.
    public var samples: Int
    public var confirmSamples: Int
    /// Mutations proposed per iteration, and LLM rewrites beside them.
    public var pool: Int
    public var llmProposals: Int
    public var maxInstructions: Int
    /// κ of the surrogate's upper confidence bound: mean + κ·sd.
    public var exploration: Double
    public var alpha: Double
    public var seed: UInt64
    public var library: InstructionLibrary
    public var development: RegressionSuite
    public var heldOut: RegressionSuite
    /// The folder under which `optimize-<run>/cNNN` holds each evaluated candidate's prompts (the workspace's Reports).
    public var candidatesRoot: String

    public init(experimentFile: String, basePrompts: String, basePromptsHash: String, targetMetric: String, target: Double?, iterations: Int,
                budgetUSD: Double?, samples: Int, confirmSamples: Int, pool: Int, llmProposals: Int, maxInstructions: Int, exploration: Double,
                alpha: Double, seed: UInt64, library: InstructionLibrary, development: RegressionSuite, heldOut: RegressionSuite, candidatesRoot: String) {
        self.experimentFile = experimentFile
        self.basePrompts = basePrompts
        self.basePromptsHash = basePromptsHash
        self.targetMetric = targetMetric
        self.target = target
        self.iterations = iterations
        self.budgetUSD = budgetUSD
        self.samples = samples
        self.confirmSamples = confirmSamples
        self.pool = pool
        self.llmProposals = llmProposals
        self.maxInstructions = maxInstructions
        self.exploration = exploration
        self.alpha = alpha
        self.seed = seed
        self.library = library
        self.development = development
        self.heldOut = heldOut
        self.candidatesRoot = candidatesRoot
    }

    enum CodingKeys: String, CodingKey {
        case target, iterations, samples, pool, exploration, alpha, seed, library, development
        case experimentFile = "experiment", basePrompts = "base_prompts", basePromptsHash = "base_prompts_hash", targetMetric = "target_metric"
        case budgetUSD = "budget_usd", confirmSamples = "confirm_samples", llmProposals = "llm_proposals", maxInstructions = "max_instructions"
        case heldOut = "held_out", candidatesRoot = "candidates_root"
    }

    /// Where candidate `candidate` of run `runID` has its prompt folder.
    public func folder(of candidate: Int, runID: String) -> String { candidatesRoot + "/optimize-\(runID)/" + String(format: "c%03d", candidate) }

    /// +1 when a higher score is better, −1 when lower is.
    public var direction: Double { ABTestDesign.higherIsBetter(targetMetric) == false ? -1 : 1 }

    /// The standard suite split in two: even positions develop, odd positions confirm, so the
    /// winner is judged on chapters (and kinds of chapter) the search never saw.
    public static func split(_ suite: RegressionSuite) -> (development: RegressionSuite, heldOut: RegressionSuite) {
        let development = suite.chapters.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let heldOut = suite.chapters.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        return (RegressionSuite(name: suite.name + "-development", books: suite.books, chapters: development),
                RegressionSuite(name: suite.name + "-held-out", books: suite.books, chapters: heldOut))
    }

    public func validate(judgeDimensions: [String]) throws {
        let known = ABTestDesign.knownMetrics(judgeDimensions: judgeDimensions)
        guard known.contains(targetMetric) else {
            throw OptimizeError.invalidDesign(field: "--target-metric", problem: "unknown metric `\(targetMetric)`; known: \(known.joined(separator: ", "))")
        }
        guard ABTestDesign.higherIsBetter(targetMetric) != nil else {
            throw OptimizeError.invalidDesign(field: "--target-metric", problem: "`\(targetMetric)` has no better direction to optimise; pick a quality metric")
        }
        if let target, !target.isFinite { throw OptimizeError.invalidDesign(field: "--target", problem: "the target must be a number") }
        guard iterations >= 1 else { throw OptimizeError.invalidDesign(field: "--iterations", problem: "at least 1 iteration, got \(iterations)") }
        if let budgetUSD, !(budgetUSD > 0) { throw OptimizeError.invalidDesign(field: "--budget", problem: "the budget must be positive") }
        guard samples >= 1 else { throw OptimizeError.invalidDesign(field: "--samples", problem: "at least 1 sample per chapter, got \(samples)") }
        guard development.chapters.count * samples >= 2 else {
            throw OptimizeError.invalidDesign(field: "--samples", problem: "the development suite needs at least 2 writes to measure noise; raise --samples")
        }
        guard confirmSamples >= 1, heldOut.chapters.count * confirmSamples >= 2 else {
            throw OptimizeError.invalidDesign(field: "--confirm-samples", problem: "the confirmation needs at least 2 pairs; the held-out suite has \(heldOut.chapters.count) chapters")
        }
        guard pool >= 1 || llmProposals >= 1 else { throw OptimizeError.invalidDesign(field: "--pool", problem: "nothing would be proposed: set --pool or --llm-proposals above 0") }
        guard llmProposals >= 0 else { throw OptimizeError.invalidDesign(field: "--llm-proposals", problem: "cannot be negative") }
        guard (1...12).contains(maxInstructions) else { throw OptimizeError.invalidDesign(field: "--max-instructions", problem: "between 1 and 12, got \(maxInstructions)") }
        guard exploration >= 0, exploration.isFinite else { throw OptimizeError.invalidDesign(field: "--exploration", problem: "must be 0 or more") }
        guard alpha > 0, alpha < 0.5 else { throw OptimizeError.invalidDesign(field: "--alpha", problem: "alpha \(alpha) is not in (0, 0.5)") }
        if let problem = library.problems().first { throw OptimizeError.invalidDesign(field: "--library", problem: problem) }
        if let problem = (development.problems() + heldOut.problems()).first { throw OptimizeError.invalidDesign(field: "--suite", problem: problem) }
    }
}

/// Why an optimisation stopped.
public enum OptimizeStop: String, Codable, Sendable {
    case target, iterations, budget
    /// Every candidate the operators can reach has been evaluated.
    case exhausted
    case unfinished
}

/// The search: evaluate the base, then each iteration propose a pool (mutations and LLM
/// rewrites), let the surrogate (Bayesian linear regression over the candidates'
/// instruction features, refitted on every evaluation) pick the candidate with the highest
/// upper confidence bound, write the development suite with it, and store everything.
/// Every candidate writes the same chapters with the same seeds, so differences between
/// candidates are the prompts'. The winner is then confirmed on the held-out chapters by an
/// A/B test against the base.
public final class PromptOptimizer: Sendable {
    public let runID: RunID
    public let design: OptimizeDesign
    let config: ExperimentConfig
    let database: WorkbenchDatabase
    let route: BookGenerator.Router
    let proposer: CandidateProposer

    static let confirmEvent = "optimize.confirm"
    static let doneEvent = "optimize.done"
    static let extendEvent = "optimize.extended"

    public enum Progress: Sendable {
        case evaluated(OptimizeCandidateRecord, best: Double, spentUSD: Double)
        case confirming(abtest: String, pairs: Int)
        case stopped(OptimizeStop)
    }

    private init(runID: RunID, design: OptimizeDesign, config: ExperimentConfig, database: WorkbenchDatabase, route: @escaping BookGenerator.Router) {
        self.runID = runID
        self.design = design
        var config = config
        config.budgetUSD = design.budgetUSD
        self.config = config
        self.database = database
        self.route = route
        proposer = CandidateProposer(library: design.library, maxInstructions: design.maxInstructions)
    }

    public static func start(design: OptimizeDesign, config: ExperimentConfig, database: WorkbenchDatabase, route: @escaping BookGenerator.Router,
                             gitRevision: String? = nil) throws -> PromptOptimizer {
        try design.validate(judgeDimensions: config.judge?.dimensions ?? [])
        try PromptCandidate.checkSlot(base: design.basePrompts)
        let run = try database.startRun(kind: .optimize, configJSON: try CanonicalJSON.encode(design), gitRevision: gitRevision)
        return PromptOptimizer(runID: run.id, design: design, config: config, database: database, route: route)
    }

    /// Reopens a stopped run; `iterations` and `budgetUSD` may raise the stored ones to go further.
    public static func resume(_ idOrPrefix: String, database: WorkbenchDatabase, route: @escaping BookGenerator.Router,
                              iterations: Int? = nil, budgetUSD: Double? = nil) throws -> PromptOptimizer {
        let run = try database.run(matching: idOrPrefix)
        var design = try read(run, database: database)
        let extended = (iterations.map { $0 > design.iterations } ?? false) || (budgetUSD.map { $0 > (design.budgetUSD ?? .infinity) } ?? false)
        guard run.status != .succeeded || extended else { throw OptimizeError.alreadyFinished(runID: run.id.rawValue) }
        if let iterations { design.iterations = iterations }
        if let budgetUSD { design.budgetUSD = budgetUSD }
        guard try PromptSet.fingerprint(folder: design.basePrompts) == design.basePromptsHash else {
            throw OptimizeError.promptsChanged(folder: design.basePrompts)
        }
        let config = try ExperimentConfig.load(file: design.experimentFile)
        if iterations != nil || budgetUSD != nil {
            var limits: [String: Double] = ["iterations": Double(design.iterations)]
            if let budget = design.budgetUSD { limits["budget_usd"] = budget }
            try database.appendEvent(to: run.id, kind: extendEvent, payloadJSON: try CanonicalJSON.encode(limits))
        }
        // A candidate the budget cut short is the surrogate's choice still: it is written on.
        for var record in try database.optimizeCandidates(runID: run.id) where record.status == .failed {
            record.status = .evaluating
            record.error = nil
            try database.saveOptimizeCandidate(record)
        }
        try database.reopenRun(run.id)
        return PromptOptimizer(runID: run.id, design: design, config: config, database: database, route: route)
    }

    /// The stored design, with the limits a resume raised (kept as events: the run's configuration is its start's).
    static func read(_ run: RunRecord, database: WorkbenchDatabase) throws -> OptimizeDesign {
        guard run.kind == .optimize else { throw OptimizeError.notAnOptimizeRun(runID: run.id.rawValue, kind: run.kind.rawValue) }
        var design: OptimizeDesign
        do {
            design = try JSONDecoder().decode(OptimizeDesign.self, from: Data(run.configJSON.utf8))
        } catch {
            throw OptimizeError.corruptRecord(runID: run.id.rawValue, detail: "its design does not decode: \(error)")
        }
        if let limits = try database.events(of: run.id, kind: extendEvent).last {
            if let iterations = (limits["iterations"] as? NSNumber)?.intValue { design.iterations = iterations }
            if let budget = (limits["budget_usd"] as? NSNumber)?.doubleValue { design.budgetUSD = budget }
        }
        return design
    }

    public func folder(of candidate: Int) -> String { design.folder(of: candidate, runID: runID.rawValue) }

    // MARK: The search

    /// Runs (or continues) the search and the confirmation; the run ends succeeded, or failed
    /// with the error rethrown and everything evaluated kept.
    public func run(progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> OptimizeResult {
        do {
            var stop = try await search(progress: progress)
            if stop != .budget, try await !ablate(progress: progress) { stop = .budget }
            progress(.stopped(stop))
            try database.appendEvent(to: runID, kind: Self.doneEvent, payloadJSON: "{\"stop\":\"\(stop.rawValue)\"}")
            try await confirm(progress: progress)
            try database.finishRun(runID, status: .succeeded)
            return try Self.result(of: runID.rawValue, database: database)
        } catch {
            try? database.finishRun(runID, status: .failed, error: "\(error)")
            throw error
        }
    }

    func search(progress: @escaping @Sendable (Progress) -> Void) async throws -> OptimizeStop {
        var records = try database.optimizeCandidates(runID: runID)
        if records.isEmpty {
            let base = OptimizeCandidateRecord(runID: runID, candidate: 0, iteration: 0, parent: nil, operator: "base", instructions: [], status: .evaluating)
            try database.saveOptimizeCandidate(base)
            records = [base]
        }
        while true {
            // A candidate chosen but not finished (a crash, a kill) is evaluated first: its
            // stored chapters are kept and its paid calls come from the cache.
            if let pending = records.first(where: { $0.status == .evaluating }) {
                guard let evaluated = try await evaluate(pending) else { return .budget }
                records[records.firstIndex { $0.candidate == pending.candidate }!] = evaluated
                progress(.evaluated(evaluated, best: Self.best(records, direction: design.direction)?.score ?? .nan, spentUSD: try spent()))
                continue
            }
            let done = records.filter { $0.status == .done }
            guard let best = Self.best(records, direction: design.direction), let bestScore = best.score else { return .budget }
            if let target = design.target, design.direction * bestScore >= design.direction * target { return .target }
            // Ablations (after a search that a resume continues) are not search iterations.
            let iteration = done.filter { $0.operator != Self.ablation }.count
            if iteration > design.iterations { return .iterations }
            if try !affordable(done) { return .budget }
            guard try await propose(iteration: iteration, records: &records) != nil else { return .exhausted }
        }
    }

    static let ablation = "ablate"

    /// Every instruction of the winner must earn its place: each is removed in turn (an
    /// ablation, on the same development chapters), and when the winner then becomes a
    /// simpler candidate (the one-standard-error rule) that one is ablated too. Ablations
    /// also separate instructions that the search only ever tried together. False when
    /// the budget stopped it.
    func ablate(progress: @escaping @Sendable (Progress) -> Void) async throws -> Bool {
        var records = try database.optimizeCandidates(runID: runID)
        var ablated: Set<Int> = []
        while let winner = Self.winner(records, direction: design.direction), winner.instructions.count >= 2, ablated.insert(winner.candidate).inserted {
            for index in winner.instructions.indices {
                var rest = winner.instructions
                rest.remove(at: index)
                guard !Self.tried(records).contains(PromptCandidate(rest).key) else { continue }
                let done = records.filter { $0.status == .done }
                if try !affordable(done) { return false }
                let record = OptimizeCandidateRecord(runID: runID, candidate: (records.map(\.candidate).max() ?? 0) + 1, iteration: done.count,
                                                     parent: winner.candidate, operator: Self.ablation, instructions: rest, status: .evaluating)
                try database.saveOptimizeCandidate(record)
                records.append(record)
                guard let evaluated = try await evaluate(record) else { return false }
                records[records.count - 1] = evaluated
                progress(.evaluated(evaluated, best: Self.winner(records, direction: design.direction)?.score ?? .nan, spentUSD: try spent()))
            }
        }
        return true
    }

    /// The candidate the run recommends: the simplest whose development score is within one
    /// standard error (of its paired difference) of the top score, the higher score among
    /// equally simple ones. Picking the top score alone rewards noise and hitchhikers.
    static func winner(_ records: [OptimizeCandidateRecord], direction: Double) -> OptimizeCandidateRecord? {
        guard let top = best(records, direction: direction) else { return nil }
        let close = records.filter { record in
            guard record.status == .done, record.values.count == top.values.count, record.values.count >= 2 else { return record.candidate == top.candidate }
            let (mean, sd) = ABTestAnalysis.meanAndSD(zip(top.values, record.values).map { direction * ($0 - $1) })
            return mean <= sd / Double(record.values.count).squareRoot()
        }
        return close.min { a, b in
            a.instructions.count != b.instructions.count ? a.instructions.count < b.instructions.count : direction * (a.score ?? 0) > direction * (b.score ?? 0)
        }
    }

    /// The best evaluated candidate (the fewest instructions among equals).
    static func best(_ records: [OptimizeCandidateRecord], direction: Double) -> OptimizeCandidateRecord? {
        records.filter { $0.status == .done && $0.score != nil }.max { a, b in
            let (x, y) = (direction * a.score!, direction * b.score!)
            return x != y ? x < y : a.instructions.count > b.instructions.count
        }
    }

    func spent() throws -> Double { try database.summary(of: runID).costUSD }

    /// Whether another evaluation, and the confirmation after it, fit in the budget (at the
    /// mean cost of the evaluations so far).
    func affordable(_ done: [OptimizeCandidateRecord]) throws -> Bool {
        guard let budget = design.budgetUSD else { return true }
        let spent = try spent()
        guard !done.isEmpty else { return spent < budget }
        let perEvaluation = done.map(\.costUSD).reduce(0, +) / Double(done.count)
        let devWrites = Double(design.development.chapters.count * design.samples)
        let confirmation = perEvaluation / max(devWrites, 1) * Double(2 * design.heldOut.chapters.count * design.confirmSamples)
        return spent + perEvaluation + confirmation <= budget
    }

    /// The keys of every candidate chosen for evaluation (done, under way or cut short): none is proposed again.
    static func tried(_ records: [OptimizeCandidateRecord]) -> Set<String> {
        Set(records.filter { $0.status != .proposed }.map { PromptCandidate($0.instructions).key })
    }

    /// Proposes this iteration's pool, stores every proposal with its prediction, and marks
    /// the surrogate's choice for evaluation; nil when nothing new can be proposed.
    func propose(iteration: Int, records: inout [OptimizeCandidateRecord]) async throws -> OptimizeCandidateRecord? {
        let scored = records.compactMap { record -> CandidateProposer.Scored? in
            guard record.status == .done, let score = record.score else { return nil }
            return .init(id: record.candidate, candidate: PromptCandidate(record.instructions), objective: design.direction * score)
        }
        let seen = Self.tried(records)
        var random = SeededGenerator(seed: design.seed &+ UInt64(iteration) &* 0x9E37_79B9_7F4A_7C15)
        var proposals = proposer.mutations(count: design.pool, scored: scored, seen: seen, random: &random)
        var keys = seen.union(proposals.map(\.candidate.key))
        for index in 0..<design.llmProposals {
            if let candidate = try await llmProposal(scored: scored, iteration: iteration, index: index), keys.insert(candidate.key).inserted {
                proposals.append(.init(candidate: candidate, parent: nil, operator: "llm"))
            }
        }
        guard !proposals.isEmpty else { return nil }
        let predictions = try Self.surrogate(design: design, records: records).map { model in
            try model(proposals.map(\.candidate))
        }
        let baseObjective = design.direction * (records.first { $0.candidate == 0 }?.score ?? 0)
        var choice = 0, bestBound = -Double.infinity
        var next = (records.map(\.candidate).max() ?? 0) + 1
        var stored: [OptimizeCandidateRecord] = []
        for (index, proposal) in proposals.enumerated() {
            let prediction = predictions?[index]
            let bound = prediction.map { $0.mean + design.exploration * $0.sd } ?? Double(proposals.count - index)
            if bound > bestBound { bestBound = bound; choice = index }
            stored.append(OptimizeCandidateRecord(
                runID: runID, candidate: next, iteration: iteration, parent: proposal.parent, operator: proposal.operator, instructions: proposal.candidate.instructions,
                status: .proposed, predicted: prediction.map { design.direction * (baseObjective + $0.mean) }, predictedSD: prediction?.sd))
            next += 1
        }
        stored[choice].status = .evaluating
        for record in stored { try database.saveOptimizeCandidate(record) }
        records += stored
        return stored[choice]
    }

    /// Predicts each candidate's difference from the base, with its sd.
    public typealias Surrogate = @Sendable ([PromptCandidate]) throws -> [(mean: Double, sd: Double)]

    /// The surrogate fitted on every evaluated candidate's difference from the base (in the
    /// better direction); nil until the base is scored.
    static func surrogate(design: OptimizeDesign, records: [OptimizeCandidateRecord]) throws -> Surrogate? {
        guard let base = records.first(where: { $0.candidate == 0 && $0.status == .done }), let baseScore = base.score else { return nil }
        let library = design.library
        let width = library.instructions.count + PromptCandidate.hashedWords
        let evaluated = records.filter { $0.status == .done && $0.candidate != 0 && $0.score != nil }
        // A priori an instruction moves the score by about one write's standard deviation.
        let spread = max(base.scoreSD ?? 1, 0.05)
        let noise = { (record: OptimizeCandidateRecord) in max(pow(record.scoreSD ?? spread, 2) / Double(max(record.writes, 1)), 1e-4) }
        let x = try Matrix(rows: evaluated.count, columns: width, values: evaluated.flatMap { PromptCandidate($0.instructions).features(library: library) })
        let y = evaluated.map { design.direction * ($0.score! - baseScore) }
        // The base's own noise is in every difference: added to each observation's.
        let model = try BayesianLinearRegression(x, y, noise: evaluated.map { noise($0) + noise(base) }, priorVariance: spread * spread)
        return { candidates in
            try model.predict(Matrix(rows: candidates.count, columns: width, values: candidates.flatMap { $0.features(library: library) }))
        }
    }

    /// One rewrite proposed by the `optimize` route from the scored history (nil when its answer holds none).
    func llmProposal(scored: [CandidateProposer.Scored], iteration: Int, index: Int) async throws -> PromptCandidate? {
        let provider = try await route(.optimize, CallContext(runID: runID))
        let prompt = proposer.metaPrompt(metric: design.targetMetric, higherIsBetter: design.direction > 0, scored: scored)
        let completion = try await provider.complete(CompletionRequest(
            messages: [ChatMessage(.user, prompt)], temperature: 1.0, maxTokens: 400, seed: design.seed &+ UInt64(iteration * 100 + index),
            responseFormat: .jsonSchema(name: "instructions", schema: proposer.responseSchema), task: .optimize))
        return proposer.parse(answer: completion.text)
    }

    /// Writes the development suite with the candidate and stores its score; nil when the
    /// budget stopped it (the candidate is stored as failed).
    func evaluate(_ pending: OptimizeCandidateRecord) async throws -> OptimizeCandidateRecord? {
        var record = pending
        let candidate = PromptCandidate(record.instructions)
        let folder = folder(of: record.candidate)
        try candidate.materialize(base: design.basePrompts, into: folder)
        let prompts = try PromptSet.load(folder: folder)
        let suite = design.development
        if record.bookID == nil {
            record.bookID = try database.createBook(runID: runID, title: String(format: "optimize candidate c%03d", record.candidate),
                                                    outlineJSON: try CanonicalJSON.encode(suite.outline(for: suite.chapters[0]).outline),
                                                    chapterCount: suite.chapters.count * design.samples).id
            try database.saveOptimizeCandidate(record)
        }
        let book = record.bookID!
        let jobs = suite.chapters.enumerated().flatMap { position, chapter in
            (0..<design.samples).map { SuiteWriter.Job(chapter: chapter, sample: $0, book: book, slot: position * design.samples + $0 + 1) }
        }
        let writer = SuiteWriter(suite: suite, samples: design.samples, config: config, prompts: prompts, database: database, route: route)
        let written: [SuiteWriter.Written]
        do {
            written = try await writer.write(jobs, run: runID)
        } catch let error as EngineError {
            guard case .budgetReached = error else { throw error }
            record.status = .failed
            record.error = error.message
            record.costUSD = try database.cost(bookID: book)
            try database.saveOptimizeCandidate(record)
            return nil
        }
        let values = written.compactMap { $0.metrics[design.targetMetric] }
        guard values.count == written.count else {
            throw OptimizeError.invalidDesign(field: "--target-metric", problem: "`\(design.targetMetric)` was not measured on the chapters (a judge metric needs the experiment's judge)")
        }
        let (mean, sd) = ABTestAnalysis.meanAndSD(values)
        var means: [String: Double] = [:]
        for name in Set(written.flatMap(\.metrics.keys)) {
            let present = written.compactMap { $0.metrics[name] }
            means[name] = present.reduce(0, +) / Double(present.count)
        }
        record.status = .done
        record.score = mean
        record.scoreSD = sd.isNaN ? 0 : sd
        record.writes = values.count
        record.values = values
        record.metrics = means
        record.costUSD = try database.cost(bookID: book)
        record.error = nil
        try database.saveOptimizeCandidate(record)
        return record
    }

    // MARK: Confirmation

    /// The winner against the base on the held-out chapters, as an A/B test of its own run
    /// (so `abtest show` reads it), within what is left of the budget.
    func confirm(progress: @escaping @Sendable (Progress) -> Void) async throws {
        let records = try database.optimizeCandidates(runID: runID)
        guard let winner = Self.winner(records, direction: design.direction), winner.candidate != 0 else { return }
        // A resumed run that found no better winner keeps the confirmation it has.
        if let last = try confirmations().last, last.candidate == winner.candidate { return }
        var maxCost: Double?
        if let budget = design.budgetUSD {
            let left = budget - (try spent())
            guard left > 0 else { return }
            maxCost = left
        }
        let arms = try [0, winner.candidate].map { id -> ABTestDesign.Arm in
            let folder = folder(of: id)
            try PromptCandidate(records.first { $0.candidate == id }!.instructions).materialize(base: design.basePrompts, into: folder)
            return ABTestDesign.Arm(name: id == 0 ? "base" : String(format: "c%03d", id), prompts: folder, promptsHash: try PromptSet.fingerprint(folder: folder))
        }
        let metrics = design.targetMetric == "quality" ? ["quality"] : [design.targetMetric, "quality"]
        let abDesign = ABTestDesign(name: "optimize \(runID.rawValue): confirm", experimentFile: design.experimentFile, arms: arms,
                                    samples: design.heldOut.chapters.count * design.confirmSamples, metrics: metrics, alpha: design.alpha,
                                    maxCostUSD: maxCost, seed: design.seed &+ 7_919)
        let outline = design.heldOut.books[design.heldOut.chapters[0].book]!.outline
        let test = try EngineABTest.start(design: abDesign, config: config, outline: outline, suite: design.heldOut, database: database, route: route)
        try database.appendEvent(to: runID, kind: Self.confirmEvent, payloadJSON: try CanonicalJSON.encode(["abtest": test.runID.rawValue, "candidate": String(winner.candidate)]))
        progress(.confirming(abtest: test.runID.rawValue, pairs: abDesign.samples))
        _ = try await test.run()
    }

    func confirmations() throws -> [(abtest: String, candidate: Int)] {
        try Self.confirmations(runID, database: database)
    }

    static func confirmations(_ runID: RunID, database: WorkbenchDatabase) throws -> [(abtest: String, candidate: Int)] {
        try database.events(of: runID, kind: confirmEvent).compactMap { event in
            guard let abtest = event["abtest"] as? String, let candidate = (event["candidate"] as? String).flatMap(Int.init) else { return nil }
            return (abtest, candidate)
        }
    }

    // MARK: Reading stored runs

    /// The design a stored run searches with (its limits as a resume last raised them).
    public static func design(of idOrPrefix: String, database: WorkbenchDatabase) throws -> OptimizeDesign {
        try read(database.run(matching: idOrPrefix), database: database)
    }

    /// The result of a stored run, as far as it got.
    public static func result(of idOrPrefix: String, database: WorkbenchDatabase) throws -> OptimizeResult {
        let run = try database.run(matching: idOrPrefix)
        let design = try read(run, database: database)
        let records = try database.optimizeCandidates(runID: run.id)
        let stopEvent = try database.events(of: run.id, kind: doneEvent).last?["stop"] as? String
        let stop = run.status == .running ? .unfinished : (stopEvent.flatMap(OptimizeStop.init(rawValue:)) ?? .unfinished)
        var confirmation: ABTestResult?
        var confirmed: Int?
        if let last = try confirmations(run.id, database: database).last {
            confirmation = try EngineABTest.result(of: last.abtest, database: database)
            confirmed = last.candidate
        }
        let total = try database.summary(of: run.id).costUSD + (confirmation?.totalCostUSD ?? 0)
        // What the surrogate learned of each library instruction: its predicted effect alone.
        var effects: [OptimizeResult.Effect] = []
        if let model = try surrogate(design: design, records: records) {
            let entries = design.library.instructions
            let predictions = try model(entries.map { PromptCandidate([$0.text]) })
            effects = zip(entries, predictions).map { entry, prediction in
                OptimizeResult.Effect(id: entry.id, text: entry.text, aims: entry.aims, effect: design.direction * prediction.mean, sd: prediction.sd,
                                      evaluations: records.filter { $0.status == .done && PromptCandidate.list($0.instructions, holds: entry.text) }.count)
            }
        }
        return OptimizeResult.build(id: run.id.rawValue, design: design, records: records, stop: stop, costUSD: total,
                                    confirmation: confirmation, confirmedCandidate: confirmed, effects: effects)
    }
}
