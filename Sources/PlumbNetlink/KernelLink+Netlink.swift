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
        if let inet6 = try attributes.first(IFLA_AF_SPEC)?.nestedAttributes().first(AF_INET6)?.nestedAttributes() {
            ipv6AddressGenerationMode = inet6.first(IFLA_INET6_ADDR_GEN_MODE)?.u8
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
                underlayIndex: data.first(IFLA_VXLAN_LINK)?.u32.flatMap { $0 == 0 ? nil : Int32(bitPattern: $0) },
                external: (data.first(IFLA_VXLAN_COLLECT_METADATA)?.u8 ?? 0) != 0,
                vniFilter: (data.first(IFLA_VXLAN_VNIFILTER)?.u8 ?? 0) != 0)
        case "bridge":
            bridge = KernelBridge(vlanFiltering: (data.first(IFLA_BR_VLAN_FILTERING)?.u8 ?? 0) != 0,
                                  vlanProtocol: data.first(IFLA_BR_VLAN_PROTOCOL)?.bigEndianU16 ?? UInt16(ETH_P_8021Q))
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
            bridgePortVLANTunnel = portData.first(IFLA_BRPORT_VLAN_TUNNEL).map { ($0.u8 ?? 0) != 0 }
        }
    }
}
