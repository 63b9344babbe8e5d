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
    /// The device's SR-IOV VFs (empty unless it is a PF with VFs).
    public var vfs: [KernelVF]

    public init(index: Int32, name: String, kind: String? = nil, masterIndex: Int32? = nil, mtu: Int, isUp: Bool,
                group: UInt32 = 0, alias: String? = nil, mac: MACAddress? = nil, vxlan: KernelVXLAN? = nil,
                tun: KernelTun? = nil, bridgePortIsolated: Bool? = nil, vfs: [KernelVF] = []) {
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
        self.vfs = vfs
    }
}

/// A VXLAN device's parameters (`IFLA_VXLAN_*`).
public struct KernelVXLAN: Equatable, Sendable {
    public var vni: UInt32
    public var local: IPv4Address?
    /// The UDP destination port (host order).
    public var port: UInt16
    public var learning: Bool
    /// The underlay device (`IFLA_VXLAN_LINK`), if bound to one.
    public var underlayIndex: Int32?

    public init(vni: UInt32, local: IPv4Address?, port: UInt16, learning: Bool, underlayIndex: Int32? = nil) {
        self.vni = vni
        self.local = local
        self.port = port
        self.learning = learning
        self.underlayIndex = underlayIndex
    }
}

/// A tun/tap device's parameters (`IFLA_TUN_*`).
public struct KernelTun: Equatable, Sendable {
    public var isTap: Bool
    public var vnetHeader: Bool
    public var persistent: Bool
    public var ownerUID: UInt32?
    public var ownerGID: UInt32?

    public init(isTap: Bool, vnetHeader: Bool, persistent: Bool, ownerUID: UInt32?, ownerGID: UInt32?) {
        self.isTap = isTap
        self.vnetHeader = vnetHeader
        self.persistent = persistent
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
    }
}

/// One SR-IOV VF as its PF reports it (`IFLA_VF_INFO`).
public struct KernelVF: Equatable, Sendable {
    public var index: Int
    public var mac: MACAddress?
    /// The VST VLAN, 0 when none.
    public var vlan: Int
    public var qos: Int
    /// The tag protocol; nil when the driver reports only the legacy `IFLA_VF_VLAN` (implying 802.1Q).
    public var vlanProtocol: VLANProtocol?
    /// nil when the driver does not report the setting.
    public var spoofcheck: Bool?
    public var trust: Bool?
    public var linkState: HostDesiredState.LinkState?

    public init(index: Int, mac: MACAddress? = nil, vlan: Int = 0, qos: Int = 0, vlanProtocol: VLANProtocol? = nil,
                spoofcheck: Bool? = nil, trust: Bool? = nil, linkState: HostDesiredState.LinkState? = nil) {
        self.index = index
        self.mac = mac
        self.vlan = vlan
        self.qos = qos
        self.vlanProtocol = vlanProtocol
        self.spoofcheck = spoofcheck
        self.trust = trust
        self.linkState = linkState
    }
}
