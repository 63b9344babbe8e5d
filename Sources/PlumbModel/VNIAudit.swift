import Foundation

/// `GET /v1/audit/vni/{n}?at=TIME`: who held a VNI at one moment, or (without `at`) over its whole history.
/// Read from the append-only allocation history by `plumb.vni_holdings`, the question `sql/audit/who-held-vni.sql` asks too.
public struct VNIAudit: Codable, Equatable, Sendable {
    public var vni: Int
    /// The moment asked about; nil when the answer is the whole history.
    public var at: Date?
    /// Oldest first: with `at`, the holdings that covered that moment; without, every holding there was.
    public var holdings: [Holding]

    public init(vni: Int, at: Date?, holdings: [Holding]) {
        self.vni = vni
        self.at = at
        self.holdings = holdings
    }

    /// One materialization's hold on the VNI, from allocation to release and return to the pool.
    public struct Holding: Codable, Equatable, Sendable {
        public enum State: String, Codable, Sendable {
            /// The materialization existed.
            case held
            /// The materialization was deleted, but some host had not yet reported its plumbing gone.
            case quarantined
            /// Back in the pool.
            case freed
        }

        public var materialization: String
        /// What held it, e.g. `network lan`.
        public var holder: String
        public var allocatedAt: Date
        /// Who asked for the allocation (`cogs`, `admin`, ...).
        public var allocatedBy: String
        public var releasedAt: Date?
        public var freedAt: Date?
        /// The state at `at` (or now, for the whole history).
        public var state: State

        enum CodingKeys: String, CodingKey {
            case materialization, holder, allocatedAt = "allocated_at", allocatedBy = "allocated_by",
                releasedAt = "released_at", freedAt = "freed_at", state
        }

        public init(materialization: String, holder: String, allocatedAt: Date, allocatedBy: String, releasedAt: Date?,
                    freedAt: Date?, state: State) {
            self.materialization = materialization
            self.holder = holder
            self.allocatedAt = allocatedAt
            self.allocatedBy = allocatedBy
            self.releasedAt = releasedAt
            self.freedAt = freedAt
            self.state = state
        }
    }
}
