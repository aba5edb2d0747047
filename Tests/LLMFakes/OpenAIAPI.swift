import Foundation

/// OpenAI's chat-completions API (`POST /v1/chat/completions`), as its API reference
/// documents requests, answers, streams and errors.
public struct OpenAIAPI: FakeAPI {
    public init() {}
    public static let basePath = "/v1"

    static func error(_ status: Int, _ message: String, type: String, param: String? = nil, code: String? = nil, headers: [(String, String)] = []) -> FakeResponse {
        .json(status, ["error": ["message": message, "type": type, "param": param.map { $0 as Any } ?? NSNull(), "code": code.map { $0 as Any } ?? NSNull()]],
              headers: headers)
    }

    static func invalid(_ message: String, param: String? = nil) -> FakeResponse {
        error(400, message, type: "invalid_request_error", param: param)
    }

    public func validate(_ request: FakeRequest, key: String) -> FakeResponse? {
        guard request.method == "POST", request.path == Self.basePath + "/chat/completions" else {
            return Self.error(404, "Invalid URL (\(request.method) \(request.path))", type: "invalid_request_error")
        }
        guard let authorization = request.headers["authorization"] else {
            return Self.error(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                              type: "invalid_request_error")
        }
        guard authorization == "Bearer \(key)" else {
            let given = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : authorization
            // The real service shows the first and last few characters only.
            let masked = given.count > 8 ? "\(given.prefix(3))\(String(repeating: "*", count: given.count - 7))\(given.suffix(4))" : "***"
            return Self.error(401, "Incorrect API key provided: \(masked). You can find your API key at https://platform.openai.com/account/api-keys.",
                              type: "invalid_request_error", code: "invalid_api_key")
        }
        guard request.headers["content-type"]?.hasPrefix("application/json") == true, let body = request.json else {
            return Self.invalid("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)")
        }
        guard body["model"] is String else { return Self.invalid("you must provide a model parameter") }
        guard let messages = body["messages"] as? [[String: Any]] else { return Self.invalid("Missing required parameter: 'messages'.", param: "messages") }
        guard !messages.isEmpty else {
            return Self.invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", param: "messages")
        }
        for (index, message) in messages.enumerated() {
            let role = message["role"] as? String ?? ""
            guard ["system", "developer", "user", "assistant", "tool", "function"].contains(role) else {
                return Self.invalid("Invalid value: '\(role)'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
                                    param: "messages[\(index)].role")
            }
            guard message["content"] is String || message["content"] is [Any] else {
                return Self.invalid("Missing required parameter: 'messages[\(index)].content'.", param: "messages[\(index)].content")
            }
        }
        if let temperature = body["temperature"] as? Double, !(0...2).contains(temperature) {
            return Self.invalid("Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got \(temperature) instead.", param: "temperature")
        }
        if body["stream_options"] != nil, body["stream"] as? Bool != true {
            return Self.invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: "stream_options")
        }
        if let format = body["response_format"] as? [String: Any] {
            switch format["type"] as? String {
            case "text": break
            case "json_object":
                let text = messages.compactMap { $0["content"] as? String }.joined(separator: " ").lowercased()
                guard text.contains("json") else {
                    return Self.invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", param: "messages")
                }
            case "json_schema":
                guard let spec = format["json_schema"] as? [String: Any], let name = spec["name"] as? String else {
                    return Self.invalid("Missing required parameter: 'response_format.json_schema.name'.", param: "response_format.json_schema.name")
                }
                guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                    return Self.invalid("Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                                        param: "response_format.json_schema.name")
                }
                if spec["strict"] as? Bool == true {
                    guard let schema = spec["schema"] else { return Self.invalid("Invalid schema for response_format '\(name)': schema is required when strict is true.", param: "response_format") }
                    if let problem = SchemaRules.openAIStrict(schema, name: name) { return Self.invalid(problem, param: "response_format") }
                }
            default:
                return Self.invalid("Invalid value: '\(format["type"] ?? "")'. Supported values are: 'text', 'json_object', and 'json_schema'.", param: "response_format.type")
            }
        }
        return nil
    }

    public func respond(to request: FakeRequest, with reply: FakeReply, key: String) -> FakeResponse {
        let body = request.json ?? [:]
        let model = body["model"] as? String ?? "gpt-fake"
        let stream = body["stream"] as? Bool == true
        let includeUsage = (body["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true
        let promptTokens = Fake.tokens(Fake.promptText(body))

        func completion(_ text: String?, finish: String) -> FakeResponse {
            let completionTokens = Fake.tokens(text ?? "")
            let usage = ["prompt_tokens": promptTokens, "completion_tokens": completionTokens, "total_tokens": promptTokens + completionTokens]
            guard stream else {
                return .json(200, [
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000, "model": model,
                    "choices": [["index": 0, "message": ["role": "assistant", "content": text.map { $0 as Any } ?? NSNull(), "refusal": NSNull()],
                                 "logprobs": NSNull(), "finish_reason": finish]],
                    "usage": usage,
                ])
            }
            return .sse(chunks(text, finish: finish, usage: includeUsage ? usage : nil) + [Data("data: [DONE]\n\n".utf8)])
        }

        func chunks(_ text: String?, finish: String?, usage: [String: Int]?) -> [Data] {
            func chunk(_ delta: [String: Any], finish: String?) -> Data {
                FakeJSON.event(nil, ["id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
                                     "choices": [["index": 0, "delta": delta, "logprobs": NSNull(), "finish_reason": finish.map { $0 as Any } ?? NSNull()]]])
            }
            var events = [chunk(["role": "assistant", "content": "", "refusal": NSNull()], finish: nil)]
            if let text { events += Fake.pieces(text).map { chunk(["content": $0], finish: nil) } }
            if let finish { events.append(chunk([:], finish: finish)) }
            if let usage {
                events.append(FakeJSON.event(nil, ["id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
                                                   "choices": [] as [Any], "usage": usage]))
            }
            return events
        }

        switch reply {
        case .answer(let text):
            return completion(Fake.substitute(text, key: key), finish: "stop")
        case .error(let status, let retryAfter):
            let headers = retryAfter.map { [("retry-after", $0)] } ?? []
            switch status {
            case 429:
                return Self.error(429, "Rate limit reached for \(model) in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
                                  type: "requests", code: "rate_limit_exceeded", headers: headers)
            case 503:
                return Self.error(503, "The engine is currently overloaded, please try again later.", type: "server_error", headers: headers)
            default:
                return Self.error(status, "The server had an error while processing your request. Sorry about that!", type: "server_error", headers: headers)
            }
        case .streamError(let after, let type, let message):
            return .sse(chunks(after, finish: nil, usage: nil) + [FakeJSON.event(nil, ["error": ["message": Fake.substitute(message, key: key), "type": type]])])
        case .noEndEvent(let text):
            return stream ? .sse(chunks(text, finish: "stop", usage: includeUsage ? ["prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2] : nil))
                          : completion(text, finish: "stop")
        case .blocked:
            return completion(nil, finish: "content_filter")
        case .refusal(let text):
            guard stream else {
                return .json(200, [
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000, "model": model,
                    "choices": [["index": 0, "message": ["role": "assistant", "content": NSNull(), "refusal": text], "logprobs": NSNull(), "finish_reason": "stop"]],
                    "usage": ["prompt_tokens": promptTokens, "completion_tokens": Fake.tokens(text), "total_tokens": promptTokens + Fake.tokens(text)],
                ])
            }
            var events = chunks(nil, finish: nil, usage: nil)
            events += Fake.pieces(text).map {
                FakeJSON.event(nil, ["id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
                                     "choices": [["index": 0, "delta": ["refusal": $0], "logprobs": NSNull(), "finish_reason": NSNull()]]])
            }
            return .sse(events + chunks(nil, finish: "stop", usage: nil).dropFirst() + [Data("data: [DONE]\n\n".utf8)])
        case .echoKey(let status):
            return Self.error(status, "Incorrect API key provided: \(key). Upstream request carried Authorization: Bearer \(key)", type: "invalid_request_error",
                              code: "invalid_api_key")
        case .raw(let status, let text):
            return FakeResponse(status: status, headers: [("content-type", "text/plain")], body: .data(Data(Fake.substitute(text, key: key).utf8)))
        }
    }
}
