import PlumbModel

/// The VF limit per PF: a VF index is below its PF's limit and held by one VM NIC at most; a NIC
/// without SR-IOV gives no VF.
enum VFLimit {
    /// A VF asked for on a named PF needs a PF with SR-IOV VFs.
    static func namedPFHasVFs(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard let name = nic.pf, let pf = context.hypervisor(of: nic).pf(name), pf.vfLimit == 0 else { return nil }
        return APIError(status: 422, code: "no_sriov", message: "NIC \(name) of \(nic.hypervisor) has no SR-IOV VFs (vf_limit 0)",
                        field: "\(nic.field).pf")
    }

    /// VFs a PF can still give: its limit less those held and those this request names it for.
    static func freeCount(_ pf: AllocationSnapshot.PF, on hypervisor: String, _ context: AllocationContext) -> Int {
        let named = context.request.nics.filter { $0.hypervisor == hypervisor && $0.pf == pf.name && $0.mechanism == .vfio }.count
        return pf.vfLimit - pf.usedVfs.count - named
    }

    /// Gives every VF NIC (its PF chosen) the lowest free index of its PF, in request order.
    static func assignIndices(_ nics: inout [DraftNIC], _ context: AllocationContext) throws {
        var free: [String: [Int]] = [:]  // "hypervisor/pf" → free indices, lowest first, not yet given
        for position in nics.indices where nics[position].request.mechanism == .vfio {
            let nic = nics[position].request
            let hypervisor = context.hypervisor(of: nic)
            guard let name = nics[position].pf, let pf = hypervisor.pf(name) else { continue }
            let key = "\(nic.hypervisor)/\(name)"
            if free[key] == nil {
                let used = Set(pf.usedVfs)
                free[key] = (0..<max(pf.vfLimit, 0)).filter { !used.contains($0) }
            }
            guard let index = free[key]?.first else {
                throw APIError(status: 409, code: "vf_limit",
                               message: "VF pool of \(key) is exhausted: VF limit \(pf.vfLimit), \(pf.usedVfs.count) in use or quarantined",
                               field: nic.pf == nil ? nic.field : "\(nic.field).pf")
            }
            free[key]?.removeFirst()
            nics[position].vfIndex = index
        }
    }
}
