import Foundation
import Store
import WorkbenchCore

/// The server's bearer token. Only its SHA-256 is kept in the workspace
/// (`.workbench/server-token.sha256`, readable by its owner alone): the token itself is shown
/// once, when it is made (the first start, or `serve --rotate-token`).
public struct ServerToken: Sendable {
    public static let fileName = "server-token.sha256"
    /// The SHA-256 (hex) of the token.
    public let digest: String

    public init(digest: String) { self.digest = digest }

    /// The workspace's token; `created` holds the new token when there was none (or `rotate`).
    public static func load(workspace: Workspace, rotate: Bool) throws -> (token: ServerToken, created: String?) {
        let path = workspace.folder.appendingPathComponent(fileName).path
        if !rotate, let stored = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           stored.count == 64, stored.allSatisfy(\.isHexDigit) {
            return (ServerToken(digest: stored), nil)
        }
        let token = "wb_" + randomHex(bytes: 32)
        let digest = SHA256.hex(of: token)
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((digest + "\n").utf8), attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            throw ServerError.tokenUnwritable(path: path, reason: String(cString: strerror(errno)))
        }
        return (ServerToken(digest: digest), token)
    }

    /// Whether `presented` is the token, compared in constant time (its digest against the
    /// stored one, every byte, whatever differs first).
    public func accepts(_ presented: String) -> Bool {
        let given = Array(SHA256.hex(of: presented).utf8), stored = Array(digest.utf8)
        guard given.count == stored.count else { return false }
        var difference: UInt8 = 0
        for index in given.indices { difference |= given[index] ^ stored[index] }
        return difference == 0
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }
}
