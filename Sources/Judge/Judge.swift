import Foundation
import LLM
import Mustache
import WorkbenchCore

/// Prompts are plain text: a template's variables go in as they are. Mustache escapes them
/// for HTML by default, turning "the Keeper's Daughter" into "the Keeper&#39;s Daughter",
/// which models then copy into their prose.
public enum PlainTextTemplate {
    public static func parse(_ text: String) throws -> MustacheTemplate {
        try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
    }
}

/// A rubric version: the system prompt, one template per dimension and the pairwise prompt,
/// read from a folder such as `Experiments/prompts/judge/v1`.
public struct Rubrics: Sendable {
    public let version: String
    public let system: String
    public let dimensions: [String: MustacheTemplate]
    public let pairwise: MustacheTemplate

    public static let defaultFolder = "Experiments/prompts/judge/v1"

    public static func load(folder: String) throws -> Rubrics {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".mustache") }
        } catch {
            throw JudgeError.rubricMissing(path: folder, detail: "the folder cannot be read")
        }
        func template(_ file: String) throws -> MustacheTemplate {
            let path = folder + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw JudgeError.rubricMissing(path: path, detail: "missing or not UTF-8") }
            do {
                return try PlainTextTemplate.parse(text)
            } catch {
                throw JudgeError.rubricInvalid(path: path, detail: "\(error)")
            }
        }
        guard let system = try? String(contentsOfFile: folder + "/_system.mustache", encoding: .utf8) else {
            throw JudgeError.rubricMissing(path: folder + "/_system.mustache", detail: "missing")
        }
        var dimensions: [String: MustacheTemplate] = [:]
        for file in files where !file.hasPrefix("_") { dimensions[String(file.dropLast(".mustache".count))] = try template(file) }
        guard !dimensions.isEmpty else { throw JudgeError.rubricMissing(path: folder, detail: "no <dimension>.mustache rubric") }
        return Rubrics(version: URL(fileURLWithPath: folder).lastPathComponent, system: system.trimmingCharacters(in: .whitespacesAndNewlines),
                       dimensions: dimensions, pairwise: try template("_pairwise.mustache"))
    }
}

public enum JudgeError: WorkbenchError, Equatable {
    case rubricMissing(path: String, detail: String)
    case rubricInvalid(path: String, detail: String)
    case unknownDimension(String, known: [String])
    case invalidAnswer(judge: String, excerpt: String)

    public var message: String {
        switch self {
        case .rubricMissing(let path, let detail): return "judge rubric \(path): \(detail)"
        case .rubricInvalid(let path, let detail): return "judge rubric \(path) is not a valid Mustache template: \(detail)"
        case .unknownDimension(let name, _): return "no judge rubric for dimension `\(name)`"
        case .invalidAnswer(let judge, let excerpt): return "\(judge) answered three times without a valid score: \(excerpt)"
        }
    }

    public var fix: String? {
        switch self {
        case .rubricMissing, .rubricInvalid: return "see Experiments/prompts/judge/README.md for the files a rubric folder holds"
        case .unknownDimension(_, let known): return "use one of: \(known.sorted().joined(separator: ", "))"
        case .invalidAnswer: return "use a stronger judge model, or check that it supports JSON-schema output"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidAnswer: return .temporaryFailure
        default: return .dataError
        }
    }
}

/// One dimension's verdict from every judge.
public struct JudgeVerdict: Sendable, Equatable, Codable {
    public struct Sample: Sendable, Equatable, Codable {
        public var judge: String
        public var score: Int
        public var reason: String
    }
    public var dimension: String
    public var samples: [Sample]
    /// Mean of each judge's mean, so a judge with more samples does not weigh more.
    public var score: Double
    /// Standard deviation over all samples: how much the judges and samples disagree.
    public var spread: Double
    /// `judge:<providers>@<rubric version>`, stored beside heuristic scores.
    public var scorer: String
}

