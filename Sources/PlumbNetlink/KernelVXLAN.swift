import PlumbModel

/// A VXLAN device's parameters (`IFLA_VXLAN_*`).
public struct KernelVXLAN: Equatable, Sendable {
    public var vni: UInt32
    public var local: IPv4Address?
    /// The UDP destination port (host order).
    public var port: UInt16
    public var learning: Bool
    /// The underlay device (`IFLA_VXLAN_LINK`), if bound to one.
    public var underlayIndex: Int32?
    /// `external` (`IFLA_VXLAN_COLLECT_METADATA`): the VNI comes with each frame, not from the device.
    public var external: Bool
    /// `vnifilter`: an external device that accepts only the VNIs in its filter.
    public var vniFilter: Bool

    public init(vni: UInt32, local: IPv4Address?, port: UInt16, learning: Bool, underlayIndex: Int32? = nil,
                external: Bool = false, vniFilter: Bool = false) {
        self.vni = vni
        self.local = local
        self.port = port
        self.learning = learning
        self.underlayIndex = underlayIndex
        self.external = external
        self.vniFilter = vniFilter
    }
}

/// A bridge's VLAN settings (`IFLA_BR_*`).
public struct KernelBridge: Equatable, Sendable {
    /// `vlan_filtering`: a VLAN-aware bridge.
    public var vlanFiltering: Bool
    /// `vlan_protocol`: the EtherType of the tags the bridge filters on (0x8100 or 0x88a8).
    public var vlanProtocol: UInt16

    public init(vlanFiltering: Bool, vlanProtocol: UInt16) {
        self.vlanFiltering = vlanFiltering
        self.vlanProtocol = vlanProtocol
    }
}
