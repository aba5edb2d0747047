import Foundation
import WorkbenchCore

/// A chat API over libcurl, in the shape `Format` describes: one attempt per call, every
/// failure a typed `LLMError`. Retries, budgets and fallbacks wrap it (`ResilientProvider`).
public struct ChatProvider<Format: WireFormat>: LLMProvider {
    public let config: ProviderConfig
    private let engine: CurlEngine
    private let apiKey: APIKey?
    private let format = Format()
    public var timeouts: Timeouts
    public typealias Timeouts = ProviderTimeouts

    public var name: String { config.name }
    public var model: String { config.model }

    /// `environment` supplies the API key named by `config.apiKeyEnv`; a provider that
    /// needs a key and finds none fails every call with `LLMError.missingKey`.
    public init(config: ProviderConfig, environment: [String: String], engine: CurlEngine = .shared, timeouts: Timeouts = Timeouts()) {
        self.config = config
        self.engine = engine
        self.timeouts = timeouts
        apiKey = config.apiKeyEnv.flatMap { environment[$0] }.flatMap { $0.isEmpty ? nil : APIKey($0) }
        // Every later error, log line and row of this process is scrubbed of it too.
        if let apiKey { Redaction.register(apiKey.value) }
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
        let decoded: WireCompletion
        do {
            decoded = try format.decodeCompletion(response.body)
        } catch let error as WireError {
            // A blocked prompt or similar verdict in a 2xx body: nothing was generated.
            throw map(error)
        } catch {
            // A 2xx body was generated and billed even when it cannot be read.
            bill(request, promptTokens: nil, completionTokens: nil, text: String(decoding: response.body, as: UTF8.self))
            if let error = error as? LLMError { throw error }
            throw LLMError.malformedResponse(provider: name, detail: scrub(Self.describe(error, body: response.body)))
        }
        return try finish(
            request: request, text: decoded.text, finishReason: decoded.finishReason, promptTokens: decoded.promptTokens,
            completionTokens: decoded.completionTokens, model: decoded.model, latency: ContinuousClock.now - started,
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
        var promptTokens: Int?
        var completionTokens: Int?
        var model: String?
        var sawEnd = false
        var head: HTTPResponseHead?
        var errorBody = Data()

        func handle(_ event: SSEParser.Event) throws {
            let delta: WireStreamDelta
            do {
                delta = try format.decodeStreamEvent(event)
            } catch let error as WireError {
                throw map(error)
            } catch {
                throw LLMError.malformedResponse(provider: name, detail: scrub(Self.describe(error, body: Data(event.data.utf8))))
            }
            if let message = delta.error {
                throw LLMError.http(provider: name, status: delta.errorStatus ?? 500, message: scrub(message), retryAfter: nil)
            }
            if let piece = delta.text, !piece.isEmpty {
                if firstToken == nil { firstToken = ContinuousClock.now - started }
                text += piece
                continuation.yield(.text(piece))
            }
            finishReason = delta.finishReason ?? finishReason
            promptTokens = delta.promptTokens ?? promptTokens
            completionTokens = delta.completionTokens ?? completionTokens
            model = delta.model ?? model
            if delta.isEnd { sawEnd = true }
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
        } catch let error where head.map({ (200..<300).contains($0.status) }) == true {
            // What was generated before the stream broke was billed.
            bill(request, promptTokens: promptTokens, completionTokens: completionTokens, text: text)
            if case HTTPTransportError.transfer = error {
                // The connection broke in the middle of a good answer.
                throw LLMError.truncatedStream(provider: name, receivedCharacters: text.count)
            }
            throw error
        }
        if let head { try checkStatus(head, body: errorBody) }
        do {
            if let last = parser.finish() { try handle(last) }
            // A stream that ends without its end event was cut off.
            guard sawEnd else { throw LLMError.truncatedStream(provider: name, receivedCharacters: text.count) }
        } catch {
            bill(request, promptTokens: promptTokens, completionTokens: completionTokens, text: text)
            throw error
        }
        let completion = try finish(
            request: request, text: text, finishReason: finishReason, promptTokens: promptTokens, completionTokens: completionTokens,
            model: model, latency: ContinuousClock.now - started, timeToFirstToken: firstToken)
        continuation.yield(.done(completion))
    }

    /// Builds the completion, estimating usage when absent and refusing empty or cut answers.
    private func finish(
        request: CompletionRequest, text: String, finishReason: String?, promptTokens: Int?, completionTokens: Int?, model: String?,
        latency: Duration, timeToFirstToken: Duration?
    ) throws -> Completion {
        let reason = FinishReason(wire: finishReason)
        let usage = Self.usage(request, promptTokens: promptTokens, completionTokens: completionTokens, text: text)
        if text.isEmpty, reason == .contentFilter {
            // Nothing but a safety verdict: name it, rather than an empty answer worth retrying.
            bill(usage)
            throw LLMError.contentFiltered(provider: name, reason: "finish reason \(finishReason ?? "content_filter")")
        }
        guard !text.isEmpty else {
            bill(usage)
            throw LLMError.emptyCompletion(provider: name)
        }
        if reason == .length, request.responseFormat != .text {
            // Half a JSON document is no answer, but it was paid for.
            bill(usage)
            throw LLMError.cutByLength(provider: name, tokens: request.maxTokens ?? usage.completionTokens)
        }
        return Completion(
            text: text, usage: usage, finishReason: reason, provider: name, model: model ?? request.model ?? config.model,
            latency: latency, timeToFirstToken: timeToFirstToken, costUSD: config.cost(of: usage))
    }

    /// The provider's usage, or an estimate (about 4 characters a token), marked so, for
    /// whatever it left out.
    static func usage(_ request: CompletionRequest, promptTokens: Int?, completionTokens: Int?, text: String) -> TokenUsage {
        if let promptTokens, let completionTokens { return TokenUsage(promptTokens: promptTokens, completionTokens: completionTokens) }
        return TokenUsage(
            promptTokens: promptTokens ?? TokenUsage.estimate(request.messages.map(\.content).joined(separator: "\n")),
            completionTokens: completionTokens ?? TokenUsage.estimate(text), estimated: true)
    }

    /// Reports what a failing attempt was billed for to the caller's `BillingSink`.
    private func bill(_ usage: TokenUsage) {
        BillingSink.current?.report(BilledUsage(usage: usage, costUSD: config.cost(of: usage)))
    }

    private func bill(_ request: CompletionRequest, promptTokens: Int?, completionTokens: Int?, text: String) {
        bill(Self.usage(request, promptTokens: promptTokens, completionTokens: completionTokens, text: text))
    }

    func httpRequest(for request: CompletionRequest, stream: Bool) throws -> HTTPRequest {
        if let variable = config.apiKeyEnv, apiKey == nil { throw LLMError.missingKey(provider: name, variable: variable) }
        let (url, headers, body) = try format.request(for: request, config: config, apiKey: apiKey?.value, stream: stream)
        return HTTPRequest(
            url: url, headers: headers + [("Accept", stream ? "text/event-stream" : "application/json")], body: body,
            connectTimeout: timeouts.connect, totalTimeout: timeouts.total, idleTimeout: stream ? timeouts.streamIdle : nil)
    }

    private func checkStatus(_ head: HTTPResponseHead, body: Data) throws {
        guard !(200..<300).contains(head.status) else { return }
        let message = format.errorMessage(in: body) ?? String(decoding: body.prefix(300), as: UTF8.self)
        throw LLMError.http(provider: name, status: head.status, message: message.isEmpty ? "(no body)" : scrub(message),
                            retryAfter: RetryAfter.seconds(from: head.headers) ?? format.retryAfter(in: body))
    }

    /// Server text without this provider's key (or any other credential) in it: every
    /// `LLMError` built from what a server sent goes through here.
    private func scrub(_ text: String) -> String {
        Redaction.redact(text, secrets: apiKey.map { [$0.value] } ?? [])
    }

    private func map(_ error: WireError) -> LLMError {
        switch error {
        case .blocked(let reason): return .contentFiltered(provider: name, reason: scrub(reason))
        }
    }

    private func map(_ error: HTTPTransportError) -> LLMError {
        switch error {
        case .connect(let detail): return .connection(provider: name, detail: scrub(detail))
        case .timeout(let phase, _):
            let seconds: Duration = phase == .connect ? timeouts.connect : phase == .idle ? timeouts.streamIdle : timeouts.total
            return .timeout(provider: name, phase: phase.rawValue, seconds: seconds.milliseconds / 1000)
        case .transfer(_, let detail): return .connection(provider: name, detail: scrub(detail))
        case .cancelled: return .cancelled
        case .invalidRequest(let detail): return .connection(provider: name, detail: scrub(detail))
        }
    }

    static func describe(_ error: any Error, body: Data) -> String {
        let excerpt = String(decoding: body.prefix(120), as: UTF8.self)
        if body.isEmpty { return "empty body" }
        return "\(error is DecodingError ? "unexpected JSON" : "\(error)") in: \(excerpt)\(body.count > 120 ? "…" : "")"
    }
}

extension ChatProvider: CustomStringConvertible, CustomReflectable {
    /// Name, model and where it sends: never the key, nor credentials in the base URL.
    public var description: String {
        "ChatProvider<\(Format.self)>(name: \(name), model: \(model), base URL: \(Redaction.redactURL(config.baseURL)), key: \(apiKey == nil ? "none" : Redaction.mask))"
    }

