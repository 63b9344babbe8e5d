import PlumbModel

/// MAC choice: a MAC is unique in the testbed and stable for the life of its NIC. A NIC keeps the
/// MAC it asks for if nobody holds it (quarantined holders included); otherwise it gets the lowest
/// free MAC of Plumb's pool (`plumb.mac_pool_first()` … `mac_pool_last()`, which the snapshot
/// claims from). Passthrough NICs keep their own.
enum MACChoice {
    /// The refusal of a NIC asking for a MAC that somebody holds.
    static func requestedMACRefusal(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard let mac = nic.mac, let holder = context.snapshot.macHolders.first(where: { $0.mac == mac }) else { return nil }
        let how = holder.released ? "still quarantined after its release" : "used"
        return APIError(status: 409, code: "mac_in_use",
                        message: "MAC \(mac) is \(how) by materialization \(holder.materialization) (\(holder.vm)/\(holder.nic))",
                        field: "\(nic.field).mac")
    }

    /// Gives every NIC that needs a MAC and asked for none the next free one of the snapshot's.
    static func assign(_ nics: inout [DraftNIC], _ context: AllocationContext) throws {
        var free = context.snapshot.freeMacs[...]
        for position in nics.indices where nics[position].request.mechanism != .passthrough && nics[position].mac == nil {
            guard let mac = free.popFirst() else {
                throw APIError.poolExhausted(.mac, "MAC pool is exhausted", field: nics[position].request.field)
            }
            nics[position].mac = mac
        }
    }
}
