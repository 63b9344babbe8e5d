/// The testbed's physical facts, declared as a whole by `PUT /v1/facility`:
/// leaf switches, hypervisors with their NICs, and the VNI pool.
public struct Facility: Codable, Equatable, Sendable {
    /// Ranges VNIs are handed out from (inclusive, within ``Limits/vni``).
    public var vniRanges: [NumberRange]
    /// VNIs inside the ranges that are never handed out.
    public var reservedVnis: [Int]
    public var leaves: [Leaf]
    public var hypervisors: [Hypervisor]

    enum CodingKeys: String, CodingKey {
        case vniRanges = "vni_ranges", reservedVnis = "reserved_vnis", leaves, hypervisors
    }

    public init(vniRanges: [NumberRange], reservedVnis: [Int] = [], leaves: [Leaf], hypervisors: [Hypervisor]) {
        self.vniRanges = vniRanges
        self.reservedVnis = reservedVnis
        self.leaves = leaves
        self.hypervisors = hypervisors
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        vniRanges = try container.decode([NumberRange].self, forKey: .vniRanges)
        reservedVnis = try container.decodeIfPresent([Int].self, forKey: .reservedVnis) ?? []
        leaves = try container.decodeIfPresent([Leaf].self, forKey: .leaves) ?? []
        hypervisors = try container.decodeIfPresent([Hypervisor].self, forKey: .hypervisors) ?? []
    }

    /// An inclusive range of numbers (VNIs, VLAN tags).
    public struct NumberRange: Codable, Equatable, Hashable, Sendable {
        public var first: Int
        public var last: Int

        enum CodingKeys: String, CodingKey {
            case first, last
        }

        public init(first: Int, last: Int) { self.first = first; self.last = last }
    }

    /// A leaf switch: the VTEP for the VFs and passthrough NICs behind it.
    public struct Leaf: Codable, Equatable, Sendable {
        public var name: String
        public var vtepIp: IPv4Address
        /// VLAN tags usable on this leaf (inclusive, within ``Limits/leafVLANTags``).
        public var vlanRange: NumberRange
        /// Tags inside the range that are never handed out.
        public var reservedVlans: [Int]
        /// The largest MTU the leaf passes for the networks of the VFs and passthrough NICs behind it (their
        /// frames cross it before its VTEP); nil: no limit beyond the hypervisors' overlay MTU.
        public var mtu: Int?
        /// The leaf's VLAN-aware bridge, which Plumb makes and owns; every access and trunk port joins it.
        public var bridge: String
        /// The leaf's one VXLAN device (`external vnifilter`), which Plumb makes and owns, carrying every VNI of the leaf.
        public var vxlanDevice: String
        /// The leaf's underlay (uplink) port its VXLAN device sends from; nil: the kernel routes to each VTEP.
        public var underlayPort: String?
        /// The tag protocol of the leaf's ports: 802.1Q, or 802.1ad where the VFs behind it push S-tags over guest tags.
        public var vlanProtocol: VLANProtocol

        enum CodingKeys: String, CodingKey {
            case name, vtepIp = "vtep_ip", vlanRange = "vlan_range", reservedVlans = "reserved_vlans", mtu, bridge,
                vxlanDevice = "vxlan_device", underlayPort = "underlay_port", vlanProtocol = "vlan_protocol"
        }

        /// The bridge's name when the facility does not say.
        public static let defaultBridge = "plumbleaf"
        /// The VXLAN device's name when the facility does not say.
        public static let defaultVXLANDevice = "plumbvx"

        public init(name: String, vtepIp: IPv4Address, vlanRange: NumberRange, reservedVlans: [Int] = [], mtu: Int? = nil,
                    bridge: String = Leaf.defaultBridge, vxlanDevice: String = Leaf.defaultVXLANDevice, underlayPort: String? = nil,
                    vlanProtocol: VLANProtocol = .dot1q) {
            self.name = name
            self.vtepIp = vtepIp
            self.vlanRange = vlanRange
            self.reservedVlans = reservedVlans
            self.mtu = mtu
            self.bridge = bridge
            self.vxlanDevice = vxlanDevice
            self.underlayPort = underlayPort
            self.vlanProtocol = vlanProtocol
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            vtepIp = try container.decode(IPv4Address.self, forKey: .vtepIp)
            vlanRange = try container.decode(NumberRange.self, forKey: .vlanRange)
            reservedVlans = try container.decodeIfPresent([Int].self, forKey: .reservedVlans) ?? []
            mtu = try container.decodeIfPresent(Int.self, forKey: .mtu)
            bridge = try container.decodeIfPresent(String.self, forKey: .bridge) ?? Leaf.defaultBridge
            vxlanDevice = try container.decodeIfPresent(String.self, forKey: .vxlanDevice) ?? Leaf.defaultVXLANDevice
            underlayPort = try container.decodeIfPresent(String.self, forKey: .underlayPort)
            vlanProtocol = try container.decodeIfPresent(VLANProtocol.self, forKey: .vlanProtocol) ?? .dot1q
        }
    }

