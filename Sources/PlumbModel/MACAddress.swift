/// A 48-bit Ethernet address, written `02:00:00:aa:bb:cc` on the wire (lower case).
public struct MACAddress: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The address as a 48-bit integer, first octet in the most significant byte.
    public let value: UInt64

    public init(value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }

    /// Parses `aa:bb:cc:dd:ee:ff` (either case); nil if malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var value: UInt64 = 0
        for part in parts {
            guard part.count == 2, let octet = UInt8(part, radix: 16) else { return nil }
            value = value << 8 | UInt64(octet)
        }
        self.value = value
    }

    /// The six octets, first on the wire first.
    public var octets: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: value >> UInt64(40 - 8 * $0)) } }

    /// Multicast (group) addresses have the low bit of the first octet set.
    public var isMulticast: Bool { octets[0] & 0x01 != 0 }
    /// Locally administered addresses have the second-lowest bit of the first octet set.
    public var isLocallyAdministered: Bool { octets[0] & 0x02 != 0 }
    /// The all-zero address, used as the flood (BUM) destination in VXLAN FDBs.
    public static let zero = MACAddress(value: 0)

    public var description: String {
        octets.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.value < rhs.value }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = MACAddress(text) else {
            throw DecodingError.wireValue(in: container, "\(APIError.quote(text)) is not a MAC address (aa:bb:cc:dd:ee:ff)")
        }
        self = parsed
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
