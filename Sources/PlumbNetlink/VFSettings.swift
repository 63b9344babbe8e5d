import PlumbModel

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
