import Foundation
import PlumbModel
import PlumbPostgres

extension ControllerStore {
    /// `GET /v1/audit/vni/{n}?at=TIME`: the holdings of VNI `vni` that covered `at` (allocated at or before it
    /// and not yet freed), or every holding when `at` is nil; oldest first (`plumb.vni_holdings`).
    /// 400 naming `vni` when the number is no VNI.
    public func auditVNI(_ vni: Int, at: Date?) async throws -> VNIAudit {
        guard Limits.vni.contains(vni) else {
            throw APIError.invalid("vni", "must be between \(Limits.vni.lowerBound) and \(Limits.vni.upperBound), got \(vni)")
        }
        let holdings = try await read { connection in
            try connection.query("""
                SELECT materialization, holder, allocated_at, allocated_by, released_at, freed_at, state
                FROM plumb.vni_holdings($1::int, $2::timestamptz)
                """, [vni, at]).rows.map { row in
                VNIAudit.Holding(materialization: try row.string("materialization"), holder: try row.string("holder"),
                                 allocatedAt: try row.date("allocated_at"), allocatedBy: try row.string("allocated_by"),
                                 releasedAt: try row.optionalDate("released_at"), freedAt: try row.optionalDate("freed_at"),
                                 state: VNIAudit.Holding.State(rawValue: try row.string("state")) ?? .held)
            }
        }
        return VNIAudit(vni: vni, at: at, holdings: holdings)
    }
}
