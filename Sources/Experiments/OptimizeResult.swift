import Foundation
import Stats
import Store
import WorkbenchCore

/// An optimisation run as reported: every candidate with its prediction, score and cost,
/// the best one, and the held-out confirmation.
public struct OptimizeResult: Codable, Sendable, Equatable {
    public struct Candidate: Codable, Sendable, Equatable {
        public var id: Int
        public var iteration: Int
        public var parent: Int?
        public var `operator`: String
        public var instructions: [String]
        public var status: String
        public var predicted: Double?
        public var predictedSD: Double?
        public var score: Double?
        public var scoreSD: Double?
        public var scoreSE: Double?
        public var writes: Int
        public var quality: Double?
        public var costUSD: Double
        /// The mean paired difference from the base over the same chapters and seeds, and its standard error.
        public var difference: Double?
        public var differenceSE: Double?
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case id, iteration, parent, `operator`, instructions, status, predicted, score, writes, quality, difference, error
            case predictedSD = "predicted_sd", scoreSD = "score_sd", scoreSE = "score_se", costUSD = "cost_usd", differenceSE = "difference_se"
        }
    }

    public struct Confirmation: Codable, Sendable, Equatable {
        public var abtest: String
        public var candidate: Int
        public var pairs: Int
        public var baseMean: Double
        public var winnerMean: Double
        /// winner − base on the held-out chapters, with the test's (1 − alpha) interval.
        public var difference: Double
        public var ciLow: Double
        public var ciHigh: Double
        public var pValue: Double
        /// The improvement is significant at alpha, in the metric's better direction.
        public var confirmed: Bool
        public var qualityDifference: Double?
        public var stop: String
        public var costUSD: Double

        enum CodingKeys: String, CodingKey {
            case abtest, candidate, pairs, difference, confirmed, stop
            case baseMean = "base_mean", winnerMean = "winner_mean", ciLow = "ci_low", ciHigh = "ci_high", pValue = "p_value"
            case qualityDifference = "quality_difference", costUSD = "cost_usd"
        }
    }

    /// A library instruction's effect on the target as the surrogate learned it: the predicted
    /// change from the base prompts with that instruction alone.
    public struct Effect: Codable, Sendable, Equatable {
        public var id: String
        public var text: String
        public var aims: [String]
        public var effect: Double
        public var sd: Double
        /// Evaluated candidates that carried it.
        public var evaluations: Int
    }

    public var id: String
    public var targetMetric: String
    public var target: Double?
    public var higherIsBetter: Bool
    public var stop: OptimizeStop
    public var iterations: Int
    /// Candidates the search evaluated after the base, and the winner's ablations after it.
    public var evaluated: Int
    public var ablations: Int
    public var proposed: Int
    public var base: Candidate?
    /// The recommended candidate: the simplest within one standard error of the top score.
    public var best: Candidate?
    /// The top development score, when another, simpler candidate is recommended.
    public var top: Candidate?
    public var targetReached: Bool
    /// The prompt folder of the best candidate.
    public var winnerPrompts: String?
    public var candidates: [Candidate]
    /// Everything spent: proposals, development writes and the confirmation.
    public var costUSD: Double
    public var budgetUSD: Double?
    public var confirmation: Confirmation?
    /// Best first.
    public var effects: [Effect]
    public var basePrompts: String
    public var experimentFile: String
    public var development: [String]
    public var heldOut: [String]

    enum CodingKeys: String, CodingKey {
        case id, target, stop, iterations, evaluated, ablations, proposed, base, best, top, candidates, confirmation, development, effects
        case targetMetric = "target_metric", higherIsBetter = "higher_is_better", targetReached = "target_reached", winnerPrompts = "winner_prompts"
        case costUSD = "cost_usd", budgetUSD = "budget_usd", basePrompts = "base_prompts", heldOut = "held_out", experimentFile = "experiment"
    }

    /// The evaluated candidates, in evaluation order.
    public var evaluations: [Candidate] { candidates.filter { $0.status == "done" } }

    static func build(id: String, design: OptimizeDesign, records: [OptimizeCandidateRecord], stop: OptimizeStop, costUSD: Double,
                      confirmation test: ABTestResult?, confirmedCandidate: Int?, effects: [Effect] = []) -> OptimizeResult {
        let baseRecord = records.first { $0.candidate == 0 && $0.status == .done }
        let candidates = records.map { record -> Candidate in
            var difference: Double?, differenceSE: Double?
            if let base = baseRecord?.values, record.status == .done, record.values.count == base.count, base.count >= 2 {
                let (mean, sd) = ABTestAnalysis.meanAndSD(zip(record.values, base).map { $0 - $1 })
                difference = mean
                differenceSE = sd / Double(base.count).squareRoot()
            }
            return Candidate(id: record.candidate, iteration: record.iteration, parent: record.parent, operator: record.operator, instructions: record.instructions,
                             status: record.status.rawValue, predicted: record.predicted, predictedSD: record.predictedSD, score: record.score, scoreSD: record.scoreSD, scoreSE: record.scoreSE,
                             writes: record.writes, quality: record.metrics["quality"], costUSD: record.costUSD, difference: difference, differenceSE: differenceSE,
                             error: record.error)
        }
        let best = PromptOptimizer.winner(records, direction: design.direction).flatMap { winner in candidates.first { $0.id == winner.candidate } }
        let top = PromptOptimizer.best(records, direction: design.direction).flatMap { top in candidates.first { $0.id == top.candidate } }
        let reached = design.target.flatMap { target in top?.score.map { design.direction * $0 >= design.direction * target } } ?? false
        var confirmation: Confirmation?
        if let test, let candidate = confirmedCandidate, let primary = test.comparisons.first(where: { $0.metric == design.targetMetric }) {
            let better = design.direction * primary.difference > 0
            confirmation = Confirmation(
                abtest: test.id, candidate: candidate, pairs: primary.pairs, baseMean: primary.controlMean, winnerMean: primary.variantMean,
                difference: primary.difference, ciLow: primary.ciLow, ciHigh: primary.ciHigh, pValue: primary.pValue,
                confirmed: better && primary.pValue < design.alpha, qualityDifference: test.comparisons.first { $0.metric == "quality" }?.difference,
                stop: test.stop.rawValue, costUSD: test.totalCostUSD)
        }
        return OptimizeResult(
            id: id, targetMetric: design.targetMetric, target: design.target, higherIsBetter: design.direction > 0, stop: stop, iterations: design.iterations,
            evaluated: candidates.filter { $0.status == "done" && $0.id != 0 && $0.operator != PromptOptimizer.ablation }.count,
            ablations: candidates.filter { $0.status == "done" && $0.operator == PromptOptimizer.ablation }.count, proposed: candidates.count - 1, base: candidates.first { $0.id == 0 },
            best: best, top: top?.id == best?.id ? nil : top, targetReached: reached,
            winnerPrompts: best.map { design.folder(of: $0.id, runID: id) }, candidates: candidates, costUSD: costUSD,
            budgetUSD: design.budgetUSD, confirmation: confirmation,
            effects: effects.sorted { $0.effect > $1.effect || ($0.effect == $1.effect && $0.id < $1.id) }, basePrompts: design.basePrompts, experimentFile: design.experimentFile,
            development: design.development.chapters.map(\.id), heldOut: design.heldOut.chapters.map(\.id))
    }
}

