/// Everything one leaf switch must have in place: `GET /v1/leaves/{name}/desired`.
public struct LeafDesiredState: Codable, Equatable, Sendable {
    public var leaf: String
    public var generation: Int64
    public var vtepIp: IPv4Address
    /// The leaf's VLAN-aware bridge, as the facility names it (``Facility/Leaf/bridge``).
    public var bridge: String
    /// The leaf's VXLAN device (``Facility/Leaf/vxlanDevice``).
    public var vxlanDevice: String
    /// The underlay port the VXLAN device sends from (``Facility/Leaf/underlayPort``); nil: routed by the kernel.
    public var underlayPort: String?
    /// The tag protocol of the bridge and its ports (``Facility/Leaf/vlanProtocol``).
    public var vlanProtocol: VLANProtocol
    /// VLAN→VNI mappings for every network with a VF or passthrough NIC behind this leaf.
    public var vlans: [VLANMapping]
    /// Ports in access mode for passthrough NICs.
    public var accessPorts: [AccessPort]
    /// Ports to hypervisors with VFs, carrying these tags.
    public var taggedPorts: [TaggedPort]
    /// Static entries for every VM MAC in each VNI the leaf carries.
    public var fdb: [FDBEntry]

    enum CodingKeys: String, CodingKey {
        case leaf, generation, vtepIp = "vtep_ip", bridge, vxlanDevice = "vxlan_device",
            underlayPort = "underlay_port", vlanProtocol = "vlan_protocol", vlans, accessPorts = "access_ports",
            taggedPorts = "tagged_ports", fdb
    }

    public init(leaf: String, generation: Int64, vtepIp: IPv4Address, bridge: String = Facility.Leaf.defaultBridge,
                vxlanDevice: String = Facility.Leaf.defaultVXLANDevice, underlayPort: String? = nil, vlanProtocol: VLANProtocol = .dot1q,
                vlans: [VLANMapping] = [], accessPorts: [AccessPort] = [], taggedPorts: [TaggedPort] = [], fdb: [FDBEntry] = []) {
        self.leaf = leaf
        self.generation = generation
        self.vtepIp = vtepIp
        self.bridge = bridge
        self.vxlanDevice = vxlanDevice
        self.underlayPort = underlayPort
        self.vlanProtocol = vlanProtocol
        self.vlans = vlans
        self.accessPorts = accessPorts
        self.taggedPorts = taggedPorts
        self.fdb = fdb
    }

    public struct VLANMapping: Codable, Equatable, Sendable {
        public var vlan: Int
        public var vni: Int
        /// The network's guests tag their own frames (``MaterializationSpec/Network/guestVlans``): the leaf gives it a
        /// VXLAN device of its own (``LeafDesiredState/guestVLANDevice(vni:)``), whose bridge port has the VLAN as PVID.
        public var guestVlans: Bool
        /// Every other VTEP in the VNI.
        public var flood: [IPv4Address]

        enum CodingKeys: String, CodingKey {
            case vlan, vni, guestVlans = "guest_vlans", flood
        }

        public init(vlan: Int, vni: Int, guestVlans: Bool = false, flood: [IPv4Address]) {
            self.vlan = vlan
            self.vni = vni
            self.guestVlans = guestVlans
            self.flood = flood
        }
    }

    /// What the names of guest-VLAN networks' VXLAN devices start with.
    public static let guestVLANDevicePrefix = "plgv"

    /// The VXLAN device of the guest-VLAN network with VNI `vni` on a leaf: ``guestVLANDevicePrefix`` and the VNI, at
    /// most 12 characters (VNIs have at most 8 digits), so within the kernel's interface-name limit.
    public static func guestVLANDevice(vni: Int) -> String { guestVLANDevicePrefix + String(vni) }

    /// Whether `name` has the shape of a guest-VLAN network's VXLAN device name (the prefix and only digits): the
    /// facility may name no leaf device or port so.
    public static func isGuestVLANDeviceName(_ name: String) -> Bool {
        guard name.hasPrefix(guestVLANDevicePrefix) else { return false }
        let digits = name.dropFirst(guestVLANDevicePrefix.count)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    public struct AccessPort: Codable, Equatable, Sendable {
        public var port: String
        public var vlan: Int
        public var hypervisor: String
        public var pciAddress: PCIAddress

        enum CodingKeys: String, CodingKey {
            case port, vlan, hypervisor, pciAddress = "pci_address"
        }

        public init(port: String, vlan: Int, hypervisor: String, pciAddress: PCIAddress) {
            self.port = port
            self.vlan = vlan
            self.hypervisor = hypervisor
            self.pciAddress = pciAddress
        }
    }

    public struct TaggedPort: Codable, Equatable, Sendable {
        public var port: String
        public var hypervisor: String
        public var vlans: [Int]

        public init(port: String, hypervisor: String, vlans: [Int]) {
            self.port = port
            self.hypervisor = hypervisor
            self.vlans = vlans
        }
    }

    /// A static entry: `mac` in `vni` is behind a remote VTEP, or behind a local port on a VLAN.
    public struct FDBEntry: Codable, Equatable, Sendable {
        public var vni: Int
        public var mac: MACAddress
        /// Remote: the VTEP the MAC is behind.
        public var vtep: IPv4Address?
        /// Local: the port and tag the MAC is behind.
        public var port: String?
        public var vlan: Int?

        public init(vni: Int, mac: MACAddress, vtep: IPv4Address? = nil, port: String? = nil, vlan: Int? = nil) {
            self.vni = vni
            self.mac = mac
            self.vtep = vtep
            self.port = port
            self.vlan = vlan
        }
    }
}
