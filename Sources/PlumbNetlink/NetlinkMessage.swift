import CNetlink

/// One netlink message: `struct nlmsghdr`, the family header (such as `ifinfomsg` or `ndmsg`) and attributes.
///
/// Requests are built as values of this type by pure functions (see `NetlinkMessage+*.swift`) so tests can
/// inspect them byte for byte; `NetlinkSocket` only fills in the sequence number and sends them.
public struct NetlinkMessage: Equatable, Sendable {
    /// `nlmsg_type`, such as `RTM_NEWLINK`.
    public var type: UInt16
    /// `nlmsg_flags` (`NLM_F_REQUEST`, `NLM_F_ACK`, …).
    public var flags: UInt16
    /// `nlmsg_seq`; 0 in built requests until the socket numbers them.
    public var sequence: UInt32
    /// `nlmsg_pid`; 0 for requests to the kernel.
    public var portID: UInt32
    /// The fixed family header that precedes the attributes (`ifinfomsg`, `ndmsg`, …), already encoded.
    public var familyHeader: [UInt8]
    public var attributes: [NetlinkAttribute]

    /// A message from its parts.
    public init(type: UInt16, flags: UInt16, sequence: UInt32 = 0, portID: UInt32 = 0,
                familyHeader: [UInt8], attributes: [NetlinkAttribute] = []) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.familyHeader = familyHeader
        self.attributes = attributes
    }

    /// The message as it goes on the wire.
    public var encoded: [UInt8] {
        var body = familyHeader + [UInt8](repeating: 0, count: NetlinkBytes.padding(familyHeader.count))
        body += NetlinkAttribute.encode(attributes)
        var bytes = NetlinkBytes.native(UInt32(16 + body.count))
        bytes += NetlinkBytes.native(type)
        bytes += NetlinkBytes.native(flags)
        bytes += NetlinkBytes.native(sequence)
        bytes += NetlinkBytes.native(portID)
        return bytes + body
    }

    /// Parses one message's body given the size of its family header.
    public init(_ raw: RawNetlinkMessage, familyHeaderSize: Int) throws {
        guard raw.body.count >= familyHeaderSize else {
            throw NetlinkParseError("message type \(raw.type) has \(raw.body.count) bytes, its header needs \(familyHeaderSize)")
        }
        let attributeStart = familyHeaderSize + NetlinkBytes.padding(familyHeaderSize)
        self.init(type: raw.type, flags: raw.flags, sequence: raw.sequence, portID: raw.portID,
                  familyHeader: Array(raw.body.prefix(familyHeaderSize)),
                  attributes: try NetlinkAttribute.parse(Array(raw.body.dropFirst(min(attributeStart, raw.body.count)))))
    }
}

/// A received message before its body is interpreted: header fields and the bytes after `nlmsghdr`.
public struct RawNetlinkMessage: Equatable, Sendable {
    /// `nlmsg_type`.
    public var type: UInt16
    /// `nlmsg_flags`.
    public var flags: UInt16
    /// `nlmsg_seq`.
    public var sequence: UInt32
    /// `nlmsg_pid`.
    public var portID: UInt32
    /// Everything after the 16-byte `nlmsghdr`.
    public var body: [UInt8]

    /// A message from its header fields and body.
    public init(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32, body: [UInt8]) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.body = body
    }

    /// Splits a datagram (or any byte run) into its messages.
    public static func split<C: Collection>(_ bytes: C) throws -> [RawNetlinkMessage] where C.Element == UInt8, C.Index == Int {
        var messages: [RawNetlinkMessage] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 16 {
            let length = Int(NetlinkBytes.readU32(bytes, at: offset))
            guard length >= 16, offset + length <= bytes.endIndex else {
                throw NetlinkParseError("message claims \(length) bytes, \(bytes.endIndex - offset) left")
            }
            messages.append(RawNetlinkMessage(
                type: NetlinkBytes.read(bytes, at: offset + 4),
                flags: NetlinkBytes.read(bytes, at: offset + 6),
                sequence: NetlinkBytes.readU32(bytes, at: offset + 8),
                portID: NetlinkBytes.readU32(bytes, at: offset + 12),
                body: Array(bytes[(offset + 16)..<(offset + length)])))
            offset += length + NetlinkBytes.padding(length)
        }
        return messages
    }
}
