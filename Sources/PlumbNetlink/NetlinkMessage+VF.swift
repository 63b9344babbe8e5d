import CNetlink
import PlumbModel

extension NetlinkMessage {
    /// `ip link set dev PF vf N [mac M] [vlan V [qos Q] proto P] [spoofchk on|off] [trust on|off] [state S]`:
    /// `RTM_NEWLINK` on the PF with `IFLA_VFINFO_LIST` → `IFLA_VF_INFO` holding, in iproute2's order for that
    /// command line, `IFLA_VF_MAC`, the VLAN (`IFLA_VF_VLAN` for 802.1Q, `IFLA_VF_VLAN_LIST` → `IFLA_VF_VLAN_INFO`
    /// with the protocol for 802.1ad, as iproute2 does), `IFLA_VF_SPOOFCHK`, `IFLA_VF_TRUST`, `IFLA_VF_LINK_STATE`.
    /// Each sub-attribute is a fixed C struct that starts with the VF index.
    public static func setVF(pfIndex: Int32, _ vf: VFSettings) throws -> NetlinkMessage {
        let operation = "set vf"
        let device = "ifindex \(pfIndex)"
        try NetlinkInputValidation.index(pfIndex, operation: operation)
        guard (0...Int(Int32.max)).contains(vf.index) else {
            throw NetlinkError.invalid(operation, device: device, field: "vf.index", "\(vf.index) is negative or too large")
        }
        let vfIndex = NetlinkBytes.native(UInt32(vf.index))
        var info: [NetlinkAttribute] = []
        if let mac = vf.mac {
            // struct ifla_vf_mac { __u32 vf; __u8 mac[32]; }
            info.append(.bytes(IFLA_VF_MAC, vfIndex + mac.octets + [UInt8](repeating: 0, count: 32 - 6)))
        }
        if let vlan = vf.vlan {
            guard (0...4095).contains(vlan.id) else {
                throw NetlinkError.invalid(operation, device: device, field: "vf.vlan", "\(vlan.id) is outside 0...4095")
            }
            guard (0...7).contains(vlan.qos) else {
                throw NetlinkError.invalid(operation, device: device, field: "vf.qos", "\(vlan.qos) is outside 0...7")
            }
            let vlanAndQoS = vfIndex + NetlinkBytes.native(UInt32(vlan.id)) + NetlinkBytes.native(UInt32(vlan.qos))
            switch vlan.protocolID {
            case .dot1q:
                // Like iproute2: plain 802.1Q uses the original struct ifla_vf_vlan { __u32 vf, vlan, qos; },
                // which every driver understands.
                info.append(.bytes(IFLA_VF_VLAN, vlanAndQoS))
            case .dot1ad:
                // struct ifla_vf_vlan_info { __u32 vf, vlan, qos; __be16 vlan_proto; } (16 bytes with padding)
                let vlanInfo = vlanAndQoS + NetlinkBytes.native(UInt16(ETH_P_8021AD).bigEndian) + [0, 0]
                info.append(.nested(IFLA_VF_VLAN_LIST, [.bytes(IFLA_VF_VLAN_INFO, vlanInfo)]))
            }
        }
        // struct ifla_vf_spoofchk / ifla_vf_trust / ifla_vf_link_state { __u32 vf; __u32 setting; }
        if let spoofcheck = vf.spoofcheck {
            info.append(.bytes(IFLA_VF_SPOOFCHK, vfIndex + NetlinkBytes.native(UInt32(spoofcheck ? 1 : 0))))
        }
        if let trust = vf.trust {
            info.append(.bytes(IFLA_VF_TRUST, vfIndex + NetlinkBytes.native(UInt32(trust ? 1 : 0))))
        }
        if let state = vf.linkState {
            info.append(.bytes(IFLA_VF_LINK_STATE, vfIndex + NetlinkBytes.native(vfLinkStateValue(state))))
        }
        guard !info.isEmpty else {
            throw NetlinkError.invalid(operation, device: device, field: "vf", "VF \(vf.index): nothing to set")
        }
        return NetlinkMessage(type: UInt16(RTM_NEWLINK), flags: requestAck,
                              familyHeader: InterfaceInfoHeader(index: pfIndex).encoded,
                              attributes: [.nested(IFLA_VFINFO_LIST, [.nested(IFLA_VF_INFO, info)])])
    }

    /// `IFLA_VF_LINK_STATE_AUTO` / `_ENABLE` / `_DISABLE`.
    static func vfLinkStateValue(_ state: HostDesiredState.LinkState) -> UInt32 {
        switch state {
        case .auto: UInt32(IFLA_VF_LINK_STATE_AUTO)
        case .enable: UInt32(IFLA_VF_LINK_STATE_ENABLE)
        case .disable: UInt32(IFLA_VF_LINK_STATE_DISABLE)
        }
    }
}
