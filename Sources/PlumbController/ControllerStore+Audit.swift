import Foundation
import PlumbModel
import PlumbPostgres

extension ControllerStore {
    /// `GET /v1/audit/vni/{n}?at=TIME`: the holdings of VNI `vni` that covered `at` (allocated at or before it
    /// and not yet freed), or every holding when `at` is nil; oldest first. One query on the allocation history.
    /// 400 naming `vni` when the number is no VNI.
    public func auditVNI(_ vni: Int, at: Date?) async throws -> VNIAudit {
        guard (1...16_777_215).contains(vni) else {
            throw APIError.invalid("vni", "must be between 1 and 16777215, got \(vni)")
        }
        let holdings = try await read { connection in
            try connection.query("""
                SELECT a.materialization, a.holder, a.at AS allocated_at, a.actor AS allocated_by,
                       r.at AS released_at, f.at AS freed_at,
                       CASE WHEN f.at <= coalesce($2::timestamptz, now()) THEN 'freed'
                            WHEN r.at <= coalesce($2::timestamptz, now()) THEN 'quarantined'
                            ELSE 'held' END AS state
                FROM plumb.allocation_history a
                LEFT JOIN LATERAL (SELECT h.at FROM plumb.allocation_history h
                                   WHERE h.mid = a.mid AND h.kind = a.kind AND h.value = a.value AND h.event = 'released'
                                   ORDER BY h.id LIMIT 1) r ON true
                LEFT JOIN LATERAL (SELECT h.at FROM plumb.allocation_history h
                                   WHERE h.mid = a.mid AND h.kind = a.kind AND h.value = a.value AND h.event = 'freed'
                                   ORDER BY h.id LIMIT 1) f ON true
                WHERE a.kind = 'vni' AND a.value = $1 AND a.event = 'allocated'
                  AND ($2::timestamptz IS NULL OR (a.at <= $2::timestamptz AND (f.at IS NULL OR f.at > $2::timestamptz)))
                ORDER BY a.at, a.id
                """, [String(vni), at]).rows.map { row in
                VNIAudit.Holding(materialization: try row.string("materialization"), holder: try row.string("holder"),
                                 allocatedAt: try row.date("allocated_at"), allocatedBy: try row.string("allocated_by"),
                                 releasedAt: try row.optionalDate("released_at"), freedAt: try row.optionalDate("freed_at"),
                                 state: VNIAudit.Holding.State(rawValue: try row.string("state")) ?? .held)
            }
        }
        return VNIAudit(vni: vni, at: at, holdings: holdings)
    }
}
