import Foundation

/// Anthropic's Messages API (`POST /v1/messages`, `x-api-key`, `anthropic-version`), JSON
/// and SSE. It has no seed.
///
/// A JSON schema is sent as tool use: one tool whose `input_schema` is the schema, forced
/// with `tool_choice: {"type": "tool"}`, and the `tool_use` block's `input` is the answer.
/// Every Messages model since Claude 3 supports it and validates the input against the
/// schema, where an instruction in the system prompt is only a request; prefilling the
/// assistant turn with `{` would also work but is refused by newer models (and with
/// extended thinking), and the native JSON output mode is newer still. A schema whose root
/// is not an object (a tool's input must be one) and plain JSON mode stay instructions.
public struct AnthropicWire: WireFormat {
    public static let version = "2023-06-01"
    public init() {}

    public func request(for request: CompletionRequest, config: ProviderConfig, apiKey: String?, stream: Bool) throws -> (url: String, headers: [(name: String, value: String)], body: Data) {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("anthropic-version", Self.version)]
        if let apiKey { headers.append(("x-api-key", apiKey)) }
        let (system, rest) = Self.split(request.messages)
        var instruction = Self.jsonInstruction(request.responseFormat)
        var body: [String: Any] = [
            "model": request.model ?? config.model,
            // Required by the API; 4096 when the caller sets no limit.
            "max_tokens": request.maxTokens ?? 4096,
            "messages": Self.alternating(rest).map { ["role": $0.role.rawValue, "content": $0.content] },
        ]
        if case .jsonSchema(let name, let schema) = request.responseFormat,
           let object = try JSONSerialization.jsonObject(with: Data(schema.utf8)) as? [String: Any], object["type"] as? String == "object" {
            let tool = Self.toolName(name)
            body["tools"] = [["name": tool, "description": "Give the answer: the input is the answer itself.", "input_schema": object]]
            body["tool_choice"] = ["type": "tool", "name": tool]
            instruction = nil
        }
        if let combined = [system, instruction].compactMap({ $0 }).joined(separator: "\n\n").nilIfEmpty { body["system"] = combined }
        // The Messages API takes 0…1 where OpenAI's takes 0…2.
        if let value = request.temperature { body["temperature"] = min(1, max(0, value)) }
        if let value = request.topP { body["top_p"] = value }
        if !request.stop.isEmpty { body["stop_sequences"] = request.stop }
        if stream { body["stream"] = true }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        return (config.baseURL.trimmingSuffix("/") + "/messages", headers, data)
    }

    /// A tool name as the API allows it (`^[a-zA-Z0-9_-]{1,64}$`).
    static func toolName(_ name: String) -> String {
        let kept = String(name.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "_" || $0 == "-" }.prefix(64))
        return kept.isEmpty ? "answer" : kept
    }

    /// Consecutive messages of one role joined: the API wants user and assistant turns to alternate.
    static func alternating(_ messages: [ChatMessage]) -> [ChatMessage] {
        var merged: [ChatMessage] = []
        for message in messages {
            if let last = merged.last, last.role == message.role {
                merged[merged.count - 1].content += "\n\n" + message.content
            } else {
                merged.append(message)
            }
        }
        return merged
    }

    /// The HTTP status each error type of the API has, for errors that arrive inside a stream.
    static func status(ofErrorType type: String?) -> Int {
        switch type {
        case "invalid_request_error": return 400
        case "authentication_error": return 401
        case "permission_error": return 403
        case "not_found_error": return 404
        case "request_too_large": return 413
        case "rate_limit_error": return 429
        case "overloaded_error": return 529
        default: return 500  // api_error and anything new
        }
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
            var partialJSON: String?
            var stopReason: String?
            enum CodingKeys: String, CodingKey { case type, text, partialJSON = "partial_json", stopReason = "stop_reason" }
        }
    }

    /// The text blocks joined, or, when the model used the answer tool, that tool's input as JSON text.
    public func decodeCompletion(_ body: Data) throws -> WireCompletion {
        let message = try JSONDecoder().decode(Message.self, from: body)
        var text = message.content.filter { $0.type == "text" }.compactMap(\.text).joined()
        if message.content.contains(where: { $0.type == "tool_use" }) {
            let object = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            let blocks = object?["content"] as? [[String: Any]] ?? []
            guard let input = blocks.first(where: { $0["type"] as? String == "tool_use" })?["input"] else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "tool_use without input"))
            }
            text = String(decoding: try JSONSerialization.data(withJSONObject: input, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]), as: UTF8.self)
        }
        return WireCompletion(
            text: text, finishReason: message.stopReason,
            promptTokens: message.usage?.inputTokens, completionTokens: message.usage?.outputTokens, model: message.model)
    }

    public func decodeStreamEvent(_ event: SSEParser.Event) throws -> WireStreamDelta {
        let decoded = try JSONDecoder().decode(Event.self, from: Data(event.data.utf8))
        switch decoded.type {
        case "message_start":
            return WireStreamDelta(promptTokens: decoded.message?.usage?.inputTokens, model: decoded.message?.model)
        case "content_block_delta":
            switch decoded.delta?.type {
            case "text_delta": return WireStreamDelta(text: decoded.delta?.text)
            // The answer tool's input, streamed as pieces of its JSON text.
            case "input_json_delta": return WireStreamDelta(text: decoded.delta?.partialJSON)
            default: return WireStreamDelta()
            }
        case "message_delta":
            return WireStreamDelta(finishReason: decoded.delta?.stopReason, completionTokens: decoded.usage?.outputTokens)
        case "message_stop":
            return WireStreamDelta(isEnd: true)
        case "error":
            return WireStreamDelta(error: decoded.error.map { "\($0.type ?? "error"): \($0.message)" } ?? "stream error",
                                   errorStatus: Self.status(ofErrorType: decoded.error?.type))
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
