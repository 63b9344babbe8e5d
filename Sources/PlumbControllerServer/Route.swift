import PlumbController

/// One operation of the controller's HTTP API: method, path template and who may call it.
///
/// ``Route/table`` is the one list of everything the server serves: the server registers exactly
/// these routes, and a test checks that `controller/openapi.json` describes exactly these.
public struct Route: Sendable, Hashable, CustomStringConvertible {
    /// What the route does; the server's dispatch switches over it, so every route has a handler.
    public enum Endpoint: String, Sendable, CaseIterable {
        case putFacility, getFacility
        case putMaterialization, getMaterialization, deleteMaterialization, listMaterializations, vmAttachments
        case hostDesired, leafDesired, putHostStatus, listHosts, issueHostToken, forceRelease
        case auditVNI
        case health, metrics
    }

    /// Who may call a route (see ``Caller``).
    public enum Access: Sendable, Hashable {
        /// Anyone, without a token (`/healthz`, `/metrics`).
        case anyone
        /// The admin token only.
        case admin
        /// The admin or the Cogs token.
        case cogs
        /// The admin or Cogs token, or the token of the host of this kind named in the path.
        case ownHostReads(HostKey.Kind)
        /// The admin token, or the token of the host (of either kind) named in the path.
        case ownHostReports
    }

    public let endpoint: Endpoint
    /// `GET`, `PUT`, `POST` or `DELETE`.
    public let method: String
    /// The path template with `{parameter}` segments, as in OpenAPI.
    public let path: String
    public let access: Access

    public init(_ endpoint: Endpoint, _ method: String, _ path: String, _ access: Access) {
        self.endpoint = endpoint
        self.method = method
        self.path = path
        self.access = access
    }

    public var description: String { "\(method) \(path)" }

    /// Everything the server serves.
    ///
    /// Roles: the admin token may call everything; the Cogs token may read and change
    /// materializations and read everything else, but declaring the facility, issuing host tokens
    /// and forcing releases are admin-only; a host's token may only read its own desired state and
    /// report its own status.
    public static let table: [Route] = [
        Route(.putFacility, "PUT", "/v1/facility", .admin),
        Route(.getFacility, "GET", "/v1/facility", .cogs),
        Route(.listMaterializations, "GET", "/v1/materializations", .cogs),
        Route(.putMaterialization, "PUT", "/v1/materializations/{id}", .cogs),
        Route(.getMaterialization, "GET", "/v1/materializations/{id}", .cogs),
        Route(.deleteMaterialization, "DELETE", "/v1/materializations/{id}", .cogs),
        Route(.vmAttachments, "GET", "/v1/materializations/{id}/vms/{vm}/attachments", .cogs),
        Route(.listHosts, "GET", "/v1/hosts", .cogs),
        Route(.hostDesired, "GET", "/v1/hosts/{name}/desired", .ownHostReads(.hypervisor)),
        Route(.putHostStatus, "PUT", "/v1/hosts/{name}/status", .ownHostReports),
        Route(.issueHostToken, "POST", "/v1/hosts/{name}/token", .admin),
        Route(.forceRelease, "POST", "/v1/hosts/{name}/force-release", .admin),
        Route(.leafDesired, "GET", "/v1/leaves/{name}/desired", .ownHostReads(.leaf)),
        Route(.auditVNI, "GET", "/v1/audit/vni/{vni}", .cogs),
        Route(.health, "GET", "/healthz", .anyone),
        Route(.metrics, "GET", "/metrics", .anyone),
    ]

    /// The methods a path answers, for `Allow`: those of its routes, with HEAD wherever GET is.
    static func allowedMethods(_ routes: [Route]) -> [String] {
        let methods = Set(routes.map(\.method) + (routes.contains { $0.method == "GET" } ? ["HEAD"] : []))
        return ["GET", "HEAD", "PUT", "POST", "DELETE"].filter(methods.contains)
    }

    /// True when `path` (a request path, already split at `/`) fits this route's template.
    func matches(segments: [Substring]) -> Bool {
        let template = path.split(separator: "/")
        guard template.count == segments.count else { return false }
        return zip(template, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }
}
