import CNetlink
import Glibc

/// `struct ifinfomsg`: the family header of `RTM_*LINK` messages.
public struct InterfaceInfoHeader: Equatable, Sendable {
    /// `sizeof(struct ifinfomsg)`.
    public static let size = 16

    /// `ifi_family`: `AF_UNSPEC`, or `AF_BRIDGE` for bridge port settings.
    public var family: UInt8
    /// `ifi_type` (`ARPHRD_*`), reported by the kernel.
    public var deviceType: UInt16
    /// `ifi_index`; 0 when the device is named by `IFLA_IFNAME` instead.
    public var index: Int32
    /// `ifi_flags` (`IFF_UP`, …).
    public var flags: UInt32
    /// `ifi_change`: which of `flags` a request changes.
    public var change: UInt32

    /// A header from its fields.
    public init(family: UInt8 = UInt8(AF_UNSPEC), deviceType: UInt16 = 0, index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) {
        self.family = family
        self.deviceType = deviceType
        self.index = index
        self.flags = flags
        self.change = change
    }

    /// The header as it goes on the wire.
    public var encoded: [UInt8] {
        [family, 0] + NetlinkBytes.native(deviceType) + NetlinkBytes.native(index)
            + NetlinkBytes.native(flags) + NetlinkBytes.native(change)
    }

    /// Reads the header from the start of a message body.
    public init(_ bytes: [UInt8]) throws {
        guard bytes.count >= Self.size else { throw NetlinkParseError("ifinfomsg needs \(Self.size) bytes, got \(bytes.count)") }
        self.init(family: bytes[0], deviceType: NetlinkBytes.read(bytes, at: 2), index: NetlinkBytes.read(bytes, at: 4),
                  flags: NetlinkBytes.readU32(bytes, at: 8), change: NetlinkBytes.readU32(bytes, at: 12))
    }
}