/// A pairwise comparison of two texts on one dimension.
public struct PairwiseVerdict: Sendable, Equatable, Codable {
    public var dimension: String
    public var winsA: Int
    public var winsB: Int
    public var ties: Int
    /// Samples in which A was shown first: the order is drawn per sample, against position bias.
    public var aShownFirst: Int
    /// With both orders asked: the samples whose two answers disagreed (each counted a tie),
    /// how far the judges' verdicts follow the position rather than the texts. Nil otherwise.
    public var orderFlips: Int?
    /// Share of decisive samples won by A (0.5 when none was decisive).
    public var preferenceA: Double { winsA + winsB == 0 ? 0.5 : Double(winsA) / Double(winsA + winsB) }
}

/// LLM-as-judge: rubric prompts, JSON-schema answers, repeated samples, several judges
/// averaged, and pairwise comparison in random order.
public struct Judge: Sendable {
    public let judges: [any LLMProvider]
    public let rubrics: Rubrics
    public let samples: Int
    public let seed: UInt64

    // Valid under OpenAI's strict mode, which refuses `maxLength`: `maxTokens` bounds the reason.
    static let scoreSchema = #"{"type":"object","properties":{"score":{"type":"integer","minimum":1,"maximum":10},"reason":{"type":"string","description":"One or two sentences."}},"required":["score","reason"],"additionalProperties":false}"#
    static let pairSchema = #"{"type":"object","properties":{"winner":{"type":"string","enum":["first","second","tie"]},"reason":{"type":"string","description":"One or two sentences."}},"required":["winner","reason"],"additionalProperties":false}"#

    public init(judges: [any LLMProvider], rubrics: Rubrics, samples: Int = 3, seed: UInt64 = 1) {
        precondition(!judges.isEmpty && samples >= 1)
        self.judges = judges
        self.rubrics = rubrics
        self.samples = samples
        self.seed = seed
    }

    public var scorer: String { "judge:\(judges.map(\.name).joined(separator: "+"))@\(rubrics.version)" }

    public func score(_ text: String, dimension: String, obsession: String? = nil) async throws -> JudgeVerdict {
        guard let template = rubrics.dimensions[dimension] else {
            throw JudgeError.unknownDimension(dimension, known: Array(rubrics.dimensions.keys))
        }
        let prompt = template.render(["chapter": text, "obsession": obsession ?? ""] as [String: String])
        var all: [JudgeVerdict.Sample] = []
        var means: [Double] = []
        for judge in judges {
            let drawn = try await withThrowingTaskGroup(of: JudgeVerdict.Sample.self) { group in
                for sample in 0..<samples {
                    group.addTask {
                        let answer: ScoreAnswer = try await ask(judge, system: rubrics.system, prompt: prompt, schema: Self.scoreSchema, sample: sample)
                        return JudgeVerdict.Sample(judge: judge.name, score: answer.score, reason: answer.reason)
                    }
                }
                return try await group.reduce(into: [JudgeVerdict.Sample]()) { $0.append($1) }
            }
            all += drawn
            means.append(Double(drawn.map(\.score).reduce(0, +)) / Double(drawn.count))
        }
        let mean = means.reduce(0, +) / Double(means.count)
        let overall = Double(all.map(\.score).reduce(0, +)) / Double(all.count)
        let variance = all.count < 2 ? 0 : all.map { pow(Double($0.score) - overall, 2) }.reduce(0, +) / Double(all.count - 1)
        return JudgeVerdict(dimension: dimension, samples: all.sorted { ($0.judge, $0.score, $0.reason) < ($1.judge, $1.score, $1.reason) },
                            score: (mean * 100).rounded() / 100, spread: (variance.squareRoot() * 100).rounded() / 100, scorer: scorer)
    }