    /// A hypervisor: its own VTEP for virtio NICs, and NICs for VFs and passthrough.
    public struct Hypervisor: Codable, Equatable, Sendable {
        public var name: String
        public var vtepIp: IPv4Address
        /// The leaf switch this hypervisor's NICs are cabled to.
        public var leaf: String
        /// The NIC that carries the underlay; virtio VM NICs count as using it.
        public var underlayNic: String?
        /// MTU of the underlay; overlay MTU is this minus the VXLAN overhead (default 1500).
        public var underlayMtu: Int
        /// VLAN tags this hypervisor uses itself: never handed out on its leaf.
        public var reservedVlans: [Int]
        public var nics: [NIC]

        enum CodingKeys: String, CodingKey {
            case name, vtepIp = "vtep_ip", leaf, underlayNic = "underlay_nic", underlayMtu = "underlay_mtu",
                reservedVlans = "reserved_vlans", nics
        }

        public init(name: String, vtepIp: IPv4Address, leaf: String, underlayNic: String? = nil,
                    underlayMtu: Int = 1500, reservedVlans: [Int] = [], nics: [NIC] = []) {
            self.name = name
            self.vtepIp = vtepIp
            self.leaf = leaf
            self.underlayNic = underlayNic
            self.underlayMtu = underlayMtu
            self.reservedVlans = reservedVlans
            self.nics = nics
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            vtepIp = try container.decode(IPv4Address.self, forKey: .vtepIp)
            leaf = try container.decode(String.self, forKey: .leaf)
            underlayNic = try container.decodeIfPresent(String.self, forKey: .underlayNic)
            underlayMtu = try container.decodeIfPresent(Int.self, forKey: .underlayMtu) ?? 1500
            reservedVlans = try container.decodeIfPresent([Int].self, forKey: .reservedVlans) ?? []
            nics = try container.decodeIfPresent([NIC].self, forKey: .nics) ?? []
        }
    }

    /// A physical NIC (PF) of a hypervisor.
    public struct NIC: Codable, Equatable, Sendable {
        /// Kernel interface name of the PF, e.g. `enp59s0f0`.
        public var name: String
        public var pciAddress: PCIAddress
        /// The leaf switch port it is cabled to.
        public var leafPort: String
        /// How many VFs may be made on it (0: no SR-IOV).
        public var vfLimit: Int
        /// May virtio and vfio share this NIC at once? If not, its first use pins its mode.
        public var mayMix: Bool
        /// Does the NIC stack a VST tag over guest tags (802.1ad)?
        public var canStackVlans: Bool
        /// May the whole NIC be passed through to a VM?
        public var passthrough: Bool

        enum CodingKeys: String, CodingKey {
            case name, pciAddress = "pci_address", leafPort = "leaf_port", vfLimit = "vf_limit", mayMix = "may_mix",
                canStackVlans = "can_stack_vlans", passthrough
        }

        public init(name: String, pciAddress: PCIAddress, leafPort: String, vfLimit: Int = 0,
                    mayMix: Bool = true, canStackVlans: Bool = false, passthrough: Bool = false) {
            self.name = name
            self.pciAddress = pciAddress
            self.leafPort = leafPort
            self.vfLimit = vfLimit
            self.mayMix = mayMix
            self.canStackVlans = canStackVlans
            self.passthrough = passthrough
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            pciAddress = try container.decode(PCIAddress.self, forKey: .pciAddress)
            leafPort = try container.decode(String.self, forKey: .leafPort)
            vfLimit = try container.decodeIfPresent(Int.self, forKey: .vfLimit) ?? 0
            mayMix = try container.decodeIfPresent(Bool.self, forKey: .mayMix) ?? true
            canStackVlans = try container.decodeIfPresent(Bool.self, forKey: .canStackVlans) ?? false
            passthrough = try container.decodeIfPresent(Bool.self, forKey: .passthrough) ?? false
        }
    }
}
