import Config
import Foundation
import Learning
import Store
import WorkbenchCore

/// `ensemble:` in an experiment (roadmap 3.3): each chapter is drafted by several providers
/// (or several samples of one: the Self-MoA arm), cut into units aligned by outline beat, and
/// merged from the best unit per position; the seams are then rewritten through the `enhance`
/// route and the result is checked for continuity.
///
///     ensemble:
///       providers: [sim-a, sim-b, sim-c]
///       weights: [0.4, 0.4, 0.2]     # or `learned`
///       unit: beat                   # beat | paragraph | scene | chapter
///       samples_per_provider: 1
///       fuse: true
///       judge: [sim-judge]           # pairwise judges, asked in both orders
///       token_budget: 3.5            # × one generation's tokens; judges and seams only while it lasts
public struct EnsembleSettings: Sendable, Equatable {
    /// How much each provider is trusted before the evidence: fixed shares, or Bradley–Terry
    /// strengths per (provider × kind of unit) fitted on the workspace's stored judgments.
    public enum Weights: Sendable, Equatable {
        case fixed([Double])
        case learned
    }

    /// What is chosen between candidates: one outline beat's passage, a paragraph (aligned
    /// within its beat), a scene (consecutive beats of about `sceneWords` words), or the whole
    /// chapter (selection without merging: the ablation's baseline).
    public enum Unit: String, Sendable, Equatable, CaseIterable {
        case beat, paragraph, scene, chapter
    }

    public var providers: [String]
    public var weights: Weights
    public var unit: Unit
    public var samplesPerProvider: Int
    /// Rewrite the paragraph after each join between providers so the chapter reads as one.
    public var fuse: Bool
    /// Provider names asked, in both orders, which of two units is better.
    public var judges: [String]
    /// The rubric folder of the pairwise prompt.
    public var rubrics: String
    /// A quality predictor (`workbench train predictor`, target `quality`) whose score of each
    /// unit is averaged with its composite.
    public var predictor: EnsemblePredictor?
    /// The most tokens a chapter's ensemble spends, as a multiple of one generation's (the
    /// mean candidate's): after the candidates, the judges are asked, closest contest first,
    /// and the seams rewritten, only while it lasts.
    public var tokenBudget: Double

    /// A scene unit holds beats until about this many words.
    public static let sceneWords = 400

    public init(providers: [String], weights: Weights = .fixed([]), unit: Unit = .beat, samplesPerProvider: Int = 1, fuse: Bool = true,
                judges: [String] = [], rubrics: String, tokenBudget: Double = 3.5) {
        self.providers = providers
        self.weights = weights
        self.unit = unit
        self.samplesPerProvider = samplesPerProvider
        self.fuse = fuse
        self.judges = judges
        self.rubrics = rubrics
        self.tokenBudget = tokenBudget
    }

    /// Every candidate a chapter is drafted as: each provider's samples, in order.
    public var candidates: [EnsembleCandidateID] {
        providers.flatMap { provider in (0..<samplesPerProvider).map { EnsembleCandidateID(provider: provider, sample: $0) } }
    }

    /// Self-MoA: one provider sampled several times.
    public var isSelfMixture: Bool { Set(providers).count == 1 }

    /// The fixed weights as a share per provider (equal when none were given).
    public var fixedShares: [String: Double] {
        guard case .fixed(let values) = weights, values.count == providers.count else {
            return Dictionary(providers.map { ($0, 1 / Double(providers.count)) }, uniquingKeysWith: { a, _ in a })
        }
        let total = values.reduce(0, +)
        return Dictionary(zip(providers, values.map { $0 / total }).map { ($0, $1) }, uniquingKeysWith: { a, _ in a })
    }

