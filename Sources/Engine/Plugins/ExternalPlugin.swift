import Foundation
import LLM
import WorkbenchCore

/// A plugin in another process: any executable speaking JSON lines over stdin/stdout
/// (README "Plugins"). It is started once, at its first call, and answers one call at a
/// time; after a timeout, a crash or an answer that is not one, it is killed and started
/// again (handshake and all) at its next call.
public final class ExternalPlugin: WorkbenchPlugin, @unchecked Sendable {
    public let spec: PluginSpec
    private let lock = AsyncMutex()
    /// The running process; touched only inside `lock`.
    private var running: PluginProcess?
    private var nextID = 0
    private let declared = LockedValue<PluginManifest?>(nil)

    public init(spec: PluginSpec) {
        self.spec = spec
    }

    /// The handshake's manifest, once the plugin has started.
    public var manifest: PluginManifest? { declared.withLock { $0 } }

    /// Starts the process (if it is not running) and returns its manifest.
    public func start() async throws(PluginProblem) -> PluginManifest {
        await lock.lock()
        defer { lock.unlock() }
        let process = try await ensureRunning()
        guard let manifest = process.manifest else { throw .startFailed("no handshake") }
        return manifest
    }

    public func handle(_ call: PluginCall) async throws(PluginProblem) -> PluginAnswer {
        await lock.lock()
        defer { lock.unlock() }
        let process = try await ensureRunning()
        nextID += 1
        let id = nextID
        let line: [String: Any] = ["type": "call", "id": id, "hook": call.hook.rawValue, "data": call.data]
        do {
            let answer = try await process.exchange(line, timeoutMS: spec.timeoutMS)
            return try Self.answer(answer, id: id, hook: call.hook)
        } catch {
            // The process may be mid-answer, hung or dead: only a plain error answer keeps it.
            if case .failed = error {} else { process.kill(); running = nil }
            throw error
        }
    }

    public func shutdown() async {
        await lock.lock()
        defer { lock.unlock() }
        await running?.stop()
        running = nil
    }

    /// A call's answer line: its result, or why it is none.
    static func answer(_ object: [String: Any], id: Int, hook: PluginHook) throws(PluginProblem) -> PluginAnswer {
        guard PluginAnswer.integer(object["id"]) == id else {
            throw .invalidAnswer("answered id \(object["id"].map { "\($0)" } ?? "none") to call \(id)")
        }
        switch object["type"] as? String {
        case "result":
            guard let result = object["result"] as? [String: Any] else { throw .invalidAnswer("`result` must be an object") }
            return try PluginAnswer.decode(result, hook: hook)
        case "error":
            throw .failed((object["message"] as? String).map { String($0.prefix(300)) } ?? "an error without a message")
        default:
            throw .invalidAnswer("`type` must be \"result\" or \"error\"")
        }
    }

    private func ensureRunning() async throws(PluginProblem) -> PluginProcess {
        if let running, running.isAlive { return running }
        running?.kill()
        running = nil
        let process = try PluginProcess.launch(spec)
        do {
            let hello = try await process.exchange(
                ["type": "hello", "protocol": 1, "plugin": spec.name, "config": spec.configObject],
                timeoutMS: max(spec.timeoutMS, PluginSpec.handshakeTimeoutMS))
            let manifest = try Self.manifest(hello, expecting: spec.name)
            process.manifest = manifest
            declared.withLock { $0 = manifest }
            running = process
            return process
        } catch {
            process.kill()
            if case .refused = error { throw error }
            throw .startFailed("handshake: \(error.detail)")
        }
    }

