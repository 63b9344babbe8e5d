import PlumbModel
import PlumbPostgres

extension ControllerStore {
    /// `PUT /v1/hosts/{name}/status`: records what the host applied and how it attached its VM NICs (replacing what
    /// it reported before; served in its materializations once it applied them), and ends the quarantine of
    /// identifiers it no longer holds (those released at or before the applied generation).
    public func reportStatus(_ host: HostKey, report: HostStatusReport) async throws {
        guard report.appliedGeneration >= 0 else {
            throw APIError.invalid("applied_generation", "must not be negative")
        }
        let errors = try Self.json(report.errors)
        let inventory = try report.inventory.map { try Self.json($0) }
        let attachments = try Self.json(report.attachments ?? [])
        let actor = host.description
        try await change { connection in
            try connection.query("SELECT plumb.report_status($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7::jsonb, $8)",
                                 [host.kind.rawValue, host.name, report.appliedGeneration, errors, inventory,
                                  report.agentVersion, attachments, actor])
        }
    }

    /// Notes that the host's agent is alive without a status report (call it whenever the host asks
    /// for its desired state): `last_seen` moves, so an idle, converged host does not look unresponsive.
    /// 404 if unknown.
    public func recordContact(_ host: HostKey) async throws {
        let updated = try await read { connection in
            try connection.query("UPDATE plumb.hosts SET last_seen = now() WHERE kind = $1 AND name = $2",
                                 [host.kind.rawValue, host.name]).affectedRows
        }
        guard updated == 1 else { throw APIError.notFound("unknown \(host.kind.rawValue) \(host.name)") }
    }

    /// `GET /v1/hosts`: every host, its generations and state (`unresponsive` when neither a report
    /// nor a ``recordContact(_:)`` came within `unresponsiveAfter`).
    public func hosts() async throws -> HostList {
        let seconds = unresponsiveSeconds
        let list = try await read { connection in
            try Self.document(HostList.self, connection, "SELECT plumb.host_list(make_interval(secs => $1)) AS result", [seconds])
        }
        return list ?? HostList(hosts: [])
    }

    /// Admin: the host is gone for good; end the quarantine of everything released on it without
    /// waiting for its report. 404 if unknown.
    public func forceRelease(host: HostKey, actor: String = "admin") async throws {
        let released = try await change { connection in
            try connection.query("SELECT plumb.force_release($1, $2, $3) AS released",
                                 [host.kind.rawValue, host.name, actor]).rows[0].int("released")
        }
        logger.notice("forced release", metadata: ["host": "\(host)", "materializations": "\(released)"])
    }
}
