import PlumbModel
import PlumbPostgres

extension ControllerStore {
    /// `GET /v1/hosts/{name}/desired`: the whole desired state of a hypervisor; 404 if unknown.
    public func hostDesiredState(host: String) async throws -> HostDesiredState {
        let state = try await read { connection in
            try Self.document(HostDesiredState.self, connection, "SELECT plumb.host_desired($1) AS result", [host])
        }
        guard let state else { throw APIError.notFound("unknown hypervisor \(host)") }
        return state
    }

    /// `GET /v1/leaves/{name}/desired`: the whole desired state of a leaf switch; 404 if unknown.
    public func leafDesiredState(leaf: String) async throws -> LeafDesiredState {
        let state = try await read { connection in
            try Self.document(LeafDesiredState.self, connection, "SELECT plumb.leaf_desired($1) AS result", [leaf])
        }
        guard let state else { throw APIError.notFound("unknown leaf \(leaf)") }
        return state
    }

    /// The host's current generation (one indexed lookup, for long-poll checks); 404 if unknown.
    public func generation(of host: HostKey) async throws -> Int64 {
        let generation = try await read { connection in
            try connection.query("SELECT generation FROM plumb.hosts WHERE kind = $1 AND name = $2",
                                 [host.kind.rawValue, host.name]).rows.first.map { try $0.int64("generation") }
        }
        guard let generation else { throw APIError.notFound("unknown \(host.kind.rawValue) \(host.name)") }
        return generation
    }
}
