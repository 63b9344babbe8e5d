import PlumbModel

/// Passthrough exclusivity: a PF passed through belongs to one VM NIC and to nothing else — no
/// other passthrough, no VFs, no virtio (the underlay NIC of a hypervisor with virtio NICs).
enum PassthroughExclusivity {
    /// The PF must be one that may be passed through.
    static func mayBePassedThrough(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard let (name, pf, _) = named(nic, context), !pf.passthrough else { return nil }
        return APIError(status: 422, code: "not_passthrough_capable", message: "NIC \(name) of \(nic.hypervisor) may not be passed through",
                        field: "\(nic.field).pf")
    }

    /// The PF is not passed through already.
    static func notPassedThroughYet(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard let (name, pf, _) = named(nic, context), let owner = pf.passedThroughTo else { return nil }
        return inUse(nic, "NIC \(name) of \(nic.hypervisor) is already passed through to materialization \(owner); passthrough NICs are never shared")
    }

    /// The request does not pass the PF through to two NICs: the second is refused.
    static func notTwiceInRequest(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard let name = nic.pf,
              let earlier = context.request.nics.first(where: {
                  $0.hypervisor == nic.hypervisor && $0.pf == name && $0.mechanism == .passthrough
                      && ($0.vmOrdinal, $0.nicOrdinal) < (nic.vmOrdinal, nic.nicOrdinal)
              }) else { return nil }
        return APIError(status: 422, code: "passthrough_shared",
                        message: "NIC \(name) of \(nic.hypervisor) is already passed through to \(earlier.field); passthrough NICs are never shared",
                        field: "\(nic.field).pf")
    }

    /// The PF carries no VFs, held or asked for in this request (which is then refused here, at the
    /// passthrough NIC, whatever the order).
    static func carriesNoVFs(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard let (name, pf, _) = named(nic, context) else { return nil }
        let requested = context.request.nics.contains { $0.hypervisor == nic.hypervisor && $0.pf == name && $0.mechanism == .vfio }
        guard !pf.usedVfs.isEmpty || requested else { return nil }
        return inUse(nic, "NIC \(name) of \(nic.hypervisor) carries VFs, so it cannot be passed through whole")
    }

    /// The PF does not carry the underlay of virtio NICs.
    static func carriesNoVirtio(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard let (name, pf, hypervisor) = named(nic, context), context.servesVirtio(pf, of: hypervisor) else { return nil }
        return APIError(status: 422, code: "pf_in_use",
                        message: "NIC \(name) of \(nic.hypervisor) carries the underlay of virtio NICs, so it cannot be passed through",
                        field: "\(nic.field).pf")
    }

    /// A VF is refused on a PF that is passed through.
    static func vfOnPassedThroughPF(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard let (name, pf, _) = named(nic, context), let owner = pf.passedThroughTo else { return nil }
        return inUse(nic, "NIC \(name) of \(nic.hypervisor) is passed through whole to materialization \(owner); it has no VFs to give")
    }

    /// Whether `pf` may be chosen for a passthrough NIC of this request: capable, wholly free, named by
    /// no NIC of the request and not serving virtio.
    static func isFree(_ pf: AllocationSnapshot.PF, of hypervisor: AllocationSnapshot.Hypervisor, taken: Set<String>,
                       _ context: AllocationContext) -> Bool {
        pf.passthrough && pf.passedThroughTo == nil && pf.usedVfs.isEmpty && !taken.contains(pf.name)
            && !context.servesVirtio(pf, of: hypervisor)
    }

    private static func named(_ nic: AllocationRequest.NIC, _ context: AllocationContext)
        -> (String, AllocationSnapshot.PF, AllocationSnapshot.Hypervisor)? {
        let hypervisor = context.hypervisor(of: nic)
        guard let name = nic.pf, let pf = hypervisor.pf(name) else { return nil }
        return (name, pf, hypervisor)
    }

    private static func inUse(_ nic: AllocationRequest.NIC, _ message: String) -> APIError {
        APIError(status: 409, code: "pf_in_use", message: message, field: "\(nic.field).pf")
    }
}
