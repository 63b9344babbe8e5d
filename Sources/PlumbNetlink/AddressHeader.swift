import CNetlink
import Glibc

/// `struct ifaddrmsg`: the family header of `RTM_*ADDR` messages.
public struct AddressHeader: Equatable, Sendable {
    /// `sizeof(struct ifaddrmsg)`.
    public static let size = 8

    /// `ifa_family`: `AF_INET`, `AF_INET6`, or `AF_UNSPEC` in a dump request for both.
    public var family: UInt8
    /// `ifa_prefixlen`.
    public var prefixLength: UInt8
    /// `ifa_flags` (`IFA_F_*`, the low 8 bits).
    public var flags: UInt8
    /// `ifa_scope` (`RT_SCOPE_*`).
    public var scope: UInt8
    /// `ifa_index`: the device the address is on.
    public var index: Int32

    /// A header from its fields.
    public init(family: UInt8 = UInt8(AF_UNSPEC), prefixLength: UInt8 = 0, flags: UInt8 = 0, scope: UInt8 = 0, index: Int32 = 0) {
        self.family = family
        self.prefixLength = prefixLength
        self.flags = flags
        self.scope = scope
        self.index = index
    }

    /// The header as it goes on the wire.
    public var encoded: [UInt8] {
        [family, prefixLength, flags, scope] + NetlinkBytes.native(index)
    }

    /// Reads the header from the start of a message body.
    public init(_ bytes: [UInt8]) throws {
        guard bytes.count >= Self.size else { throw NetlinkParseError("ifaddrmsg needs \(Self.size) bytes, got \(bytes.count)") }
        self.init(family: bytes[0], prefixLength: bytes[1], flags: bytes[2], scope: bytes[3], index: NetlinkBytes.read(bytes, at: 4))
    }
}