    /// Reads the block; every provider and judge must be declared in the table (`known`).
    static func load(_ node: ConfigNode, known: [String], resolve: (String) -> String) throws -> EnsembleSettings {
        try node.rejectUnknownKeys(["providers", "weights", "unit", "samples_per_provider", "fuse", "judge", "rubrics", "token_budget", "predictor"])
        let providersNode = try node.required("providers", fix: "list the providers to merge, e.g. providers: [sim-a, sim-b, sim-c]")
        let providerItems = try providersNode.items()
        var providers: [String] = []
        for item in providerItems {
            let name = try item.nonEmptyString()
            guard known.contains(name) else {
                throw item.error("no provider named `\(name)`", fix: "use one of: \(known.joined(separator: ", ")) (or declare it in providers.yaml)")
            }
            guard !providers.contains(name) else {
                throw item.error("`\(name)` is listed twice", fix: "list each provider once; several samples of one are `samples_per_provider: N`")
            }
            providers.append(name)
        }
        guard !providers.isEmpty else { throw providersNode.error("names no provider", fix: "providers: [sim-a, sim-b, sim-c]") }
        let samples = try node.optional("samples_per_provider")?.int(in: 1...8) ?? 1
        if providers.count * samples < 2 {
            throw providersNode.error("one provider with one sample has nothing to merge",
                                      fix: "name two or more providers, or set samples_per_provider: 3 for the Self-MoA arm")
        }
        var weights = Weights.fixed([])
        if let weightsNode = try node.optional("weights") {
            if let word = try? weightsNode.string(), Double(word) == nil {
                guard word == "learned" else { throw weightsNode.error("`\(word)` is neither a list of weights nor `learned`", fix: "weights: [0.4, 0.4, 0.2] or weights: learned") }
                weights = .learned
            } else {
                let items = try weightsNode.items()
                guard items.count == providers.count else {
                    throw weightsNode.error("\(items.count) weight\(items.count == 1 ? "" : "s") for \(providers.count) providers",
                                            fix: "give one weight per provider, in the order of `providers`")
                }
                var values: [Double] = []
                for item in items {
                    let value = try item.double()
                    guard value >= 0 else { throw item.error("weight \(value) is negative", fix: "weights are shares: 0 or more") }
                    values.append(value)
                }
                guard values.contains(where: { $0 > 0 }) else { throw weightsNode.error("every weight is 0", fix: "give at least one provider a positive weight") }
                weights = .fixed(values)
            }
        }
        let unitNode = try node.optional("unit")
        let unitName = try unitNode?.nonEmptyString() ?? Unit.beat.rawValue
        guard let unit = Unit(rawValue: unitName) else {
            throw unitNode!.error("unknown unit `\(unitName)`", fix: "use one of: \(Unit.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var judges: [String] = []
        if let judgeNode = try node.optional("judge") {
            for item in try judgeNode.items() {
                let name = try item.nonEmptyString()
                guard known.contains(name) else {
                    throw item.error("no provider named `\(name)`", fix: "use one of: \(known.joined(separator: ", ")) (or declare it in providers.yaml)")
                }
                judges.append(name)
            }
        }
        let rubrics = resolve(try node.optional("rubrics")?.nonEmptyString() ?? "prompts/judge/v1")
        if !judges.isEmpty, !FileManager.default.fileExists(atPath: rubrics + "/_pairwise.mustache") {
            throw (try node.optional("rubrics") ?? node).error("no pairwise judge prompt at \(rubrics)/_pairwise.mustache",
                                                              fix: "point ensemble.rubrics at a folder like Experiments/prompts/judge/v1")
        }
        var settings = EnsembleSettings(providers: providers, weights: weights, unit: unit, samplesPerProvider: samples,
                                        fuse: try node.optional("fuse")?.bool() ?? true, judges: judges, rubrics: rubrics,
                                        tokenBudget: try node.optional("token_budget")?.double(in: 1...100) ?? 3.5)
        if let predictorNode = try node.optional("predictor") {
            let path = resolve(try predictorNode.nonEmptyString())
            let model: QualityPredictor
            do {
                model = try QualityPredictor.load(from: path)
            } catch let error as LearningError {
                throw predictorNode.error(error.message, fix: error.fix ?? "train one with `workbench train predictor --out \(path)`")
            }
            guard !model.fromOutlines, model.target == "quality" else {
                throw predictorNode.error("\(path) predicts \(model.fromOutlines ? "from outlines" : "`\(model.target)`"); a unit needs a model of chapter text's `quality`",
                                          fix: "train one with `workbench train predictor --target quality --out MODEL.json`")
            }
            let contents = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            settings.predictor = EnsemblePredictor(path: ExperimentConfig.absolute(path), sha256: SHA256.hex(of: contents), model: model)
        }
        return settings
    }

    /// The run record's `ensemble` field.
    var recordFields: [String: Any] {
        var object: [String: Any] = ["providers": providers, "unit": unit.rawValue, "samples_per_provider": samplesPerProvider, "fuse": fuse, "judge": judges, "token_budget": tokenBudget]
        switch weights {
        case .fixed(let values): object["weights"] = values
        case .learned: object["weights"] = "learned"
        }
        if !judges.isEmpty { object["rubrics"] = ExperimentConfig.absolute(rubrics) }
        if let predictor { object["predictor"] = predictor.path; object["predictor_sha256"] = predictor.sha256 }
        return object
    }
}

/// A quality predictor the ensemble scores units with, and the file it came from.
public struct EnsemblePredictor: Sendable, Equatable {
    public var path: String
    /// The model file's fingerprint: a retrained model is another run configuration.
    public var sha256: String
    public var model: QualityPredictor
}

/// One candidate draft of a chapter: a provider and which of its samples.
public struct EnsembleCandidateID: Sendable, Hashable, Codable, CustomStringConvertible {
    public var provider: String
    public var sample: Int
    public init(provider: String, sample: Int) {
        self.provider = provider
        self.sample = sample
    }
    /// `sim-a`, or `sim-c#2` for a provider's later samples.
    public var description: String { EnsembleChapterRecord.label(provider, sample: sample) }
}
