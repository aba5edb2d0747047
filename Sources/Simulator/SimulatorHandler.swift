import Foundation
import LLM
import NIOCore
import NIOHTTP1
import WorkbenchCore

/// One connection: collects each request, then answers it (or fails it, as planned).
final class SimulatorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: SimulatorState
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?

    init(state: SimulatorState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = context.channel.allocator.buffer(capacity: 0)
        case .body(var chunk):
            body?.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            let bytes = body.map { Data($0.readableBytesView) } ?? Data()
            self.head = nil
            body = nil
            route(head, bytes, context: context)
        }
    }

    private func route(_ head: HTTPRequestHead, _ body: Data, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        switch (head.method, path) {
        case (.POST, "/v1/chat/completions"), (.POST, "/chat/completions"):
            completions(body, context: context)
        case (.GET, "/v1/models"):
            sendJSON(["object": "list", "data": [["id": state.options.model, "object": "model", "owned_by": "workbench-simulator"]]], status: .ok, context: context)
        case (.GET, "/health"):
            sendJSON(["status": "ok"], status: .ok, context: context)
        default:
            sendError(.notFound, "no route for \(head.method) \(path)", type: "not_found", context: context)
        }
    }

    // MARK: Completions

    private struct Parsed {
        var request: CompletionRequest
        var stream: Bool
        var includeUsage: Bool
        var model: String
    }

    private struct BadRequest: Error { var message: String }

    private func parse(_ body: Data) -> Result<Parsed, BadRequest> {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return .failure(BadRequest(message: "the body is not a JSON object"))
        }
        guard let rawMessages = object["messages"] as? [[String: Any]], !rawMessages.isEmpty else {
            return .failure(BadRequest(message: "'messages' must be a non-empty array"))
        }
        var messages: [ChatMessage] = []
        for (index, raw) in rawMessages.enumerated() {
            guard let roleText = raw["role"] as? String, let role = ChatMessage.Role(rawValue: roleText) else {
                return .failure(BadRequest(message: "messages[\(index)].role must be system, user or assistant"))
            }
            guard let content = raw["content"] as? String else { return .failure(BadRequest(message: "messages[\(index)].content must be a string")) }
            messages.append(ChatMessage(role, content))
        }
        var format = ResponseFormat.text
        if let responseFormat = object["response_format"] as? [String: Any] {
            switch responseFormat["type"] as? String {
            case "json_object": format = .jsonObject
            case "json_schema":
                guard let spec = responseFormat["json_schema"] as? [String: Any], let schema = spec["schema"],
                      let data = try? JSONSerialization.data(withJSONObject: schema, options: [.sortedKeys])
                else { return .failure(BadRequest(message: "response_format.json_schema.schema is missing")) }
                format = .jsonSchema(name: spec["name"] as? String ?? "response", schema: String(decoding: data, as: UTF8.self))
            case "text", nil: break
            case let other?: return .failure(BadRequest(message: "response_format.type '\(other)' is not supported"))
            }
        }
        let maxTokens = (object["max_tokens"] as? Int) ?? (object["max_completion_tokens"] as? Int)
        if let maxTokens, maxTokens < 1 { return .failure(BadRequest(message: "max_tokens must be at least 1")) }
        let model = object["model"] as? String ?? state.options.model
        let request = CompletionRequest(
            messages: messages, model: model, temperature: object["temperature"] as? Double, topP: object["top_p"] as? Double,
            maxTokens: maxTokens, stop: (object["stop"] as? [String]) ?? (object["stop"] as? String).map { [$0] } ?? [],
            // The wire carries no task: the writer answers by what the prompt asks.
            seed: (object["seed"] as? NSNumber)?.uint64Value, responseFormat: format, task: .complete)
        let includeUsage = ((object["stream_options"] as? [String: Any])?["include_usage"] as? Bool) ?? false
        return .success(Parsed(request: request, stream: object["stream"] as? Bool ?? false, includeUsage: includeUsage, model: model))
    }

    private func completions(_ body: Data, context: ChannelHandlerContext) {
        let parsed: Parsed
        switch parse(body) {
        case .success(let value): parsed = value
        case .failure(let bad):
            sendError(.badRequest, bad.message, type: "invalid_request_error", context: context)
            return
        }
        let fault = state.admit()
        switch fault {
        case .rateLimited?:
            let milliseconds = Int(state.options.retryAfter.milliseconds.rounded())
            sendError(.tooManyRequests, "rate limit reached (simulated)", type: "rate_limit_error", context: context,
                      extraHeaders: [("retry-after", String((milliseconds + 999) / 1000)), ("retry-after-ms", String(milliseconds))])
            return
        case .serverError?:
            sendError(.internalServerError, "internal error (simulated)", type: "server_error", context: context)
            return
        case .unavailable?:
            sendError(.serviceUnavailable, "overloaded (simulated)", type: "server_error", context: context)
            return
        case .reset?:
            context.close(promise: nil)
            return
        case .timeout?:
            return  // never answer; the client's timeout ends it
        case .truncate?, .malformed?, nil:
            break
        }
        let output = state.writer.respond(to: parsed.request)
        let id = "simcmpl-\(SHA256.hex(of: body).prefix(16))"
        if parsed.stream {
            stream(output, id: id, model: parsed.model, includeUsage: parsed.includeUsage, fault: fault, context: context)
        } else {
            let usage: [String: Any] = ["prompt_tokens": output.promptTokens, "completion_tokens": output.completionTokens,
                                        "total_tokens": output.promptTokens + output.completionTokens]
            let object: [String: Any] = [
                "id": id, "object": "chat.completion", "created": 0, "model": parsed.model,
                "choices": [["index": 0, "message": ["role": "assistant", "content": output.text], "finish_reason": output.finishReason.rawValue]],
                "usage": usage,
            ]
            var data = Self.json(object)
            if fault == .malformed { data = data.prefix(data.count / 2) }
            after(firstTokenDelay(words: output.completionTokens * 3 / 4), context: context) { handler, context in
                if fault == .truncate {
                    handler.sendTruncated(data, context: context)
                } else {
                    handler.send(data, status: .ok, contentType: "application/json", context: context)
                }
            }
        }
    }

    /// Non-streamed answers arrive after the first-token delay plus the time to "write" them.
    private func firstTokenDelay(words: Int) -> Duration {
        let options = state.options
        guard options.tokensPerSecond > 0 else { return options.timeToFirstToken }
        return options.timeToFirstToken + .seconds(Double(SimulatorWriter.tokens(forWords: words)) / options.tokensPerSecond)
    }

    private func stream(_ output: SimulatorWriter.Output, id: String, model: String, includeUsage: Bool, fault: FaultKind?, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "cache-control", value: "no-cache")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)

        // One piece per word, whitespace attached, so joining the pieces gives the text back.
        var pieces: [String] = []
        var current = ""
        for character in output.text {
            if character.isWhitespace, !current.isEmpty, !(current.last?.isWhitespace ?? false) {
                pieces.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { pieces.append(current) }

        func chunk(_ delta: [String: Any], finish: String?) -> Data {
            Self.sse(["id": id, "object": "chat.completion.chunk", "created": 0, "model": model,
                      "choices": [["index": 0, "delta": delta, "finish_reason": finish.map { $0 as Any } ?? NSNull()]]])
        }
        var events: [Data] = [chunk(["role": "assistant", "content": ""], finish: nil)]
        events += pieces.map { chunk(["content": $0], finish: nil) }
        events.append(chunk([:], finish: output.finishReason.rawValue))
        if includeUsage {
            events.append(Self.sse(["id": id, "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [] as [Any],
                                    "usage": ["prompt_tokens": output.promptTokens, "completion_tokens": output.completionTokens,
                                              "total_tokens": output.promptTokens + output.completionTokens]]))
        }
        events.append(Data("data: [DONE]\n\n".utf8))
        if fault == .truncate { events = Array(events.prefix(max(1, events.count / 2))) }
        if fault == .malformed { events.insert(Data("data: {\"choices\": [{\"delta\": {\"content\": \"unterminated\n\n".utf8), at: events.count / 2) }

        let perPiece: Duration = state.options.tokensPerSecond > 0 ? .seconds(4.0 / 3.0 / state.options.tokensPerSecond) : .zero
        writeEvents(events[...], delay: state.options.timeToFirstToken, interval: perPiece, truncated: fault == .truncate, context: context)
    }

    /// Writes the events one by one at the pacing interval; closes early for a truncation.
    private func writeEvents(_ events: ArraySlice<Data>, delay: Duration, interval: Duration, truncated: Bool, context: ChannelHandlerContext) {
        after(delay, context: context) { handler, context in
            guard context.channel.isActive else { return }
            var remaining = events
            // Without pacing everything goes in one flush; with it, one event per tick.
            repeat {
                guard let next = remaining.popFirst() else { break }
                var buffer = context.channel.allocator.buffer(capacity: next.count)
                buffer.writeBytes(next)
                context.write(handler.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            } while interval == .zero
            context.flush()
            if remaining.isEmpty {
                if truncated {
                    context.close(promise: nil)
                } else {
                    context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
                }
            } else {
                handler.writeEvents(remaining, delay: interval, interval: interval, truncated: truncated, context: context)
            }
        }
    }

    // MARK: Writing

    /// Runs `body` on this connection's event loop after `delay` (at once for zero).
    private func after(_ delay: Duration, context: ChannelHandlerContext, _ body: @escaping (SimulatorHandler, ChannelHandlerContext) -> Void) {
        if delay <= .zero {
            body(self, context)
            return
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(delay.milliseconds * 1_000_000))) {
            body(self, context)
        }
    }

    private func send(_ data: Data, status: HTTPResponseStatus, contentType: String, context: ChannelHandlerContext, extraHeaders: [(String, String)] = []) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(data.count))
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: data.count)
        buffer.writeBytes(data)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Promises the whole body in Content-Length, sends half, and hangs up.
    private func sendTruncated(_ data: Data, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(data.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: data.count / 2)
        buffer.writeBytes(data.prefix(data.count / 2))
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.close(promise: nil)
    }

    private func sendJSON(_ object: [String: Any], status: HTTPResponseStatus, context: ChannelHandlerContext, extraHeaders: [(String, String)] = []) {
        send(Self.json(object), status: status, contentType: "application/json", context: context, extraHeaders: extraHeaders)
    }

    private func sendError(_ status: HTTPResponseStatus, _ message: String, type: String, context: ChannelHandlerContext, extraHeaders: [(String, String)] = []) {
        sendJSON(["error": ["message": message, "type": type]], status: status, context: context, extraHeaders: extraHeaders)
    }

    static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    static func sse(_ object: Any) -> Data {
        var data = Data("data: ".utf8)
        data.append(json(object))
        data.append(contentsOf: [0x0A, 0x0A])
        return data
    }
}
