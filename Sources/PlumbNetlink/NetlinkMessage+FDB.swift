import CNetlink
import Glibc
import PlumbModel

extension NetlinkMessage {
    /// `AF_BRIDGE` `RTM_GETNEIGH` dump: every bridge and VXLAN forwarding-database entry.
    public static func dumpBridgeFDB() -> NetlinkMessage {
        NetlinkMessage(type: UInt16(RTM_GETNEIGH), flags: UInt16(NLM_F_REQUEST | NLM_F_DUMP),
                       familyHeader: NeighbourHeader(family: UInt8(AF_BRIDGE)).encoded)
    }

    /// A permanent entry in a VXLAN device's own table (`NTF_SELF`): `bridge fdb append 00:00:00:00:00:00 dev VX
    /// dst IP` for the flood MAC (appended, so several VTEPs share it), `bridge fdb replace MAC dev VX dst IP`
    /// for any other MAC.
    public static func addFDB(index: Int32, mac: MACAddress, dst: IPv4Address) throws -> NetlinkMessage {
        try NetlinkInputValidation.index(index, operation: "add fdb entry")
        let mode = mac == .zero ? NLM_F_APPEND : NLM_F_REPLACE
        return fdb(type: RTM_NEWNEIGH, flags: UInt16(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | mode),
                   index: index, mac: mac, dst: dst)
    }

    /// `bridge fdb del MAC dev VX dst IP`: removes just that destination.
    public static func deleteFDB(index: Int32, mac: MACAddress, dst: IPv4Address) throws -> NetlinkMessage {
        try NetlinkInputValidation.index(index, operation: "delete fdb entry")
        return fdb(type: RTM_DELNEIGH, flags: requestAck, index: index, mac: mac, dst: dst)
    }

    private static func fdb<T: BinaryInteger>(type: T, flags: UInt16, index: Int32, mac: MACAddress,
                                              dst: IPv4Address) -> NetlinkMessage {
        // State and attribute order as `bridge fdb ... self permanent` sends them.
        let header = NeighbourHeader(family: UInt8(AF_BRIDGE), index: index, state: UInt16(NUD_NOARP | NUD_PERMANENT),
                                     flags: UInt8(NTF_SELF))
        return NetlinkMessage(type: UInt16(type), flags: flags, familyHeader: header.encoded,
                              attributes: [.bytes(NDA_LLADDR, mac.octets), .bytes(NDA_DST, dst.octets)])
    }
}

/// Forwarding entries of a leaf switch: per-VNI entries in an `external` VXLAN device's own table, and static
/// entries in a VLAN-aware bridge's table.
extension NetlinkMessage {
    /// `bridge fdb append 00:00:00:00:00:00 dev VX dst IP src_vni VNI self permanent` (flood: one entry per remote VTEP)
    /// or `bridge fdb replace MAC dev VX dst IP src_vni VNI self permanent`: in an `external` VXLAN device, entries are
    /// kept per VNI (`NDA_SRC_VNI`), the VNI the bridge's VLAN→VNI mapping gives a frame.
    public static func addVNIFDB(index: Int32, mac: MACAddress, dst: IPv4Address, vni: Int) throws -> NetlinkMessage {
        try NetlinkInputValidation.index(index, operation: "add fdb entry")
        try validateVNI(vni, operation: "add fdb entry", port: index)
        let mode = mac == .zero ? NLM_F_APPEND : NLM_F_REPLACE
        var message = fdb(type: RTM_NEWNEIGH, flags: UInt16(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | mode),
                          index: index, mac: mac, dst: dst)
        message.attributes.append(.u32(NDA_SRC_VNI, UInt32(vni)))
        return message
    }

    /// `bridge fdb del MAC dev VX dst IP src_vni VNI self`.
    public static func deleteVNIFDB(index: Int32, mac: MACAddress, dst: IPv4Address, vni: Int) throws -> NetlinkMessage {
        try NetlinkInputValidation.index(index, operation: "delete fdb entry")
        try validateVNI(vni, operation: "delete fdb entry", port: index)
        var message = fdb(type: RTM_DELNEIGH, flags: requestAck, index: index, mac: mac, dst: dst)
        message.attributes.append(.u32(NDA_SRC_VNI, UInt32(vni)))
        return message
    }

    /// `bridge fdb replace MAC dev PORT vlan VLAN master static`: the bridge sends frames for `mac` on `vlan` to `port`
    /// and never learns it elsewhere.
    public static func addStaticBridgeFDB(port: Int32, mac: MACAddress, vlan: Int) throws -> NetlinkMessage {
        try NetlinkInputValidation.index(port, operation: "add bridge fdb entry")
        try validateBridgeFDBVLAN(vlan, port: port)
        // The state iproute2 sends for `static`; the kernel keeps the entry as static (it reports NUD_NOARP).
        let header = NeighbourHeader(family: UInt8(AF_BRIDGE), index: port, state: UInt16(NUD_NOARP | NUD_REACHABLE),
                                     flags: UInt8(NTF_MASTER))
        return NetlinkMessage(type: UInt16(RTM_NEWNEIGH), flags: UInt16(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE),
                              familyHeader: header.encoded,
                              attributes: [.bytes(NDA_LLADDR, mac.octets), .u16(NDA_VLAN, UInt16(vlan))])
    }

    /// `bridge fdb del MAC dev PORT vlan VLAN master`.
    public static func deleteStaticBridgeFDB(port: Int32, mac: MACAddress, vlan: Int) throws -> NetlinkMessage {
        try NetlinkInputValidation.index(port, operation: "delete bridge fdb entry")
        try validateBridgeFDBVLAN(vlan, port: port)
        // iproute2 sends its default state (permanent, no ARP) on deletion; the kernel ignores it.
        let header = NeighbourHeader(family: UInt8(AF_BRIDGE), index: port, state: UInt16(NUD_NOARP | NUD_PERMANENT),
                                     flags: UInt8(NTF_MASTER))
        return NetlinkMessage(type: UInt16(RTM_DELNEIGH), flags: requestAck, familyHeader: header.encoded,
                              attributes: [.bytes(NDA_LLADDR, mac.octets), .u16(NDA_VLAN, UInt16(vlan))])
    }

    private static func validateBridgeFDBVLAN(_ vlan: Int, port: Int32) throws {
        guard Limits.vlanID.contains(vlan) else {
            throw NetlinkError.invalid("bridge fdb entry", device: "ifindex \(port)", field: "vlan", "\(vlan) is outside \(Limits.vlanID)")
        }
    }
}
