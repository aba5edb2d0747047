import Foundation

/// The JSON shapes of OpenAI's chat-completions API, as far as the workbench reads them.
public enum OpenAIWire {
    /// The request body, with sorted keys, so equal requests are byte-identical (the cache
    /// addresses requests by this body).
    public static func body(for request: CompletionRequest, model: String, stream: Bool, extraJSON: String?) throws -> Data {
        var object: [String: Any] = [
            "model": model,
            "messages": request.messages.map { ["role": $0.role.rawValue, "content": $0.content] },
        ]
        if let value = request.temperature { object["temperature"] = value }
        if let value = request.topP { object["top_p"] = value }
        if let value = request.maxTokens { object["max_tokens"] = value }
        if !request.stop.isEmpty { object["stop"] = request.stop }
        if let value = request.seed { object["seed"] = value }
        if let value = request.frequencyPenalty { object["frequency_penalty"] = value }
        if let value = request.presencePenalty { object["presence_penalty"] = value }
        switch request.responseFormat {
        case .text: break
        case .jsonObject: object["response_format"] = ["type": "json_object"]
        case .jsonSchema(let name, let schema):
            let parsed = try JSONSerialization.jsonObject(with: Data(schema.utf8))
            object["response_format"] = ["type": "json_schema", "json_schema": ["name": name, "schema": parsed, "strict": true] as [String: Any]]
        }
        if stream {
            object["stream"] = true
            object["stream_options"] = ["include_usage": true]
        }
        if let extraJSON, let extra = try JSONSerialization.jsonObject(with: Data(extraJSON.utf8)) as? [String: Any] {
            for (key, value) in extra where object[key] == nil { object[key] = value }
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    public struct Usage: Codable, Sendable, Equatable {
        public var promptTokens: Int?
        public var completionTokens: Int?
        public var totalTokens: Int?
        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
        }
        public init(promptTokens: Int, completionTokens: Int) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            totalTokens = promptTokens + completionTokens
        }
    }

    public struct Message: Codable, Sendable {
        public var role: String?
        public var content: String?
    }

    public struct Choice: Codable, Sendable {
        public var index: Int?
        public var message: Message?
        public var finishReason: String?
        enum CodingKeys: String, CodingKey { case index, message, finishReason = "finish_reason" }
    }

    public struct Response: Codable, Sendable {
        public var id: String?
        public var model: String?
        public var choices: [Choice]
        public var usage: Usage?
    }

    public struct Delta: Codable, Sendable {
        public var role: String?
        public var content: String?
    }

    public struct StreamChoice: Codable, Sendable {
        public var index: Int?
        public var delta: Delta?
        public var finishReason: String?
        enum CodingKeys: String, CodingKey { case index, delta, finishReason = "finish_reason" }
    }

    public struct StreamChunk: Codable, Sendable {
        public var id: String?
        public var model: String?
        public var choices: [StreamChoice]?
        public var usage: Usage?
        public var error: ErrorBody?
    }

    public struct ErrorBody: Codable, Sendable {
        public var message: String
        public var type: String?
    }

    public struct ErrorEnvelope: Codable, Sendable {
        public var error: ErrorBody
    }
}
