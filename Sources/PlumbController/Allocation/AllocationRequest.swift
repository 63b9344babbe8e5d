import PlumbModel

/// One materialization request as the allocator reads it: the validated, normalised spec
/// (``SpecValidation``), its NICs flattened in request order.
public struct AllocationRequest: Sendable, Equatable {
    /// A network of the request, with its place in `networks`.
    public struct Network: Sendable, Equatable {
        public var ordinal: Int
        public var name: String
        public var allowLocal: Bool
        public var guestVlans: Bool
    }

    /// A VM of the request: where it runs.
    public struct VM: Sendable, Equatable {
        public var ordinal: Int
        public var name: String
        public var hypervisor: String
    }

    /// One VM NIC, with its place in the request (refusals name it by that place).
    public struct NIC: Sendable, Equatable {
        public var vmOrdinal: Int
        public var vm: String
        public var hypervisor: String
        public var nicOrdinal: Int
        public var name: String
        public var network: String
        public var mechanism: Mechanism
        /// The PF asked for by name, if any.
        public var pf: String?
        /// The MAC asked for, if any.
        public var mac: MACAddress?
        /// Its network carries guest VLAN tags.
        public var guestVlans: Bool

        /// `vms[i].nics[j]`: the field a refusal of this NIC names.
        public var field: String { "vms[\(vmOrdinal)].nics[\(nicOrdinal)]" }
    }

    public var id: String
    public var networks: [Network]
    public var vms: [VM]
    public var nics: [NIC]

    /// Flattens a spec that ``SpecValidation/validate(id:spec:)`` returned (every NIC named).
    public init(id: String, spec: MaterializationSpec) {
        self.id = id
        networks = spec.networks.enumerated().map {
            Network(ordinal: $0.offset, name: $0.element.name, allowLocal: $0.element.allowLocal, guestVlans: $0.element.guestVlans)
        }
        vms = spec.vms.enumerated().map { VM(ordinal: $0.offset, name: $0.element.name, hypervisor: $0.element.hypervisor) }
        let guestVlans = Set(spec.networks.filter(\.guestVlans).map(\.name))
        nics = spec.vms.enumerated().flatMap { vm in
            vm.element.nics.enumerated().map { nic in
                NIC(vmOrdinal: vm.offset, vm: vm.element.name, hypervisor: vm.element.hypervisor, nicOrdinal: nic.offset,
                    name: nic.element.name ?? "eth\(nic.offset)", network: nic.element.network, mechanism: nic.element.mechanism,
                    pf: nic.element.pf, mac: nic.element.mac, guestVlans: guestVlans.contains(nic.element.network))
            }
        }
    }

    /// The hypervisors the request places VMs on, sorted (the scopes it locks).
    public var hypervisors: [String] { Set(vms.map(\.hypervisor)).sorted() }

    /// The hypervisors with VF or passthrough NICs: their leaves hand out VLAN tags, so the request
    /// locks those leaves too. A virtio-only request touches no leaf.
    public var hypervisorsWithLeafTraffic: [String] {
        Set(nics.filter { $0.mechanism != .virtio }.map(\.hypervisor)).sorted()
    }

    /// The MACs asked for by name.
    public var requestedMACs: [MACAddress] { nics.compactMap(\.mac) }

    /// How many MACs the pool must give: every NIC with a MAC (not passthrough) that asked for none.
    public var poolMACsWanted: Int { nics.filter { $0.mechanism != .passthrough && $0.mac == nil }.count }
}
