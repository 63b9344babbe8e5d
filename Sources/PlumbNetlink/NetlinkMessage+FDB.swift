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
