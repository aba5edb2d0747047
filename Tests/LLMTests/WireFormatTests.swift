import Foundation
import Testing
@testable import LLM

/// Request and response shapes as the providers' API references document them.
@Suite struct AnthropicWireTests {
    let config = ProviderConfig(name: "claude", kind: .anthropic, baseURL: "https://api.anthropic.com/v1", model: "claude-3-5-haiku-latest", apiKeyEnv: "ANTHROPIC_API_KEY")

    @Test func requestShape() throws {
        let request = CompletionRequest(
            messages: [ChatMessage(.system, "You are a novelist."), ChatMessage(.user, "Write.")], temperature: 0.7, maxTokens: 300,
            stop: ["THE END"], seed: 5, task: .generate)
        let (url, headers, body) = try AnthropicWire().request(for: request, config: config, apiKey: "k", stream: true)
        #expect(url == "https://api.anthropic.com/v1/messages")
        #expect(headers.contains { $0.name == "x-api-key" && $0.value == "k" })
        #expect(headers.contains { $0.name == "anthropic-version" && $0.value == "2023-06-01" })
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(object["system"] as? String == "You are a novelist.")
        #expect((object["messages"] as? [[String: String]]) == [["role": "user", "content": "Write."]])
        #expect(object["max_tokens"] as? Int == 300)
        #expect(object["stop_sequences"] as? [String] == ["THE END"])
        #expect(object["stream"] as? Bool == true)
        #expect(object["seed"] == nil, "the Messages API has no seed")
    }

