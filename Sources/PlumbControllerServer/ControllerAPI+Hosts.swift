import PlumbAPI
import PlumbController
import PlumbModel

extension ControllerAPI {
    /// The host a status report is about: a host's own token says which; the admin names it in the
    /// path (and `?kind=` when a leaf and a hypervisor share the name). `?kind=` is checked alike for
    /// both tokens; a host naming a kind other than its own is refused (403).
    func reportingHost(_ name: String, kind: Components.Schemas.HostKind?) async throws -> HostKey {
        if case .host(let key) = Caller.current {
            guard kind == nil || kind.map(HostKey.Kind.init) == key.kind else {
                throw APIError(status: 403, code: "forbidden", message: "\(key) may report only its own status", field: "kind")
            }
            return key
        }
        return try await namedHost(name, kind: kind)
    }

    /// The host `{name}` names: of `?kind=hypervisor|leaf` if given, else the one host of that name
    /// (404 if none, 409 if a leaf and a hypervisor share it).
    func namedHost(_ name: String, kind: Components.Schemas.HostKind?) async throws -> HostKey {
        if let kind {
            return HostKey(kind: HostKey.Kind(kind), name: name)
        }
        var found: [HostKey] = []
        for candidate in [HostKey.hypervisor(name), .leaf(name)] {
            do {
                _ = try await store.generation(of: candidate)
                found.append(candidate)
            } catch let error as APIError where error.status == 404 {
                continue
            }
        }
        guard let host = found.first else { throw APIError.notFound("no hypervisor or leaf named \(name)", field: "name") }
        guard found.count == 1 else {
            throw APIError.conflict("ambiguous_host", "a hypervisor and a leaf are both named \(name); add ?kind=hypervisor or ?kind=leaf",
                                    field: "kind")
        }
        return host
    }
}

extension HostKey.Kind {
    /// The kind the document's `HostKind` names.
    init(_ kind: Components.Schemas.HostKind) {
        switch kind {
        case .hypervisor: self = .hypervisor
        case .leaf: self = .leaf
        }
    }
}
