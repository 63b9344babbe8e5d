import PlumbModel

/// One bridge forwarding-database entry from an `AF_BRIDGE` `RTM_GETNEIGH` dump.
///
/// VXLAN devices report their own table (`NTF_SELF`): `mac` 00:00:00:00:00:00 with a `dst` is a flood entry.
public struct KernelFDBEntry: Equatable, Sendable {
    /// The device the entry belongs to (the VXLAN device or the bridge port).
    public var index: Int32
    public var mac: MACAddress
    /// The remote VTEP, for VXLAN entries with an IPv4 destination.
    public var dst: IPv4Address?
    /// `NDA_VNI`, when the entry names a VNI other than the device's.
    public var vni: UInt32?
    /// `NUD_PERMANENT` (static) as opposed to learned.
    public var isPermanent: Bool
    /// `NTF_SELF`: the device's own table rather than its bridge master's.
    public var isSelf: Bool
    /// The bridge (`NDA_MASTER`), for entries of a bridge's table.
    public var master: Int32?
    /// `NDA_VLAN`, for entries of a VLAN-aware bridge.
    public var vlan: UInt16?
    /// `NDA_SRC_VNI`: the VNI an `external` VXLAN device keeps the entry under.
    public var sourceVNI: UInt32?
    /// `NUD_NOARP` without `NUD_PERMANENT` in a bridge's table: a static entry (`bridge fdb add … master static`),
    /// as opposed to the bridge's own addresses (permanent) and learned ones.
    public var isStatic: Bool = false

    public init(index: Int32, mac: MACAddress, dst: IPv4Address? = nil, vni: UInt32? = nil, isPermanent: Bool,
                isSelf: Bool, master: Int32? = nil, vlan: UInt16? = nil) {
        self.index = index
        self.mac = mac
        self.dst = dst
        self.vni = vni
        self.isPermanent = isPermanent
        self.isSelf = isSelf
        self.master = master
        self.vlan = vlan
    }
}
