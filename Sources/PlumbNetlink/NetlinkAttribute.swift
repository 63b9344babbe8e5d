import CNetlink

/// One netlink attribute (`struct nlattr` and its payload), possibly holding nested attributes.
///
/// Values are in host byte order unless the kernel defines them as big-endian (ports, IPv4 addresses):
/// use the `bigEndian…` helpers for those.
public struct NetlinkAttribute: Equatable, Sendable, CustomStringConvertible {
    /// The attribute type as sent, including the `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER` flag bits.
    public var rawType: UInt16
    /// The payload, without the 4-byte attribute header and without trailing alignment padding.
    public var payload: [UInt8]

    /// An attribute from its raw type (flags included) and payload.
    public init(rawType: UInt16, payload: [UInt8]) {
        self.rawType = rawType
        self.payload = payload
    }

    /// `NLA_TYPE_MASK`: the type bits without `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER` (a macro Swift cannot import).
    static let typeMask: UInt16 = ~UInt16(NLA_F_NESTED | NLA_F_NET_BYTEORDER)

    /// The attribute type without flag bits.
    public var type: UInt16 { rawType & NetlinkAttribute.typeMask }
    /// Whether the sender marked the attribute as nested (`NLA_F_NESTED`).
    public var isMarkedNested: Bool { rawType & UInt16(NLA_F_NESTED) != 0 }

    public var description: String { "attr(\(type)\(isMarkedNested ? ", nested" : ""), \(payload.count) bytes)" }
}

extension NetlinkAttribute {
    /// An 8-bit value.
    public static func u8<T: BinaryInteger>(_ type: T, _ value: UInt8) -> NetlinkAttribute {
        NetlinkAttribute(rawType: UInt16(type), payload: [value])
    }

    /// A 16-bit value in host byte order.
    public static func u16<T: BinaryInteger>(_ type: T, _ value: UInt16) -> NetlinkAttribute {
        NetlinkAttribute(rawType: UInt16(type), payload: NetlinkBytes.native(value))
    }

    /// A 32-bit value in host byte order.
    public static func u32<T: BinaryInteger>(_ type: T, _ value: UInt32) -> NetlinkAttribute {
        NetlinkAttribute(rawType: UInt16(type), payload: NetlinkBytes.native(value))
    }

    /// A 16-bit value in network byte order (UDP ports).
    public static func bigEndianU16<T: BinaryInteger>(_ type: T, _ value: UInt16) -> NetlinkAttribute {
        NetlinkAttribute(rawType: UInt16(type), payload: NetlinkBytes.native(value.bigEndian))
    }

    /// A NUL-terminated string.
    public static func string<T: BinaryInteger>(_ type: T, _ value: String) -> NetlinkAttribute {
        NetlinkAttribute(rawType: UInt16(type), payload: Array(value.utf8) + [0])
    }

    /// Raw payload bytes (addresses, fixed C structs).
    public static func bytes<T: BinaryInteger>(_ type: T, _ value: [UInt8]) -> NetlinkAttribute {
        NetlinkAttribute(rawType: UInt16(type), payload: value)
    }

    /// A nested attribute; `markNested` sets `NLA_F_NESTED` in the type, as newer kernels expect for
    /// some nests (iproute2 sets it on `IFLA_PROTINFO`, not on `IFLA_LINKINFO` or `IFLA_VFINFO_LIST`).
    public static func nested<T: BinaryInteger>(_ type: T, markNested: Bool = false,
                                                _ children: [NetlinkAttribute]) -> NetlinkAttribute {
        let flag: UInt16 = markNested ? UInt16(NLA_F_NESTED) : 0
        return NetlinkAttribute(rawType: UInt16(type) | flag, payload: NetlinkAttribute.encode(children))
    }
}

extension NetlinkAttribute {
    /// The attribute as it goes on the wire: header, payload, padding to 4 bytes.
    public var encoded: [UInt8] {
        var bytes = NetlinkBytes.native(UInt16(4 + payload.count))
        bytes += NetlinkBytes.native(rawType)
        bytes += payload
        bytes += [UInt8](repeating: 0, count: NetlinkBytes.padding(payload.count))
        return bytes
    }

    /// Concatenated encodings of a list of attributes.
    public static func encode(_ attributes: [NetlinkAttribute]) -> [UInt8] {
        attributes.flatMap(\.encoded)
    }

    /// Parses a run of attributes (a message's attribute area or a nest's payload).
    public static func parse<C: Collection>(_ bytes: C) throws -> [NetlinkAttribute] where C.Element == UInt8, C.Index == Int {
        var attributes: [NetlinkAttribute] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 4 {
            let length = Int(NetlinkBytes.readU16(bytes, at: offset))
            let rawType = NetlinkBytes.readU16(bytes, at: offset + 2)
            guard length >= 4, offset + length <= bytes.endIndex else {
                throw NetlinkParseError("attribute of type \(rawType & NetlinkAttribute.typeMask) claims \(length) bytes, \(bytes.endIndex - offset) left")
            }
            attributes.append(NetlinkAttribute(rawType: rawType, payload: Array(bytes[(offset + 4)..<(offset + length)])))
            offset += length + NetlinkBytes.padding(length)
        }
        return attributes
    }

    /// The nested attributes in this attribute's payload.
    public func nestedAttributes() throws -> [NetlinkAttribute] { try NetlinkAttribute.parse(payload) }

    /// The payload read as an 8-, 16- or 32-bit host-order value; nil if it is too short.
    public var u8: UInt8? { payload.count >= 1 ? payload[0] : nil }
    public var u16: UInt16? { payload.count >= 2 ? NetlinkBytes.readU16(payload, at: 0) : nil }
    public var u32: UInt32? { payload.count >= 4 ? NetlinkBytes.readU32(payload, at: 0) : nil }
    /// A 16-bit value sent in network byte order.
    public var bigEndianU16: UInt16? { u16.map { UInt16(bigEndian: $0) } }
    /// The payload as a string, up to the first NUL.
    public var string: String? {
        String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension Array where Element == NetlinkAttribute {
    /// The first attribute of the given type (flag bits ignored), as the kernel's `nla_parse` would keep the last —
    /// the kernel never repeats the attributes Plumb reads, so either is right.
    public func first<T: BinaryInteger>(_ type: T) -> NetlinkAttribute? {
        first { $0.type == UInt16(type) }
    }
}
