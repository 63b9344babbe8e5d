import Foundation
import Hummingbird
import Logging
import PlumbController
import PlumbModel

/// The handlers of every ``Route``: authorize, parse, call the ``ControllerStore``, answer JSON.
struct ControllerAPI: Sendable {
    let store: ControllerStore
    let authenticator: Authenticator
    let waiters: GenerationWaiters
    let metrics: ControllerMetrics
    let configuration: ControllerServerConfiguration

    /// Answers one request for `route` (errors are thrown as ``APIError`` for the envelope middleware).
    func respond(_ route: Route, _ request: Request, _ context: some RequestContext) async throws -> Response {
        let name = try context.parameters.get("name").map { try Self.decodedSegment($0, field: "name") }
        let caller = try await authenticator.authorize(route, authorization: request.headers[.authorization], pathName: name)
        switch route.endpoint {
        case .putFacility:
            let facility = try await body(Facility.self, request)
            return try .json(try await store.putFacility(facility, actor: caller.actor))
        case .getFacility:
            return try .json(try await store.facility())
        case .listMaterializations:
            return try .json(try await store.materializations())
        case .putMaterialization:
            let id = try materializationID(context)
            let spec = try await body(MaterializationSpec.self, request)
            let answer = try await store.materialize(id: id, spec: spec, actor: caller.actor)
            return try .json(answer.materialization, status: answer.created ? .created : .ok)
        case .getMaterialization:
            return try .json(try await store.materialization(id: try materializationID(context)))
        case .deleteMaterialization:
            try await store.dematerialize(id: try materializationID(context), actor: caller.actor)
            return .empty(.noContent)
        case .listHosts:
            return try .json(try await store.hosts())
        case .hostDesired:
            let host = HostKey.hypervisor(try required(name))
            return try await desired(host, caller: caller, request) { try await store.hostDesiredState(host: host.name) }
        case .leafDesired:
            let host = HostKey.leaf(try required(name))
            return try await desired(host, caller: caller, request) { try await store.leafDesiredState(leaf: host.name) }
        case .putHostStatus:
            let report = try await body(HostStatusReport.self, request)
            let host = try await reportingHost(try required(name), caller: caller, request)
            try await store.reportStatus(host, report: report)
            return .empty(.noContent)
        case .issueHostToken:
            let host = try await namedHost(try required(name), request)
            return try .json(try await store.issueToken(for: host))
        case .forceRelease:
            let host = try await namedHost(try required(name), request)
            try await store.forceRelease(host: host, actor: caller.actor)
            return .empty(.noContent)
        case .auditVNI:
            let vni = try Self.integer(context.parameters.get("vni"), field: "vni")
            let at = try request.uri.queryParameters["at"].map { try Self.time(String($0), field: "at") }
            return try .json(try await store.auditVNI(vni, at: at))
        case .health:
            return try await health()
        case .metrics:
            return try await metricsText()
        }
    }

    // MARK: Request parts

