import Engine
import Foundation
import LLM
import Store

/// What one book asks of a model: requests and tokens, and where the figures come from.
public struct BookDemand: Sendable, Equatable {
    public var requests: Double
    public var promptTokens: Double
    public var completionTokens: Double
    /// "12 books of this workspace's history" or "the experiment's call pattern".
    public var basis: String
    public var tokens: Double { promptTokens + completionTokens }

    public init(requests: Double, promptTokens: Double, completionTokens: Double, basis: String) {
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.basis = basis
    }

    /// Tokens per word of English prose (OpenAI's rule of thumb, ~0.75 words a token).
    static let tokensPerWord = 1.35
    /// Words a hosted model writes in one answer before stopping (the engine then asks it to continue).
    public static let wordsPerAnswer = 900.0

    /// From finished books: their requests per chapter and tokens per word, scaled to a book of
    /// `chapters` × `words`. Books of `experiment` are preferred when there are any.
    public static func history(_ records: [BookDemandRecord], experiment: String?, chapters: Int, words: Int) -> BookDemand? {
        let same = records.filter { $0.experiment == experiment }
        let used = same.isEmpty ? records : same
        guard !used.isEmpty else { return nil }
        let requestsPerChapter = Double(used.map(\.requests).reduce(0, +)) / Double(used.map(\.chapters).reduce(0, +))
        let allWords = Double(used.map(\.words).reduce(0, +))
        let bookWords = Double(chapters * words)
        return BookDemand(
            requests: requestsPerChapter * Double(chapters),
            promptTokens: Double(used.map(\.promptTokens).reduce(0, +)) / allWords * bookWords,
            completionTokens: Double(used.map(\.completionTokens).reduce(0, +)) / allWords * bookWords,
            basis: "\(used.count) finished book\(used.count == 1 ? "" : "s") of this workspace\(same.isEmpty ? "" : " under this experiment")")
    }

    /// The engine's calls for a book under `config` with no history to go on: the plan; per
    /// chapter the draft (one answer per `wordsPerAnswer` words, each prompt carrying the
    /// outline and the last scene), each enhancement iteration (a paragraph rewritten), each
    /// judge sample (the whole chapter read). Continuity checks make no calls; fixes and
    /// verification are not counted.
    public static func pattern(_ config: ExperimentConfig) -> BookDemand {
        let chapters = Double(config.chapters), words = Double(config.wordsPerChapter)
        let answers = max(1, (words / wordsPerAnswer).rounded(.up))
        let chapterTokens = words * tokensPerWord
        var requests = 1.0, prompt = 150.0, completion = 160 * chapters
        requests += chapters * answers
        prompt += chapters * answers * 500
        completion += chapters * chapterTokens
        let enhance = Double(config.enhancementIterations)
        requests += chapters * enhance
        prompt += chapters * enhance * 250
        completion += chapters * enhance * 100
        if let judge = config.judge {
            let reads = Double(judge.dimensions.count * judge.samples)
            requests += chapters * reads
            prompt += chapters * reads * (chapterTokens + 300)
            completion += chapters * reads * 20
        }
        return BookDemand(requests: requests, promptTokens: prompt, completionTokens: completion, basis: "the experiment's call pattern: no finished books to measure")
    }
}

/// How many books a provider can write, at what cost, and what stops it going faster.
public struct CapacityEstimate: Sendable, Equatable {
    /// One limit on the batch's pace, in books per hour.
    public struct Constraint: Sendable, Equatable {
        public enum Kind: String, Sendable, Equatable {
            case requestsPerMinute = "requests per minute"
            case tokensPerMinute = "tokens per minute"
            case concurrency = "concurrent calls"
            case globalRequests = "--rate-limit"
            case globalTokens = "--token-limit"
        }
        public var kind: Kind
        public var booksPerHour: Double
        /// "Groq's 6,000 tokens/minute".
        public var description: String
    }

    public var provider: String
    public var books: Int
    public var wordsPerBook: Int
    public var demand: BookDemand
    public var costPerBookUSD: Double
    /// Every limit that applies, tightest first; empty when nothing is known to limit the pace.
    public var constraints: [Constraint]
    /// What the batch cannot plan for (no measured speed, no declared limits).
    public var unknowns: [String]

    public var binding: Constraint? { constraints.first }
    public var booksPerHour: Double? { binding?.booksPerHour }
    public var hours: Double? { booksPerHour.map { Double(books) / $0 } }
    public var totalCostUSD: Double { costPerBookUSD * Double(books) }

