import CNetlink
import Glibc
import PlumbModel

extension KernelLink {
    /// Reads a device from one `RTM_NEWLINK` message of a dump.
    public init(_ message: NetlinkMessage) throws {
        let header = try InterfaceInfoHeader(message.familyHeader)
        let attributes = message.attributes
        guard let name = attributes.first(IFLA_IFNAME)?.string else {
            throw NetlinkParseError("link \(header.index) has no IFLA_IFNAME")
        }
        self.init(index: header.index, name: name, mtu: Int(attributes.first(IFLA_MTU)?.u32 ?? 0),
                  isUp: header.flags & UInt32(IFF_UP) != 0)
        masterIndex = attributes.first(IFLA_MASTER)?.u32.map { Int32(bitPattern: $0) }
        group = attributes.first(IFLA_GROUP)?.u32 ?? 0
        alias = attributes.first(IFLA_IFALIAS)?.string
        if let address = attributes.first(IFLA_ADDRESS)?.payload, address.count == 6 { mac = MACAddress(octets: address) }
        if let linkInfo = try attributes.first(IFLA_LINKINFO)?.nestedAttributes() {
            try readLinkInfo(linkInfo)
        }
        if let list = try attributes.first(IFLA_VFINFO_LIST)?.nestedAttributes() {
            vfs = try list.filter { $0.type == UInt16(IFLA_VF_INFO) }.map { try KernelVF($0.nestedAttributes()) }
        }
    }

    private mutating func readLinkInfo(_ info: [NetlinkAttribute]) throws {
        kind = info.first(IFLA_INFO_KIND)?.string
        let data = try info.first(IFLA_INFO_DATA)?.nestedAttributes() ?? []
        switch kind {
        case "vxlan":
            vxlan = KernelVXLAN(
                vni: data.first(IFLA_VXLAN_ID)?.u32 ?? 0,
                local: data.first(IFLA_VXLAN_LOCAL).flatMap { $0.payload.count == 4 ? IPv4Address(octets: $0.payload) : nil },
                port: data.first(IFLA_VXLAN_PORT)?.bigEndianU16 ?? 0,
                learning: (data.first(IFLA_VXLAN_LEARNING)?.u8 ?? 0) != 0,
                underlayIndex: data.first(IFLA_VXLAN_LINK)?.u32.flatMap { $0 == 0 ? nil : Int32(bitPattern: $0) })
        case "tun":
            tun = KernelTun(
                isTap: data.first(IFLA_TUN_TYPE)?.u8 == UInt8(IFF_TAP),
                vnetHeader: (data.first(IFLA_TUN_VNET_HDR)?.u8 ?? 0) != 0,
                persistent: (data.first(IFLA_TUN_PERSIST)?.u8 ?? 0) != 0,
                ownerUID: data.first(IFLA_TUN_OWNER)?.u32,
                ownerGID: data.first(IFLA_TUN_GROUP)?.u32)
        default: break
        }
        if info.first(IFLA_INFO_SLAVE_KIND)?.string == "bridge" {
            let portData = try info.first(IFLA_INFO_SLAVE_DATA)?.nestedAttributes() ?? []
            bridgePortIsolated = portData.first(IFLA_BRPORT_ISOLATED).map { ($0.u8 ?? 0) != 0 } ?? false
        }
    }
}

extension KernelVF {
    /// Reads one VF from the attributes nested in an `IFLA_VF_INFO`.
    init(_ info: [NetlinkAttribute]) throws {
        guard let macPayload = info.first(IFLA_VF_MAC)?.payload, macPayload.count >= 10 else {
            throw NetlinkParseError("IFLA_VF_INFO without IFLA_VF_MAC")
        }
        self.init(index: Int(NetlinkBytes.readU32(macPayload, at: 0)))
        let macOctets = Array(macPayload[4..<10])
        if macOctets.contains(where: { $0 != 0 }) { mac = MACAddress(octets: macOctets) }
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

extension MACAddress {
    /// A MAC from its six octets, first on the wire first.
    init(octets: [UInt8]) {
        self.init(value: octets.prefix(6).reduce(0) { $0 << 8 | UInt64($1) })
    }
}

extension IPv4Address {
    /// An address from its four octets in network order.
    init(octets: [UInt8]) {
        self.init(value: octets.prefix(4).reduce(0) { $0 << 8 | UInt32($1) })
    }
}
