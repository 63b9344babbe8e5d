import PlumbModel

/// One network device as a `RTM_GETLINK` dump reports it: the fields Plumb plans with.
public struct KernelLink: Equatable, Sendable {
    public var index: Int32
    public var name: String
    /// `IFLA_INFO_KIND`: `vxlan`, `bridge`, `tun`, `veth`, …; nil for physical NICs and loopback.
    public var kind: String?
    /// The bridge (or other master) this device is enslaved to.
    public var masterIndex: Int32?
    public var mtu: Int
    /// Administratively up (`IFF_UP`).
    public var isUp: Bool
    /// The link group (`IFLA_GROUP`), 0 when in the default group.
    public var group: UInt32
    /// `IFLA_IFALIAS`, nil when unset.
    public var alias: String?
    public var mac: MACAddress?
    /// VXLAN parameters when `kind == "vxlan"`.
    public var vxlan: KernelVXLAN?
    /// Tun/tap parameters when `kind == "tun"`.
    public var tun: KernelTun?
    /// The bridge port `isolated` flag when the device is a bridge port; nil otherwise.
    public var bridgePortIsolated: Bool?
    /// The bridge port `vlan_tunnel` flag (VLAN→VNI mapping on a VXLAN port) when the device is a bridge port.
    public var bridgePortVLANTunnel: Bool?
    /// VLAN filtering and its tag protocol when `kind == "bridge"`.
    public var bridge: KernelBridge?
    /// The device's SR-IOV VFs (empty unless it is a PF with VFs).
    public var vfs: [KernelVF]
    /// `IFLA_INET6_ADDR_GEN_MODE` (raw: the kernel may know modes Plumb does not); nil when the device has no IPv6.
    public var ipv6AddressGenerationMode: UInt8?

    public init(index: Int32, name: String, kind: String? = nil, masterIndex: Int32? = nil, mtu: Int, isUp: Bool,
                group: UInt32 = 0, alias: String? = nil, mac: MACAddress? = nil, vxlan: KernelVXLAN? = nil,
                tun: KernelTun? = nil, bridgePortIsolated: Bool? = nil, bridgePortVLANTunnel: Bool? = nil,
                bridge: KernelBridge? = nil, vfs: [KernelVF] = [], ipv6AddressGenerationMode: UInt8? = nil) {
        self.index = index
        self.name = name
        self.kind = kind
        self.masterIndex = masterIndex
        self.mtu = mtu
        self.isUp = isUp
        self.group = group
        self.alias = alias
        self.mac = mac
        self.vxlan = vxlan
        self.tun = tun
        self.bridgePortIsolated = bridgePortIsolated
        self.bridgePortVLANTunnel = bridgePortVLANTunnel
        self.bridge = bridge
        self.vfs = vfs
        self.ipv6AddressGenerationMode = ipv6AddressGenerationMode
    }
}