    @Test func anObjectSchemaBecomesAForcedTool() throws {
        let request = CompletionRequest(messages: [ChatMessage(.user, "Score it.")], responseFormat: .jsonSchema(name: "my verdict", schema: #"{"type":"object"}"#), task: .judge)
        let body = try AnthropicWire().request(for: request, config: config, apiKey: nil, stream: false).body
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let tools = try #require(object["tools"] as? [[String: Any]])
        #expect(tools.count == 1 && tools[0]["name"] as? String == "myverdict")
        #expect((tools[0]["input_schema"] as? [String: String]) == ["type": "object"])
        #expect((object["tool_choice"] as? [String: String]) == ["type": "tool", "name": "myverdict"])
        #expect(object["system"] == nil)
        #expect(object["max_tokens"] as? Int == 4096)
        let recorded = #"{"id":"msg_01","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"tool_use","id":"toolu_01","name":"myverdict","input":{"score":7,"reason":"Taut."}}],"stop_reason":"tool_use","usage":{"input_tokens":25,"output_tokens":12}}"#
        let decoded = try AnthropicWire().decodeCompletion(Data(recorded.utf8))
        #expect(decoded.text == #"{"reason":"Taut.","score":7}"#)
        #expect(FinishReason(wire: decoded.finishReason) == .toolCalls)
    }

    @Test func otherSchemasBecomeASystemInstruction() throws {
        let request = CompletionRequest(messages: [ChatMessage(.user, "List them.")], responseFormat: .jsonSchema(name: "s", schema: #"{"type":"array"}"#), task: .judge)
        let body = try AnthropicWire().request(for: request, config: config, apiKey: nil, stream: false).body
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect((object["system"] as? String)?.contains(#"{"type":"array"}"#) == true)
        #expect(object["tools"] == nil)
    }

    @Test func decodesAMessage() throws {
        let recorded = #"{"id":"msg_01","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[{"type":"text","text":"The lamp "},{"type":"text","text":"guttered."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":7}}"#
        let decoded = try AnthropicWire().decodeCompletion(Data(recorded.utf8))
        #expect(decoded == WireCompletion(text: "The lamp guttered.", finishReason: "end_turn", promptTokens: 25, completionTokens: 7, model: "claude-3-5-haiku-20241022"))
        #expect(FinishReason(wire: decoded.finishReason) == .stop)
        #expect(FinishReason(wire: "max_tokens") == .length)
    }

    @Test func decodesAStream() throws {
        let recorded = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-3-5-haiku-20241022","stop_reason":null,"usage":{"input_tokens":25,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: ping
            data: {"type": "ping"}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Rain "}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"fell."}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":4}}

            event: message_stop
            data: {"type":"message_stop"}


            """
        var parser = SSEParser()
        let deltas = try parser.feed(Array(recorded.utf8)).map { try AnthropicWire().decodeStreamEvent($0) }
        #expect(deltas.compactMap(\.text).joined() == "Rain fell.")
        #expect(deltas.compactMap(\.promptTokens) == [25])
        #expect(deltas.compactMap(\.completionTokens) == [4])
        #expect(deltas.compactMap(\.finishReason) == ["end_turn"])
        #expect(deltas.last?.isEnd == true)
        let error = try AnthropicWire().decodeStreamEvent(.init(event: "error", data: #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#))
        #expect(error.error == "overloaded_error: Overloaded")
    }

    @Test func readsErrorBodies() {
        let body = Data(#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit"}}"#.utf8)
        #expect(AnthropicWire().errorMessage(in: body) == "rate_limit_error: Number of requests has exceeded your rate limit")
    }
}

@Suite struct GeminiWireTests {
    let config = ProviderConfig(name: "gemini", kind: .gemini, baseURL: "https://generativelanguage.googleapis.com/v1beta", model: "gemini-2.0-flash", apiKeyEnv: "GEMINI_API_KEY")

    @Test func requestShape() throws {
        let request = CompletionRequest(
            messages: [ChatMessage(.system, "Be terse."), ChatMessage(.user, "Hi"), ChatMessage(.assistant, "Hello"), ChatMessage(.user, "Score it")],
            temperature: 0.2, maxTokens: 50, seed: 9, responseFormat: .jsonSchema(name: "s", schema: #"{"type":"object","properties":{"score":{"type":"integer"}}}"#), task: .judge)
        let (url, headers, body) = try GeminiWire().request(for: request, config: config, apiKey: "g", stream: true)
        #expect(url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse")
        #expect(headers.contains { $0.name == "x-goog-api-key" && $0.value == "g" })
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let contents = try #require(object["contents"] as? [[String: Any]])
        #expect(contents.map { $0["role"] as? String } == ["user", "model", "user"])
        #expect(((object["systemInstruction"] as? [String: Any])?["parts"] as? [[String: String]]) == [["text": "Be terse."]])
        let generation = try #require(object["generationConfig"] as? [String: Any])
        #expect(generation["maxOutputTokens"] as? Int == 50)
        #expect(generation["seed"] as? Int == 9)
        #expect(generation["responseMimeType"] as? String == "application/json")
        #expect((generation["responseJsonSchema"] as? [String: Any])?["type"] as? String == "object")
        #expect(try GeminiWire().request(for: request, config: config, apiKey: nil, stream: false).url.hasSuffix("/models/gemini-2.0-flash:generateContent"))
    }

    @Test func decodesAResponse() throws {
        let recorded = #"{"candidates":[{"content":{"parts":[{"text":"The sea "},{"text":"was grey."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":5,"totalTokenCount":13},"modelVersion":"gemini-2.0-flash"}"#
        let decoded = try GeminiWire().decodeCompletion(Data(recorded.utf8))
        #expect(decoded == WireCompletion(text: "The sea was grey.", finishReason: "STOP", promptTokens: 8, completionTokens: 5, model: "gemini-2.0-flash"))
        #expect(FinishReason(wire: "MAX_TOKENS") == .length)
        #expect(FinishReason(wire: "SAFETY") == .contentFilter)
    }

    @Test func decodesAStreamThatEndsWithItsFinishReason() throws {
        let recorded = """
            data: {"candidates":[{"content":{"parts":[{"text":"Fog"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":8},"modelVersion":"gemini-2.0-flash"}

            data: {"candidates":[{"content":{"parts":[{"text":" rolled in."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":4,"totalTokenCount":12},"modelVersion":"gemini-2.0-flash"}


            """
        var parser = SSEParser()
        let deltas = try parser.feed(Array(recorded.utf8)).map { try GeminiWire().decodeStreamEvent($0) }
        #expect(deltas.compactMap(\.text).joined() == "Fog rolled in.")
        #expect(deltas.map(\.isEnd) == [false, true])
        #expect(deltas.last?.completionTokens == 4)
    }

    @Test func readsErrorBodies() {
        let body = Data(#"{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}"#.utf8)
        #expect(GeminiWire().errorMessage(in: body) == "RESOURCE_EXHAUSTED: Resource has been exhausted")
    }
}
