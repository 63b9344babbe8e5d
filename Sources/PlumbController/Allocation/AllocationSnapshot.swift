import PlumbModel

/// What the database holds that one request touches, read under that request's locks
/// (`plumb.allocation_snapshot`): its hypervisors with their NICs and what holds them, the leaves
/// behind them with their VLAN tags, who holds the MACs it asks for, and the free VNIs and MACs
/// this transaction may take. Quarantined holdings count as held.
public struct AllocationSnapshot: Codable, Sendable, Equatable {
    public struct Hypervisor: Codable, Sendable, Equatable {
        public var name: String
        public var leaf: String
        /// The NIC that carries the underlay, which virtio NICs use.
        public var underlayNic: String?
        /// The underlay's MTU (``NetworkMTU`` takes the overlay's from it).
        public var underlayMtu: Int
        /// Some VM NIC on this hypervisor (held or quarantined) is virtio.
        public var hasVirtio: Bool
        public var nics: [PF]

        enum CodingKeys: String, CodingKey {
            case name, leaf, underlayNic = "underlay_nic", underlayMtu = "underlay_mtu", hasVirtio = "has_virtio",
                nics
        }

        public init(name: String, leaf: String, underlayNic: String? = nil, underlayMtu: Int = 1500, hasVirtio: Bool = false,
                    nics: [PF] = []) {
            self.name = name
            self.leaf = leaf
            self.underlayNic = underlayNic
            self.underlayMtu = underlayMtu
            self.hasVirtio = hasVirtio
            self.nics = nics
        }

        /// The NIC named `name`, if the hypervisor has it.
        public func pf(_ name: String) -> PF? { nics.first { $0.name == name } }
        /// Whether `pf` carries this hypervisor's underlay.
        public func isUnderlay(_ pf: PF) -> Bool { underlayNic == pf.name }
    }

    /// A physical NIC of a hypervisor and what holds it now.
    public struct PF: Codable, Sendable, Equatable {
        public var name: String
        public var pciAddress: PCIAddress
        public var vfLimit: Int
        public var mayMix: Bool
        public var canStackVlans: Bool
        /// May be passed through whole.
        public var passthrough: Bool
        /// VF indices held (quarantined included).
        public var usedVfs: [Int]
        /// The materialization it is passed through to, if it is.
        public var passedThroughTo: String?

        enum CodingKeys: String, CodingKey {
            case name, pciAddress = "pci_address", vfLimit = "vf_limit", mayMix = "may_mix",
                canStackVlans = "can_stack_vlans", passthrough, usedVfs = "used_vfs",
                passedThroughTo = "passed_through_to"
        }

        public init(name: String, pciAddress: PCIAddress, vfLimit: Int = 0, mayMix: Bool = true, canStackVlans: Bool = false,
                    passthrough: Bool = false, usedVfs: [Int] = [], passedThroughTo: String? = nil) {
            self.name = name
            self.pciAddress = pciAddress
            self.vfLimit = vfLimit
            self.mayMix = mayMix
            self.canStackVlans = canStackVlans
            self.passthrough = passthrough
            self.usedVfs = usedVfs
            self.passedThroughTo = passedThroughTo
        }
    }

    /// A leaf switch behind which the request has VF or passthrough NICs.
    public struct Leaf: Codable, Sendable, Equatable {
        public var name: String
        public var vlanFirst: Int
        public var vlanLast: Int
        /// Tags reserved by the leaf or by any hypervisor behind it.
        public var reservedVlans: [Int]
        /// Tags held (quarantined included).
        public var usedVlans: [Int]
        /// The largest MTU it passes (``Facility/Leaf/mtu``); nil: no limit of its own.
        public var mtu: Int?
        /// The tag protocol it filters on (``Facility/Leaf/vlanProtocol``), which every VF behind it pushes.
        public var vlanProtocol: VLANProtocol

        enum CodingKeys: String, CodingKey {
            case name, vlanFirst = "vlan_first", vlanLast = "vlan_last", reservedVlans = "reserved_vlans",
                usedVlans = "used_vlans", mtu, vlanProtocol = "vlan_protocol"
        }

        public init(name: String, vlanFirst: Int, vlanLast: Int, reservedVlans: [Int] = [], usedVlans: [Int] = [], mtu: Int? = nil,
                    vlanProtocol: VLANProtocol = .dot1q) {
            self.name = name
            self.vlanFirst = vlanFirst
            self.vlanLast = vlanLast
            self.reservedVlans = reservedVlans
            self.usedVlans = usedVlans
            self.mtu = mtu
            self.vlanProtocol = vlanProtocol
        }
    }

    /// A MAC the request asks for that somebody holds.
    public struct MACHolder: Codable, Sendable, Equatable {
        public var mac: MACAddress
        public var materialization: String
        public var vm: String
        public var nic: String
        /// Released and still quarantined.
        public var released: Bool

        public init(mac: MACAddress, materialization: String, vm: String, nic: String, released: Bool) {
            self.mac = mac
            self.materialization = materialization
            self.vm = vm
            self.nic = nic
            self.released = released
        }
    }

    public var hypervisors: [Hypervisor]
    public var leaves: [Leaf]
    public var macHolders: [MACHolder]
    /// The lowest free VNIs this transaction holds a claim on, in order; fewer than the request
    /// wants only when the pool has no more.
    public var freeVnis: [Int]
    /// The lowest free pool MACs this transaction holds a claim on, in order; fewer than wanted
    /// only when the pool has no more.
    public var freeMacs: [MACAddress]

    enum CodingKeys: String, CodingKey {
        case hypervisors, leaves, macHolders = "mac_holders", freeVnis = "free_vnis", freeMacs = "free_macs"
    }

    public init(hypervisors: [Hypervisor] = [], leaves: [Leaf] = [], macHolders: [MACHolder] = [], freeVnis: [Int] = [],
                freeMacs: [MACAddress] = []) {
        self.hypervisors = hypervisors
        self.leaves = leaves
        self.macHolders = macHolders
        self.freeVnis = freeVnis
        self.freeMacs = freeMacs
    }
}
