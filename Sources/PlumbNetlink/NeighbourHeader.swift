import CNetlink

/// `struct ndmsg`: the family header of `RTM_*NEIGH` messages (FDB entries use family `AF_BRIDGE`).
public struct NeighbourHeader: Equatable, Sendable {
    /// `sizeof(struct ndmsg)`.
    public static let size = 12

    /// `ndm_family`: `AF_BRIDGE` for FDB entries.
    public var family: UInt8
    /// `ndm_ifindex`: the device the entry belongs to.
    public var index: Int32
    /// `ndm_state` (`NUD_PERMANENT`, `NUD_NOARP`, …).
    public var state: UInt16
    /// `ndm_flags` (`NTF_SELF`, `NTF_MASTER`, …).
    public var flags: UInt8
    /// `ndm_type`.
    public var type: UInt8

    /// A header from its fields.
    public init(family: UInt8, index: Int32 = 0, state: UInt16 = 0, flags: UInt8 = 0, type: UInt8 = 0) {
        self.family = family
        self.index = index
        self.state = state
        self.flags = flags
        self.type = type
    }

    /// The header as it goes on the wire.
    public var encoded: [UInt8] {
        [family, 0, 0, 0] + NetlinkBytes.native(index) + NetlinkBytes.native(state) + [flags, type]
    }

    /// Reads the header from the start of a message body.
    public init(_ bytes: [UInt8]) throws {
        guard bytes.count >= Self.size else { throw NetlinkParseError("ndmsg needs \(Self.size) bytes, got \(bytes.count)") }
        self.init(family: bytes[0], index: NetlinkBytes.read(bytes, at: 4), state: NetlinkBytes.read(bytes, at: 8),
                  flags: bytes[10], type: bytes[11])
    }
}
