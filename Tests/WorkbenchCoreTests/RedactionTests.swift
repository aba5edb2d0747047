import Testing
import WorkbenchCore

@Suite struct RedactionTests {
    @Test func registeredKeysAndPassedSecretsAreMasked() {
        Redaction.register("k3y-registered-7f6e5d4c")
        #expect(Redaction.redact("upstream said k3y-registered-7f6e5d4c was wrong") == "upstream said *** was wrong")
        #expect(Redaction.redact("the key abcd1234 leaked", secrets: ["abcd1234"]) == "the key *** leaked")
        Redaction.register("short")
        #expect(Redaction.redact("a short note") == "a short note", "values shorter than 8 characters are not registered")
    }

    @Test func credentialShapesAreMaskedWithoutKnowingTheKey() {
        let cases: [(String, String)] = [
            ("Authorization: Bearer abc.def-123", "Authorization: Bearer ***"),
            (#"{"headers":{"authorization":"Basic dXNlcjpwYXNz"}}"#, #"{"headers":{"authorization":"Basic ***"}}"#),
            ("x-api-key: my-anthropic-key rejected", "x-api-key: *** rejected"),
            (#"{"x-goog-api-key": "AIza-short"}"#, #"{"x-goog-api-key": "***"}"#),
            ("GET https://example.com/v1beta/models?key=AIza123&alt=sse", "GET https://example.com/v1beta/models?key=***&alt=sse"),
            ("see https://proxy.local/v1?api_key=secret#x", "see https://proxy.local/v1?api_key=***#x"),
            ("https://user:p4ss@gateway.example/v1", "https://user:***@gateway.example/v1"),
            ("Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuv.", "Incorrect API key provided: ***."),
            ("key AIzaSyA1234567890abcdefghijklmnopqrstu ok", "key *** ok"),
        ]
        for (text, expected) in cases { #expect(Redaction.redact(text) == expected, "\(text)") }
    }

    @Test func ordinaryMessagesAreLeftAlone() {
        for text in ["http://127.0.0.1:8080/v1/chat/completions", "x-api-key header is required", "API key not valid. Please pass a valid API key.",
                     "anthropic: HTTP 529: overloaded_error: Overloaded", "a basic request failed", "Bearer tokens expire"] {
            #expect(Redaction.redact(text) == text, "\(text) → \(Redaction.redact(text))")
        }
        #expect(Redaction.redactURL("https://api.groq.com/openai/v1") == "https://api.groq.com/openai/v1")
    }
}
