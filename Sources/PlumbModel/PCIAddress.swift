/// A PCI address in the kernel's sysfs form `dddd:bb:dd.f` (domain, bus, device, function), lower case.
public struct PCIAddress: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let domain: UInt16
    public let bus: UInt8
    public let device: UInt8
    public let function: UInt8

    public init(domain: UInt16, bus: UInt8, device: UInt8, function: UInt8) {
        self.domain = domain
        self.bus = bus
        self.device = device & 0x1F
        self.function = function & 0x07
    }

    /// Parses `0000:3b:00.1`; nil if malformed or out of range (device < 32, function < 8).
    public init?(_ text: String) {
        let colon = text.split(separator: ":", omittingEmptySubsequences: false)
        guard colon.count == 3, colon[0].count == 4, colon[1].count == 2 else { return nil }
        let dot = colon[2].split(separator: ".", omittingEmptySubsequences: false)
        guard dot.count == 2, dot[0].count == 2, dot[1].count == 1,
              let domain = UInt16(colon[0], radix: 16), let bus = UInt8(colon[1], radix: 16),
              let device = UInt8(dot[0], radix: 16), let function = UInt8(dot[1], radix: 16),
              device < 32, function < 8 else { return nil }
        self.init(domain: domain, bus: bus, device: device, function: function)
    }

    public var description: String {
        func hex(_ value: Int, _ width: Int) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(hex(Int(domain), 4)):\(hex(Int(bus), 2)):\(hex(Int(device), 2)).\(function)"
    }

    public static func < (lhs: PCIAddress, rhs: PCIAddress) -> Bool { lhs.description < rhs.description }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = PCIAddress(text) else {
            throw DecodingError.wireValue(in: container, "\(APIError.quote(text)) is not a PCI address (dddd:bb:dd.f)")
        }
        self = parsed
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
