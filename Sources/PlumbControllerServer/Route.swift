/// One method and path template the server answers, as the generated server registers it.
///
/// The paths come from `controller/openapi.json` through the generated `registerHandlers`; ``RouteRecorder``
/// collects them, for the `Allow` header of a 405.
struct Route: Sendable, Hashable {
    /// `GET`, `PUT`, `PATCH`, `POST` or `DELETE`.
    let method: String
    /// The path template with `{parameter}` segments, as in OpenAPI.
    let path: String

    /// The methods a path answers, for `Allow`: those of its routes, with HEAD wherever GET is.
    static func allowedMethods(_ routes: [Route]) -> [String] {
        let methods = Set(routes.map(\.method) + (routes.contains { $0.method == "GET" } ? ["HEAD"] : []))
        let usual = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"]
        return usual.filter(methods.contains) + methods.subtracting(usual).sorted()
    }

    /// True when `path` (a request path, already split at `/`) fits this route's template.
    func matches(segments: [Substring]) -> Bool {
        let template = path.split(separator: "/")
        guard template.count == segments.count else { return false }
        return zip(template, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }
}
