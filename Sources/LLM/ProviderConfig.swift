/// How one provider is reached and what it costs: a row of `Experiments/providers.yaml`.
public struct ProviderConfig: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// OpenAI chat completions and everything that speaks it: OpenAI, Groq, DeepSeek,
        /// OpenRouter, Together, Ollama, llama.cpp, vLLM.
        case openai
        case anthropic
        case gemini
        /// The managed llama.cpp server with the bundled small model.
        case local
        /// The offline simulator.
        case sim
    }

    public var name: String
    public var kind: Kind
    /// e.g. `https://api.groq.com/openai/v1`; the path of the endpoint is appended.
    public var baseURL: String
    public var model: String
    /// The environment variable holding the API key; the key itself is never stored.
    public var apiKeyEnv: String?
    /// USD per million tokens.
    public var inputPricePerMillion: Double
    public var outputPricePerMillion: Double
    public var maxConcurrent: Int
    public var requestsPerMinute: Double?
    public var tokensPerMinute: Double?
    /// Extra fields sent in every request body (e.g. llama.cpp's `repeat_penalty`), as JSON text.
    public var extraBodyJSON: String?
    /// For `sim` providers started in-process: latency and faults.
    public var simulator: SimulatorSettings?
    /// Attempts per call, the first included (default `RetryPolicy.maxAttempts`, 6; after a
    /// timeout never more than `RetryPolicy.maxAttemptsAfterTimeout`, 4: the roadmap's three retries).
    public var maxAttempts: Int?

    /// How an in-process simulator behaves (see `workbench sim serve` for the same knobs).
    public struct SimulatorSettings: Sendable, Equatable, Codable {
        public var faultRate: Double = 0
        public var faults: [String] = []
        public var timeToFirstTokenMilliseconds: Double = 0
        public var tokensPerSecond: Double = 0
        public var retryAfterMilliseconds: Double = 1000
        /// Fact sentences in the prose (`fact_rate`, `contradiction_rate`): nil for both, the
        /// default, writes none; either one given turns them on, the other at its default.
        public var factRate: Double?
        public var contradictionRate: Double?
        public init() {}
    }

    public init(
        name: String, kind: Kind, baseURL: String, model: String, apiKeyEnv: String? = nil,
        inputPricePerMillion: Double = 0, outputPricePerMillion: Double = 0, maxConcurrent: Int = 16,
        requestsPerMinute: Double? = nil, tokensPerMinute: Double? = nil, extraBodyJSON: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.model = model
        self.apiKeyEnv = apiKeyEnv
        self.inputPricePerMillion = inputPricePerMillion
        self.outputPricePerMillion = outputPricePerMillion
        self.maxConcurrent = maxConcurrent
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.extraBodyJSON = extraBodyJSON
    }

    /// USD for a call with this usage.
    public func cost(of usage: TokenUsage) -> Double {
        (Double(usage.promptTokens) * inputPricePerMillion + Double(usage.completionTokens) * outputPricePerMillion) / 1_000_000
    }
}
