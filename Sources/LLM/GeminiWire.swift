import Foundation

/// Google's Gemini API: `models/{model}:generateContent` and
/// `:streamGenerateContent?alt=sse`, key in `x-goog-api-key`. JSON-schema output maps to
/// `responseMimeType` + `responseJsonSchema`.
///
/// `responseJsonSchema` takes JSON Schema itself (`type: ["string", "null"]`,
/// `additionalProperties`, `$defs`, `anyOf`, `minItems`/`maxItems`, `minimum`/`maximum`),
/// so the schema OpenAI's strict mode gets goes as it is. The older `responseSchema` takes
/// an OpenAPI 3.0 subset that refuses both type lists and `additionalProperties` (400
/// "Unknown name"), and would need every schema translated (`nullable: true`).
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

    struct PromptFeedback: Decodable {
        struct Rating: Decodable {
            var category: String?
            var blocked: Bool?
        }
        var blockReason: String?
        var safetyRatings: [Rating]?

        /// "SAFETY (HARM_CATEGORY_DANGEROUS_CONTENT)": the reason and the categories that blocked.
        var summary: String? {
            guard let blockReason else { return nil }
            let categories = (safetyRatings ?? []).filter { $0.blocked == true }.compactMap(\.category)
            return categories.isEmpty ? blockReason : "\(blockReason) (\(categories.joined(separator: ", ")))"
        }
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
        var promptFeedback: PromptFeedback?
        /// A `google.rpc.Status` in place of a chunk: the stream failed after it began.
        var error: Status?
        struct Status: Decodable {
            var code: Int?
            var message: String?
            var status: String?
        }

        /// A prompt the API refused: no candidates, only the feedback saying why.
        func checkBlocked() throws {
            if candidates?.isEmpty ?? true, let reason = promptFeedback?.summary { throw WireError.blocked(reason: "prompt blocked: \(reason)") }
        }
    }

    public func decodeCompletion(_ body: Data) throws -> WireCompletion {
        let response = try JSONDecoder().decode(Response.self, from: body)
        try response.checkBlocked()
        let candidate = response.candidates?.first
        return WireCompletion(
            text: candidate?.content?.parts?.compactMap(\.text).joined() ?? "", finishReason: candidate?.finishReason,
            promptTokens: response.usageMetadata?.promptTokenCount, completionTokens: response.usageMetadata?.candidatesTokenCount,
            model: response.modelVersion)
    }

    /// Gemini's stream has no end marker: the chunk with a finish reason ends it.
    public func decodeStreamEvent(_ event: SSEParser.Event) throws -> WireStreamDelta {
        let response = try JSONDecoder().decode(Response.self, from: Data(event.data.utf8))
        if let error = response.error {
            return WireStreamDelta(error: [error.status, error.message].compactMap { $0 }.joined(separator: ": "), errorStatus: error.code)
        }
        try response.checkBlocked()
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

    /// A 429's `google.rpc.RetryInfo` detail (`"retryDelay": "37s"`): Gemini sends no `Retry-After` header.
    public func retryAfter(in body: Data) -> Double? {
        struct Envelope: Decodable {
            struct Detail: Decodable {
                var type: String?
                var retryDelay: String?
                enum CodingKeys: String, CodingKey { case type = "@type", retryDelay }
            }
            struct Body: Decodable { var details: [Detail]? }
            var error: Body
        }
        guard let details = (try? JSONDecoder().decode(Envelope.self, from: body))?.error.details else { return nil }
        let delay = details.first { $0.type?.hasSuffix("google.rpc.RetryInfo") == true }?.retryDelay
        guard let delay, delay.hasSuffix("s"), let seconds = Double(delay.dropLast()), seconds >= 0 else { return nil }
        return seconds
    }
}
