import Foundation

/// Anthropic's Messages API (`POST /v1/messages`), as its API reference documents requests,
/// answers, streams (`message_start` … `message_stop`, `ping`, `error`) and errors.
public struct AnthropicAPI: FakeAPI {
    public init() {}
    public static let basePath = "/v1"

    static let fields: Set<String> = ["model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k", "stop_sequences", "stream",
                                      "metadata", "tools", "tool_choice", "thinking", "service_tier", "container", "mcp_servers"]

    static func error(_ status: Int, type: String, _ message: String, headers: [(String, String)] = []) -> FakeResponse {
        .json(status, ["type": "error", "error": ["type": type, "message": message], "request_id": "req_fake"], headers: headers)
    }

    static func invalid(_ message: String) -> FakeResponse { error(400, type: "invalid_request_error", message) }

    public func validate(_ request: FakeRequest, key: String) -> FakeResponse? {
        guard request.method == "POST", request.path == Self.basePath + "/messages" else { return Self.error(404, type: "not_found_error", "Not Found") }
        guard let given = request.headers["x-api-key"] else { return Self.error(401, type: "authentication_error", "x-api-key header is required") }
        guard given == key else { return Self.error(401, type: "authentication_error", "invalid x-api-key") }
        guard let version = request.headers["anthropic-version"] else { return Self.invalid("anthropic-version: header is required") }
        guard ["2023-06-01", "2023-01-01"].contains(version) else { return Self.invalid("anthropic-version: \(version) is not a valid version") }
        guard request.headers["content-type"]?.hasPrefix("application/json") == true, let body = request.json else {
            return Self.invalid("Invalid JSON in request body")
        }
        if let extra = body.keys.sorted().first(where: { !Self.fields.contains($0) }) { return Self.invalid("\(extra): Extra inputs are not permitted") }
        guard body["model"] is String else { return Self.invalid("model: Field required") }
        guard let maxTokens = body["max_tokens"] else { return Self.invalid("max_tokens: Field required") }
        guard let limit = maxTokens as? Int, limit >= 1 else { return Self.invalid("max_tokens: Input should be greater than or equal to 1") }
        guard let messages = body["messages"] as? [[String: Any]] else { return Self.invalid("messages: Field required") }
        guard !messages.isEmpty else { return Self.invalid("messages: at least one message is required") }
        var previous: String?
        for (index, message) in messages.enumerated() {
            let role = message["role"] as? String ?? ""
            if role == "system" {
                return Self.invalid(#"messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role."#)
            }
            guard role == "user" || role == "assistant" else { return Self.invalid("messages.\(index).role: Input should be 'user' or 'assistant'") }
            if index == 0, role != "user" { return Self.invalid(#"messages: first message must use the "user" role"#) }
            if role == previous {
                return Self.invalid(#"messages: roles must alternate between "user" and "assistant", but found multiple "\#(role)" roles in a row"#)
            }
            previous = role
            if let text = message["content"] as? String {
                if text.isEmpty { return Self.invalid("messages.\(index): all messages must have non-empty content except for the optional final assistant message") }
            } else if !(message["content"] is [Any]) {
                return Self.invalid("messages.\(index).content: Input should be a valid string or a valid list")
            }
        }
        if let system = body["system"], !(system is String || system is [Any]) { return Self.invalid("system: Input should be a valid string or a valid list") }
        if let temperature = body["temperature"] as? Double, !(0...1).contains(temperature) {
            return Self.invalid("temperature: Input should be less than or equal to 1")
        }
        if let stops = body["stop_sequences"], !(stops is [String]) { return Self.invalid("stop_sequences: Input should be a valid list of strings") }
        var toolNames: [String] = []
        if let tools = body["tools"] {
            guard let tools = tools as? [[String: Any]] else { return Self.invalid("tools: Input should be a valid list") }
            for (index, tool) in tools.enumerated() {
                let name = tool["name"] as? String ?? ""
                guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                    return Self.invalid("tools.\(index).custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'")
                }
                guard let schema = tool["input_schema"] else { return Self.invalid("tools.\(index).custom.input_schema: Field required") }
                if let problem = SchemaRules.anthropicInputSchema(schema, tool: index) { return Self.invalid(problem) }
                toolNames.append(name)
            }
        }
        if let choice = body["tool_choice"] {
            guard let choice = choice as? [String: Any], let type = choice["type"] as? String, ["auto", "any", "tool", "none"].contains(type) else {
                return Self.invalid("tool_choice: Input tag does not match any of the expected tags: 'auto', 'any', 'tool', 'none'")
            }
            if type == "tool" {
                let name = choice["name"] as? String ?? ""
                guard toolNames.contains(name) else { return Self.invalid("tool_choice: Tool '\(name)' not found in provided tools") }
            }
        }
        return nil
    }

    public func respond(to request: FakeRequest, with reply: FakeReply, key: String) -> FakeResponse {
        let body = request.json ?? [:]
        let model = body["model"] as? String ?? "claude-fake"
        let stream = body["stream"] as? Bool == true
        let inputTokens = Fake.tokens(Fake.promptText(body))
        // A forced tool: the answer is that tool's input.
        let tool = (body["tool_choice"] as? [String: Any]).flatMap { $0["type"] as? String == "tool" ? $0["name"] as? String : nil }

        func message(_ content: [[String: Any]], stop: String, outputTokens: Int) -> [String: Any] {
            ["id": "msg_fake", "type": "message", "role": "assistant", "model": model, "content": content, "stop_reason": stop,
             "stop_sequence": NSNull(), "usage": ["input_tokens": inputTokens, "output_tokens": outputTokens]]
        }

        /// Every event of a streamed answer; `end` false leaves out `message_stop`.
        func events(_ text: String, stop: String, asTool: Bool, end: Bool) -> [Data] {
            var start = message([], stop: "", outputTokens: 1)
            start["stop_reason"] = NSNull()
            let block: [String: Any] = asTool ? ["type": "tool_use", "id": "toolu_fake", "name": tool ?? "", "input": [String: Any]()] : ["type": "text", "text": ""]
            var events: [Data] = []
            events.append(FakeJSON.event("message_start", ["type": "message_start", "message": start]))
            events.append(FakeJSON.event("content_block_start", ["type": "content_block_start", "index": 0, "content_block": block]))
            events.append(FakeJSON.event("ping", ["type": "ping"]))
            for piece in Fake.pieces(text) {
                let delta: [String: Any] = asTool ? ["type": "input_json_delta", "partial_json": piece] : ["type": "text_delta", "text": piece]
                events.append(FakeJSON.event("content_block_delta", ["type": "content_block_delta", "index": 0, "delta": delta]))
            }
            events.append(FakeJSON.event("content_block_stop", ["type": "content_block_stop", "index": 0]))
            events.append(FakeJSON.event("message_delta", ["type": "message_delta", "delta": ["stop_reason": stop, "stop_sequence": NSNull()],
                                                           "usage": ["output_tokens": Fake.tokens(text)]]))
            if end { events.append(FakeJSON.event("message_stop", ["type": "message_stop"])) }
            return events
        }

        func answer(_ text: String, end: Bool = true) -> FakeResponse {
            let asTool = tool != nil
            let stop = asTool ? "tool_use" : "end_turn"
            if stream { return .sse(events(text, stop: stop, asTool: asTool, end: end)) }
            let block: [String: Any]
            if asTool {
                let input = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) ?? [String: Any]()
                block = ["type": "tool_use", "id": "toolu_fake", "name": tool ?? "", "input": input]
            } else {
                block = ["type": "text", "text": text]
            }
            return .json(200, message([block], stop: stop, outputTokens: Fake.tokens(text)))
        }

        switch reply {
        case .answer(let text):
            return answer(Fake.substitute(text, key: key))
        case .error(let status, let retryAfter):
            let headers = retryAfter.map { [("retry-after", $0)] } ?? []
            switch status {
            case 429:
                return Self.error(429, type: "rate_limit_error",
                                  "Number of requests has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage.",
                                  headers: headers)
            case 529: return Self.error(529, type: "overloaded_error", "Overloaded", headers: headers)
            default: return Self.error(status, type: "api_error", "Internal server error", headers: headers)
            }
        case .streamError(let after, let type, let message):
            var sent = events(after, stop: "end_turn", asTool: false, end: false)
            sent.removeLast(2)  // no content_block_stop, no message_delta: the error cuts the answer
            sent.append(FakeJSON.event("error", ["type": "error", "error": ["type": type, "message": Fake.substitute(message, key: key)]]))
            return .sse(sent)
        case .noEndEvent(let text):
            return answer(text, end: false)
        case .blocked, .refusal:
            if stream { return .sse(events("", stop: "refusal", asTool: false, end: true)) }
            return .json(200, message([], stop: "refusal", outputTokens: 0))
        case .echoKey(let status):
            return Self.error(status, type: "authentication_error", "invalid x-api-key: \(key)")
        case .raw(let status, let text):
            return FakeResponse(status: status, headers: [("content-type", "text/plain")], body: .data(Data(Fake.substitute(text, key: key).utf8)))
        }
    }
}
