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

    public init(name: String, vni: UInt32, local: IPv4Address, port: UInt16 = 4789, learning: Bool = false,
                underlayIndex: Int32? = nil, mtu: Int? = nil, group: UInt32? = nil, alias: String? = nil) {
        self.name = name
        self.vni = vni
        self.local = local
        self.port = port
        self.learning = learning
        self.underlayIndex = underlayIndex
        self.mtu = mtu
        self.group = group
        self.alias = alias
    }
}

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

/// A change to a device's master.
public enum MasterChange: Equatable, Sendable {
    /// Enslave to the device with this index (`ip link set DEV master M`).
    case attach(Int32)
    /// Release from any master (`ip link set DEV nomaster`).
    case detach
}

/// The settings for one SR-IOV VF (`ip link set PF vf N ...`); nil fields are left as they are.
public struct VFSettings: Equatable, Sendable {
    public var index: Int
    public var mac: MACAddress?
    /// The VST VLAN with its protocol; VLAN 0 with 802.1Q clears it.
    public var vlan: VFVLAN?
    public var spoofcheck: Bool?
    public var trust: Bool?
    public var linkState: HostDesiredState.LinkState?

    public init(index: Int, mac: MACAddress? = nil, vlan: VFVLAN? = nil, spoofcheck: Bool? = nil, trust: Bool? = nil,
                linkState: HostDesiredState.LinkState? = nil) {
        self.index = index
        self.mac = mac
        self.vlan = vlan
        self.spoofcheck = spoofcheck
        self.trust = trust
        self.linkState = linkState
    }
}

/// A VF's VST tag: `vlan ID [qos Q] proto 802.1Q|802.1ad`.
public struct VFVLAN: Equatable, Sendable {
    public var id: Int
    public var qos: Int
    public var protocolID: VLANProtocol

    public init(id: Int, qos: Int = 0, protocolID: VLANProtocol) {
        self.id = id
        self.qos = qos
        self.protocolID = protocolID
    }
}
