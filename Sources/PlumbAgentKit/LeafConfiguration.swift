import PlumbModel

/// How a leaf switch is plumbed, beyond what its desired state says: the names of Plumb's two devices on it, the
/// underlay the VXLAN device sends from, and the tag protocol of its ports. Agent-side options for now (the facility
/// does not declare them yet).
public struct LeafConfiguration: Equatable, Sendable {
    /// The VLAN-aware bridge every access and trunk port joins.
    public var bridgeName: String
    /// The one VXLAN device (`external vnifilter`) carrying every VNI of the leaf.
    public var vxlanName: String
    /// The underlay device the VXLAN device is bound to (`dev`), if any.
    public var underlay: String?
    /// The bridge's tag protocol: 802.1Q, or 802.1ad when the hypervisors' VFs push S-tags over guest tags.
    public var vlanProtocol: VLANProtocol

    public static let defaultBridgeName = "plumbleaf"
    public static let defaultVXLANName = "plumbvx"

    public init(bridgeName: String = LeafConfiguration.defaultBridgeName, vxlanName: String = LeafConfiguration.defaultVXLANName,
                underlay: String? = nil, vlanProtocol: VLANProtocol = .dot1q) {
        self.bridgeName = bridgeName
        self.vxlanName = vxlanName
        self.underlay = underlay
        self.vlanProtocol = vlanProtocol
    }

    /// The alias of the leaf's bridge and VXLAN device.
    func alias(_ agent: AgentConfiguration) -> String { "\(agent.aliasPrefix)leaf" }
}
