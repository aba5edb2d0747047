import Foundation
import WorkbenchCore

/// The JSON shapes of OpenAI's chat-completions API, as far as the workbench reads them.
public struct OpenAIWire: WireFormat {
    public init() {}

    public func request(for request: CompletionRequest, config: ProviderConfig, apiKey: String?, stream: Bool) throws -> (url: String, headers: [(name: String, value: String)], body: Data) {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let body = try Self.body(for: request, model: request.model ?? config.model, stream: stream, extraJSON: config.extraBodyJSON)
        return (config.baseURL.trimmingSuffix("/") + "/chat/completions", headers, body)
    }

    public func decodeCompletion(_ body: Data) throws -> WireCompletion {
        let decoded = try JSONDecoder().decode(Response.self, from: body)
        guard let choice = decoded.choices.first else { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "no choices")) }
        // Structured outputs: a model that declines says so in `refusal`, with no content.
        if let refusal = choice.message?.refusal, !refusal.isEmpty, (choice.message?.content ?? "").isEmpty {
            throw WireError.blocked(reason: "refused: \(refusal)")
        }
        return WireCompletion(text: choice.message?.content ?? "", finishReason: choice.finishReason,
                              promptTokens: decoded.usage?.promptTokens, completionTokens: decoded.usage?.completionTokens, model: decoded.model)
    }

    public func decodeStreamEvent(_ event: SSEParser.Event) throws -> WireStreamDelta {
        if event.data == "[DONE]" { return WireStreamDelta(isEnd: true) }
        let chunk = try JSONDecoder().decode(StreamChunk.self, from: Data(event.data.utf8))
        var delta = WireStreamDelta(promptTokens: chunk.usage?.promptTokens, completionTokens: chunk.usage?.completionTokens,
                                    model: chunk.model, error: chunk.error?.message)
        for choice in chunk.choices ?? [] {
            if let refusal = choice.delta?.refusal, !refusal.isEmpty { throw WireError.blocked(reason: "refused: \(refusal)") }
            if let piece = choice.delta?.content { delta.text = (delta.text ?? "") + piece }
            if let reason = choice.finishReason { delta.finishReason = reason }
        }
        return delta
    }

    public func errorMessage(in body: Data) -> String? {
        (try? JSONDecoder().decode(ErrorEnvelope.self, from: body))?.error.message
    }

    /// The request body, keys sorted, so equal requests are byte-identical.
    public static func body(for request: CompletionRequest, model: String, stream: Bool, extraJSON: String?) throws -> Data {
        // Fields are collected as (key, writer) so that extra fields merge in sorted order.
        var fields: [(String, (inout JSONText) -> Void)] = [
            ("model", { $0.string(model) }),
            ("messages", { json in
                json.beginArray()
                for message in request.messages {
                    json.beginObject()
                    json.key("content"); json.string(message.content)
                    json.key("role"); json.string(message.role.rawValue)
                    json.endObject()
                }
                json.endArray()
            }),
        ]
        if let value = request.temperature { fields.append(("temperature", { $0.number(value) })) }
        if let value = request.topP { fields.append(("top_p", { $0.number(value) })) }
        if let value = request.maxTokens { fields.append(("max_tokens", { $0.integer(value) })) }
        if !request.stop.isEmpty {
            fields.append(("stop", { json in json.beginArray(); request.stop.forEach { json.string($0) }; json.endArray() }))
        }
        if let value = request.seed { fields.append(("seed", { $0.integer(value) })) }
        if let value = request.frequencyPenalty { fields.append(("frequency_penalty", { $0.number(value) })) }
        if let value = request.presencePenalty { fields.append(("presence_penalty", { $0.number(value) })) }
        switch request.responseFormat {
        case .text: break
        case .jsonObject:
            fields.append(("response_format", { json in json.beginObject(); json.key("type"); json.string("json_object"); json.endObject() }))
        case .jsonSchema(let name, let schema):
            let canonical = Array(try CanonicalJSON.normalize(schema).utf8)
            fields.append(("response_format", { json in
                json.beginObject()
                json.key("json_schema")
                json.beginObject()
                json.key("name"); json.string(name)
                json.key("schema"); json.raw(canonical)
                json.key("strict"); json.bool(true)
                json.endObject()
                json.key("type"); json.string("json_schema")
                json.endObject()
            }))
        }
        if stream {
            fields.append(("stream", { $0.bool(true) }))
            fields.append(("stream_options", { json in json.beginObject(); json.key("include_usage"); json.bool(true); json.endObject() }))
        }
        if let extraJSON, let extra = try JSONSerialization.jsonObject(with: Data(extraJSON.utf8)) as? [String: Any] {
            let taken = Set(fields.map(\.0))
            for (key, value) in extra where !taken.contains(key) {
                let encoded = Array(try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]))
                fields.append((key, { $0.raw(encoded) }))
            }
        }
        var json = JSONText()
        json.beginObject()
        for (key, write) in fields.sorted(by: { $0.0 < $1.0 }) {
            json.key(key)
            write(&json)
        }
        json.endObject()
        return Data(json.bytes)
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
        public var refusal: String?
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
        public var refusal: String?
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