    /// What `dump` and debuggers show: the same fields as `description`.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "name": name, "model": model, "baseURL": Redaction.redactURL(config.baseURL), "apiKeyEnv": config.apiKeyEnv as Any,
            "apiKey": apiKey as Any,
        ], displayStyle: .struct)
    }
}

/// An API key that never shows itself: not in `description`, `dump`, a mirror or an interpolation.
struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String
    init(_ value: String) { self.value = value }
    var description: String { Redaction.mask }
    var debugDescription: String { "APIKey(\(Redaction.mask))" }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// How long a provider call may take.
public struct ProviderTimeouts: Sendable {
    public var connect: Duration = .seconds(10)
    public var total: Duration = .seconds(600)
    /// Longest silence in a stream before it counts as stalled.
    public var streamIdle: Duration = .seconds(60)
    public init() {}
}

/// OpenAI chat completions: OpenAI and every server that speaks it (Groq, DeepSeek,
/// OpenRouter, Together, Ollama, llama.cpp, vLLM, the simulator).
public typealias OpenAICompatibleProvider = ChatProvider<OpenAIWire>
/// Anthropic's Messages API.
public typealias AnthropicProvider = ChatProvider<AnthropicWire>
/// Google's Gemini generateContent API.
public typealias GeminiProvider = ChatProvider<GeminiWire>

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