    /// The roadmap's targets: 100 books a day, under $0.15 a book.
    public static let booksPerDayTarget = 100.0
    public static let costPerBookTarget = 0.15

    public var meetsBooksPerDay: Bool? { booksPerHour.map { $0 * 24 >= Self.booksPerDayTarget } }
    public var meetsCostPerBook: Bool { costPerBookUSD < Self.costPerBookTarget }

    /// `speed`: the provider's measured latency per call in this workspace, if any.
    /// `inFlight`: calls the processor can have open at once (books × chapters at once).
    public static func plan(books: Int, wordsPerBook: Int, demand: BookDemand, provider: ProviderConfig, speed: ProviderSpeedRecord?,
                            inFlight: Int, requestLimit: RateLimitSpec?, tokenLimit: RateLimitSpec?) -> CapacityEstimate {
        var constraints: [Constraint] = [], unknowns: [String] = []
        let perHour = { (perMinute: Double, perBook: Double) in perMinute * 60 / max(perBook, 1e-9) }
        if let rpm = provider.requestsPerMinute {
            constraints.append(Constraint(kind: .requestsPerMinute, booksPerHour: perHour(rpm, demand.requests),
                                          description: "\(provider.name)'s \(Self.grouped(rpm)) requests/minute"))
        }
        if let tpm = provider.tokensPerMinute {
            constraints.append(Constraint(kind: .tokensPerMinute, booksPerHour: perHour(tpm, demand.tokens),
                                          description: "\(provider.name)'s \(Self.grouped(tpm)) tokens/minute"))
        }
        if let speed, speed.meanLatencySeconds > 0 {
            let open = Double(min(provider.maxConcurrent, inFlight))
            constraints.append(Constraint(kind: .concurrency, booksPerHour: open * 3600 / (demand.requests * speed.meanLatencySeconds),
                                          description: "\(Int(open)) calls at once at \(String(format: "%.2f", speed.meanLatencySeconds)) s each (measured over \(speed.calls) calls)"))
        } else {
            unknowns.append("no measured speed for \(provider.name) in this workspace: the time its calls take is not counted (write one book with it first)")
        }
        if let requestLimit {
            constraints.append(Constraint(kind: .globalRequests, booksPerHour: requestLimit.perSecond * 3600 / demand.requests,
                                          description: "--rate-limit \(requestLimit)"))
        }
        if let tokenLimit {
            constraints.append(Constraint(kind: .globalTokens, booksPerHour: tokenLimit.perSecond * 3600 / demand.tokens,
                                          description: "--token-limit \(tokenLimit)"))
        }
        if provider.requestsPerMinute == nil && provider.tokensPerMinute == nil && [.openai, .anthropic, .gemini].contains(provider.kind) {
            unknowns.append("\(provider.name) declares no rate limits in the provider table: the account's real limits may bind first")
        }
        let cost = (demand.promptTokens * provider.inputPricePerMillion + demand.completionTokens * provider.outputPricePerMillion) / 1_000_000
        return CapacityEstimate(provider: provider.name, books: books, wordsPerBook: wordsPerBook, demand: demand, costPerBookUSD: cost,
                                constraints: constraints.sorted { $0.booksPerHour < $1.booksPerHour }, unknowns: unknowns)
    }

    /// "Groq's 6,000 tokens/minute: 100 80,000-word books take 30 h 12 m, $0.0123 a book ($1.23)".
    public var sentence: String {
        let batch = "\(books) \(Self.grouped(Double(wordsPerBook)))-word book\(books == 1 ? "" : "s")"
        let money = "$\(String(format: "%.4f", costPerBookUSD)) a book ($\(String(format: "%.2f", totalCostUSD)) in all)"
        guard let binding, let hours else { return "\(provider): \(batch), \(money); nothing known limits the pace" }
        return "\(binding.description): \(batch) take \(Self.duration(hours: hours)), \(money)"
    }

    static func grouped(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = value < 10 ? 2 : 0
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }

    public static func duration(hours: Double) -> String {
        let minutes = Int((hours * 60).rounded())
        if minutes < 1 { return "under a minute" }
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 48 * 60 { return "\(minutes / 60) h \(String(format: "%02d", minutes % 60)) min" }
        return String(format: "%.1f days", hours / 24)
    }
}