    /// The plugin's `hello` answer, checked: its name, a version, known hooks and
    /// capabilities, and every hook's capability declared.
    static func manifest(_ object: [String: Any], expecting name: String) throws(PluginProblem) -> PluginManifest {
        guard object["type"] as? String == "hello" else { throw .invalidAnswer("the first answer must be {\"type\": \"hello\", …}") }
        // An empty expected name (`plugins check PATH`) takes whatever valid name it gives.
        guard let declaredName = object["name"] as? String, declaredName == name || (name.isEmpty && PluginManifest.isValidName(declaredName)) else {
            throw .invalidAnswer("it calls itself \(object["name"].map { "\"\($0)\"" } ?? "nothing"), the experiment \"\(name)\"")
        }
        guard let version = object["version"] as? String, !version.isEmpty else { throw .invalidAnswer("`version` must be a non-empty string") }
        guard let hookNames = object["hooks"] as? [String], let capabilityNames = object["capabilities"] as? [String] else {
            throw .invalidAnswer("`hooks` and `capabilities` must be lists of names")
        }
        var hooks: Set<PluginHook> = []
        for hookName in hookNames {
            guard let hook = PluginHook(rawValue: hookName) else {
                throw .invalidAnswer("unknown hook `\(hookName)` (known: \(PluginHook.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            hooks.insert(hook)
        }
        var capabilities: Set<PluginCapability> = []
        for capabilityName in capabilityNames {
            guard let capability = PluginCapability(rawValue: capabilityName) else {
                throw .invalidAnswer("unknown capability `\(capabilityName)` (known: \(PluginCapability.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            capabilities.insert(capability)
        }
        let manifest = PluginManifest(name: declaredName, version: String(version.prefix(60)), hooks: hooks, capabilities: capabilities)
        if let problem = manifest.problem(serving: nil) { throw problem }
        return manifest
    }
}

/// One started plugin process and its pipes.
final class PluginProcess: @unchecked Sendable {
    let process: Process
    let input: FileHandle
    let output: LineReader
    let errors: LineReader
    var manifest: PluginManifest?

    /// The longest answer line a plugin may send (a chapter's text is far shorter).
    static let maximumLine = 16 << 20

    private init(process: Process, input: FileHandle, output: LineReader, errors: LineReader) {
        self.process = process
        self.input = input
        self.output = output
        self.errors = errors
    }

    /// Starts `spec.command` in the experiment's folder with a scrubbed environment (no API
    /// keys), killed with us through a parent-death signal where `setpriv` exists.
    static func launch(_ spec: PluginSpec) throws(PluginProblem) -> PluginProcess {
        guard let command = spec.command, let program = command.first else { throw .startFailed("no command") }
        // A write to a plugin that died must fail, not kill the workbench.
        signal(SIGPIPE, SIG_IGN)
        var argv = command
        if program.contains("/"), !program.hasPrefix("/") { argv[0] = spec.folder + "/" + program }
        let setpriv = "/usr/bin/setpriv"
        let wrapped = FileManager.default.isExecutableFile(atPath: setpriv) ? [setpriv, "--pdeathsig", "KILL", "--", "/usr/bin/env"] + argv : ["/usr/bin/env"] + argv
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrapped[0])
        process.arguments = Array(wrapped.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: spec.folder.isEmpty ? "." : spec.folder)
        process.environment = PluginSpec.environment(for: spec.name)
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try ProcessLauncher.shared.run(process)
        } catch {
            throw .startFailed("cannot start \(command.joined(separator: " ")): \(error)")
        }
        return PluginProcess(process: process, input: stdin.fileHandleForWriting,
                             output: LineReader(stdout.fileHandleForReading, maximumLine: maximumLine),
                             errors: LineReader(stderr.fileHandleForReading, maximumLine: 64 << 10, keepLast: 5))
    }

    var isAlive: Bool { process.isRunning && !output.ended }

    /// Writes one request line and reads one answer line within `timeoutMS`.
    func exchange(_ request: [String: Any], timeoutMS: Int) async throws(PluginProblem) -> [String: Any] {
        guard let body = try? JSONSerialization.data(withJSONObject: request, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            throw .invalidAnswer("the request could not be encoded")
        }
        let deadline = DispatchTime.now() + .milliseconds(timeoutMS)
        let input = self.input
        let wrote: Bool? = await OneShot.run(until: deadline) { shot in
            DispatchQueue.global().async {
                do {
                    try input.write(contentsOf: body + Data("\n".utf8))
                    shot.resume(true)
                } catch {
                    shot.resume(false)
                }
            }
        }
        switch wrote {
        case nil: throw .timeout(milliseconds: timeoutMS)
        case false?: throw .crashed(detail: "its input is closed\(exitDetail())")
        case true?: break
        }
        switch await output.next(until: deadline) {
        case .timedOut: throw .timeout(milliseconds: timeoutMS)
        case .ended: throw .crashed(detail: "it exited\(exitDetail())")
        case .overflow: throw .invalidAnswer("an answer line longer than \(Self.maximumLine >> 20) MB")
        case .line(let data):
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw .invalidAnswer("not a JSON object: \(String(decoding: data.prefix(80), as: UTF8.self))")
            }
            return object
        }
    }

    /// ", status 3; stderr: …" when the process has ended.
    private func exitDetail() -> String {
        for _ in 0..<50 where process.isRunning { usleep(2_000) }
        var detail = process.isRunning ? "" : ", status \(process.terminationStatus)"
        let last = errors.last
        if !last.isEmpty { detail += "; stderr: " + last.joined(separator: " | ").prefix(300) }
        return detail
    }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        try? input.close()
    }

    /// Says goodbye, closes its input and gives it a second to exit before killing it.
    func stop() async {
        if process.isRunning {
            let bye = Data("{\"type\":\"bye\"}\n".utf8)
            let input = self.input
            _ = await OneShot.run(until: .now() + .milliseconds(200)) { shot in
                DispatchQueue.global().async { try? input.write(contentsOf: bye); try? input.close(); shot.resume(true) }
            }
            for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        }
        kill()
    }
}

