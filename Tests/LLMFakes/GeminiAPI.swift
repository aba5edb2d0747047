import Foundation

/// Google's Gemini API (`POST /v1beta/models/{model}:generateContent` and
/// `:streamGenerateContent?alt=sse`), as its API reference documents requests, answers,
/// streams, prompt feedback and errors (the `google.rpc.Status` shape).
public struct GeminiAPI: FakeAPI {
    public init() {}
    public static let basePath = "/v1beta"

    static let fields: Set<String> = ["contents", "systemInstruction", "system_instruction", "generationConfig", "generation_config", "safetySettings",
                                      "tools", "toolConfig", "cachedContent"]
    static let generationFields: Set<String> = ["temperature", "topP", "topK", "candidateCount", "maxOutputTokens", "stopSequences", "seed",
                                                "presencePenalty", "frequencyPenalty", "responseMimeType", "responseSchema", "responseJsonSchema",
                                                "responseModalities", "thinkingConfig", "responseLogprobs", "logprobs", "mediaResolution", "speechConfig"]

    static func error(_ code: Int, status: String, _ message: String, details: [[String: Any]] = []) -> FakeResponse {
        var error: [String: Any] = ["code": code, "message": message, "status": status]
        if !details.isEmpty { error["details"] = details }
        return .json(code, ["error": error])
    }

    static func invalid(_ message: String) -> FakeResponse { error(400, status: "INVALID_ARGUMENT", message) }

