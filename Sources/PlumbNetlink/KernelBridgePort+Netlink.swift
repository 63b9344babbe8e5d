import CNetlink
import Glibc

extension KernelBridgePort {
    /// Reads a port from one `RTM_NEWLINK` message of an `AF_BRIDGE` dump; nil when it carries no VLAN information.
    ///
    /// The kernel sends one `IFLA_BRIDGE_VLAN_INFO` per VLAN (this dump does not ask for ranges), but always
    /// compresses VLAN→VNI mappings whose VLANs and VNIs both rise by one into a range (`RANGE_BEGIN`…`RANGE_END`).
    init?(_ message: NetlinkMessage) throws {
        let header = try InterfaceInfoHeader(message.familyHeader)
        guard let spec = try message.attributes.first(IFLA_AF_SPEC)?.nestedAttributes() else { return nil }
        self.init(index: header.index, masterIndex: message.attributes.first(IFLA_MASTER)?.u32.map { Int32(bitPattern: $0) })
        var rangeStart: (vlan: Int, vni: Int)?
        for attribute in spec {
            switch attribute.type {
            case UInt16(IFLA_BRIDGE_VLAN_INFO):
                guard attribute.payload.count >= 4 else { throw NetlinkParseError("bridge_vlan_info of \(index) is short") }
                let flags: UInt16 = NetlinkBytes.read(attribute.payload, at: 0)
                let id: UInt16 = NetlinkBytes.read(attribute.payload, at: 2)
                vlans.append(VLAN(id: Int(id), pvid: flags & UInt16(BRIDGE_VLAN_INFO_PVID) != 0,
                                  untagged: flags & UInt16(BRIDGE_VLAN_INFO_UNTAGGED) != 0))
            case UInt16(IFLA_BRIDGE_VLAN_TUNNEL_INFO):
                let info = try attribute.nestedAttributes()
                guard let vni = info.first(IFLA_BRIDGE_VLAN_TUNNEL_ID)?.u32.map(Int.init),
                      let vlan = info.first(IFLA_BRIDGE_VLAN_TUNNEL_VID)?.u16.map(Int.init) else {
                    throw NetlinkParseError("vlan tunnel info of \(index) lacks its VNI or VLAN")
                }
                let flags = info.first(IFLA_BRIDGE_VLAN_TUNNEL_FLAGS)?.u16 ?? 0
                if flags & UInt16(BRIDGE_VLAN_INFO_RANGE_BEGIN) != 0 {
                    rangeStart = (vlan, vni)
                } else if flags & UInt16(BRIDGE_VLAN_INFO_RANGE_END) != 0, let start = rangeStart, start.vlan <= vlan {
                    for offset in 0...(vlan - start.vlan) { tunnels[start.vlan + offset] = start.vni + offset }
                    rangeStart = nil
                } else {
                    tunnels[vlan] = vni
                }
            default:
                break
            }
        }
    }
}
