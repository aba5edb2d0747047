import Foundation

/// OpenAI's chat-completions API over libcurl: OpenAI itself and every server that speaks it
/// (Groq, DeepSeek, OpenRouter, Together, Ollama, llama.cpp, vLLM, the simulator).
/// One attempt per call: retries, budgets and fallbacks wrap it (see `ResilientProvider`).
public struct OpenAICompatibleProvider: LLMProvider {
    public let config: ProviderConfig
    private let engine: CurlEngine
    private let apiKey: String?
    public var timeouts: Timeouts

    public struct Timeouts: Sendable {
        public var connect: Duration = .seconds(10)
        public var total: Duration = .seconds(600)
        /// Longest silence in a stream before it counts as stalled.
        public var streamIdle: Duration = .seconds(60)
        public init() {}
    }

    public var name: String { config.name }
    public var model: String { config.model }

    /// `environment` supplies the API key named by `config.apiKeyEnv`; a provider that
    /// needs a key and finds none fails every call with `LLMError.missingKey`.
    public init(config: ProviderConfig, environment: [String: String], engine: CurlEngine = .shared, timeouts: Timeouts = Timeouts()) {
        self.config = config
        self.engine = engine
        self.timeouts = timeouts
        apiKey = config.apiKeyEnv.flatMap { environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        let http = try httpRequest(for: request, stream: false)
        let started = ContinuousClock.now
        let response: HTTPResponse
        do {
            response = try await engine.send(http)
        } catch let error as HTTPTransportError {
            throw map(error)
        }
        try checkStatus(response.head, body: response.body)
        let decoded: OpenAIWire.Response
        do {
            decoded = try JSONDecoder().decode(OpenAIWire.Response.self, from: response.body)
        } catch {
            throw LLMError.malformedResponse(provider: name, detail: Self.describe(error, body: response.body))
        }
        guard let choice = decoded.choices.first else {
            throw LLMError.malformedResponse(provider: name, detail: "no choices in the response")
        }
        return try finish(
            request: request, text: choice.message?.content ?? "", finishReason: choice.finishReason,
            usage: decoded.usage, model: decoded.model, latency: ContinuousClock.now - started,
            timeToFirstToken: response.timeToFirstByte)
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await runStream(request, into: continuation)
                    continuation.finish()
                } catch let error as HTTPTransportError {
                    continuation.finish(throwing: map(error))
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func runStream(_ request: CompletionRequest, into continuation: AsyncThrowingStream<CompletionChunk, any Error>.Continuation) async throws {
        let http = try httpRequest(for: request, stream: true)
        let started = ContinuousClock.now
        var parser = SSEParser()
        var text = ""
        var firstToken: Duration?
        var finishReason: String?
        var usage: OpenAIWire.Usage?
        var model: String?
        var sawDone = false
        var head: HTTPResponseHead?
        var errorBody = Data()
        let decoder = JSONDecoder()

        func handle(_ event: SSEParser.Event) throws {
            if event.data == "[DONE]" { sawDone = true; return }
            let chunk: OpenAIWire.StreamChunk
            do {
                chunk = try decoder.decode(OpenAIWire.StreamChunk.self, from: Data(event.data.utf8))
            } catch {
                throw LLMError.malformedResponse(provider: name, detail: Self.describe(error, body: Data(event.data.utf8)))
            }
            if let message = chunk.error?.message { throw LLMError.http(provider: name, status: 500, message: message, retryAfter: nil) }
            if let chunkUsage = chunk.usage { usage = chunkUsage }
            if let chunkModel = chunk.model { model = chunkModel }
            for choice in chunk.choices ?? [] {
                if let piece = choice.delta?.content, !piece.isEmpty {
                    if firstToken == nil { firstToken = ContinuousClock.now - started }
                    text += piece
                    continuation.yield(.text(piece))
                }
                if let reason = choice.finishReason { finishReason = reason }
            }
        }

        do {
            for try await event in engine.stream(http) {
                switch event {
                case .head(let received):
                    head = received
                case .bytes(let bytes):
                    if let head, !(200..<300).contains(head.status) {
                        errorBody.append(bytes)
                        continue
                    }
                    for sse in parser.feed(bytes) { try handle(sse) }
                }
            }
        } catch HTTPTransportError.transfer where head.map({ (200..<300).contains($0.status) }) == true {
            // The connection broke in the middle of a good answer.
            throw LLMError.truncatedStream(provider: name, receivedCharacters: text.count)
        }
        if let head { try checkStatus(head, body: errorBody) }
        if let last = parser.finish() { try handle(last) }
        // A stream that ends without [DONE] or a finish reason was cut off.
        guard sawDone || finishReason != nil else {
            throw LLMError.truncatedStream(provider: name, receivedCharacters: text.count)
        }
        let completion = try finish(
            request: request, text: text, finishReason: finishReason, usage: usage, model: model,
            latency: ContinuousClock.now - started, timeToFirstToken: firstToken)
        continuation.yield(.done(completion))
    }

    /// Builds the completion, estimating usage when absent and refusing empty or cut answers.
    private func finish(
        request: CompletionRequest, text: String, finishReason: String?, usage: OpenAIWire.Usage?, model: String?,
        latency: Duration, timeToFirstToken: Duration?
    ) throws -> Completion {
        let reason = FinishReason(wire: finishReason)
        guard !text.isEmpty else { throw LLMError.emptyCompletion(provider: name) }
        let tokenUsage = usage.map { TokenUsage(promptTokens: $0.promptTokens ?? 0, completionTokens: $0.completionTokens ?? 0) }
            ?? TokenUsage(
                promptTokens: TokenUsage.estimate(request.messages.map(\.content).joined(separator: "\n")),
                completionTokens: TokenUsage.estimate(text), estimated: true)
        if reason == .length, request.responseFormat != .text {
            // Half a JSON document is no answer.
            throw LLMError.cutByLength(provider: name, tokens: request.maxTokens ?? tokenUsage.completionTokens)
        }
        return Completion(
            text: text, usage: tokenUsage, finishReason: reason, provider: name, model: model ?? request.model ?? config.model,
            latency: latency, timeToFirstToken: timeToFirstToken, costUSD: config.cost(of: tokenUsage))
    }

    // MARK: Wire

    func httpRequest(for request: CompletionRequest, stream: Bool) throws -> HTTPRequest {
        if let variable = config.apiKeyEnv, apiKey == nil { throw LLMError.missingKey(provider: name, variable: variable) }
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("Accept", stream ? "text/event-stream" : "application/json")]
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        return HTTPRequest(
            url: config.baseURL.trimmingSuffix("/") + "/chat/completions", headers: headers,
            body: try OpenAIWire.body(for: request, model: request.model ?? config.model, stream: stream, extraJSON: config.extraBodyJSON),
            connectTimeout: timeouts.connect, totalTimeout: timeouts.total, idleTimeout: stream ? timeouts.streamIdle : nil)
    }

    private func checkStatus(_ head: HTTPResponseHead, body: Data) throws {
        guard !(200..<300).contains(head.status) else { return }
        let message = (try? JSONDecoder().decode(OpenAIWire.ErrorEnvelope.self, from: body))?.error.message
            ?? String(decoding: body.prefix(300), as: UTF8.self)
        throw LLMError.http(provider: name, status: head.status, message: message.isEmpty ? "(no body)" : message,
                            retryAfter: RetryAfter.seconds(from: head.headers))
    }

    private func map(_ error: HTTPTransportError) -> LLMError {
        switch error {
        case .connect(let detail): return .connection(provider: name, detail: detail)
        case .timeout(let phase, _):
            let seconds: Duration = phase == .connect ? timeouts.connect : phase == .idle ? timeouts.streamIdle : timeouts.total
            return .timeout(provider: name, phase: phase.rawValue, seconds: Double(seconds.components.seconds))
        case .transfer(_, let detail): return .connection(provider: name, detail: detail)
        case .cancelled: return .cancelled
        case .invalidRequest(let detail): return .connection(provider: name, detail: detail)
        }
    }

    static func describe(_ error: any Error, body: Data) -> String {
        let excerpt = String(decoding: body.prefix(120), as: UTF8.self)
        if body.isEmpty { return "empty body" }
        return "\(error is DecodingError ? "unexpected JSON" : "\(error)") in: \(excerpt)\(body.count > 120 ? "…" : "")"
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
