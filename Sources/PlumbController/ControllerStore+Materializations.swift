import PlumbModel
import PlumbPostgres

extension ControllerStore {
    /// What `plumb.allocation_snapshot` answers: the earlier answer to an identical request, or
    /// what the allocator needs.
    private struct SnapshotAnswer: Decodable {
        var existing: MaterializationRecord?
        var snapshot: AllocationSnapshot?
    }

    /// `PUT /v1/materializations/{id}`: allocates every identifier the spec needs, in one
    /// transaction of four round trips however many NICs (begin; lock the request's scopes and read
    /// its snapshot; write the ``Allocator``'s plan; commit). The answer is built from the plan. The same body again answers the same
    /// (`created` false); another body under a live id is a 409. A refusal (400/409/422 naming the
    /// NIC and the reason) allocates nothing. A conflict with a concurrent writer (a value claimed or
    /// taken meanwhile) runs the transaction again; the client never sees it.
    public func materialize(id: String, spec: MaterializationSpec,
                            actor: String = "cogs") async throws -> (materialization: Materialization, created: Bool) {
        let normalized = try SpecValidation.validate(id: id, spec: spec)
        let request = AllocationRequest(id: id, spec: normalized)
        let document = try Self.json(normalized)
        let seconds = unresponsiveSeconds
        let requestedMACs = request.requestedMACs.map { Int64($0.value) }
        return try await change(retryingConflicts: true) { connection -> (Materialization, Bool) in
            let opening = try Self.document(
                SnapshotAnswer.self, connection,
                "SELECT plumb.allocation_snapshot($1, $2::jsonb, $3, $4::text[], $5::text[], $6::bigint[], $7, $8, make_interval(secs => $9)) AS result",
                [id, document, actor, request.hypervisors, request.hypervisorsWithLeafTraffic, requestedMACs,
                 request.networks.count, request.poolMACsWanted, seconds])
            if let existing = opening?.existing { return (Materialization(existing), false) }
            guard let snapshot = opening?.snapshot else { throw APIError.notFound("materialization \(id) vanished") }
            let plan = try Allocator.allocate(request, in: snapshot)
            guard let status = try Self.document(
                MaterializationStatus.self, connection,
                "SELECT plumb.write_materialization($1, $2::jsonb, $3, $4::jsonb, make_interval(secs => $5)) AS result",
                [id, document, actor, try Self.json(plan), seconds]) else { throw APIError.notFound("materialization \(id) vanished") }
            return (Materialization(id: id, spec: normalized, plan: plan, status: status), true)
        }
    }

    /// `GET /v1/materializations/{id}`: allocations and readiness; 404 if there is none.
    public func materialization(id: String) async throws -> Materialization {
        let seconds = unresponsiveSeconds
        let found = try await read { connection in
            try Self.document(MaterializationRecord.self, connection,
                              "SELECT plumb.materialization_by_id($1, make_interval(secs => $2)) AS result", [id, seconds])
        }
        guard let found else { throw APIError.notFound("no materialization \(id)", field: "id") }
        return Materialization(found)
    }

    /// `GET /v1/materializations`: every live materialization, by id.
    public func materializations() async throws -> MaterializationList {
        let seconds = unresponsiveSeconds
        let list = try await read { connection in
            try Self.document(MaterializationList.self, connection,
                              "SELECT plumb.materialization_list(make_interval(secs => $1)) AS result", [seconds])
        }
        return list ?? MaterializationList(materializations: [])
    }

    /// `DELETE /v1/materializations/{id}`: releases its identifiers into quarantine and raises the
    /// generation of every host it touched. Idempotent: false if there was nothing to delete.
    @discardableResult
    public func dematerialize(id: String, actor: String = "cogs") async throws -> Bool {
        try await change { connection in
            try connection.query("SELECT plumb.dematerialize($1, $2) AS deleted", [id, actor]).rows[0].bool("deleted")
        }
    }
}