/// The lines a pipe delivers, read on a background thread.
final class LineReader: @unchecked Sendable {
    enum Next { case line(Data), ended, timedOut, overflow }

    private let lock = NSLock()
    private var buffer = Data()
    private var lines: [Data] = []
    private var finished = false
    private var overflowed = false
    private var waiter: OneShot<Next>?
    private let maximumLine: Int
    /// With `keepLast`, only the last lines are kept (stderr), for error messages.
    private let keepLast: Int?

    init(_ handle: FileHandle, maximumLine: Int, keepLast: Int? = nil) {
        self.maximumLine = maximumLine
        self.keepLast = keepLast
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                self.append(chunk)
            }
            self.end()
        }
        thread.start()
    }

    var ended: Bool { lock.withLock { finished && lines.isEmpty } }
    var last: [String] { lock.withLock { lines.map { String(decoding: $0, as: UTF8.self) } } }

    private func append(_ chunk: Data) {
        lock.lock()
        buffer.append(chunk)
        while let newline = buffer.firstIndex(of: 10) {
            lines.append(Data(buffer[buffer.startIndex..<newline]))
            buffer = Data(buffer[(newline + 1)...])
        }
        if buffer.count > maximumLine {
            overflowed = true
            buffer = Data()
        }
        if let keepLast, lines.count > keepLast { lines.removeFirst(lines.count - keepLast) }
        let delivery = deliverLocked()
        lock.unlock()
        delivery?()
    }

    private func end() {
        lock.lock()
        finished = true
        let delivery = deliverLocked()
        lock.unlock()
        delivery?()
    }

    /// Hands the waiter what it waits for, outside the lock.
    private func deliverLocked() -> (() -> Void)? {
        guard let waiter else { return nil }
        let next: Next
        if overflowed { next = .overflow; overflowed = false } else if !lines.isEmpty { next = .line(lines.removeFirst()) } else if finished { next = .ended } else { return nil }
        self.waiter = nil
        return { waiter.resume(next) }
    }

    /// The next line, or why there is none before `deadline`.
    func next(until deadline: DispatchTime) async -> Next {
        await OneShot.run(until: deadline, timedOut: .timedOut) { shot in
            lock.lock()
            waiter = shot
            let delivery = deliverLocked()
            lock.unlock()
            delivery?()
        }
    }
}

/// A continuation resumed exactly once: by its value or by its deadline.
final class OneShot<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, Never>?
    private var done = false

    func resume(_ value: Value) {
        lock.lock()
        guard !done, let continuation else { done = true; lock.unlock(); return }
        done = true
        self.continuation = nil
        lock.unlock()
        continuation.resume(returning: value)
    }

    private var timer: DispatchWorkItem?

    static func run(until deadline: DispatchTime, timedOut: Value, _ start: (OneShot<Value>) -> Void) async -> Value {
        let shot = OneShot<Value>()
        let value = await withCheckedContinuation { continuation in
            let timer = DispatchWorkItem { shot.resume(timedOut) }
            shot.lock.lock()
            shot.continuation = continuation
            shot.timer = timer
            shot.lock.unlock()
            // Started before the timer is armed: an answer that is already there wins even when
            // this task ran late (a busy machine) and the deadline has passed.
            start(shot)
            DispatchQueue.global().asyncAfter(deadline: deadline, execute: timer)
        }
        // Answered in time: the timer need not fire, nor hold the shot until the deadline.
        shot.lock.withLock { shot.timer }?.cancel()
        return value
    }

    static func run<T: Sendable>(until deadline: DispatchTime, _ start: (OneShot<T?>) -> Void) async -> T? where Value == T? {
        await run(until: deadline, timedOut: nil, start)
    }
}

/// A lock held across suspension points: one call at a time per plugin, in arrival order.
final class AsyncMutex: @unchecked Sendable {
    private let state = NSLock()
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.lock()
            if held {
                waiters.append(continuation)
                state.unlock()
            } else {
                held = true
                state.unlock()
                continuation.resume()
            }
        }
    }

    func unlock() {
        state.lock()
        if waiters.isEmpty {
            held = false
            state.unlock()
        } else {
            let next = waiters.removeFirst()
            state.unlock()
            next.resume()
        }
    }
}
