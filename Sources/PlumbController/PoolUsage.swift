/// How full one identifier pool is (the `plumb.pool_usage` view), for metrics and operators.
public struct PoolUsage: Codable, Equatable, Sendable {
    /// `vni`, `vlan`, `vf`, `passthrough` or `mac`.
    public var pool: String
    /// Where the pool applies: empty for the testbed, a leaf (vlan), `hypervisor/pf` (vf), a hypervisor (passthrough).
    public var scope: String
    /// Values the pool can hand out at all.
    public var size: Int
    /// Held by live materializations.
    public var allocated: Int
    /// Released but not yet torn down on every host that had them.
    public var quarantined: Int
    /// Available for new allocations.
    public var free: Int

    public init(pool: String, scope: String, size: Int, allocated: Int, quarantined: Int, free: Int) {
        self.pool = pool
        self.scope = scope
        self.size = size
        self.allocated = allocated
        self.quarantined = quarantined
        self.free = free
    }
}
