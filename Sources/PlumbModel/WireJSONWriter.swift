/// Writes JSON text member by member, as ``PlumbJSON/encode(_:)`` writes it: compact, strings escaped as Foundation
/// escapes them. The caller writes each object's keys in sorted order (checked in debug builds), as `.sortedKeys` does.
///
/// For the documents too large for Foundation's encoder at the rate they change (a facility of thousands of
/// hypervisors is megabytes, on every change): its dictionaries, coding paths and per-member dynamic dispatch were
/// most of the controller's CPU in such a change. `WireJSONWriterTests` holds its strings equal to Foundation's.
public struct WireJSONWriter {
    /// The text written so far.
    public private(set) var bytes: [UInt8] = []
    /// The objects and arrays open, innermost last.
    private var open: [Container] = []

    private struct Container {
        var isObject: Bool
        var count = 0
        /// An object's last key, for the check that keys come sorted.
        var lastKey: String?
    }

    public init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        beforeValue()
        bytes.append(UInt8(ascii: "{"))
        open.append(Container(isObject: true))
    }

    /// The key of the object's next member, whose value is written next. Keys come in sorted order.
    public mutating func key(_ key: String) {
        precondition(open.last?.isObject == true, "a key outside an object")
        assert(open[open.count - 1].lastKey.map { $0 < key } ?? true, "key \(key) after \(open[open.count - 1].lastKey ?? ""): keys must be sorted")
        if open[open.count - 1].count > 0 { bytes.append(UInt8(ascii: ",")) }
        open[open.count - 1].count += 1
        open[open.count - 1].lastKey = key
        Self.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func endObject() {
        precondition(open.popLast()?.isObject == true, "no object to end")
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        beforeValue()
        bytes.append(UInt8(ascii: "["))
        open.append(Container(isObject: false))
    }

    public mutating func endArray() {
        precondition(open.popLast()?.isObject == false, "no array to end")
        bytes.append(UInt8(ascii: "]"))
    }

    public mutating func string(_ value: String) {
        beforeValue()
        Self.writeString(value, into: &bytes)
    }

    public mutating func integer(_ value: Int) {
        beforeValue()
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ value: Bool) {
        beforeValue()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// An array of integers.
    public mutating func integers(_ values: [Int]) {
        beginArray()
        values.forEach { integer($0) }
        endArray()
    }

    /// An array element after the first takes a comma; a member's value follows its key as it is.
    private mutating func beforeValue() {
        guard let last = open.last, !last.isObject else { return }
        if last.count > 0 { bytes.append(UInt8(ascii: ",")) }
        open[open.count - 1].count += 1
    }

    /// A JSON string as Foundation writes it: `"`, `\` and `/` escaped, control characters as `\b \t \n \f \r`
    /// or `\u00xx`, everything else as its UTF-8.
    static func writeString(_ string: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = string.utf8
        guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") })
        else {  // most strings (names, addresses) have nothing to escape
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case 0x08: bytes.append(contentsOf: #"\b"#.utf8)
            case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
            case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
            case 0x0C: bytes.append(contentsOf: #"\f"#.utf8)
            case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
            case ..<0x20:
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
