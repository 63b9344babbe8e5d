import CNetlink
import Glibc

extension KernelAddress {
    /// Reads an address from one `RTM_NEWADDR` message of a dump; nil for families other than IPv4 and IPv6.
    public init?(_ message: NetlinkMessage) throws {
        let header = try AddressHeader(message.familyHeader)
        let family: Family
        switch Int32(header.family) {
        case AF_INET: family = .ipv4
        case AF_INET6: family = .ipv6
        default: return nil
        }
        // IPv4 point-to-point addresses carry the peer in IFA_ADDRESS; the device's own is IFA_LOCAL.
        guard let octets = (message.attributes.first(IFA_LOCAL) ?? message.attributes.first(IFA_ADDRESS))?.payload,
              octets.count == family.length else {
            throw NetlinkParseError("address on ifindex \(header.index) has no IFA_LOCAL or IFA_ADDRESS of \(family.length) bytes")
        }
        self.init(index: header.index, family: family, octets: octets, prefixLength: Int(header.prefixLength))
    }
}
