/// The payload of the frames plumb-tap sends: ethertype 0x88b5 (IEEE 802 local experimental), the marker
/// `PLUMBTAP`, the text's length (2 bytes, big endian), the text. Anything else on a tap is the kernel's own
/// traffic (IPv6 neighbour discovery, MLD reports) or a real guest's, which receivers ignore by default.
enum MarkedPayload {
    static let etherType: UInt16 = 0x88B5
    static let marker = Array("PLUMBTAP".utf8)
    /// Leaves room for the Ethernet header, marker and length in a 1,450-byte overlay MTU.
    static let maximumTextLength = 1_400

    /// The payload carrying `text`.
    static func encode(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return marker + [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
    }

    /// The text of a frame plumb-tap sent, or nil for any other frame.
    static func decode(_ frame: EthernetFrame) -> String? {
        guard frame.etherType == etherType, frame.payload.count >= marker.count + 2,
              Array(frame.payload.prefix(marker.count)) == marker else { return nil }
        let lengthAt = marker.count
        let length = Int(frame.payload[lengthAt]) << 8 | Int(frame.payload[lengthAt + 1])
        let text = frame.payload.dropFirst(marker.count + 2)
        guard text.count >= length else { return nil }
        return String(decoding: text.prefix(length), as: UTF8.self)
    }
}
