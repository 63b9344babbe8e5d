import PlumbModel

/// NIC mode pinning: a NIC that may not mix virtio and vfio is pinned to the mode of its first use
/// until every VM NIC it serves is gone (quarantined ones included). Virtio NICs use the NIC that
/// carries the hypervisor's underlay, so that NIC serves virtio while the hypervisor has any.
enum NICModePinning {
    /// A VF on a non-mixing NIC that serves virtio is refused.
    static func vfOnPinnedNIC(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        let hypervisor = context.hypervisor(of: nic)
        guard let name = nic.pf, let pf = hypervisor.pf(name), !pf.mayMix, context.servesVirtio(pf, of: hypervisor) else { return nil }
        return APIError(status: 422, code: "mode_pinned",
                        message: "NIC \(name) of \(nic.hypervisor) may not mix virtio and vfio and serves virtio NICs (it carries the underlay)",
                        field: "\(nic.field).pf")
    }

    /// A virtio NIC is refused while the underlay NIC is passed through, or is a non-mixing NIC
    /// pinned to vfio by its VFs.
    static func virtioOnPinnedUnderlay(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        let hypervisor = context.hypervisor(of: nic)
        guard let underlay = hypervisor.nics.first(where: hypervisor.isUnderlay) else { return nil }
        if let owner = underlay.passedThroughTo {
            return refusal(nic, "virtio NICs of \(nic.hypervisor) use its underlay NIC \(underlay.name), which is passed through to materialization \(owner)")
        }
        if !underlay.mayMix && !underlay.usedVfs.isEmpty {
            return refusal(nic, "virtio NICs of \(nic.hypervisor) use its underlay NIC \(underlay.name), which may not mix virtio and vfio and is pinned to vfio by its VFs")
        }
        return nil
    }

    /// Whether a non-mixing NIC is pinned to virtio, so that it gives no VF. `requestCounts` says
    /// whether this request's own virtio NICs pin it too.
    static func pinnedToVirtio(_ pf: AllocationSnapshot.PF, of hypervisor: AllocationSnapshot.Hypervisor,
                               _ context: AllocationContext, requestCounts: Bool = true) -> Bool {
        guard !pf.mayMix, hypervisor.isUnderlay(pf) else { return false }
        return requestCounts ? context.hasVirtio(hypervisor) : hypervisor.hasVirtio
    }

    private static func refusal(_ nic: AllocationRequest.NIC, _ message: String) -> APIError {
        APIError(status: 422, code: "mode_pinned", message: message, field: nic.field)
    }
}
