/// A tap to create through `/dev/net/tun`: `IFF_TAP | IFF_NO_PI | IFF_VNET_HDR`, persistent, optionally owned
/// by the user/group QEMU runs as, optionally made a port of a bridge in the same request as its MTU, group and alias.
public struct TapSpec: Equatable, Sendable {
    public var name: String
    public var ownerUID: UInt32?
    public var ownerGID: UInt32?
    public var mtu: Int?
    public var group: UInt32?
    public var alias: String?
    /// Index of the bridge (or other master) to attach the new tap to.
    public var masterIndex: Int32?
    /// `none` for a tap that must never have an IPv6 address; nil leaves the kernel's default.
    public var ipv6AddressGeneration: IPv6AddressGeneration?

    public init(name: String, ownerUID: UInt32? = nil, ownerGID: UInt32? = nil, mtu: Int? = nil,
                group: UInt32? = nil, alias: String? = nil, masterIndex: Int32? = nil,
                ipv6AddressGeneration: IPv6AddressGeneration? = nil) {
        self.name = name
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
        self.mtu = mtu
        self.group = group
        self.alias = alias
        self.masterIndex = masterIndex
        self.ipv6AddressGeneration = ipv6AddressGeneration
    }
}
