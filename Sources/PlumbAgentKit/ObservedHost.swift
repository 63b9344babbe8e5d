import PlumbModel
import PlumbNetlink

/// What the agent found on the host, read once per reconcile: network devices, VXLAN forwarding entries,
/// the PCI devices it plans with, and its own records of PCI devices it took.
///
/// The planner diffs this against a `HostDesiredState`; it holds plain values only, so plans are tested without IO.
public struct ObservedHost: Equatable, Sendable {
    public var links: [ObservedLink]
    /// VXLAN devices' own forwarding entries that have a remote VTEP (`NTF_SELF` with a destination).
    public var fdb: [ObservedFDBEntry]
    /// The sysfs view of every PCI device the plan may touch (PFs, their VFs, passthrough devices), by address.
    public var pciDevices: [PCIAddress: ObservedPCIDevice]
    /// PCI devices Plumb took over, by address (from the agent's state directory).
    public var pciRecords: [PCIAddress: PCIDeviceRecord]
    /// The PCI function behind each PF's network interface the document names (`class/net/NAME/device`), by interface
    /// name: a PF is one NIC only if its name and its PCI address say the same one.
    public var interfacePCIAddresses: [String: PCIAddress]

    public init(links: [ObservedLink] = [], fdb: [ObservedFDBEntry] = [],
                pciDevices: [PCIAddress: ObservedPCIDevice] = [:], pciRecords: [PCIAddress: PCIDeviceRecord] = [:],
                interfacePCIAddresses: [String: PCIAddress] = [:]) {
        self.links = links
        self.fdb = fdb
        self.pciDevices = pciDevices
        self.pciRecords = pciRecords
        self.interfacePCIAddresses = interfacePCIAddresses
    }

    /// The device called `name`, if any.
    public func link(named name: String) -> ObservedLink? { links.first { $0.name == name } }
}

/// One network device.
public struct ObservedLink: Equatable, Sendable {
    /// What kind of device it is, as far as the planner cares.
    public enum Kind: Equatable, Sendable {
        case bridge, vxlan, tap
        /// Anything else: physical NICs, veth, loopback, … (`IFLA_INFO_KIND`, nil when none).
        case other(String?)
    }

    public var index: Int32
    public var name: String
    public var kind: Kind
    public var masterIndex: Int32?
    public var mtu: Int
    public var isUp: Bool
    public var group: UInt32
    public var alias: String?
    /// VXLAN parameters when `kind == .vxlan`.
    public var vxlan: ObservedVXLAN?
    /// The bridge port `isolated` flag, when the device is a bridge port.
    public var isolated: Bool?
    /// SR-IOV VFs, when the device is a PF with VFs.
    public var vfs: [ObservedVF]
    /// The bridge's VLAN filtering, when `kind == .bridge` (nil: not VLAN-aware).
    public var vlanFiltering: VLANProtocol?
    /// The bridge port `vlan_tunnel` flag, when the device is a bridge port.
    public var vlanTunnel: Bool?
    /// The device's IPv4 and IPv6 addresses (from the one address dump of the reconcile).
    public var addresses: [KernelAddress]
    /// `IFLA_INET6_ADDR_GEN_MODE`; nil when the device has no IPv6 (nothing to turn off).
    public var ipv6AddressGenerationMode: UInt8?

    public init(index: Int32, name: String, kind: Kind, masterIndex: Int32? = nil, mtu: Int = 1500, isUp: Bool = true,
                group: UInt32 = 0, alias: String? = nil, vxlan: ObservedVXLAN? = nil, isolated: Bool? = nil,
                vfs: [ObservedVF] = [], vlanFiltering: VLANProtocol? = nil, vlanTunnel: Bool? = nil,
                addresses: [KernelAddress] = [], ipv6AddressGenerationMode: UInt8? = nil) {
        self.index = index
        self.name = name
        self.kind = kind
        self.masterIndex = masterIndex
        self.mtu = mtu
        self.isUp = isUp
        self.group = group
        self.alias = alias
        self.vxlan = vxlan
        self.isolated = isolated
        self.vfs = vfs
        self.vlanFiltering = vlanFiltering
        self.vlanTunnel = vlanTunnel
        self.addresses = addresses
        self.ipv6AddressGenerationMode = ipv6AddressGenerationMode
    }
}

