import CNetlink
import PlumbModel

extension NetlinkSocket {
    /// Every bridge and VXLAN forwarding-database entry, from one `AF_BRIDGE` `RTM_GETNEIGH` dump.
    public func bridgeFDB() throws -> [KernelFDBEntry] {
        try dump(.dumpBridgeFDB(), familyHeaderSize: NeighbourHeader.size, operation: "dump bridge fdb")
            .filter { $0.type == UInt16(RTM_NEWNEIGH) }
            .compactMap(KernelFDBEntry.init)
    }

    /// Adds a permanent entry to a VXLAN device's table: the flood MAC 00:00:00:00:00:00 is appended (one entry
    /// per remote VTEP), any other MAC replaces an existing entry for that MAC.
    public func addFDB(index: Int32, mac: MACAddress, dst: IPv4Address) throws {
        try perform(.addFDB(index: index, mac: mac, dst: dst), operation: "add fdb \(mac) dst \(dst)", device: "ifindex \(index)")
    }

    /// Removes one destination of an entry in a VXLAN device's table.
    public func deleteFDB(index: Int32, mac: MACAddress, dst: IPv4Address) throws {
        try perform(.deleteFDB(index: index, mac: mac, dst: dst), operation: "delete fdb \(mac) dst \(dst)", device: "ifindex \(index)")
    }
}
