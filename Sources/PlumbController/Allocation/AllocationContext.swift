import PlumbModel

/// The request and the snapshot together, with the facts several rules ask about.
struct AllocationContext {
    let request: AllocationRequest
    let snapshot: AllocationSnapshot
    private let hypervisorsWithVirtioRequested: Set<String>
    private let hypervisors: [String: AllocationSnapshot.Hypervisor]
    private let leaves: [String: AllocationSnapshot.Leaf]

    init(request: AllocationRequest, snapshot: AllocationSnapshot) {
        self.request = request
        self.snapshot = snapshot
        hypervisorsWithVirtioRequested = Set(request.nics.filter { $0.mechanism == .virtio }.map(\.hypervisor))
        hypervisors = Dictionary(snapshot.hypervisors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        leaves = Dictionary(snapshot.leaves.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The hypervisor named `name`, if the snapshot has it.
    func hypervisor(_ name: String) -> AllocationSnapshot.Hypervisor? { hypervisors[name] }

    /// The hypervisor a NIC's VM runs on (the allocator has checked it exists).
    func hypervisor(of nic: AllocationRequest.NIC) -> AllocationSnapshot.Hypervisor { hypervisors[nic.hypervisor]! }

    /// The leaf named `name`, if the snapshot has it.
    func leaf(_ name: String) -> AllocationSnapshot.Leaf? { leaves[name] }

    /// The leaf behind the hypervisor a NIC's VM runs on (the snapshot has it for every VF and passthrough NIC).
    func leaf(of nic: AllocationRequest.NIC) -> AllocationSnapshot.Leaf? { leaf(hypervisor(of: nic).leaf) }

    /// Whether `hypervisor` has virtio NICs, held already or in this request.
    func hasVirtio(_ hypervisor: AllocationSnapshot.Hypervisor) -> Bool {
        hypervisor.hasVirtio || hypervisorsWithVirtioRequested.contains(hypervisor.name)
    }

    /// Whether `pf` serves virtio NICs: it carries the underlay of a hypervisor that has them.
    func servesVirtio(_ pf: AllocationSnapshot.PF, of hypervisor: AllocationSnapshot.Hypervisor) -> Bool {
        hypervisor.isUnderlay(pf) && hasVirtio(hypervisor)
    }
}

/// A NIC while the allocator decides its attachment, phase by phase.
struct DraftNIC {
    var request: AllocationRequest.NIC
    /// The leaf switch behind the NIC's hypervisor.
    var leaf: String
    var pf: String?
    var vfIndex: Int?
    var vlan: Int?
    var mac: MACAddress?

    init(_ request: AllocationRequest.NIC, leaf: String) {
        self.request = request
        self.leaf = leaf
        pf = request.pf
        mac = request.mac
    }
}
