import CNetlink

/// How a port of a VLAN-aware bridge carries one VLAN (`bridge vlan add … [pvid] [untagged]`).
public enum BridgeVLANMode: Hashable, Sendable {
    /// Tagged both ways: a trunk.
    case tagged
    /// The port's PVID, sent untagged (`pvid untagged`): an access port.
    case access
    /// The port's PVID, sent tagged (`pvid`): frames arriving untagged, or tagged with the other protocol than the
    /// bridge's, join the VLAN, and frames leave with its tag — which a VXLAN port's VLAN→VNI mapping needs to choose
    /// their VNI (and then takes off).
    case pvid

    /// Reads the mode from a port VLAN's flags (`BRIDGE_VLAN_INFO_PVID`, `BRIDGE_VLAN_INFO_UNTAGGED`).
    public init(pvid: Bool, untagged: Bool) {
        self = pvid ? (untagged ? .access : .pvid) : .tagged
    }

    /// The flags of `struct bridge_vlan_info` for this mode (an untagged VLAN that is not the PVID is not a mode Plumb uses).
    var flags: UInt16 {
        switch self {
        case .tagged: 0
        case .access: UInt16(BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED)
        case .pvid: UInt16(BRIDGE_VLAN_INFO_PVID)
        }
    }
}
