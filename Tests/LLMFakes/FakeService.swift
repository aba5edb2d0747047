import Foundation
import NIOConcurrencyHelpers

/// What a fake API answers a valid request with; each valid request takes the next scripted
/// reply, and `.answer("The lamp guttered.")` once the script is used up. `{{key}}` in any
/// text is replaced by the key the request carried (a server that echoes it).
public enum FakeReply: Sendable, Equatable {
    /// A good answer with this text: for a JSON-schema request, the JSON answer (Anthropic
    /// then answers with a `tool_use` block whose `input` is it).
    case answer(String)
    /// The service's own error body for the status: 429 (with a `retry-after` header of this
    /// many seconds when given; Gemini never sends the header but puts `RetryInfo` in the body),
    /// 500, 503, and Anthropic's 529 `overloaded_error`.
    case error(Int, retryAfter: String? = nil)
    /// Some text, then an error inside the stream (Anthropic's `event: error`, OpenAI's error chunk).
    case streamError(after: String, type: String, message: String)
    /// The whole answer, but the stream ends cleanly without its end event (`message_stop`,
    /// `[DONE]`, a finish reason).
    case noEndEvent(String)
    /// The safety filter: Gemini's `promptFeedback.blockReason` with no candidates, OpenAI's
    /// `content_filter` finish with no content, Anthropic's `refusal` stop.
    case blocked(reason: String)
    /// The model declines (OpenAI's `refusal` with no content; the others answer as for `.blocked`).
    case refusal(String)
    /// The service's invalid-key error, but repeating the key in full (a proxy, a misconfigured gateway).
    case echoKey(Int)
    /// Any status and body, as they are.
    case raw(Int, String)
}

/// One API's rules and shapes, served by `FakeService`.
public protocol FakeAPI: Sendable {
    init()
    /// The path of the base URL a provider is configured with: `/v1`, `/v1beta`.
    static var basePath: String { get }
    /// nil when the request is valid; else the error response the real service sends.
    func validate(_ request: FakeRequest, key: String) -> FakeResponse?
    func respond(to request: FakeRequest, with reply: FakeReply, key: String) -> FakeResponse
}

/// A fake of one API on loopback, scripted per request.
public final class FakeService<API: FakeAPI>: Sendable {
    public let server: FakeHTTPServer
    public let key: String
    private let script: NIOLockedValueBox<[FakeReply]>
    private let outcomes: NIOLockedValueBox<[Int]>

    public var baseURL: String { server.origin + API.basePath }
    /// Every request received, valid or not.
    public var requests: [FakeRequest] { server.requests }
    /// The status of each response sent, in order.
    public var statuses: [Int] { outcomes.withLockedValue { $0 } }

    private init(server: FakeHTTPServer, key: String, script: NIOLockedValueBox<[FakeReply]>, outcomes: NIOLockedValueBox<[Int]>) {
        self.server = server
        self.key = key
        self.script = script
        self.outcomes = outcomes
    }

    public static func start(key: String = "fake-key-0123456789abcdef", script replies: [FakeReply] = []) async throws -> FakeService {
        let api = API()
        let script = NIOLockedValueBox(replies)
        let outcomes = NIOLockedValueBox<[Int]>([])
        let server = try await FakeHTTPServer.start { request in
            let response: FakeResponse
            if let invalid = api.validate(request, key: key) {
                response = invalid
            } else {
                let reply = script.withLockedValue { $0.isEmpty ? FakeReply.answer("The lamp guttered.") : $0.removeFirst() }
                response = api.respond(to: request, with: reply, key: key)
            }
            outcomes.withLockedValue { $0.append(response.status) }
            return response
        }
        return FakeService(server: server, key: key, script: script, outcomes: outcomes)
    }

    /// Adds replies to the end of the script.
    public func script(_ replies: FakeReply...) { script.withLockedValue { $0 += replies } }

    public func stop() async { await server.stop() }
}

public typealias OpenAIFake = FakeService<OpenAIAPI>
public typealias AnthropicFake = FakeService<AnthropicAPI>
public typealias GeminiFake = FakeService<GeminiAPI>

/// Helpers the three APIs share.
enum Fake {
    static func substitute(_ text: String, key: String) -> String { text.replacingOccurrences(of: "{{key}}", with: key) }

    /// About four characters a token, at least one.
    static func tokens(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }

    /// Word-sized pieces that join back to the text, for streams.
    static func pieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            if character == " ", !current.isEmpty {
                pieces.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces.isEmpty ? [""] : pieces
    }

    /// What the prompt tokens are counted from: the messages (and system text), not the other fields.
    static func promptText(_ body: [String: Any]?) -> String {
        guard let body else { return "" }
        return ["system", "messages", "contents", "systemInstruction"].compactMap { body[$0] }.map { FakeJSON.text($0) }.joined()
    }
}
