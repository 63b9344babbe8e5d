import PlumbModel

/// Everything the allocator decided for one request: what `plumb.write_materialization` writes, in
/// one set-based statement, and what `plumb.materialization_record` reads back.
public struct AllocationPlan: Codable, Sendable, Equatable {
    public struct Network: Codable, Sendable, Equatable {
        public var ordinal: Int
        public var name: String
        public var vni: Int
        public var allowLocal: Bool
        public var guestVlans: Bool
        /// The network's one MTU (``NetworkMTU``); nil for a network without NICs, or one stored before MTUs were.
        public var mtu: Int?

        enum CodingKeys: String, CodingKey {
            case ordinal, name, vni, allowLocal = "allow_local", guestVlans = "guest_vlans", mtu
        }
    }

    /// The tag a network uses on one leaf.
    public struct VLAN: Codable, Sendable, Equatable, Hashable {
        public var network: String
        public var leaf: String
        public var vlan: Int
    }

    /// One VM NIC with its attachment: exactly the fields of its mechanism are set.
    public struct NIC: Codable, Sendable, Equatable {
        public var vm: String
        public var vmOrdinal: Int
        public var nic: String
        public var nicOrdinal: Int
        public var hypervisor: String
        public var network: String
        public var mechanism: Mechanism
        public var mac: MACAddress?
        public var tap: String?
        public var pf: String?
        /// The PF's PCI address (for the answer; the database has it already).
        public var pfPciAddress: PCIAddress?
        public var vfIndex: Int?
        public var leaf: String?
        public var vlan: Int?
        public var vlanProtocol: VLANProtocol?

        enum CodingKeys: String, CodingKey {
            case vm, vmOrdinal = "vm_ordinal", nic, nicOrdinal = "nic_ordinal", hypervisor, network, mechanism, mac,
                tap, pf, pfPciAddress = "pf_pci_address", vfIndex = "vf_index", leaf, vlan,
                vlanProtocol = "vlan_protocol"
        }
    }

    public var networks: [Network]
    public var vlans: [VLAN]
    public var nics: [NIC]
}
