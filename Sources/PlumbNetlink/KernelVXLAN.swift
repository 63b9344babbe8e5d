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

    public init(vni: UInt32, local: IPv4Address?, port: UInt16, learning: Bool, underlayIndex: Int32? = nil) {
        self.vni = vni
        self.local = local
        self.port = port
        self.learning = learning
        self.underlayIndex = underlayIndex
    }
}
