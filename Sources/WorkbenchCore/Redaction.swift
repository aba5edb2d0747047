import Foundation
import Synchronization

/// Takes credentials out of text that is about to become an error, a log line, an event or
/// a row. A server may repeat the key it was sent (a proxy, a misconfigured gateway) and that
/// text must not reach stderr or the database.
///
/// Removed: every key value registered here (providers register theirs when they are built)
/// or passed in, `Bearer …`/`Basic …` tokens, the values of `x-api-key`, `x-goog-api-key`,
/// `api-key` and `authorization` headers (also written as JSON fields), `key=`, `api_key=`,
/// `access_token=`… query parameters, the password of a URL's user info, and tokens in the
/// well-known key formats (`sk-…`, `sk-ant-…`, `AIza…`).
public enum Redaction {
    /// What a secret is replaced with.
    public static let mask = "***"
    /// Shorter values are not registered: replacing them everywhere would garble messages,
    /// and no provider issues keys that short.
    public static let minimumSecretLength = 8

    private static let registered = Mutex<Set<String>>([])

    /// Remembers a key value for every later `redact` in this process.
    public static func register(_ secret: String) {
        guard secret.count >= minimumSecretLength else { return }
        registered.withLock { _ = $0.insert(secret) }
    }

    /// `text` without any credential; `secrets` are key values to remove besides the registered ones.
    public static func redact(_ text: String, secrets: [String] = []) -> String {
        var result = text
        let known = registered.withLock { $0 }.union(secrets.filter { $0.count >= 4 })
        // Longest first, so a key that contains another is removed whole.
        for secret in known.sorted(by: { $0.count > $1.count }) where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: mask)
        }
        for (pattern, template) in patterns {
            let range = NSRange(result.startIndex..., in: result)
            result = pattern.stringByReplacingMatches(in: result, range: range, withTemplate: template)
        }
        return result
    }

    /// A URL as it may be shown: the password of its user info and key-like query values masked
    /// (`https://user:secret@host/v1?key=abc` → `https://user:***@host/v1?key=***`).
    public static func redactURL(_ url: String) -> String { redact(url) }

    private static let patterns: [(NSRegularExpression, String)] = [
        // Authorization schemes: the token after the word (8 characters or more, so that
        // prose such as "a basic request" is left alone).
        (#"\b((?i:bearer)|Basic)(\s+)(?!\*\*\*)[A-Za-z0-9._~+/=\-]{8,}"#, "$1$2***"),
        // Key headers, as `name: value`, `name=value` or a JSON field `"name": "value"`.
        (#"(?i)\b(x-goog-api-key|x-api-key|api-key|apikey|authorization|proxy-authorization)("?\s*[:=]\s*"?)(?!\*\*\*)(?!(?:bearer|basic)\b)[^\s"',;&})\]<>]+"#, "$1$2***"),
        // Query parameters that carry keys or tokens.
        (#"(?i)([?&](?:key|api_key|api-key|apikey|access_token|token|auth|sig|signature|x-goog-api-key)=)(?!\*\*\*)[^&#\s"')\]<>]+"#, "$1***"),
        // The password in a URL's user info.
        (#"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]+):(?!\*\*\*@)[^@\s/]+@"#, "$1:***@"),
        // Well-known key formats: OpenAI and Anthropic (`sk-…`), Google (`AIza…`).
        (#"\bsk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}"#, "***"),
        (#"\bAIza[0-9A-Za-z_\-]{30,}"#, "***"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }
}
