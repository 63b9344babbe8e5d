import CNetlink
import Glibc

/// Pure builders for `RTM_*ADDR` requests.
extension NetlinkMessage {
    /// `RTM_GETADDR` dump of every IPv4 and IPv6 address of every device (`ip addr show`).
    public static func dumpAddresses() -> NetlinkMessage {
        NetlinkMessage(type: UInt16(RTM_GETADDR), flags: UInt16(NLM_F_REQUEST | NLM_F_DUMP), familyHeader: AddressHeader().encoded)
    }

    /// `ip addr del ADDRESS/PREFIX dev INDEX`: `IFA_LOCAL` and `IFA_ADDRESS` both the address, as iproute2 sends them.
    public static func deleteAddress(_ address: KernelAddress) throws -> NetlinkMessage {
        let operation = "delete address"
        try NetlinkInputValidation.index(address.index, operation: operation)
        guard address.octets.count == address.family.length, (0...address.family.length * 8).contains(address.prefixLength) else {
            throw NetlinkError.invalid(operation, device: "ifindex \(address.index)", field: "address",
                                       "\(address.octets.count) bytes /\(address.prefixLength) is not an address of its family")
        }
        let header = AddressHeader(family: UInt8(address.family.addressFamily), prefixLength: UInt8(address.prefixLength),
                                   index: address.index)
        return NetlinkMessage(type: UInt16(RTM_DELADDR), flags: requestAck, familyHeader: header.encoded,
                              attributes: [.bytes(IFA_LOCAL, address.octets), .bytes(IFA_ADDRESS, address.octets)])
    }
}
