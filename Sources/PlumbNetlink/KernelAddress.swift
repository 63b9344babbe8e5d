import Glibc

/// One IPv4 or IPv6 address of a device, as an `RTM_GETADDR` dump reports it.
public struct KernelAddress: Hashable, Sendable, CustomStringConvertible {
    public enum Family: Hashable, Sendable {
        case ipv4, ipv6

        /// `AF_INET` / `AF_INET6`.
        public var addressFamily: Int32 { self == .ipv4 ? AF_INET : AF_INET6 }
        /// Bytes in an address of this family.
        public var length: Int { self == .ipv4 ? 4 : 16 }
    }

    /// The device the address is on.
    public var index: Int32
    public var family: Family
    /// The address in network order (4 or 16 bytes): `IFA_LOCAL` where the kernel sends it, else `IFA_ADDRESS`.
    public var octets: [UInt8]
    public var prefixLength: Int

    public init(index: Int32, family: Family, octets: [UInt8], prefixLength: Int) {
        self.index = index
        self.family = family
        self.octets = octets
        self.prefixLength = prefixLength
    }

    /// `10.0.0.1/24`, `fe80::1/64` (`inet_ntop`).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let text = octets.withUnsafeBytes { bytes in
            inet_ntop(family.addressFamily, bytes.baseAddress, &buffer, socklen_t(buffer.count)).map { String(cString: $0) }
        }
        return "\(text ?? "?")/\(prefixLength)"
    }
}
