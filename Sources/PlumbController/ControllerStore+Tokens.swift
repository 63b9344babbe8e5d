import PlumbModel
import PlumbPostgres

extension ControllerStore {
    /// Issues a new bearer token for a host, replacing any earlier one. The token is 32 random
    /// bytes (hex); only its SHA-256 is stored. 404 if the host is unknown.
    public func issueToken(for host: HostKey) async throws -> HostToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let updated = try await change { connection in
            try connection.query("UPDATE plumb.hosts SET token_hash = sha256(convert_to($3, 'UTF8')) WHERE kind = $1 AND name = $2",
                                 [host.kind.rawValue, host.name, token]).affectedRows
        }
        guard updated == 1 else { throw APIError.notFound("unknown \(host.kind.rawValue) \(host.name)") }
        return HostToken(host: host.name, token: token)
    }

    /// The host a bearer token belongs to, or nil.
    public func authenticate(hostToken: String) async throws -> HostKey? {
        try await read { connection in
            guard let row = try connection.query(
                "SELECT kind, name FROM plumb.hosts WHERE token_hash = sha256(convert_to($1, 'UTF8'))", [hostToken]).rows.first,
                let kind = HostKey.Kind(rawValue: try row.string("kind")) else { return nil }
            return HostKey(kind: kind, name: try row.string("name"))
        }
    }
}
