import Foundation

/// Google's Gemini API: `models/{model}:generateContent` and
/// `:streamGenerateContent?alt=sse`, key in `x-goog-api-key`. JSON-schema output maps to
/// `responseMimeType` + `responseJsonSchema`.
public struct GeminiWire: WireFormat {
    public init() {}

    public func request(for request: CompletionRequest, config: ProviderConfig, apiKey: String?, stream: Bool) throws -> (url: String, headers: [(name: String, value: String)], body: Data) {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        if let apiKey { headers.append(("x-goog-api-key", apiKey)) }
        let (system, rest) = Self.split(request.messages)
        var body: [String: Any] = [
            "contents": rest.map { ["role": $0.role == .assistant ? "model" : "user", "parts": [["text": $0.content]]] },
        ]
        if let system { body["systemInstruction"] = ["parts": [["text": system]]] }
        var generation: [String: Any] = [:]
        if let value = request.temperature { generation["temperature"] = value }
        if let value = request.topP { generation["topP"] = value }
        if let value = request.maxTokens { generation["maxOutputTokens"] = value }
        if !request.stop.isEmpty { generation["stopSequences"] = request.stop }
        if let value = request.seed { generation["seed"] = Int64(truncatingIfNeeded: value & 0x7FFF_FFFF) }
        if let value = request.frequencyPenalty { generation["frequencyPenalty"] = value }
        if let value = request.presencePenalty { generation["presencePenalty"] = value }
        switch request.responseFormat {
        case .text: break
        case .jsonObject: generation["responseMimeType"] = "application/json"
        case .jsonSchema(_, let schema):
            generation["responseMimeType"] = "application/json"
            generation["responseJsonSchema"] = try JSONSerialization.jsonObject(with: Data(schema.utf8))
        }
        if !generation.isEmpty { body["generationConfig"] = generation }
        let model = request.model ?? config.model
        let endpoint = stream ? ":streamGenerateContent?alt=sse" : ":generateContent"
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        return (config.baseURL.trimmingSuffix("/") + "/models/\(model)\(endpoint)", headers, data)
    }

    struct Part: Decodable { var text: String? }
    struct Content: Decodable { var parts: [Part]? }
    struct Candidate: Decodable {
        var content: Content?
        var finishReason: String?
    }
    struct UsageMetadata: Decodable {
        var promptTokenCount: Int?
        var candidatesTokenCount: Int?
    }
    struct Response: Decodable {
        var candidates: [Candidate]?
        var usageMetadata: UsageMetadata?
        var modelVersion: String?
    }

    public func decodeCompletion(_ body: Data) throws -> WireCompletion {
        let response = try JSONDecoder().decode(Response.self, from: body)
        let candidate = response.candidates?.first
        return WireCompletion(
            text: candidate?.content?.parts?.compactMap(\.text).joined() ?? "", finishReason: candidate?.finishReason,
            promptTokens: response.usageMetadata?.promptTokenCount, completionTokens: response.usageMetadata?.candidatesTokenCount,
            model: response.modelVersion)
    }

    /// Gemini's stream has no end marker: the chunk with a finish reason ends it.
    public func decodeStreamEvent(_ event: SSEParser.Event) throws -> WireStreamDelta {
        let response = try JSONDecoder().decode(Response.self, from: Data(event.data.utf8))
        let candidate = response.candidates?.first
        return WireStreamDelta(
            text: candidate?.content?.parts?.compactMap(\.text).joined(), finishReason: candidate?.finishReason,
            promptTokens: response.usageMetadata?.promptTokenCount, completionTokens: response.usageMetadata?.candidatesTokenCount,
            model: response.modelVersion, isEnd: candidate?.finishReason != nil)
    }

    public func errorMessage(in body: Data) -> String? {
        struct Envelope: Decodable { struct Body: Decodable { var message: String; var status: String? }; var error: Body }
        return (try? JSONDecoder().decode(Envelope.self, from: body)).map { [$0.error.status, $0.error.message].compactMap { $0 }.joined(separator: ": ") }
    }
}
