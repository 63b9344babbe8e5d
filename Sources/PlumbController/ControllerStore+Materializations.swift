import PlumbModel
import PlumbPostgres

extension ControllerStore {
    private struct MaterializeAnswer: Decodable {
        var created: Bool
        var materialization: Materialization
    }

    /// `PUT /v1/materializations/{id}`: allocates every identifier the spec needs, in one
    /// transaction and a constant number of round trips however many NICs. The same body again
    /// answers the same (`created` false); another body under a live id is a 409. A refusal
    /// (400/409/422 naming the NIC and the reason) allocates nothing.
    public func materialize(id: String, spec: MaterializationSpec,
                            actor: String = "cogs") async throws -> (materialization: Materialization, created: Bool) {
        let normalized = try SpecValidation.validate(id: id, spec: spec)
        let document = try Self.json(normalized)
        let seconds = unresponsiveSeconds
        let answer = try await change { connection in
            try Self.document(MaterializeAnswer.self, connection,
                              "SELECT plumb.materialize($1, $2::jsonb, $3, make_interval(secs => $4)) AS result",
                              [id, document, actor, seconds])
        }
        guard let answer else { throw APIError.notFound("materialization \(id) vanished") }
        return (answer.materialization, answer.created)
    }

    /// `GET /v1/materializations/{id}`: allocations and readiness; 404 if there is none.
    public func materialization(id: String) async throws -> Materialization {
        let seconds = unresponsiveSeconds
        let found = try await read { connection in
            try Self.document(Materialization.self, connection,
                              "SELECT plumb.materialization_by_id($1, make_interval(secs => $2)) AS result", [id, seconds])
        }
        guard let found else { throw APIError.notFound("no materialization \(id)", field: "id") }
        return found
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
