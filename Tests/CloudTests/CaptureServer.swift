import Foundation

/// A loopback HTTP/1.1 server that keeps each request's header lines (what libcurl actually
/// sent, signature included) and answers with the scripted answers in turn, then `200` with an
/// empty body.
final class CaptureServer: @unchecked Sendable {
    let port: Int
    private var listener: Int32 = -1
    private let lock = NSLock()
    private var heads: [[String]] = []
    private var script: [(status: Int, body: String)] = []

    /// Answers the next requests with these, in order.
    func answer(_ answers: [(status: Int, body: String)]) -> CaptureServer {
        lock.withLock { script = answers }
        return self
    }

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard ok else { throw CocoaError(.fileWriteUnknown) }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts answering (on a thread of its own: the loop blocks in accept).
    func start() -> CaptureServer {
        Thread { [self] in serve() }.start()
        return self
    }

    /// The header lines of every request so far (the request line first).
    var requests: [[String]] { lock.withLock { heads } }

    /// Wakes the accept loop, which then closes the socket itself: closed here, its number
    /// could be reused by another test's server while the loop still accepts on it.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                close(listener)
                return
            }
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            // Read the head, then as much body as Content-Length says.
            while true {
                let count = read(connection, &buffer, buffer.count)
                if count <= 0 { break }
                data.append(contentsOf: buffer[0..<count])
                guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { continue }
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if data.count - end.upperBound >= length {
                    lock.withLock { heads.append(head.components(separatedBy: "\r\n")) }
                    break
                }
            }
            let next = lock.withLock { script.isEmpty ? (status: 200, body: "") : script.removeFirst() }
            let answer = "HTTP/1.1 \(next.status) Scripted\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: \(next.body.utf8.count)\r\nConnection: close\r\n\r\n\(next.body)"
            _ = answer.withCString { write(connection, $0, strlen($0)) }
            close(connection)
        }
    }
}