    /// The request body decoded as `T`: 413 above the configured limit, 400 naming the field when it does not decode.
    private func body<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maximumBodySize {
            throw APIError(status: 413, code: "body_too_large",
                           message: "the request body has \(length) bytes; the controller accepts at most \(configuration.maximumBodySize)",
                           field: "body")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: configuration.maximumBodySize)
        return try PlumbJSON.decode(type, from: Data(buffer.readableBytesView))
    }

    private func materializationID(_ context: some RequestContext) throws -> String {
        try Self.decodedSegment(try required(context.parameters.get("id"), field: "id"), field: "id")
    }

    private func required(_ value: String?, field: String = "name") throws -> String {
        guard let value else { throw APIError.invalid(field, "is missing from the path") }
        return value
    }

    /// A path parameter that must be an integer.
    static func integer(_ text: String?, field: String) throws -> Int {
        guard let text, let value = Int(text) else {
            throw APIError.invalid(field, "must be an integer, got '\((text ?? "").prefix(40))'")
        }
        return value
    }

    /// An RFC 3339 time (`2026-03-03T14:00:00Z`, fractional seconds allowed; `+` may arrive as a space).
    static func time(_ text: String, field: String) throws -> Date {
        let normalized = text.replacingOccurrences(of: " ", with: "+")
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: normalized) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: normalized) { return date }
        throw APIError.invalid(field, "must be a time like 2026-03-03T14:00:00Z, got '\(text.prefix(40))'")
    }

    /// A path segment with its percent-encoding undone.
    static func decodedSegment(_ segment: String, field: String) throws -> String {
        guard let decoded = segment.removingPercentEncoding else {
            throw APIError.invalid(field, "is not valid percent-encoding")
        }
        return decoded
    }

    /// The host a status report is about: a host's own token says which; the admin names it in the
    /// path (and `?kind=` when a leaf and a hypervisor share the name).
    private func reportingHost(_ name: String, caller: Caller, _ request: Request) async throws -> HostKey {
        if case .host(let key) = caller { return key }
        return try await namedHost(name, request)
    }

    /// The host `{name}` names: `?kind=hypervisor|leaf` if given, else the one host of that name
    /// (404 if none, 409 if a leaf and a hypervisor share it).
    private func namedHost(_ name: String, _ request: Request) async throws -> HostKey {
        if let kind = request.uri.queryParameters["kind"] {
            guard let kind = HostKey.Kind(rawValue: String(kind)) else {
                throw APIError.invalid("kind", "must be hypervisor or leaf, got '\(kind.prefix(40))'")
            }
            return HostKey(kind: kind, name: name)
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

    // MARK: Desired state

    /// Answers a desired-state request: at once when the host's generation is newer than `after`
    /// (or no `after` was given), else when a notice raises it, else 304 after `wait` seconds.
    /// A host asking for its own document counts as contact (its `last_seen` moves).
    private func desired<Document: Encodable>(_ host: HostKey, caller: Caller, _ request: Request,
                                              fetch: () async throws -> Document) async throws -> Response {
        let query = request.uri.queryParameters
        let poll = try LongPoll(after: query["after"], wait: query["wait"])
        if caller == .host(host) {
            try await store.recordContact(host)
        }
        let deadline = ContinuousClock.now + .seconds(poll.waitSeconds)
        while true {
            let ticket = await waiters.register(host: host, after: poll.after ?? -1)
            let generation: Int64
            do {
                generation = try await store.generation(of: host)
            } catch {
                await waiters.cancel(ticket)
                throw error
            }
            let remaining = deadline - ContinuousClock.now
            if poll.isAnsweredBy(generation: generation) || remaining <= .zero {
                await waiters.cancel(ticket)
                return poll.isAnsweredBy(generation: generation) ? try .json(try await fetch()) : .empty(.notModified)
            }
            switch await waiters.wait(ticket, timeout: remaining) {
            case .changed: continue
            case .timedOut, .shuttingDown: return .empty(.notModified)
            }
        }
    }

    // MARK: Operations

    /// `GET /healthz`: 200 when the database answers within ``ControllerServerConfiguration/healthTimeout``, else 503.
    private func health() async throws -> Response {
        let pool = store.pool
        let timeout = configuration.healthTimeout
        // The pool keeps retrying an unreachable database for a while; the answer must not wait for that.
        let first = FirstAnswer<String?>()
        let problem = await withCheckedContinuation { continuation in
            first.set(continuation)
            Task {
                do {
                    try await pool.withConnection { _ = try $0.query("SELECT 1") }
                    first.answer(nil)
                } catch {
                    first.answer("\(error)")
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                first.answer("no answer within \(timeout)")
            }
        }
        if let problem {
            return .error(APIError(status: 503, code: "database_unavailable", message: "the database does not answer: \(problem)"))
        }
        return try .json(["status": "ok", "database": "ok"])
    }

    /// `GET /metrics`: Prometheus text.
    private func metricsText() async throws -> Response {
        let text = metrics.exposition(pools: try await store.poolUsage(), hosts: try await store.hosts(),
                                      heldPolls: await waiters.heldCount)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
