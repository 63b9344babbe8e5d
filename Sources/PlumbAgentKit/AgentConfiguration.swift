import PlumbModel

/// How the agent plumbs this host: what marks its devices, where sysfs and its state live, and local overrides.
public struct AgentConfiguration: Equatable, Sendable {
    /// Root of the sysfs tree (`/sys`); tests point it at a directory laid out like sysfs.
    public var sysfsRoot: String
    /// Directory for the agent's few records that the kernel cannot hold (which PCI devices Plumb took and
    /// from which driver), so that a restarted agent gives them back.
    public var stateDirectory: String
    /// The link group (`IFLA_GROUP`) that marks a device as Plumb's.
    public var linkGroup: UInt32
    /// The link group Plumb moves devices into right before deleting them all with one request (the kernel then
    /// unregisters them together). A device found in it is Plumb's and about to go; nothing else may use this group.
    public var deletionGroup: UInt32
    /// The alias (`IFLA_IFALIAS`) prefix that marks a device as Plumb's.
    public var aliasPrefix: String
    /// MTU for the VXLAN devices, bridges and taps of a network whose document names none (an older controller);
    /// nil means the underlay MTU minus the VXLAN overhead. A network's own `mtu` always wins: it is the one MTU
    /// every host of the network uses.
    public var mtuOverride: Int?
    /// Owner uid of taps (the user QEMU runs as); nil leaves them owned by root only.
    public var tapOwner: UInt32?
    /// Owner gid of taps.
    public var tapGroup: UInt32?
    /// VXLAN UDP destination port.
    public var vxlanPort: UInt16

    /// The default link group: "PL" in ASCII.
    public static let defaultLinkGroup: UInt32 = 0x504C
    /// The default deletion group: "PD" in ASCII.
    public static let defaultDeletionGroup: UInt32 = 0x5044
    /// The default alias prefix.
    public static let defaultAliasPrefix = "plumb:"

    public init(sysfsRoot: String = "/sys", stateDirectory: String = "/var/lib/plumb-agent",
                linkGroup: UInt32 = AgentConfiguration.defaultLinkGroup,
                deletionGroup: UInt32 = AgentConfiguration.defaultDeletionGroup,
                aliasPrefix: String = AgentConfiguration.defaultAliasPrefix, mtuOverride: Int? = nil,
                tapOwner: UInt32? = nil, tapGroup: UInt32? = nil, vxlanPort: UInt16 = 4789) {
        self.sysfsRoot = sysfsRoot
        self.stateDirectory = stateDirectory
        self.linkGroup = linkGroup
        self.deletionGroup = deletionGroup
        self.aliasPrefix = aliasPrefix
        self.mtuOverride = mtuOverride
        self.tapOwner = tapOwner
        self.tapGroup = tapGroup
        self.vxlanPort = vxlanPort
    }

    /// The MTU of a network's VXLAN device, bridge and taps for an underlay of `underlayMtu`, when the controller
    /// does not send the network's MTU.
    public func overlayMTU(underlayMtu: Int) -> Int {
        mtuOverride ?? underlayMtu - Limits.vxlanOverhead
    }

    /// The MTU of `network`'s VXLAN device, bridge and taps: the controller's for the network, else this host's own
    /// rule (``overlayMTU(underlayMtu:)``).
    public func mtu(of network: HostDesiredState.Network, underlayMtu: Int) -> Int {
        network.mtu ?? overlayMTU(underlayMtu: underlayMtu)
    }
}