/// A VXLAN device's parameters.
public struct ObservedVXLAN: Equatable, Sendable {
    public var vni: Int
    public var local: IPv4Address?
    public var port: UInt16
    public var learning: Bool
    public var underlayIndex: Int32?
    /// `external vnifilter`: one device for many VNIs, taken from the bridge's VLAN→VNI mapping.
    public var externalVNIFilter: Bool

    public init(vni: Int, local: IPv4Address?, port: UInt16, learning: Bool, underlayIndex: Int32? = nil,
                externalVNIFilter: Bool = false) {
        self.vni = vni
        self.local = local
        self.port = port
        self.learning = learning
        self.underlayIndex = underlayIndex
        self.externalVNIFilter = externalVNIFilter
    }
}

/// One VXLAN forwarding entry: frames for `mac` on device `index` go to `dst` (`mac` zero: flood).
public struct ObservedFDBEntry: Hashable, Sendable {
    public var index: Int32
    public var mac: MACAddress
    public var dst: IPv4Address

    public init(index: Int32, mac: MACAddress, dst: IPv4Address) {
        self.index = index
        self.mac = mac
        self.dst = dst
    }
}

/// One VF's settings as its PF reports them; nil where the driver does not report a setting.
public struct ObservedVF: Equatable, Sendable {
    public var index: Int
    public var mac: MACAddress?
    public var vlan: Int
    public var vlanProtocol: VLANProtocol?
    public var spoofcheck: Bool?
    public var trust: Bool?
    public var linkState: HostDesiredState.LinkState?

    public init(index: Int, mac: MACAddress? = nil, vlan: Int = 0, vlanProtocol: VLANProtocol? = nil,
                spoofcheck: Bool? = nil, trust: Bool? = nil, linkState: HostDesiredState.LinkState? = nil) {
        self.index = index
        self.mac = mac
        self.vlan = vlan
        self.vlanProtocol = vlanProtocol
        self.spoofcheck = spoofcheck
        self.trust = trust
        self.linkState = linkState
    }
}

/// One PCI device as sysfs shows it; or an SR-IOV PF on another bus, found through its network interface and kept
/// under the address the document gives it.
public struct ObservedPCIDevice: Equatable, Sendable {
    public var address: PCIAddress
    /// For a PF that is no PCI function (netdevsim's bus device): the network interface it was found through, whose
    /// device (`class/net/NAME/device`) has its `sriov_numvfs`. Its VFs are no PCI functions either: there is nothing to
    /// bind to `vfio-pci`. Nil for a PCI function.
    public var interface: String?
    /// The bound driver (`driver` link), nil when unbound.
    public var driver: String?
    /// `driver_override`, nil when unset.
    public var driverOverride: String?
    /// `sriov_totalvfs`, nil when the device has no SR-IOV capability (or, off the PCI bus, keeps its limit elsewhere:
    /// netdevsim's is in debugfs, and its `sriov_numvfs` refuses a count beyond it).
    public var totalVFs: Int?
    /// `sriov_numvfs`, nil when the device has no SR-IOV capability.
    public var numVFs: Int?
    /// The VFs that exist now (`virtfnN` links), by VF index.
    public var virtualFunctions: [Int: PCIAddress]

    public init(address: PCIAddress, driver: String? = nil, driverOverride: String? = nil, totalVFs: Int? = nil,
                numVFs: Int? = nil, virtualFunctions: [Int: PCIAddress] = [:], interface: String? = nil) {
        self.address = address
        self.interface = interface
        self.driver = driver
        self.driverOverride = driverOverride
        self.totalVFs = totalVFs
        self.numVFs = numVFs
        self.virtualFunctions = virtualFunctions
    }
}

/// The agent's record of a PCI device it took over: what for, and the driver to give it back to.
public struct PCIDeviceRecord: Codable, Equatable, Sendable {
    public enum Role: String, Codable, Sendable {
        /// Plumb set `sriov_numvfs` on this PF; released by setting it back to 0.
        case sriov
        /// Plumb bound this whole device to `vfio-pci`; released by binding it back to `originalDriver`.
        case passthrough
    }

    public var role: Role
    /// The driver bound before Plumb took the device; nil when none was (or it was already `vfio-pci`).
    public var originalDriver: String?
    /// The device's interface name when Plumb took it (a device bound to `vfio-pci` has none), for the inventory.
    public var name: String?

    enum CodingKeys: String, CodingKey {
        case role, originalDriver = "original_driver", name
    }

    public init(role: Role, originalDriver: String? = nil, name: String? = nil) {
        self.role = role
        self.originalDriver = originalDriver
        self.name = name
    }
}
