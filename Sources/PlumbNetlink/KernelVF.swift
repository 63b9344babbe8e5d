import PlumbModel

/// One SR-IOV VF as its PF reports it (`IFLA_VF_INFO`).
public struct KernelVF: Equatable, Sendable {
    public var index: Int
    /// All zero when the VF has none (a VF Plumb parked, or one never configured).
    public var mac: MACAddress
    /// The VST VLAN, 0 when none.
    public var vlan: Int
    public var qos: Int
    /// The tag protocol; nil when the driver reports only the legacy `IFLA_VF_VLAN` (implying 802.1Q).
    public var vlanProtocol: VLANProtocol?
    /// nil when the driver does not report the setting.
    public var spoofcheck: Bool?
    public var trust: Bool?
    public var linkState: HostDesiredState.LinkState?

    public init(index: Int, mac: MACAddress = .zero, vlan: Int = 0, qos: Int = 0, vlanProtocol: VLANProtocol? = nil,
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
