import Foundation

/// Anthropic's Messages API (`POST /v1/messages`, `x-api-key`, `anthropic-version`), JSON
/// and SSE. It has no JSON-schema output mode or seed: a schema becomes a system
/// instruction (and the answer is still checked as JSON by whoever asked for it).
public struct AnthropicWire: WireFormat {
    public static let version = "2023-06-01"
    public init() {}

    public func request(for request: CompletionRequest, config: ProviderConfig, apiKey: String?, stream: Bool) throws -> (url: String, headers: [(name: String, value: String)], body: Data) {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("anthropic-version", Self.version)]
        if let apiKey { headers.append(("x-api-key", apiKey)) }
        let (system, rest) = Self.split(request.messages)
        let instruction = Self.jsonInstruction(request.responseFormat)
        var body: [String: Any] = [
            "model": request.model ?? config.model,
            // Required by the API; 4096 when the caller sets no limit.
            "max_tokens": request.maxTokens ?? 4096,
            "messages": rest.map { ["role": $0.role.rawValue, "content": $0.content] },
        ]
        if let combined = [system, instruction].compactMap({ $0 }).joined(separator: "\n\n").nilIfEmpty { body["system"] = combined }
        if let value = request.temperature { body["temperature"] = value }
        if let value = request.topP { body["top_p"] = value }
        if !request.stop.isEmpty { body["stop_sequences"] = request.stop }
        if stream { body["stream"] = true }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        return (config.baseURL.trimmingSuffix("/") + "/messages", headers, data)
    }

    struct Usage: Decodable {
        var inputTokens: Int?
        var outputTokens: Int?
        enum CodingKeys: String, CodingKey { case inputTokens = "input_tokens", outputTokens = "output_tokens" }
    }

    struct Block: Decodable {
        var type: String
        var text: String?
    }

    struct Message: Decodable {
        var model: String?
        var content: [Block]
        var stopReason: String?
        var usage: Usage?
        enum CodingKeys: String, CodingKey { case model, content, usage, stopReason = "stop_reason" }
    }

    struct ErrorBody: Decodable {
        var type: String?
        var message: String
    }

    struct Event: Decodable {
        var type: String
        var message: Message?
        var delta: Delta?
        var usage: Usage?
        var error: ErrorBody?

        struct Delta: Decodable {
            var type: String?
            var text: String?
            var stopReason: String?
            enum CodingKeys: String, CodingKey { case type, text, stopReason = "stop_reason" }
        }
    }

    public func decodeCompletion(_ body: Data) throws -> WireCompletion {
        let message = try JSONDecoder().decode(Message.self, from: body)
        return WireCompletion(
            text: message.content.filter { $0.type == "text" }.compactMap(\.text).joined(), finishReason: message.stopReason,
            promptTokens: message.usage?.inputTokens, completionTokens: message.usage?.outputTokens, model: message.model)
    }

    public func decodeStreamEvent(_ event: SSEParser.Event) throws -> WireStreamDelta {
        let decoded = try JSONDecoder().decode(Event.self, from: Data(event.data.utf8))
        switch decoded.type {
        case "message_start":
            return WireStreamDelta(promptTokens: decoded.message?.usage?.inputTokens, model: decoded.message?.model)
        case "content_block_delta":
            return WireStreamDelta(text: decoded.delta?.type == "text_delta" ? decoded.delta?.text : nil)
        case "message_delta":
            return WireStreamDelta(finishReason: decoded.delta?.stopReason, completionTokens: decoded.usage?.outputTokens)
        case "message_stop":
            return WireStreamDelta(isEnd: true)
        case "error":
            return WireStreamDelta(error: decoded.error.map { "\($0.type ?? "error"): \($0.message)" } ?? "stream error")
        default:  // ping, content_block_start, content_block_stop
            return WireStreamDelta()
        }
    }

    public func errorMessage(in body: Data) -> String? {
        struct Envelope: Decodable { var error: ErrorBody }
        return (try? JSONDecoder().decode(Envelope.self, from: body)).map { "\($0.error.type ?? "error"): \($0.error.message)" }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
