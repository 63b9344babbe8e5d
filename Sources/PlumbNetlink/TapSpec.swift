/// A tap to create through `/dev/net/tun`: `IFF_TAP | IFF_NO_PI | IFF_VNET_HDR`, persistent, optionally owned
/// by the user/group QEMU runs as.
public struct TapSpec: Equatable, Sendable {
    public var name: String
    public var ownerUID: UInt32?
    public var ownerGID: UInt32?
    public var mtu: Int?
    public var group: UInt32?
    public var alias: String?

    public init(name: String, ownerUID: UInt32? = nil, ownerGID: UInt32? = nil, mtu: Int? = nil,
                group: UInt32? = nil, alias: String? = nil) {
        self.name = name
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
        self.mtu = mtu
        self.group = group
        self.alias = alias
    }
}
