import PlumbModel

/// VLAN viability: a network's VF and passthrough NICs behind one leaf share one tag on that leaf,
/// the lowest of the leaf's range that is free there and that neither the leaf nor any hypervisor
/// behind it reserves, so it is usable on the leaf and on every hypervisor that carries it.
enum VLANViability {
    /// Gives every VF and passthrough NIC its network's tag on its leaf; returns the tags handed out.
    static func assignTags(_ nics: inout [DraftNIC], _ context: AllocationContext) throws -> [AllocationPlan.VLAN] {
        var chosen: [AllocationPlan.VLAN] = []
        var tags: [String: Int] = [:]  // "leaf network" → tag
        var free: [String: ArraySlice<Int>] = [:]  // leaf → free tags, lowest first, not yet given
        for position in nics.indices where nics[position].request.mechanism != .virtio {
            let nic = nics[position].request
            let leafName = nics[position].leaf
            let key = "\(leafName) \(nic.network)"
            if let tag = tags[key] {
                nics[position].vlan = tag
                continue
            }
            if free[leafName] == nil, let leaf = context.leaf(leafName) {
                free[leafName] = ArraySlice(freeTags(leaf))
            }
            guard let tag = free[leafName]?.popFirst() else {
                throw APIError.poolExhausted(.vlan(leaf: leafName),
                                             "VLAN pool of leaf \(leafName) is exhausted: no free tag for network \(nic.network)", field: nic.field)
            }
            tags[key] = tag
            chosen.append(AllocationPlan.VLAN(network: nic.network, leaf: leafName, vlan: tag))
            nics[position].vlan = tag
        }
        return chosen
    }

    /// The tags of `leaf` that may be handed out now, lowest first.
    static func freeTags(_ leaf: AllocationSnapshot.Leaf) -> [Int] {
        guard leaf.vlanFirst <= leaf.vlanLast else { return [] }
        let unavailable = Set(leaf.reservedVlans).union(leaf.usedVlans)
        return (leaf.vlanFirst...leaf.vlanLast).filter { !unavailable.contains($0) }
    }
}
