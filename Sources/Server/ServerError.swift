import Foundation
import WorkbenchCore

/// Why `workbench serve` cannot start, or why a command refuses a served workspace.
public enum ServerError: WorkbenchError, Equatable {
    case tokenUnwritable(path: String, reason: String)
    /// Another process serves the workspace (its note: pid, address).
    case workspaceServed(holder: String)
    case lockUnavailable(path: String, reason: String)
    case experimentNotFound(path: String)
    case cannotBind(host: String, port: Int, reason: String)

    public var message: String {
        switch self {
        case .tokenUnwritable(let path, let reason): "cannot write the server's token digest to \(path): \(reason)"
        case .workspaceServed(let holder): "the workspace is served by `workbench serve` (\(holder)): the server owns its writes while it runs"
        case .lockUnavailable(let path, let reason): "\(path): \(reason)"
        case .experimentNotFound(let path): "the default experiment \(path) does not exist"
        case .cannotBind(let host, let port, let reason): "cannot listen on \(host):\(port): \(reason)"
        }
    }

    public var fix: String? {
        switch self {
        case .tokenUnwritable, .lockUnavailable: "check that the workspace's .workbench folder is writable"
        case .workspaceServed: "send it through the server's API (GET /api/openapi.json lists the routes), or stop the server first"
        case .experimentNotFound: "give one with --experiment FILE, or run from the folder that holds Experiments/"
        case .cannotBind: "choose another --port (0 picks a free one), or stop whatever listens there"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .tokenUnwritable, .lockUnavailable: .cannotCreate
        case .workspaceServed, .cannotBind: .temporaryFailure
        case .experimentNotFound: .dataError
        }
    }
}

/// `.workbench/server.lock`: held (flock) by the serving process for its whole life, with a
/// note saying who serves and where. Commands that write check it and refuse a served workspace.
public final class ServedWorkspaceLock: Sendable {
    public static let fileName = "server.lock"
    private let descriptor: Int32

    /// Takes the lock, or throws `workspaceServed` naming the holder.
    public init(folder: URL) throws {
        let path = folder.appendingPathComponent(Self.fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ServerError.lockUnavailable(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ServerError.workspaceServed(holder: Self.holder(path: path))
        }
        descriptor = fd
        note("pid \(getpid()), starting")
    }

    /// Replaces the note (once the address is known).
    public func note(_ text: String) {
        _ = ftruncate(descriptor, 0)
        let line = text + "\n"
        _ = line.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    deinit {
        _ = ftruncate(descriptor, 0)
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Throws `workspaceServed` when a live server holds `folder`'s lock; for commands that write.
    public static func refuseIfServed(folder: URL) throws {
        let path = folder.appendingPathComponent(fileName).path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }  // never served
        defer { close(fd) }
        // A shared lock is refused only while a server holds the exclusive one.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return
        }
        throw ServerError.workspaceServed(holder: holder(path: path))
    }

    static func holder(path: String) -> String {
        let note = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return note.isEmpty ? "another process" : note
    }
}
