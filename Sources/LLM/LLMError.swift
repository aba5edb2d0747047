import WorkbenchCore

/// Everything that can go wrong talking to a model, with what is needed to decide on a
/// retry. Messages name the provider and status; they never contain an API key.
public enum LLMError: WorkbenchError, Equatable {
    /// Could not connect, DNS failed, connection reset, TLS failed.
    case connection(provider: String, detail: String)
    /// No complete answer within the configured time (connect, total, or stream idle).
    case timeout(provider: String, phase: String, seconds: Double)
    /// The server answered with an HTTP error. `retryAfter` comes from its headers.
    case http(provider: String, status: Int, message: String, retryAfter: Double?)
    /// The body was not the JSON the API documents.
    case malformedResponse(provider: String, detail: String)
    /// A stream ended before its final event.
    case truncatedStream(provider: String, receivedCharacters: Int)
    /// The model returned no text at all.
    case emptyCompletion(provider: String)
    /// The provider's safety filter blocked the prompt or the answer (Gemini's
    /// `promptFeedback.blockReason`, a `SAFETY` finish, OpenAI's `content_filter`, Anthropic's
    /// `refusal`). Sending the same request again gets the same verdict.
    case contentFiltered(provider: String, reason: String)
    /// The model stopped at `max_tokens` where a complete answer was required (e.g. JSON).
    case cutByLength(provider: String, tokens: Int)
    /// The API key's environment variable is unset or empty.
    case missingKey(provider: String, variable: String)
    /// The circuit breaker is open: the provider failed repeatedly and is resting.
    case circuitOpen(provider: String, retryIn: Double)
    /// The retry budget of the provider is exhausted.
    case retryBudgetExhausted(provider: String, lastError: String)
    /// Every provider of a fallback chain failed.
    case allProvidersFailed(task: LLMTask, failures: [LLMError])
    /// A task's fallback chain names no provider at all.
    case noRoute(task: LLMTask)
    /// `--cache-only` and the request is not in the cache.
    case cacheMiss(provider: String, requestHash: String)
    /// The local model could not be started (not installed, or the server did not come up).
    case localUnavailable(detail: String)
    case cancelled

    public var message: String {
        switch self {
        case .connection(let provider, let detail): return "\(provider): connection failed: \(detail)"
        case .timeout(let provider, let phase, let seconds): return "\(provider): \(phase) timeout after \(seconds) s"
        case .http(let provider, let status, let message, _): return "\(provider): HTTP \(status): \(message)"
        case .malformedResponse(let provider, let detail): return "\(provider): malformed response: \(detail)"
        case .truncatedStream(let provider, let count): return "\(provider): stream ended early after \(count) characters"
        case .emptyCompletion(let provider): return "\(provider): empty completion"
        case .contentFiltered(let provider, let reason): return "\(provider): blocked by the provider's content filter (\(reason))"
        case .cutByLength(let provider, let tokens): return "\(provider): answer cut at max_tokens (\(tokens))"
        case .missingKey(let provider, let variable): return "\(provider): the API key variable \(variable) is not set"
        case .circuitOpen(let provider, let seconds): return "\(provider): circuit open after repeated failures; next try in \(Int(seconds.rounded(.up))) s"
        case .retryBudgetExhausted(let provider, let last): return "\(provider): retry budget exhausted (last error: \(last))"
        case .allProvidersFailed(let task, let failures): return "every provider for \(task.rawValue) failed: \(failures.map(\.message).joined(separator: "; "))"
        case .noRoute(let task): return "no provider is routed to the task `\(task.rawValue)`: its fallback chain is empty"
        case .localUnavailable(let detail): return "local model unavailable: \(detail)"
        case .cacheMiss(let provider, let hash): return "\(provider): request \(hash.prefix(12)) is not in the response cache (replay only)"
        case .cancelled: return "cancelled"
        }
    }

    public var fix: String? {
        switch self {
        case .missingKey(_, let variable): return "export \(variable)=… (keys are read only from the environment)"
        case .http(_, 401, _, _), .http(_, 403, _, _): return "check the API key and its permissions"
        case .http(_, 404, _, _): return "check the provider's base URL and model name in providers.yaml"
        case .connection: return "check that the server runs and the base URL is right (`workbench providers test NAME`)"
        case .localUnavailable: return "run `make local-llm` (installs llama-server and the model once), then `workbench doctor`"
        case .allProvidersFailed(_, let failures): return failures.lazy.compactMap(\.fix).first
        case .contentFiltered: return "rephrase the prompt, or route this task to another provider (`routes:` in providers.yaml)"
        case .noRoute: return "give the task at least one provider under `routes:` (experiment or providers.yaml)"
        default: return nil
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .http(_, let status, _, _) where [400, 401, 403, 404, 422].contains(status): return .dataError
        case .missingKey: return .usage
        case .cacheMiss: return .dataError
        case .noRoute: return .dataError
        case .malformedResponse, .emptyCompletion, .cutByLength, .contentFiltered: return .dataError
        // Every provider refused the request (bad key, bad request, unknown model): retrying
        // later cannot help, so it is not the temporary failure a flaky chain is.
        case .allProvidersFailed(_, let failures) where !failures.isEmpty && failures.allSatisfy({ $0.exitStatus != .temporaryFailure }):
            return failures[0].exitStatus
        case .retryBudgetExhausted, .allProvidersFailed, .cancelled: return .temporaryFailure
        default: return .temporaryFailure
        }
    }

    /// A short stable name for the call log's outcome column (`error:<kind>`).
    public var kind: String {
        switch self {
        case .connection: return "connection"
        case .timeout(_, let phase, _): return "timeout-\(phase)"
        case .http(_, let status, _, _): return "http-\(status)"
        case .malformedResponse: return "malformed"
        case .truncatedStream: return "truncated"
        case .emptyCompletion: return "empty"
        case .contentFiltered: return "content-filter"
        case .cutByLength: return "cut-by-length"
        case .missingKey: return "missing-key"
        case .circuitOpen: return "circuit-open"
        case .retryBudgetExhausted: return "retry-budget"
        case .allProvidersFailed: return "all-failed"
        case .noRoute: return "no-route"
        case .cacheMiss: return "cache-miss"
        case .localUnavailable: return "local-unavailable"
        case .cancelled: return "cancelled"
        }
    }

    /// Whether the failure says the provider itself is unwell (unreachable, overloaded,
    /// broken answers), which is what the circuit breaker counts. A refused request (400,
    /// 401, 403, 404, 422), an answer cut at the caller's `max_tokens`, a cancelled call:
    /// the provider answered, so these neither trip the breaker nor hold it open.
    public var indicatesProviderTrouble: Bool {
        switch self {
        case .connection, .timeout, .truncatedStream, .emptyCompletion, .malformedResponse: return true
        case .http(_, let status, _, _): return [408, 429].contains(status) || status >= 500
        default: return false
        }
    }

    /// Whether sending the same request again can help.
    public var isRetryable: Bool {
        switch self {
        case .connection, .timeout, .truncatedStream, .emptyCompletion, .malformedResponse: return true
        case .http(_, let status, _, _): return [408, 409, 429].contains(status) || status >= 500
        default: return false
        }
    }
}
