/// A small JSON writer for request bodies: keys in the order written (callers write them
/// sorted), strings escaped per RFC 8259. Much cheaper than JSONSerialization, which bridges
/// every value through NSDictionary; a request body is built on every call.
struct JSONText {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() { value(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma.removeLast() }
    mutating func beginArray() { value(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma.removeLast() }

    mutating func key(_ name: String) {
        value()
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    mutating func string(_ text: String) { value(); writeString(text) }
    mutating func number(_ number: Double) { value(); bytes += Array((number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : "\(number)").utf8) }
    mutating func integer<T: BinaryInteger>(_ number: T) { value(); bytes += Array(String(number).utf8) }
    mutating func bool(_ flag: Bool) { value(); bytes += Array((flag ? "true" : "false").utf8) }
    /// Already-serialised JSON (e.g. a schema), inserted as it is.
    mutating func raw(_ json: [UInt8]) { value(); bytes += json }

    /// A comma before every value but the first in its container.
    private mutating func value() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [0x5C, 0x22]
            case UInt8(ascii: "\\"): bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
            case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
            case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
