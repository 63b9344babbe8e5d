import CNetlink
import PlumbModel

extension KernelVF {
    /// Reads one VF from the attributes nested in an `IFLA_VF_INFO`.
    init(_ info: [NetlinkAttribute]) throws {
        guard let macPayload = info.first(IFLA_VF_MAC)?.payload, macPayload.count >= 10 else {
            throw NetlinkParseError("IFLA_VF_INFO without IFLA_VF_MAC")
        }
        // A cleared MAC is all zero, and reads as such: it is what a parked VF must show.
        self.init(index: Int(NetlinkBytes.readU32(macPayload, at: 0)), mac: MACAddress(octets: Array(macPayload[4..<10])))
        if let legacy = info.first(IFLA_VF_VLAN)?.payload, legacy.count >= 12 {
            vlan = Int(NetlinkBytes.readU32(legacy, at: 4))
            qos = Int(NetlinkBytes.readU32(legacy, at: 8))
        }
        let vlanList = try info.first(IFLA_VF_VLAN_LIST)?.nestedAttributes() ?? []
        if let first = vlanList.first(IFLA_VF_VLAN_INFO)?.payload, first.count >= 14 {
            vlan = Int(NetlinkBytes.readU32(first, at: 4))
            qos = Int(NetlinkBytes.readU32(first, at: 8))
            switch UInt16(bigEndian: NetlinkBytes.read(first, at: 12)) {
            case UInt16(ETH_P_8021AD): vlanProtocol = .dot1ad
            case UInt16(ETH_P_8021Q): vlanProtocol = .dot1q
            default: vlanProtocol = nil
            }
        }
        spoofcheck = Self.setting(info, IFLA_VF_SPOOFCHK).flatMap { $0 == UInt32.max ? nil : $0 != 0 }
        trust = Self.setting(info, IFLA_VF_TRUST).flatMap { $0 == UInt32.max ? nil : $0 != 0 }
        switch Self.setting(info, IFLA_VF_LINK_STATE) {
        case UInt32(IFLA_VF_LINK_STATE_AUTO): linkState = .auto
        case UInt32(IFLA_VF_LINK_STATE_ENABLE): linkState = .enable
        case UInt32(IFLA_VF_LINK_STATE_DISABLE): linkState = .disable
        default: linkState = nil
        }
    }

    /// The setting of a `{ __u32 vf; __u32 setting; }` attribute; drivers that lack a flag report `-1` (`UInt32.max`).
    private static func setting<T: BinaryInteger>(_ info: [NetlinkAttribute], _ type: T) -> UInt32? {
        guard let payload = info.first(type)?.payload, payload.count >= 8 else { return nil }
        return NetlinkBytes.readU32(payload, at: 4)
    }
}
