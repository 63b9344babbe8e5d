import PlumbModel

/// A VXLAN device to create: `ip link add NAME type vxlan id VNI local IP dstport 4789 nolearning [dev UNDERLAY]`.
public struct VXLANSpec: Equatable, Sendable {
    public var name: String
    public var vni: UInt32
    public var local: IPv4Address
    /// The UDP port; 4789 (IANA) unless set (the kernel's own default would be 8472).
    public var port: UInt16
    public var learning: Bool
    public var underlayIndex: Int32?
    public var mtu: Int?
    /// The link group that marks the device as Plumb's.
    public var group: UInt32?
    public var alias: String?
    /// Set right after creation, with the alias, before the device is up; nil leaves the kernel's default.
    public var ipv6AddressGeneration: IPv6AddressGeneration?

    public init(name: String, vni: UInt32, local: IPv4Address, port: UInt16 = 4789, learning: Bool = false,
                underlayIndex: Int32? = nil, mtu: Int? = nil, group: UInt32? = nil, alias: String? = nil,
                ipv6AddressGeneration: IPv6AddressGeneration? = nil) {
        self.name = name
        self.vni = vni
        self.local = local
        self.port = port
        self.learning = learning
        self.underlayIndex = underlayIndex
        self.mtu = mtu
        self.group = group
        self.alias = alias
        self.ipv6AddressGeneration = ipv6AddressGeneration
    }
}
