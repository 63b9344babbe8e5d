import PlumbModel

/// Decides every identifier of one materialization from the request and a snapshot of what it
/// touches, or refuses it: pure, no IO, the same answer for the same input.
///
/// The phases run in a fixed order and the first refusal wins, so a request is always refused for
/// the same reason: its hypervisors exist; the PFs and MACs it names exist and are free; each NIC
/// passes the rules of its mechanism (in request order); then the free values are chosen — PFs for
/// VFs, PFs for passthrough, VF indices, VLAN tags, MACs, VNIs, then each network's MTU. Each rule lives in its own file.
public enum Allocator {
    /// The allocations for `request`, or the first refusal (status, code, message and field).
    public static func allocate(_ request: AllocationRequest, in snapshot: AllocationSnapshot) throws -> AllocationPlan {
        let context = AllocationContext(request: request, snapshot: snapshot)
        try checkNamedThings(context)
        for nic in request.nics {
            for rule in rules(for: nic.mechanism) {
                if let refusal = rule(nic, context) { throw refusal }
            }
        }
        var nics = request.nics.map { DraftNIC($0, leaf: context.hypervisor(of: $0).leaf) }
        try PFChoice.chooseVFHosts(&nics, context)
        try PFChoice.choosePassthroughNICs(&nics, context)
        try VFLimit.assignIndices(&nics, context)
        let vlans = try VLANViability.assignTags(&nics, context)
        try MACChoice.assign(&nics, context)
        let networks = NetworkMTU.assign(try VNIChoice.assign(request.networks, context), context)
        return AllocationPlan(networks: networks, vlans: vlans, nics: nics.map { planned($0, context) })
    }

    /// The hypervisors exist; the PFs named exist on them; the MACs asked for are free.
    private static func checkNamedThings(_ context: AllocationContext) throws {
        for vm in context.request.vms where context.hypervisor(vm.hypervisor) == nil {
            throw APIError.inconsistent("vms[\(vm.ordinal)].hypervisor", "unknown hypervisor \(vm.hypervisor)")
        }
        for nic in context.request.nics {
            if let pf = nic.pf, context.hypervisor(of: nic).pf(pf) == nil {
                throw APIError.inconsistent("\(nic.field).pf", "hypervisor \(nic.hypervisor) has no NIC \(pf)")
            }
            if let refusal = MACChoice.requestedMACRefusal(nic, context) { throw refusal }
        }
    }

    /// The rules a NIC of this mechanism must pass, in the order they are checked.
    private static func rules(for mechanism: Mechanism) -> [(AllocationRequest.NIC, AllocationContext) -> APIError?] {
        switch mechanism {
        case .virtio:
            [NICModePinning.virtioOnPinnedUnderlay]
        case .vfio:
            [LeafTagProtocol.guestVLANsNeed8021adLeaf, VFLimit.namedPFHasVFs, LeafTagProtocol.namedPFPushesLeafProtocol,
             PassthroughExclusivity.vfOnPassedThroughPF, NICModePinning.vfOnPinnedNIC]
        case .passthrough:
            [LeafTagProtocol.guestVLANsNeed8021adLeaf, PassthroughExclusivity.mayBePassedThrough, PassthroughExclusivity.notPassedThroughYet,
             PassthroughExclusivity.notTwiceInRequest, PassthroughExclusivity.carriesNoVFs,
             PassthroughExclusivity.carriesNoVirtio]
        }
    }

    private static func planned(_ draft: DraftNIC, _ context: AllocationContext) -> AllocationPlan.NIC {
        let nic = draft.request
        let mechanism = nic.mechanism
        let pciAddress = draft.pf.flatMap { context.hypervisor(of: nic).pf($0)?.pciAddress }
        return AllocationPlan.NIC(
            vm: nic.vm, vmOrdinal: nic.vmOrdinal, nic: nic.name, nicOrdinal: nic.nicOrdinal, hypervisor: nic.hypervisor,
            network: nic.network, mechanism: mechanism, mac: draft.mac,
            tap: mechanism == .virtio ? draft.mac.map(TapNaming.name(for:)) : nil,
            pf: draft.pf, pfPciAddress: pciAddress, vfIndex: draft.vfIndex, leaf: mechanism == .virtio ? nil : draft.leaf,
            vlan: draft.vlan, vlanProtocol: mechanism == .vfio ? context.leaf(of: nic).map(LeafTagProtocol.vlanProtocol(behind:)) : nil)
    }
}
