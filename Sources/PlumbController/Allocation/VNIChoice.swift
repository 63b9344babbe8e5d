import PlumbModel

/// VNI choice: one VNI per network, unique in the testbed, the lowest free of the configured ranges
/// that is not reserved (the snapshot lists them, quarantined ones left out).
enum VNIChoice {
    /// The networks with their VNIs, in request order; refuses the first network left without one.
    static func assign(_ networks: [AllocationRequest.Network], _ context: AllocationContext) throws -> [AllocationPlan.Network] {
        try networks.map { network in
            guard network.ordinal < context.snapshot.freeVnis.count else {
                throw APIError.poolExhausted(.vni, "VNI pool is exhausted", field: "networks[\(network.ordinal)]")
            }
            return AllocationPlan.Network(ordinal: network.ordinal, name: network.name, vni: context.snapshot.freeVnis[network.ordinal],
                                          allowLocal: network.allowLocal, guestVlans: network.guestVlans, mtu: nil)
        }
    }
}
