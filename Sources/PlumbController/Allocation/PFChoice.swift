import PlumbModel

/// PF choice for VF and passthrough NICs that name none.
///
/// VFs spread over the hypervisor's SR-IOV NICs that may take them (not passed through, not pinned
/// to virtio, not named for passthrough in this request), filling NICs in name order: those of
/// guest-VLAN networks first, onto NICs that stack tags; then the others, onto NICs that do not
/// stack tags first, so stacking VFs stay free for networks that need them. Passthrough takes the
/// wholly free NICs that may be passed through, in name order.
enum PFChoice {
    /// Chooses a PF for every VF NIC that names none; refuses the first that finds none.
    static func chooseVFHosts(_ nics: inout [DraftNIC], _ context: AllocationContext) throws {
        let wanting = nics.indices.filter { nics[$0].request.mechanism == .vfio && nics[$0].pf == nil }
        for hypervisorName in Set(wanting.map { nics[$0].request.hypervisor }).sorted() {
            let hypervisor = context.hypervisor(hypervisorName)!
            var free = candidates(hypervisor, context)
            let mine = wanting.filter { nics[$0].request.hypervisor == hypervisorName }
            // Guest-VLAN networks first, onto stacking NICs in name order; then the rest, non-stacking NICs first.
            let stackingOrder = free.keys.filter { hypervisor.pf($0)!.canStackVlans }.sorted()
            let plainOrder = free.keys.sorted {
                (hypervisor.pf($0)!.canStackVlans ? 1 : 0, $0) < (hypervisor.pf($1)!.canStackVlans ? 1 : 0, $1)
            }
            for position in mine.filter({ nics[$0].request.guestVlans }) + mine.filter({ !nics[$0].request.guestVlans }) {
                let order = nics[position].request.guestVlans ? stackingOrder : plainOrder
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

    /// Why `nic` found no VF: the pool is exhausted (409) if some NIC could give it one when free,
    /// else no NIC can (422, for guest-VLAN networks because none stacks tags).
    private static func noVF(for nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError {
        let hypervisor = context.hypervisor(of: nic)
        let couldGive = hypervisor.nics.contains {
            $0.vfLimit > 0 && GuestVLANStacking.mayCarry($0, guestVlans: nic.guestVlans) && $0.passedThroughTo == nil
                && !NICModePinning.pinnedToVirtio($0, of: hypervisor, context, requestCounts: false)
        }
        if couldGive {
            let stacking = nic.guestVlans ? " that stacks VLAN tags" : ""
            return APIError.poolExhausted(.vf(hypervisor: nic.hypervisor),
                                          "VF pool of \(nic.hypervisor) is exhausted: no SR-IOV NIC\(stacking) has a free VF", field: nic.field)
        }
        if nic.guestVlans { return GuestVLANStacking.noStackingNIC(nic) }
        return APIError(status: 422, code: "no_sriov",
                        message: "no NIC of \(nic.hypervisor) can give a VF (none has SR-IOV VFs free of passthrough and of virtio pinning)",
                        field: nic.field)
    }
}