    public func validate(_ request: FakeRequest, key: String) -> FakeResponse? {
        let prefix = Self.basePath + "/models/"
        guard request.method == "POST", request.path.hasPrefix(prefix),
              request.path.hasSuffix(":generateContent") || request.path.hasSuffix(":streamGenerateContent") else {
            return Self.error(404, status: "NOT_FOUND", "The requested URL \(request.path) was not found on this server.")
        }
        guard let given = request.headers["x-goog-api-key"] ?? request.query["key"] else {
            return Self.error(403, status: "PERMISSION_DENIED",
                              "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
        }
        guard given == key else {
            return Self.error(400, status: "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details: [
                ["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"],
            ])
        }
        guard request.headers["content-type"]?.hasPrefix("application/json") == true, let body = request.json else {
            return Self.invalid("Invalid JSON payload received. Unexpected token.")
        }
        if let extra = body.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            return Self.invalid("Invalid JSON payload received. Unknown name \"\(extra)\": Cannot find field.")
        }
        guard let contents = body["contents"] as? [[String: Any]], !contents.isEmpty else {
            return Self.invalid("* GenerateContentRequest.contents: contents is not specified\n")
        }
        for (index, content) in contents.enumerated() {
            if let role = content["role"] as? String, !["user", "model"].contains(role) { return Self.invalid("Please use a valid role: user, model.") }
            guard let parts = content["parts"] as? [[String: Any]], !parts.isEmpty else {
                return Self.invalid("* GenerateContentRequest.contents[\(index)].parts: contents.parts must not be empty.\n")
            }
        }
        if let system = body["systemInstruction"] as? [String: Any], (system["parts"] as? [Any])?.isEmpty ?? true {
            return Self.invalid("* GenerateContentRequest.system_instruction.parts: contents.parts must not be empty.\n")
        }
        if let generation = body["generationConfig"] as? [String: Any] {
            if let extra = generation.keys.sorted().first(where: { !Self.generationFields.contains($0) }) {
                return Self.invalid("Invalid JSON payload received. Unknown name \"\(extra)\" at 'generation_config': Cannot find field.")
            }
            if generation["responseSchema"] != nil, generation["responseJsonSchema"] != nil {
                return Self.invalid("* GenerateContentRequest.generation_config: response_schema and response_json_schema cannot both be set.\n")
            }
            if generation["responseSchema"] != nil || generation["responseJsonSchema"] != nil, generation["responseMimeType"] as? String != "application/json" {
                return Self.invalid("* GenerateContentRequest.generation_config.response_mime_type: a response schema needs response_mime_type application/json.\n")
            }
            if let schema = generation["responseJsonSchema"], let problem = SchemaRules.geminiJSONSchema(schema) { return Self.invalid(problem) }
            if let schema = generation["responseSchema"], let problem = SchemaRules.geminiOpenAPISchema(schema) { return Self.invalid(problem) }
            if let temperature = generation["temperature"] as? Double, !(0...2).contains(temperature) {
                return Self.invalid("* GenerateContentRequest.generation_config.temperature: temperature must be between 0 and 2.\n")
            }
        }
        return nil
    }

    public func respond(to request: FakeRequest, with reply: FakeReply, key: String) -> FakeResponse {
        let body = request.json ?? [:]
        let model = request.path.split(separator: "/").last.map { String($0.split(separator: ":")[0]) } ?? "gemini-fake"
        let streaming = request.path.hasSuffix(":streamGenerateContent")
        let sse = request.query["alt"] == "sse"
        let promptTokens = Fake.tokens(Fake.promptText(body))

        func chunk(_ text: String?, finish: String?, usage: Bool) -> [String: Any] {
            var object: [String: Any] = ["modelVersion": model, "responseId": "fake-response"]
            var candidate: [String: Any] = ["index": 0]
            if let text { candidate["content"] = ["parts": [["text": text]], "role": "model"] }
            if let finish { candidate["finishReason"] = finish }
            object["candidates"] = [candidate]
            let outputTokens = Fake.tokens(text ?? "")
            object["usageMetadata"] = usage ? ["promptTokenCount": promptTokens, "candidatesTokenCount": outputTokens, "totalTokenCount": promptTokens + outputTokens]
                                            : ["promptTokenCount": promptTokens]
            return object
        }

        /// A whole answer, a stream of SSE chunks, or (streaming without alt=sse) a JSON array of them.
        func deliver(_ chunks: [[String: Any]], whole: [String: Any]) -> FakeResponse {
            guard streaming else { return .json(200, whole) }
            guard sse else { return .json(200, chunks) }
            return .sse(chunks.map { FakeJSON.event(nil, $0) })
        }

        func answer(_ text: String, end: Bool) -> FakeResponse {
            let pieces = Fake.pieces(text)
            var chunks = pieces.dropLast().map { chunk($0, finish: nil, usage: false) }
            chunks.append(chunk(pieces.last, finish: end ? "STOP" : nil, usage: end))
            return deliver(chunks, whole: chunk(text, finish: "STOP", usage: true))
        }

        switch reply {
        case .answer(let text):
            return answer(Fake.substitute(text, key: key), end: true)
        case .error(let status, let retryAfter):
            switch status {
            case 429:
                // No Retry-After header: the wait, when given, is a RetryInfo detail.
                var details: [[String: Any]] = [["@type": "type.googleapis.com/google.rpc.QuotaFailure",
                                                 "violations": [["quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests", "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"]]]]
                if let retryAfter { details.append(["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "\(retryAfter)s"]) }
                return Self.error(429, status: "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details.", details: details)
            case 503: return Self.error(503, status: "UNAVAILABLE", "The model is overloaded. Please try again later.")
            default: return Self.error(status, status: "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting")
            }
        case .streamError(let after, _, let message):
            // The stream stops with an error status object in place of the next chunk.
            let chunks = [chunk(after, finish: nil, usage: false), ["error": ["code": 500, "message": Fake.substitute(message, key: key), "status": "INTERNAL"]]]
            return deliver(chunks, whole: chunks[1])
        case .noEndEvent(let text):
            return answer(text, end: false)
        case .refusal:
            return respond(to: request, with: .blocked(reason: "OTHER"), key: key)
        case .blocked(let reason):
            let feedback: [String: Any] = [
                "promptFeedback": ["blockReason": reason, "safetyRatings": [
                    ["category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": true],
                    ["category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"],
                ]],
                "usageMetadata": ["promptTokenCount": promptTokens, "totalTokenCount": promptTokens], "modelVersion": model,
            ]
            return deliver([feedback], whole: feedback)
        case .echoKey(let status):
            return Self.error(status, status: "INVALID_ARGUMENT", "API key not valid: \(key). Please pass a valid API key (x-goog-api-key: \(key)).")
        case .raw(let status, let text):
            return FakeResponse(status: status, headers: [("content-type", "text/plain")], body: .data(Data(Fake.substitute(text, key: key).utf8)))
        }
    }
}
