import WorkbenchCore

/// Turns raw bytes into prose to analyse, refusing what is not prose.
public enum TextInput {
    public enum Failure: WorkbenchError, Equatable {
        case empty(source: String)
        case binary(source: String)
        case notUTF8(source: String, offset: Int)

        public var message: String {
            switch self {
            case .empty(let source): return "\(source) is empty: there is no text to analyse"
            case .binary(let source): return "\(source) is binary data, not text"
            case .notUTF8(let source, let offset): return "\(source) is not UTF-8 (invalid byte at offset \(offset))"
            }
        }

        public var fix: String? {
            switch self {
            case .empty: return "pass a file with prose in it"
            case .binary: return "pass a plain-text chapter (.txt or .md)"
            case .notUTF8: return "convert it first, e.g. `iconv -f latin1 -t utf-8 FILE > FILE.txt`"
            }
        }

        public var exitStatus: ExitStatus { .dataError }
    }

    public static func decode(_ bytes: [UInt8], source: String) throws -> String {
        // NUL bytes or a high share of control characters mean binary data.
        // (Over the buffer rather than an ArraySlice: with hundreds of chapters to `analyze`
        // this loop showed in the profile.)
        let (controls, hasNUL) = bytes.withUnsafeBufferPointer { buffer -> (Int, Bool) in
            var controls = 0, hasNUL = false
            for byte in buffer.prefix(65536) where byte < 0x20 {
                hasNUL = hasNUL || byte == 0
                // Tab, line feed, form feed and carriage return (bits 9, 10, 12, 13) are prose.
                controls += (0x3600 >> UInt32(byte)) & 1 == 0 ? 1 : 0
            }
            return (controls, hasNUL)
        }
        if hasNUL || controls * 20 > min(bytes.count, 65536) { throw Failure.binary(source: source) }
        guard var text = String(validating: bytes, as: UTF8.self) else {
            // Only on failure: find where, for the message.
            var iterator = bytes.makeIterator()
            var decoder = UTF8()
            var offset = 0
            while case .scalarValue(let scalar) = decoder.decode(&iterator) { offset += UTF8.width(scalar) }
            throw Failure.notUTF8(source: source, offset: offset)
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        guard text.contains(where: { $0.isLetter }) else { throw Failure.empty(source: source) }
        return text
    }
}
