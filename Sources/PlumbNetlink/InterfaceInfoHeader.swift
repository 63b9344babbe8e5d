import CNetlink
import Glibc

/// `struct ifinfomsg`: the family header of `RTM_*LINK` messages.
public struct InterfaceInfoHeader: Equatable, Sendable {
    public static let size = 16

    public var family: UInt8
    public var deviceType: UInt16
    public var index: Int32
    public var flags: UInt32
    public var change: UInt32

    public init(family: UInt8 = UInt8(AF_UNSPEC), deviceType: UInt16 = 0, index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) {
        self.family = family
        self.deviceType = deviceType
        self.index = index
        self.flags = flags
        self.change = change
    }

    public var encoded: [UInt8] {
        [family, 0] + NetlinkBytes.native(deviceType) + NetlinkBytes.native(index)
            + NetlinkBytes.native(flags) + NetlinkBytes.native(change)
    }

    public init(_ bytes: [UInt8]) throws {
        guard bytes.count >= Self.size else { throw NetlinkParseError("ifinfomsg needs \(Self.size) bytes, got \(bytes.count)") }
        self.init(family: bytes[0], deviceType: NetlinkBytes.read(bytes, at: 2), index: NetlinkBytes.read(bytes, at: 4),
                  flags: NetlinkBytes.readU32(bytes, at: 8), change: NetlinkBytes.readU32(bytes, at: 12))
    }
}

/// `struct ndmsg`: the family header of `RTM_*NEIGH` messages (FDB entries use family `AF_BRIDGE`).
public struct NeighbourHeader: Equatable, Sendable {
    public static let size = 12

    public var family: UInt8
    public var index: Int32
    public var state: UInt16
    public var flags: UInt8
    public var type: UInt8

    public init(family: UInt8, index: Int32 = 0, state: UInt16 = 0, flags: UInt8 = 0, type: UInt8 = 0) {
        self.family = family
        self.index = index
        self.state = state
        self.flags = flags
        self.type = type
    }

    public var encoded: [UInt8] {
        [family, 0, 0, 0] + NetlinkBytes.native(index) + NetlinkBytes.native(state) + [flags, type]
    }

    public init(_ bytes: [UInt8]) throws {
        guard bytes.count >= Self.size else { throw NetlinkParseError("ndmsg needs \(Self.size) bytes, got \(bytes.count)") }
        self.init(family: bytes[0], index: NetlinkBytes.read(bytes, at: 4), state: NetlinkBytes.read(bytes, at: 8),
                  flags: bytes[10], type: bytes[11])
    }
}
