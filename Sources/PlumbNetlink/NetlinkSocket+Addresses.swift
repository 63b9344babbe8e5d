import CNetlink

extension NetlinkSocket {
    /// Every IPv4 and IPv6 address in the namespace, from one `RTM_GETADDR` dump.
    public func addresses() throws -> [KernelAddress] {
        try dump(.dumpAddresses(), familyHeaderSize: AddressHeader.size, operation: "dump addresses")
            .filter { $0.type == UInt16(RTM_NEWADDR) }
            .compactMap(KernelAddress.init)
    }

    /// Removes one address from a device.
    public func deleteAddress(_ address: KernelAddress) throws {
        try perform(.deleteAddress(address), operation: "delete address \(address)", device: "ifindex \(address.index)")
    }
}
