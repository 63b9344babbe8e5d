import CNetlink
import Glibc

extension NetlinkMessage {
    /// `bridge link set dev INDEX isolated on|off`: `RTM_SETLINK` with an `AF_BRIDGE` `ifinfomsg` and a nested
    /// `IFLA_PROTINFO` (marked `NLA_F_NESTED`) holding `IFLA_BRPORT_ISOLATED`. Built by hand because libnl 3.7
    /// has no setter for this flag.
    public static func setBridgePortIsolated(index: Int32, isolated: Bool) throws -> NetlinkMessage {
        try NetlinkInputValidation.index(index, operation: "set bridge port isolated")
        return NetlinkMessage(
            type: UInt16(RTM_SETLINK), flags: requestAck,
            familyHeader: InterfaceInfoHeader(family: UInt8(AF_BRIDGE), index: index).encoded,
            attributes: [.nested(IFLA_PROTINFO, markNested: true, [.u8(IFLA_BRPORT_ISOLATED, isolated ? 1 : 0)])])
    }
}
