import Foundation

/// What one streamed event contributes.
public struct WireStreamDelta: Sendable, Equatable {
    public var text: String?
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var model: String?
    /// The event that says the stream is complete (`[DONE]`, `message_stop`, a final finish reason).
    public var isEnd = false
    /// An error reported inside the stream.
    public var error: String?

    public init(text: String? = nil, finishReason: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil,
                model: String? = nil, isEnd: Bool = false, error: String? = nil) {
        self.text = text
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.model = model
        self.isEnd = isEnd
        self.error = error
    }
}

/// A whole answer, decoded.
public struct WireCompletion: Sendable, Equatable {
    public var text: String
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var model: String?
}

/// One provider API's request and response shapes. `ChatProvider` does the HTTP, streaming,
/// error mapping and accounting once for all of them.
public protocol WireFormat: Sendable {
    init()
    /// URL, headers and body of a request. `apiKey` is nil for keyless servers.
    func request(for request: CompletionRequest, config: ProviderConfig, apiKey: String?, stream: Bool) throws -> (url: String, headers: [(name: String, value: String)], body: Data)
    func decodeCompletion(_ body: Data) throws -> WireCompletion
    func decodeStreamEvent(_ event: SSEParser.Event) throws -> WireStreamDelta
    /// The server's own error message in an error body, if it has the API's error shape.
    func errorMessage(in body: Data) -> String?
}

extension WireFormat {
    /// System messages joined, and the rest, for APIs that take the system prompt apart.
    static func split(_ messages: [ChatMessage]) -> (system: String?, rest: [ChatMessage]) {
        let system = messages.filter { $0.role == .system }.map(\.content)
        return (system.isEmpty ? nil : system.joined(separator: "\n\n"), messages.filter { $0.role != .system })
    }

    /// For APIs without native JSON-schema output: the schema as an instruction, checked afterwards.
    static func jsonInstruction(_ format: ResponseFormat) -> String? {
        switch format {
        case .text: return nil
        case .jsonObject: return "Answer with a single JSON object and nothing else."
        case .jsonSchema(_, let schema): return "Answer with a single JSON value that matches this JSON Schema, and nothing else:\n\(schema)"
        }
    }
}
