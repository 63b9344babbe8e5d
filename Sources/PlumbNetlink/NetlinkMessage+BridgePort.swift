import CNetlink
import Glibc

extension NetlinkMessage {
    /// `bridge link set dev INDEX isolated on|off`. Built by hand because libnl 3.7 has no setter for this flag.
    public static func setBridgePortIsolated(index: Int32, isolated: Bool) throws -> NetlinkMessage {
        try bridgePortFlag(index: index, IFLA_BRPORT_ISOLATED, isolated, operation: "set bridge port isolated")
    }

    /// `bridge link set dev INDEX vlan_tunnel on|off`: whether a VXLAN bridge port maps VLANs to VNIs.
    public static func setBridgePortVLANTunnel(index: Int32, on: Bool) throws -> NetlinkMessage {
        try bridgePortFlag(index: index, IFLA_BRPORT_VLAN_TUNNEL, on, operation: "set bridge port vlan_tunnel")
    }

    /// One bridge port flag as `bridge link set` sends it: `RTM_SETLINK` with an `AF_BRIDGE` `ifinfomsg` and a nested
    /// `IFLA_PROTINFO` (marked `NLA_F_NESTED`) holding the flag's `IFLA_BRPORT_*` attribute.
    private static func bridgePortFlag<T: BinaryInteger>(index: Int32, _ flag: T, _ on: Bool,
                                                         operation: String) throws -> NetlinkMessage {
        try NetlinkInputValidation.index(index, operation: operation)
        return NetlinkMessage(
            type: UInt16(RTM_SETLINK), flags: requestAck,
            familyHeader: InterfaceInfoHeader(family: UInt8(AF_BRIDGE), index: index).encoded,
            attributes: [.nested(IFLA_PROTINFO, markNested: true, [.u8(flag, on ? 1 : 0)])])
    }
}
