import Foundation
import Synchronization
import WorkbenchCore

/// Starts and stops llama.cpp's `llama-server` with the bundled small model, on a free
/// loopback port. A server started by `workbench local start` is shared through a state
/// file in the cache folder; otherwise the first call starts one that lives as long as
/// this process (it is killed with it, through the kernel's parent-death signal).
public actor LocalLLMServer {
    public struct Settings: Sendable, Equatable {
        public var serverPath: String
        public var modelPath: String
        /// Parallel slots: concurrent requests batch (two gave ~145 tokens/s in total here, one ~113).
        public var slots = 2
        public var contextSize = 4096
        /// CPU threads for generation: the cores not needed by the rest of the run.
        public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
        public var stateFile: String
        /// util-linux's `setpriv`, which starts our own server with a parent-death signal;
        /// `$WORKBENCH_SETPRIV` names another (empty: none), and without one the workbench's
        /// own `ParentDeath` helper does it.
        public var setprivPath: String
        /// The command that starts a program with a parent-death signal when `setpriv` is
        /// missing (`ParentDeath.helper`: the workbench binary, when it is the one running).
        public var parentDeathHelper: [String]?

        public init(paths: CachePaths, environment: [String: String] = [:]) {
            serverPath = paths.llamaServer
            modelPath = paths.localModel
            stateFile = paths.root + "/local-server.json"
            setprivPath = environment["WORKBENCH_SETPRIV"] ?? "/usr/bin/setpriv"
            parentDeathHelper = ParentDeath.helper
        }
    }

    /// How a server is stopped: what `stopShared` found and did.
    public enum SharedStop: Sendable, Equatable {
        /// The shared server, killed.
        case stopped(pid: Int32)
        /// No state file, or its process is gone; a state file is removed.
        case notRunning
        /// The state file names a live process that is not our llama-server (its pid was
        /// reused): it is left alone and the stale state file removed.
        case stale(pid: Int32)
    }

    /// What `local start` leaves behind for other processes.
    public struct State: Codable, Sendable, Equatable {
        public var pid: Int32
        public var port: Int
        public var model: String
        public var startedAt: Double
        public var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    }

    public nonisolated let settings: Settings
    private let engine: CurlEngine
    private var owned: (process: Process, url: String)?
    /// A start in progress: concurrent callers wait for it instead of starting a second server.
    private var starting: Task<String, any Error>?

    public init(settings: Settings, engine: CurlEngine = .shared) {
        self.settings = settings
        self.engine = engine
    }

    /// The base URL of a healthy server: the shared one if it runs, else one of our own.
    public func baseURL() async throws -> String {
        if let owned, owned.process.isRunning { return owned.url }
        if let starting { return try await starting.value }
        let task = Task { () async throws -> String in
            if let shared = try? readState(), isAlive(shared.pid), await healthy(shared.port) { return shared.baseURL }
            let (process, port) = try await launch(detached: false)
            let url = "http://127.0.0.1:\(port)/v1"
            owned = (process, url)
            return url
        }
        starting = task
        defer { starting = nil }
        return try await task.value
    }

    /// Starts a server that outlives this process and records it in the state file.
    public func startShared() async throws -> State {
        if let shared = try? readState(), isAlive(shared.pid), await healthy(shared.port) { return shared }
        let (process, port) = try await launch(detached: true)
        let state = State(pid: process.processIdentifier, port: port, model: settings.modelPath, startedAt: Date().timeIntervalSince1970)
        let data = try JSONEncoder().encode(state)
        try FileManager.default.createDirectory(atPath: (settings.stateFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: settings.stateFile), options: .atomic)
        return state
    }

    /// Stops the shared server, if one runs, and removes the state file. A state file outlives
    /// a crash or a reboot, and its pid may since belong to another process: that one is
    /// killed only if it is our llama-server on the recorded port (`isServer`).
    @discardableResult
    public func stopShared() -> SharedStop {
        defer { try? FileManager.default.removeItem(atPath: settings.stateFile) }
        guard let state = try? readState(), isAlive(state.pid) else { return .notRunning }
        guard Self.isServer(pid: state.pid, port: state.port, serverPath: settings.serverPath) else { return .stale(pid: state.pid) }
        kill(state.pid, SIGKILL)
        return .stopped(pid: state.pid)
    }

    /// Whether process `pid` is a llama-server we started on `port`: its command line
    /// (`/proc/PID/cmdline`) has `--port PORT`, and holds `serverPath` (as the program, or
    /// as the script an interpreter runs) or `/proc/PID/exe` is it. Without /proc, no.
    static func isServer(pid: Int32, port: Int, serverPath: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard let portFlag = arguments.firstIndex(of: "--port"), portFlag + 1 < arguments.count, arguments[portFlag + 1] == String(port) else { return false }
        let expected = URL(fileURLWithPath: serverPath).resolvingSymlinksInPath().path
        let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
        return executable == expected || arguments[..<portFlag].contains { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path == expected }
    }

    /// The shared server's state when it is alive and answers its health check.
    public func sharedStatus() async -> State? {
        guard let state = try? readState(), isAlive(state.pid), await healthy(state.port) else { return nil }
        return state
    }

    /// Stops the server this process started, if any.
    public func stopOwned() {
        if let owned {
            if owned.process.isRunning { kill(owned.process.processIdentifier, SIGKILL) }
            Self.ownedServers.withLock { _ = $0.remove(owned.process.processIdentifier) }
        }
        owned = nil
    }

    /// Every server this process started for itself and has not stopped, by pid: what
    /// `killOwnedServers` kills when a signal ends the process.
    private static let ownedServers = Mutex<Set<Int32>>([])

    /// Kills every server this process owns, at once and without waiting: for a SIGINT or
    /// SIGTERM handler about to exit (the actors may be busy; this needs none of them).
    public static func killOwnedServers() {
        for pid in ownedServers.withLock({ servers in defer { servers.removeAll() }; return servers }) { kill(pid, SIGKILL) }
    }

    // MARK: Launching

    private func launch(detached: Bool) async throws -> (Process, Int) {
        let fileManager = FileManager.default
        guard fileManager.isExecutableFile(atPath: settings.serverPath) else {
            throw LLMError.localUnavailable(detail: "llama-server not found at \(settings.serverPath)")
        }
        guard fileManager.fileExists(atPath: settings.modelPath) else {
            throw LLMError.localUnavailable(detail: "model not found at \(settings.modelPath)")
        }
        let port = try Self.freePort()
        let arguments = [
            "-m", settings.modelPath, "--host", "127.0.0.1", "--port", String(port),
            "-t", String(settings.threads), "-np", String(settings.slots), "-c", String(settings.contextSize * settings.slots),
        ]
        let process = Process()
        // A parent-death signal kills our own server if this process dies first (setpriv's,
        // else our own helper's); a shared server must outlive us and goes without it.
        var command = [settings.serverPath] + arguments
        if !detached {
            if !settings.setprivPath.isEmpty, fileManager.isExecutableFile(atPath: settings.setprivPath) {
                command = [settings.setprivPath, "--pdeathsig", "KILL", "--"] + command
            } else if let helper = settings.parentDeathHelper, let program = helper.first, fileManager.isExecutableFile(atPath: program) {
                command = ParentDeath.wrapping(command, helper: helper)
            }
        }
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let folder = (settings.stateFile as NSString).deletingLastPathComponent
        let logPath = folder + "/local-server-\(port).log"
        try? fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard fileManager.createFile(atPath: logPath, contents: nil) else {
            throw LLMError.localUnavailable(detail: "cannot write the server log \(logPath)")
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            // From a thread that lives as long as the process: the parent-death signal fires
            // when the *thread* that started the child exits, and pool threads come and go.
            try ProcessLauncher.shared.run(process)
        } catch {
            throw LLMError.localUnavailable(detail: "cannot start \(settings.serverPath): \(error)")
        }
        let pid = process.processIdentifier
        if !detached { Self.ownedServers.withLock { _ = $0.insert(pid) } }
        // Loading the 94 MB model takes a second or two; give it up to 60 s.
        do {
            for _ in 0..<240 {
                if !process.isRunning { break }
                if await healthy(port) { return (process, port) }
                try await Task.sleep(for: .milliseconds(250))
            }
        } catch {
            // Cancelled while it loads: it is nobody's server.
            kill(pid, SIGKILL)
            Self.ownedServers.withLock { _ = $0.remove(pid) }
            throw error
        }
        if process.isRunning { kill(pid, SIGKILL) }
        Self.ownedServers.withLock { _ = $0.remove(pid) }
        let tail = (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n").suffix(5).joined(separator: " | ") ?? ""
        throw LLMError.localUnavailable(detail: "llama-server did not become healthy on port \(port): \(tail)")
    }

    private func healthy(_ port: Int) async -> Bool {
        let request = HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/health", connectTimeout: .seconds(1), totalTimeout: .seconds(2))
        return (try? await engine.send(request).status) == 200
    }

    private func readState() throws -> State {
        try JSONDecoder().decode(State.self, from: Data(contentsOf: URL(fileURLWithPath: settings.stateFile)))
    }

    private nonisolated func isAlive(_ pid: Int32) -> Bool { pid > 0 && kill(pid, 0) == 0 }

    /// A port the kernel just handed out on 127.0.0.1 (and that we released again).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LLMError.localUnavailable(detail: "no socket for a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        guard bound == 0 else { throw LLMError.localUnavailable(detail: "cannot bind a free port on 127.0.0.1") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Starts child processes from one thread that never exits, so a child's parent-death
/// signal (`setpriv --pdeathsig`) means "this process died", not "a worker thread retired".
public final class ProcessLauncher: @unchecked Sendable {
    public static let shared = ProcessLauncher()
    private let lock = NSCondition()
    private var pending: [(Process, (any Error)?) -> Void] = []
    private var queue: [Process] = []

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "process-launcher"
        thread.start()
    }

    public func run(_ process: Process) throws {
        let done = DispatchSemaphore(value: 0)
        var failure: (any Error)?
        lock.lock()
        queue.append(process)
        pending.append { _, error in
            failure = error
            done.signal()
        }
        lock.signal()
        lock.unlock()
        done.wait()
        if let failure { throw failure }
    }

    private func loop() {
        while true {
            lock.lock()
            while queue.isEmpty { lock.wait() }
            let process = queue.removeFirst()
            let reply = pending.removeFirst()
            lock.unlock()
            do {
                try process.run()
                reply(process, nil)
            } catch {
                reply(process, error)
            }
        }
    }
}
