import Foundation
import PlumbModel
import PlumbPostgres

/// A host's desired state as computed: the generation it was read at, in the same statement as the
/// document, and the document as `plumb.hosts_desired` / `plumb.leaves_desired` wrote it: the JSON the server
/// sends as it is to every poll that gets it.
public struct DesiredDocument: Sendable, Equatable {
    public var host: HostKey
    public var generation: Int64
    public var json: Data

    public init(host: HostKey, generation: Int64, json: Data) {
        self.host = host
        self.generation = generation
        self.json = json
    }
}

extension ControllerStore {
    /// `GET /v1/hosts/{name}/desired`: the whole desired state of a hypervisor; 404 if unknown.
    public func hostDesiredState(host: String) async throws -> HostDesiredState {
        let state = try await read { connection in
            try Self.document(HostDesiredState.self, connection,
                              "SELECT document AS result FROM plumb.hosts_desired(ARRAY[$1::text])", [host])
        }
        guard let state else { throw APIError.notFound("unknown hypervisor \(host)") }
        return state
    }

    /// `GET /v1/leaves/{name}/desired`: the whole desired state of a leaf switch; 404 if unknown.
    public func leafDesiredState(leaf: String) async throws -> LeafDesiredState {
        let state = try await read { connection in
            try Self.document(LeafDesiredState.self, connection,
                              "SELECT document AS result FROM plumb.leaves_desired(ARRAY[$1::text])", [leaf])
        }
        guard let state else { throw APIError.notFound("unknown leaf \(leaf)") }
        return state
    }

    /// The desired state of many hosts of one kind in one statement (`plumb.hosts_desired` or
    /// `plumb.leaves_desired`, set-based), by name; unknown names are left out.
    public func desiredDocuments(_ kind: HostKey.Kind, names: [String]) async throws -> [String: DesiredDocument] {
        guard !names.isEmpty else { return [:] }
        let function = kind == .hypervisor ? "plumb.hosts_desired" : "plumb.leaves_desired"
        let rows = try await read { connection in
            try connection.query("SELECT name, generation, document FROM \(function)($1::text[])", [names]).rows
        }
        var documents: [String: DesiredDocument] = [:]
        documents.reserveCapacity(rows.count)
        for row in rows {
            let name = try row.string("name")
            documents[name] = DesiredDocument(host: HostKey(kind: kind, name: name), generation: try row.int64("generation"),
                                              json: Data(try row.string("document").utf8))
        }
        return documents
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
