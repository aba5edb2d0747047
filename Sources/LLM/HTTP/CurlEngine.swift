import CCurl
import Foundation
import Synchronization
import WorkbenchCore

/// An asynchronous HTTP client on libcurl's multi interface: one thread drives every
/// transfer with `curl_multi_poll`, so hundreds of requests can be in flight without a
/// thread each. Connections are kept and reused (HTTP/1.1 keep-alive, HTTP/2 multiplexing
/// over TLS where the server offers it). Proxies come from the usual environment variables
/// (`http_proxy`, `https_proxy`, `no_proxy`), which libcurl reads itself.
///
/// An engine lives as long as the process (its loop thread holds it): use `shared`, or a few
/// long-lived ones.
public final class CurlEngine: Sendable {
    /// The process-wide engine: one connection cache for every provider.
    public static let shared = CurlEngine()

    private let state: Mutex<State>
    private let multi: MultiHandle

    /// The multi handle and the epoll loop state. Other threads only ever call
    /// `wb_curl_loop_wake` (a write to an eventfd); everything else happens on the loop thread.
    private struct MultiHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
        let loop: UnsafeMutablePointer<wb_curl_loop>
    }

    private struct State: ~Copyable {
        var commands: [Command] = []
        var nextID: UInt64 = 1
        var inFlight = 0
        /// A wake-up is written and the loop has not taken the commands yet: later commands
        /// ride on it instead of writing the eventfd again.
        var wakePending = false
    }

    /// Transfers libcurl is working on right now (after the loop's last pass).
    public var inFlight: Int { state.withLock { $0.inFlight } }

    private enum Command {
        case add(Transfer)
        case cancel(UInt64)
    }

    public init(maxConnections: Int = 1024) {
        _ = Self.globalInit
        guard let pointer = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        let loop = UnsafeMutablePointer<wb_curl_loop>.allocate(capacity: 1)
        loop.initialize(to: wb_curl_loop())
        guard wb_curl_loop_open(loop, pointer) == 0 else { fatalError("cannot create epoll/eventfd descriptors: \(errno)") }
        multi = MultiHandle(pointer: pointer, loop: loop)
        _ = wb_curl_multi_setopt_long(pointer, CURLMOPT_MAXCONNECTS, maxConnections)
        _ = wb_curl_multi_setopt_long(pointer, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        state = Mutex(State())
        let thread = Thread { [self] in runLoop() }
        thread.name = "curl-engine"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// curl_global_init is not thread-safe: run it once, before any engine exists.
    private static let globalInit: Void = { _ = wb_curl_global_init_default() }()

    // MARK: Public API

    /// Sends a request and returns the whole response. Cancelling the task aborts the transfer.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let id = nextID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                do {
                    let transfer = try Transfer(id: id, request: request, mode: .buffered(continuation))
                    submit(.add(transfer))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            self.submit(.cancel(id))
        }
    }

    /// Sends a request and streams the response: `.head` once, then `.bytes` as they
    /// arrive. Ending the iteration early (or cancelling its task) aborts the transfer.
    public func stream(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPStreamEvent, any Error> {
        let id = nextID()
        return AsyncThrowingStream { continuation in
            do {
                let transfer = try Transfer(id: id, request: request, mode: .streaming(continuation))
                continuation.onTermination = { [weak self] reason in
                    if case .cancelled = reason { self?.submit(.cancel(id)) }
                }
                submit(.add(transfer))
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    private func nextID() -> UInt64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    private func submit(_ command: Command) {
        let wake = state.withLock { state -> Bool in
            state.commands.append(command)
            defer { state.wakePending = true }
            return !state.wakePending
        }
        if wake { wb_curl_loop_wake(multi.loop) }
    }

    private func takeCommands() -> [Command] {
        state.withLock { state in
            state.wakePending = false
            defer { state.commands.removeAll(keepingCapacity: true) }
            return state.commands
        }
    }

    // MARK: The loop thread

    private func runLoop() {
        let multi = multi.pointer
        let loop = self.multi.loop
        var active: [UInt64: Transfer] = [:]
        var byHandle: [UnsafeMutableRawPointer: Transfer] = [:]
        var deadline: ContinuousClock.Instant?

        /// Turns libcurl's latest relative timer into an absolute deadline.
        func updateDeadline() {
            guard loop.pointee.timer_updated != 0 else { return }
            loop.pointee.timer_updated = 0
            let milliseconds = loop.pointee.timeout_ms
            deadline = milliseconds < 0 ? nil : ContinuousClock.now + .milliseconds(milliseconds)
        }

        while true {
            for command in takeCommands() {
                switch command {
                case .add(let transfer):
                    active[transfer.id] = transfer
                    byHandle[transfer.easy] = transfer
                    if curl_multi_add_handle(multi, transfer.easy) != CURLM_OK {
                        active[transfer.id] = nil
                        byHandle[transfer.easy] = nil
                        transfer.finish(code: CURLE_FAILED_INIT, multi: nil)
                    }
                case .cancel(let id):
                    if let transfer = active.removeValue(forKey: id) {
                        byHandle[transfer.easy] = nil
                        transfer.cancel(multi: multi)
                    }
                }
            }
            updateDeadline()
            if let due = deadline, ContinuousClock.now >= due {
                deadline = nil
                wb_curl_loop_timeout(multi)
                updateDeadline()
            }
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                      let transfer = byHandle.removeValue(forKey: easy)
                else { continue }
                active[transfer.id] = nil
                transfer.finish(code: message.pointee.data.result, multi: multi)
            }
            let count = active.count
            state.withLock { $0.inFlight = count }
            // Sleeps until a socket is ready, the timer is due, or `submit` wakes it.
            var wait = 1000
            if let due = deadline {
                let left = (due - ContinuousClock.now).milliseconds
                wait = max(0, min(1000, Int(left.rounded(.up))))
            }
            _ = wb_curl_loop_wait(loop, multi, Int32(wait))
            updateDeadline()
        }
    }
}

/// One request in flight. Touched only by the loop thread (and its libcurl callbacks)
/// after it is submitted.
private final class Transfer: @unchecked Sendable {
    enum Mode {
        case buffered(CheckedContinuation<HTTPResponse, any Error>)
        case streaming(AsyncThrowingStream<HTTPStreamEvent, any Error>.Continuation)
    }

    let id: UInt64
    let easy: UnsafeMutableRawPointer
    let mode: Mode
    let idleTimeout: Duration?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var body = Data()
    private var status = 0
    private var headers: [String: String] = [:]
    private var headSent = false
    private var finished = false

    init(id: UInt64, request: HTTPRequest, mode: Mode) throws {
        guard let easy = curl_easy_init() else { throw HTTPTransportError.invalidRequest(detail: "curl_easy_init failed") }
        self.id = id
        self.easy = easy
        self.mode = mode
        self.idleTimeout = request.idleTimeout
        errorBuffer.initialize(to: 0)

        var ok = wb_curl_easy_setopt_string(easy, CURLOPT_URL, request.url) == CURLE_OK
        // HEAD through NOBODY: a custom "HEAD" would wait for the body its Content-Length announces.
        ok = ok && (request.method == "HEAD" ? wb_curl_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
                                             : wb_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method)) == CURLE_OK
        guard ok else {
            curl_easy_cleanup(easy)
            throw HTTPTransportError.invalidRequest(detail: "bad URL or method: \(request.method) \(request.url)")
        }
        _ = wb_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = wb_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = wb_curl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        _ = wb_curl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")  // every encoding libcurl can decode
        _ = wb_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout))
        if let total = request.totalTimeout {
            _ = wb_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Self.milliseconds(total))
        }
        if let idle = request.idleTimeout {
            // Below 1 byte/s for `idle` seconds aborts: a stalled stream.
            _ = wb_curl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
            _ = wb_curl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, Int(idle.components.seconds)))
        }
        if let body = request.body {
            _ = wb_curl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            body.withUnsafeBytes { bytes in
                _ = wb_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        }
        if let signing = request.awsSigV4 {
            _ = wb_curl_easy_setopt_string(easy, CURLOPT_AWS_SIGV4, signing.provider)
            _ = wb_curl_easy_setopt_string(easy, CURLOPT_USERNAME, signing.accessKeyID)
            _ = wb_curl_easy_setopt_string(easy, CURLOPT_PASSWORD, signing.secretAccessKey)
        }
        // "Expect:" with no value stops libcurl's 100-continue wait on larger bodies; not on a
        // signed request, where libcurl 7.88 would sign the removal as an empty header.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + (request.awsSigV4 == nil ? ["Expect:"] : []) {
            headerList = curl_slist_append(headerList, line)
        }
        _ = wb_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = wb_curl_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION, writeCallback)
        _ = wb_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        _ = wb_curl_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION, headerCallback)
        _ = wb_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
    }

    deinit {
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    static func milliseconds(_ duration: Duration) -> Int { max(1, Int(duration.milliseconds.rounded(.up))) }

    func receive(_ bytes: UnsafeRawBufferPointer) {
        switch mode {
        case .buffered:
            body.append(contentsOf: bytes)
        case .streaming(let continuation):
            sendHeadIfNeeded(continuation)
            continuation.yield(.bytes(Data(bytes)))
        }
    }

    /// One header line as libcurl hands it over, parsed on bytes: this runs for every
    /// header of every response, so it avoids String searching and Foundation trimming.
    func receiveHeader(_ line: UnsafeRawBufferPointer) {
        func trimmed(_ range: Range<Int>) -> Range<Int> {
            var lower = range.lowerBound, upper = range.upperBound
            while lower < upper, line[lower] == 0x20 || line[lower] == 0x09 { lower += 1 }
            while upper > lower, [0x20, 0x09, 0x0D, 0x0A].contains(line[upper - 1]) { upper -= 1 }
            return lower..<upper
        }
        if line.count >= 5, line[0] == UInt8(ascii: "H"), line[1] == UInt8(ascii: "T"), line[2] == UInt8(ascii: "T"), line[3] == UInt8(ascii: "P"), line[4] == UInt8(ascii: "/") {
            // A new status line (after a 100 Continue, say) starts a new header block.
            var index = 5
            while index < line.count, line[index] != 0x20 { index += 1 }
            var code = 0
            index += 1
            while index < line.count, (0x30...0x39).contains(line[index]) {
                code = code * 10 + Int(line[index] - 0x30)
                index += 1
            }
            status = code
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: line[trimmed(0..<colon)].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
        headers[name] = String(decoding: UnsafeRawBufferPointer(rebasing: line[trimmed(colon + 1..<line.count)]), as: UTF8.self)
    }

    private func sendHeadIfNeeded(_ continuation: AsyncThrowingStream<HTTPStreamEvent, any Error>.Continuation) {
        if headSent { return }
        headSent = true
        continuation.yield(.head(HTTPResponseHead(status: status, headers: headers)))
    }

    /// Called once, on the loop thread, when libcurl is done with the transfer.
    func finish(code: CURLcode, multi: UnsafeMutableRawPointer?) {
        guard !finished else { return }
        finished = true
        var responseCode = 0
        _ = wb_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &responseCode)
        if responseCode != 0 { status = responseCode }
        var firstByte: curl_off_t = 0, total: curl_off_t = 0, connect: curl_off_t = 0
        _ = wb_curl_easy_getinfo_off(easy, CURLINFO_STARTTRANSFER_TIME_T, &firstByte)
        _ = wb_curl_easy_getinfo_off(easy, CURLINFO_TOTAL_TIME_T, &total)
        _ = wb_curl_easy_getinfo_off(easy, CURLINFO_CONNECT_TIME_T, &connect)
        let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        release(multi: multi)

        let error: HTTPTransportError?
        switch code {
        case CURLE_OK: error = nil
        case CURLE_OPERATION_TIMEDOUT:
            let phase: HTTPTransportError.TimeoutPhase = connect == 0 ? .connect : (detail.contains("less than") ? .idle : .total)
            error = .timeout(phase: phase, detail: detail)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR:
            error = .connect(detail: detail)
        default: error = .transfer(code: Int32(code.rawValue), detail: detail)
        }
        switch mode {
        case .buffered(let continuation):
            if let error {
                continuation.resume(throwing: error)
            } else {
                continuation.resume(returning: HTTPResponse(
                    head: HTTPResponseHead(status: status, headers: headers), body: body,
                    timeToFirstByte: .microseconds(firstByte), totalTime: .microseconds(total)))
            }
        case .streaming(let continuation):
            if let error {
                continuation.finish(throwing: error)
            } else {
                sendHeadIfNeeded(continuation)
                continuation.finish()
            }
        }
    }

    func cancel(multi: UnsafeMutableRawPointer) {
        guard !finished else { return }
        finished = true
        release(multi: multi)
        switch mode {
        case .buffered(let continuation): continuation.resume(throwing: HTTPTransportError.cancelled)
        case .streaming(let continuation): continuation.finish(throwing: HTTPTransportError.cancelled)
        }
    }

    private func release(multi: UnsafeMutableRawPointer?) {
        if let multi { curl_multi_remove_handle(multi, easy) }
        curl_easy_cleanup(easy)
    }
}

private let writeCallback: wb_curl_data_callback = { pointer, size, count, context in
    guard let context else { return 0 }
    let length = size * count
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    transfer.receive(UnsafeRawBufferPointer(start: pointer, count: length))
    return length
}

private let headerCallback: wb_curl_data_callback = { pointer, size, count, context in
    guard let context, let pointer else { return 0 }
    let length = size * count
    Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue().receiveHeader(UnsafeRawBufferPointer(start: pointer, count: length))
    return length
}