public enum OptimizeError: WorkbenchError, Equatable {
    case invalidDesign(field: String, problem: String)
    case invalidLibrary(path: String, field: String, problem: String)
    case invalidPrompts(path: String, problem: String)
    case noInstructionSlot(path: String)
    case cannotWrite(path: String, detail: String)
    case promptsChanged(folder: String)
    case notAnOptimizeRun(runID: String, kind: String)
    case corruptRecord(runID: String, detail: String)
    case alreadyFinished(runID: String)

    public var message: String {
        switch self {
        case .invalidDesign(let field, let problem): return "\(field): \(problem)"
        case .invalidLibrary(let path, let field, let problem): return "\(path)\(field.isEmpty ? "" : ": " + field): \(problem)"
        case .invalidPrompts(let path, let problem): return "\(path): \(problem)"
        case .noInstructionSlot(let path): return "\(path) has no {{instructions}} slot for the optimiser to fill"
        case .cannotWrite(let path, let detail): return "cannot write the candidate prompts at \(path): \(detail)"
        case .promptsChanged(let folder): return "the base prompts \(folder) changed since the optimisation started"
        case .notAnOptimizeRun(let run, let kind): return "run \(run) is a \(kind) run, not an optimisation"
        case .corruptRecord(let run, let detail): return "the stored optimisation \(run) cannot be read: \(detail)"
        case .alreadyFinished(let run): return "optimisation \(run) already finished: there is nothing to resume"
        }
    }

    public var fix: String? {
        switch self {
        case .invalidDesign: return "see `workbench optimize --help`"
        case .invalidLibrary: return "a library is YAML: `instructions:` with at least two entries `{id, text, aims}` (aims optional), each text one line without { or }"
        case .invalidPrompts: return "give a prompt folder with plan, chapter, continue and enhance templates (see Experiments/prompts/README.md)"
        case .noInstructionSlot: return "put {{instructions}} where the style instructions go (Experiments/prompts/v1-open/chapter.mustache shows one)"
        case .cannotWrite: return "check that the Reports folder is writable, or name another with --candidates"
        case .promptsChanged: return "restore the folder, or start a new optimisation: a resumed one must search around the base it started with"
        case .notAnOptimizeRun: return "`workbench optimize list` shows the optimisations"
        case .corruptRecord: return "start the optimisation again; the stored candidates and chapters are kept"
        case .alreadyFinished(let run): return "`workbench optimize show \(run)` prints its result; raise --iterations or --budget to go further"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidDesign, .notAnOptimizeRun, .alreadyFinished: return .usage
        case .invalidLibrary, .invalidPrompts, .noInstructionSlot, .promptsChanged, .corruptRecord: return .dataError
        case .cannotWrite: return .cannotCreate
        }
    }
}
