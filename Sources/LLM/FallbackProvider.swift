import WorkbenchCore

/// A fallback chain for one task (e.g. `[groq, deepseek, openrouter]`): each provider is
/// tried in order until one answers; a provider whose circuit is open is skipped at once.
/// The completion names the provider that served it.
public struct FallbackProvider: LLMProvider {
    public let task: LLMTask
    public let chain: [any LLMProvider]

    /// An empty chain fails each call with `LLMError.noRoute` (routes come from files).
    public init(task: LLMTask, chain: [any LLMProvider]) {
        self.task = task
        self.chain = chain
    }

    public var name: String { chain.map(\.name).joined(separator: "→") }
    public var model: String { chain.first?.model ?? "" }

    public func complete(_ request: CompletionRequest) async throws -> Completion {
        guard !chain.isEmpty else { throw LLMError.noRoute(task: task) }
        var failures: [LLMError] = []
        for provider in chain {
            do {
                return try await provider.complete(request)
            } catch LLMError.cancelled {
                throw LLMError.cancelled
            } catch let error as LLMError {
                failures.append(error)
            }
        }
        throw LLMError.allProvidersFailed(task: task, failures: failures)
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                guard !chain.isEmpty else { return continuation.finish(throwing: LLMError.noRoute(task: self.task)) }
                var failures: [LLMError] = []
                for provider in chain {
                    var sentText = false
                    do {
                        for try await chunk in provider.stream(request) {
                            if case .text = chunk { sentText = true }
                            continuation.yield(chunk)
                        }
                        continuation.finish()
                        return
                    } catch let error as LLMError where !sentText && error != .cancelled {
                        failures.append(error)
                    } catch {
                        continuation.finish(throwing: error)
                        return
                    }
                }
                continuation.finish(throwing: LLMError.allProvidersFailed(task: self.task, failures: failures))
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
