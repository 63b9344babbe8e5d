/// A dotted-quad IPv4 address such as a VTEP's underlay address.
public struct IPv4Address: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The address in host byte order.
    public let value: UInt32

    public init(value: UInt32) { self.value = value }

    /// Parses `a.b.c.d` with decimal octets and no leading zeros; nil if malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                  !(part.count > 1 && part.first == "0"), let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self.value = value
    }

    /// The four octets in network order.
    public var octets: [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> UInt32($0)) } }

    public var description: String { octets.map(String.init).joined(separator: ".") }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = IPv4Address(text) else {
            throw DecodingError.wireValue(in: container, "\(APIError.quote(text)) is not an IPv4 address (a.b.c.d)")
        }
        self = parsed
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