    /// Which of two texts is better on a dimension. Each sample shows them in a seeded random
    /// order; with `bothOrders`, each sample is asked twice, A first and B first, and a sample
    /// whose two answers disagree is a tie (a verdict that follows the position is no verdict).
    public func compare(_ a: String, _ b: String, dimension: String, bothOrders: Bool = false) async throws -> PairwiseVerdict {
        var random = SeededGenerator(seed: seed ^ 0xA11CE)
        var verdict = PairwiseVerdict(dimension: dimension, winsA: 0, winsB: 0, ties: 0, aShownFirst: 0, orderFlips: bothOrders ? 0 : nil)
        /// The winner of one reading, as A, B or nil for a tie.
        func winner(_ judge: any LLMProvider, sample: Int, aFirst: Bool) async throws -> Bool? {
            let prompt = rubrics.pairwise.render(["dimension": dimension, "first": aFirst ? a : b, "second": aFirst ? b : a] as [String: String])
            let answer: PairAnswer = try await ask(judge, system: nil, prompt: prompt, schema: Self.pairSchema, sample: sample)
            switch answer.winner {
            case "first": return aFirst
            case "second": return !aFirst
            default: return nil
            }
        }
        for judge in judges {
            for sample in 0..<samples {
                let aWins: Bool?
                if bothOrders {
                    verdict.aShownFirst += 1
                    let first = try await winner(judge, sample: sample, aFirst: true)
                    let second = try await winner(judge, sample: sample, aFirst: false)
                    if first != second { verdict.orderFlips! += 1 }
                    aWins = first == second ? first : nil
                } else {
                    let aFirst = random.next() % 2 == 0
                    if aFirst { verdict.aShownFirst += 1 }
                    aWins = try await winner(judge, sample: sample, aFirst: aFirst)
                }
                switch aWins {
                case true?: verdict.winsA += 1
                case false?: verdict.winsB += 1
                case nil: verdict.ties += 1
                }
            }
        }
        return verdict
    }

    struct ScoreAnswer: Decodable {
        var score: Int
        var reason: String
        var isValid: Bool { (1...10).contains(score) }
    }

    struct PairAnswer: Decodable {
        var winner: String
        var reason: String
        var isValid: Bool { ["first", "second", "tie"].contains(winner) }
    }

    /// Tokens a verdict starts with: a score and a sentence or two of reason.
    public static let maxTokens = 200
    /// The most an answer cut at `max_tokens` is given: the cap doubles up to this.
    public static let maxTokensBound = 1600

    /// Asks until the answer parses and is in range: three tries, each with its own seed. An
    /// answer cut at `max_tokens` (a model that reasons at length) is asked again with the
    /// same seed and twice the room, up to `maxTokensBound`, without using up a try.
    private func ask<Answer: Decodable & Sendable>(_ judge: any LLMProvider, system: String?, prompt: String, schema: String, sample: Int) async throws -> Answer {
        var messages = [ChatMessage(.user, prompt)]
        if let system { messages.insert(ChatMessage(.system, system), at: 0) }
        var last = ""
        var maxTokens = Self.maxTokens
        var attempt = 0
        while attempt < 3 {
            let request = CompletionRequest(
                messages: messages, temperature: 0.7, maxTokens: maxTokens, seed: seed &+ UInt64(sample) &* 7919 &+ UInt64(attempt) &* 104_729,
                responseFormat: .jsonSchema(name: "verdict", schema: schema), task: .judge)
            let completion: Completion
            do {
                completion = try await judge.complete(request)
            } catch let error as LLMError where Self.isCutByLength(error) && maxTokens < Self.maxTokensBound {
                maxTokens = min(maxTokens * 2, Self.maxTokensBound)
                continue
            }
            last = completion.text
            if let answer = Self.parse(completion.text, as: Answer.self) { return answer }
            attempt += 1
        }
        throw JudgeError.invalidAnswer(judge: judge.name, excerpt: String(last.prefix(120)))
    }

    /// Whether the call failed because the answer hit `max_tokens` (for a fallback chain: some
    /// provider of it did), so more room may get a whole one.
    static func isCutByLength(_ error: LLMError) -> Bool {
        switch error {
        case .cutByLength: return true
        case .allProvidersFailed(_, let failures): return failures.contains(where: isCutByLength)
        default: return false
        }
    }

    /// The JSON answer, also when a model wraps it in prose or a code fence.
    static func parse<Answer: Decodable>(_ text: String, as: Answer.Type) -> Answer? {
        guard let answer = JSONAnswer.decode(Answer.self, from: text) else { return nil }
        if let score = answer as? ScoreAnswer { return score.isValid ? answer : nil }
        if let pair = answer as? PairAnswer { return pair.isValid ? answer : nil }
        return answer
    }
}
