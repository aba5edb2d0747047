import Foundation

/// JSON written straight into a byte buffer, in exactly the layout `JSONOutput.render` gets
/// from `JSONSerialization` (pretty-printed, two-space indent, `" : "` after keys, `/` not
/// escaped, numbers as Swift prints them with a trailing `.0` dropped), without building a
/// `[String: Any]` tree, bridging it to `NSDictionary` and casting every value back: for
/// `analyze --json` that rendering cost three times the analysis.
///
/// Keys are written in the order the caller writes them: callers that must match
/// `JSONOutput`'s sorted keys write them sorted (`PrettyJSONWriter.keyOrder`). A non-finite
/// number is refused as `JSONOutput` refuses it: `JSONOutput.Failure.notFinite`, naming the
/// field by its path (`[2].metrics.voice.value`).
public struct PrettyJSONWriter {
    public private(set) var bytes: [UInt8] = []

    /// One open object or array: how many members it has so far and, for an object, the key
    /// of the member being written (only read to name a field in an error).
    private struct Level {
        var isObject: Bool
        var count = 0
        var key = ""
    }
    private var levels: [Level] = []

    public init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
        levels.reserveCapacity(8)
    }

    // MARK: containers

    public mutating func beginObject() {
        beforeValue()
        bytes.append(UInt8(ascii: "{"))
        open(isObject: true)
    }

    public mutating func endObject() { close(UInt8(ascii: "}")) }

    public mutating func beginArray() {
        beforeValue()
        bytes.append(UInt8(ascii: "["))
        open(isObject: false)
    }

    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// The next member's key; its value follows with one of the value methods.
    public mutating func key(_ name: String) {
        let last = levels.count - 1
        precondition(last >= 0 && levels[last].isObject, "a key outside an object")
        separate(first: levels[last].count == 0)
        levels[last].count += 1
        levels[last].key = name
        writeString(name)
        bytes.append(UInt8(ascii: " "))
        bytes.append(UInt8(ascii: ":"))
        bytes.append(UInt8(ascii: " "))
    }

    // MARK: values

    public mutating func string(_ text: String) {
        beforeValue()
        writeString(text)
    }

    public mutating func null() {
        beforeValue()
        append("null")
    }

    public mutating func bool(_ flag: Bool) {
        beforeValue()
        append(flag ? "true" : "false")
    }

    public mutating func integer(_ number: Int) {
        beforeValue()
        writeInteger(number)
    }

    /// A finite number as `JSONSerialization` writes it; NaN and the infinities throw
    /// `JSONOutput.Failure.notFinite` naming the field, and nothing is written.
    public mutating func number(_ number: Double) throws {
        guard number.isFinite else { throw JSONOutput.Failure.notFinite(field: currentField, value: number) }
        beforeValue()
        if number == number.rounded(.towardZero), abs(number) < 1e15 {
            // Whole numbers print without a fraction (`8.0` → `8`, `-0.0` → `-0`).
            if number == 0, number.sign == .minus { append("-0") } else { writeInteger(Int(number)) }
            return
        }
        var text = number.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        append(text)
    }

    public mutating func number(_ number: Double?) throws {
        if let number { try self.number(number) } else { null() }
    }

    public mutating func integer(_ number: Int?) {
        if let number { integer(number) } else { null() }
    }

    /// The text so far, with the newline `JSONOutput.render` ends its output with.
    public func finished() -> String {
        String(decoding: finishedBytes(), as: UTF8.self)
    }

    /// `finished()` as UTF-8, for output written as bytes.
    public func finishedBytes() -> [UInt8] {
        precondition(levels.isEmpty, "unclosed JSON containers")
        var copy = bytes
        copy.append(0x0A)
        return copy
    }

    /// The order `JSONSerialization`'s `.sortedKeys` gives keys of ASCII letters, digits
    /// and underscores without digit runs (every key the workbench writes): ASCII
    /// case-insensitive, then by bytes.
    public static func keyOrder(_ a: String, _ b: String) -> Bool {
        var left = a.utf8.makeIterator(), right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return a.utf8.lexicographicallyPrecedes(b.utf8)
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?):
                let lx = x >= 0x41 && x <= 0x5A ? x | 0x20 : x, ly = y >= 0x41 && y <= 0x5A ? y | 0x20 : y
                if lx != ly { return lx < ly }
            }
        }
    }

    // MARK: layout

    private var currentField: String {
        // Called before the value is counted: an array's element being written is its
        // `count`th when the array is innermost, else the one already counted.
        var path = ""
        for (depth, level) in levels.enumerated() {
            if level.isObject {
                path += path.isEmpty ? level.key : "." + level.key
            } else {
                path += "[\(depth == levels.count - 1 ? level.count : level.count - 1)]"
            }
        }
        return path.isEmpty ? "(top level)" : path
    }

    private mutating func open(isObject: Bool) {
        bytes.append(0x0A)
        levels.append(Level(isObject: isObject))
    }

    private mutating func close(_ bracket: UInt8) {
        levels.removeLast()
        bytes.append(0x0A)
        indent()
        bytes.append(bracket)
    }

    /// Inside an array a value starts a member: separator and indent. Inside an object the
    /// key already did that.
    private mutating func beforeValue() {
        let last = levels.count - 1
        guard last >= 0, !levels[last].isObject else { return }
        separate(first: levels[last].count == 0)
        levels[last].count += 1
    }

    private mutating func separate(first: Bool) {
        if !first {
            bytes.append(UInt8(ascii: ","))
            bytes.append(0x0A)
        }
        indent()
    }

    private mutating func indent() {
        for _ in 0..<(2 * levels.count) { bytes.append(0x20) }
    }

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func writeInteger(_ number: Int) {
        if number < 0 {
            bytes.append(UInt8(ascii: "-"))
            if number == .min { append("9223372036854775808"); return }
        }
        var magnitude = number.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, room for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                count += 1
                buffer[24 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: buffer[(24 - count)...])
        }
    }

    /// One pass over the UTF-8 bytes: runs that need no escape are copied whole; quotes,
    /// backslashes and control characters are escaped as `JSONSerialization` escapes them
    /// (`\b \f \n \r \t`, else `\u00XX` in lower-case hex); everything else, DEL and
    /// non-ASCII included, is copied as it is.
    private mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                start = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    bytes.append(UInt8(ascii: "u"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(UInt8(ascii: "0"))
                    hex.withUTF8Buffer { digits in
                        bytes.append(digits[Int(byte >> 4)])
                        bytes.append(digits[Int(byte & 0xF)])
                    }
                }
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
