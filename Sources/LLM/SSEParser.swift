/// Incremental parser for `text/event-stream` (the WHATWG server-sent events format):
/// feed it bytes as they arrive, in chunks of any size, and it returns the complete events.
public struct SSEParser: Sendable {
    public struct Event: Sendable, Equatable {
        public var event: String?
        public var data: String
        public init(event: String? = nil, data: String) {
            self.event = event
            self.data = data
        }
    }

    private var pending: [UInt8] = []
    private var eventName: String?
    private var dataLines: [String] = []
    private var sawBOM = false

    public init() {}

    /// Parses as much as the bytes allow; an incomplete last line waits for the next call.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [Event] where Bytes.Element == UInt8 {
        pending.append(contentsOf: bytes)
        var events: [Event] = []
        var lineStart = 0
        var index = 0
        while index < pending.count {
            let byte = pending[index]
            if byte == 0x0A || byte == 0x0D {
                let line = String(decoding: pending[lineStart..<index], as: UTF8.self)
                // CRLF counts as one line end; a lone CR at the very end waits to see if LF follows.
                if byte == 0x0D {
                    if index + 1 == pending.count { break }
                    if pending[index + 1] == 0x0A { index += 1 }
                }
                if let event = process(line) { events.append(event) }
                lineStart = index + 1
            }
            index += 1
        }
        pending.removeFirst(lineStart)
        return events
    }

    /// The event still open when the stream ends without a final blank line, if any.
    public mutating func finish() -> Event? {
        if !pending.isEmpty {
            let line = String(decoding: pending, as: UTF8.self)
            pending.removeAll()
            if let event = process(line) { return event }
        }
        return process("")
    }

    private mutating func process(_ rawLine: String) -> Event? {
        var line = Substring(rawLine)
        if !sawBOM {
            sawBOM = true
            if line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
        }
        if line.isEmpty {
            defer { eventName = nil; dataLines = [] }
            guard !dataLines.isEmpty else { return nil }
            return Event(event: eventName, data: dataLines.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }  // a comment, e.g. a keep-alive
        let field: Substring, value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            var rest = line[line.index(after: colon)...]
            if rest.hasPrefix(" ") { rest = rest.dropFirst() }
            value = rest
        } else {
            field = line
            value = ""
        }
        switch field {
        case "data": dataLines.append(String(value))
        case "event": eventName = String(value)
        default: break  // id and retry do not matter to completion streams
        }
        return nil
    }
}
