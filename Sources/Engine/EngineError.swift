import Foundation
import WorkbenchCore

public enum EngineError: WorkbenchError, Equatable {
    case promptMissing(path: String)
    case promptInvalid(path: String, detail: String)
    case invalidOutline(source: String, problems: [String])
    case budgetReached(spent: Double, budget: Double, runID: String)
    case noProgress(chapter: Int, words: Int)
    case alreadyFinished(runID: String)
    case unresumable(runID: String, reason: String)
    /// A resumed run's configuration differs from the one it started with.
    case configurationChanged(runID: String, changed: [String])
    /// An experiment with `ensemble:` run by a caller that gives no providers by name.
    case ensembleWithoutNamedProviders
    /// Every candidate of an ensemble chapter failed before writing anything.
    case ensembleFailed(chapter: Int, failures: [String])

    public var message: String {
        switch self {
        case .promptMissing(let path): return "prompt template \(path) is missing"
        case .promptInvalid(let path, let detail): return "prompt template \(path) is not valid Mustache: \(detail)"
        case .invalidOutline(let source, let problems): return "the outline from \(source) is unusable: \(problems.joined(separator: "; "))"
        case .budgetReached(let spent, let budget, _): return String(format: "budget reached: $%.4f spent of $%.4f", spent, budget)
        case .noProgress(let chapter, let words): return "chapter \(chapter) stopped growing at \(words) words: the model returned nothing new"
        case .alreadyFinished(let run): return "run \(run) already finished: there is nothing to resume"
        case .unresumable(let run, let reason): return "run \(run) cannot be resumed: \(reason)"
        case .configurationChanged(let run, let changed):
            return "run \(run) was started with another configuration: changed since: \(changed.joined(separator: ", "))"
        case .ensembleWithoutNamedProviders: return "this experiment has an `ensemble:`, which this command does not run (only `generate` and `resume` do)"
        case .ensembleFailed(let chapter, let failures): return "chapter \(chapter): every ensemble candidate failed: \(failures.joined(separator: "; "))"
        }
    }

    public var fix: String? {
        switch self {
        case .promptMissing, .promptInvalid: return "see Experiments/prompts/README.md for the templates a prompt version holds"
        case .invalidOutline: return "fix the outline file's named fields, or plan with a stronger model"
        case .budgetReached(_, _, let run): return "raise the budget: `workbench resume \(run) --budget USD`"
        case .noProgress: return "use a model that follows continuation prompts, or lower words_per_chapter"
        case .alreadyFinished: return "start a new run with `workbench generate`"
        case .unresumable: return "start a new run with `workbench generate`"
        case .configurationChanged(let run, _):
            return "put the files back as they were, or accept the mix knowingly: `workbench resume \(run) --allow-changed`"
        case .ensembleWithoutNamedProviders: return "run it with `workbench generate`, or remove `ensemble:` from the experiment"
        case .ensembleFailed: return "check the providers (`workbench providers test NAME`), then `workbench resume RUN`"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .budgetReached: return .checkFailed
        case .noProgress, .ensembleFailed: return .temporaryFailure
        case .alreadyFinished: return .usage
        default: return .dataError
        }
    }
}
