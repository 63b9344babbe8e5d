import PlumbModel

/// PF choice for VF and passthrough NICs that name none.
///
/// VFs spread over the hypervisor's SR-IOV NICs that may take them (not passed through, not pinned to virtio, not
/// named for passthrough in this request) and can push the tags of its leaf (``LeafTagProtocol``: behind an 802.1ad
/// leaf only NICs that can push 802.1ad), filling NICs in name order, NICs in request order. Passthrough takes the
/// wholly free NICs that may be passed through, in name order.
enum PFChoice {
    /// Chooses a PF for every VF NIC that names none; refuses the first that finds none.
    static func chooseVFHosts(_ nics: inout [DraftNIC], _ context: AllocationContext) throws {
        let wanting = nics.indices.filter { nics[$0].request.mechanism == .vfio && nics[$0].pf == nil }
        for hypervisorName in Set(wanting.map { nics[$0].request.hypervisor }).sorted() {
            let hypervisor = context.hypervisor(hypervisorName)!
            let vlanProtocol = context.leaf(hypervisor.leaf)?.vlanProtocol ?? .dot1q
            var free = candidates(hypervisor, context)
            let order = free.keys.filter { LeafTagProtocol.mayCarry(hypervisor.pf($0)!, behind: vlanProtocol) }.sorted()
            for position in wanting where nics[position].request.hypervisor == hypervisorName {
                guard let pf = order.first(where: { free[$0, default: 0] > 0 }) else { continue }
                free[pf, default: 0] -= 1
                nics[position].pf = pf
            }
        }
        if let unplaced = nics.first(where: { $0.request.mechanism == .vfio && $0.pf == nil })?.request {
            throw noVF(for: unplaced, context)
        }
    }

    /// Chooses a PF for every passthrough NIC that names none; refuses the first that finds none.
    static func choosePassthroughNICs(_ nics: inout [DraftNIC], _ context: AllocationContext) throws {
        for position in nics.indices where nics[position].request.mechanism == .passthrough && nics[position].pf == nil {
            let nic = nics[position].request
            let hypervisor = context.hypervisor(of: nic)
            let taken = Set(nics.filter { $0.request.hypervisor == nic.hypervisor }.compactMap(\.pf))
            guard let pf = hypervisor.nics.map(\.name).sorted().first(where: {
                PassthroughExclusivity.isFree(hypervisor.pf($0)!, of: hypervisor, taken: taken, context)
            }) else {
                throw hypervisor.nics.contains(where: \.passthrough)
                    ? APIError.poolExhausted(.passthrough(hypervisor: nic.hypervisor),
                                             "passthrough pool of \(nic.hypervisor) is exhausted: no free NIC may be passed through", field: nic.field)
                    : APIError(status: 422, code: "not_passthrough_capable", message: "no NIC of \(nic.hypervisor) may be passed through",
                               field: nic.field)
            }
            nics[position].pf = pf
        }
    }

    /// The NICs of `hypervisor` that may give VFs to this request, with how many they can still give.
    private static func candidates(_ hypervisor: AllocationSnapshot.Hypervisor, _ context: AllocationContext) -> [String: Int] {
        let namedForPassthrough = Set(context.request.nics.filter { $0.hypervisor == hypervisor.name && $0.mechanism == .passthrough }
            .compactMap(\.pf))
        var free: [String: Int] = [:]
        for pf in hypervisor.nics where pf.vfLimit > 0 && pf.passedThroughTo == nil && !namedForPassthrough.contains(pf.name)
            && !NICModePinning.pinnedToVirtio(pf, of: hypervisor, context) {
            free[pf.name] = max(VFLimit.freeCount(pf, on: hypervisor.name, context), 0)
        }
        return free
    }

    /// Why `nic` found no VF: the pool is exhausted (409) if some NIC could give it one when free; else no NIC can
    /// (422: none pushes the 802.1ad tags of its leaf, or none has VFs at all).
    private static func noVF(for nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError {
        let hypervisor = context.hypervisor(of: nic)
        let leaf = context.leaf(of: nic)
        let vlanProtocol = leaf?.vlanProtocol ?? .dot1q
        let givers = hypervisor.nics.filter {
            $0.vfLimit > 0 && $0.passedThroughTo == nil && !NICModePinning.pinnedToVirtio($0, of: hypervisor, context, requestCounts: false)
        }
        if givers.contains(where: { LeafTagProtocol.mayCarry($0, behind: vlanProtocol) }) {
            let pushing = vlanProtocol == .dot1ad ? " that pushes 802.1ad" : ""
            return APIError.poolExhausted(.vf(hypervisor: nic.hypervisor),
                                          "VF pool of \(nic.hypervisor) is exhausted: no SR-IOV NIC\(pushing) has a free VF", field: nic.field)
        }
        if let leaf, !givers.isEmpty { return LeafTagProtocol.noPushingNIC(nic, leaf) }
        return APIError(status: 422, code: "no_sriov",
                        message: "no NIC of \(nic.hypervisor) can give a VF (none has SR-IOV VFs free of passthrough and of virtio pinning)",
                        field: nic.field)
    }
}
