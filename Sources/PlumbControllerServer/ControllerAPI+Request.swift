import Foundation
import Hummingbird
import PlumbController
import PlumbModel

extension ControllerAPI {
    /// The request body read strictly as `T` (``PlumbJSON/decodeStrict(_:from:)``): 413 above the
    /// configured limit, 400 naming the field when it is not what the API document allows.
    func body<T: Codable>(_ type: T.Type, _ request: Request) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maximumBodySize {
            throw APIError(status: 413, code: "body_too_large",
                           message: "the request body has \(length) bytes; the controller accepts at most \(configuration.maximumBodySize)",
                           field: "body")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: configuration.maximumBodySize)
        return try PlumbJSON.decodeStrict(type, from: Data(buffer.readableBytesView))
    }

    /// A `{id}` or `{name}` path parameter, percent-decoded and checked by the same ``NameRule`` as
    /// the document that creates it (so `victim%00anything` is a 400, never a cut-off `victim`);
    /// nil when the route has no such parameter.
    func pathParameter(_ field: String, _ context: some RequestContext, rule: NameRule) throws -> String? {
        guard let segment = context.parameters.get(field) else { return nil }
        let value = try Self.decodedSegment(segment, field: field)
        try APIError.checkText(value, field: field)
        try rule.check(value, field: field)
        return value
    }

    func materializationID(_ context: some RequestContext) throws -> String {
        try required(try pathParameter("id", context, rule: .materializationID), field: "id")
    }

    /// Refuses a query whose parameter names or values hold control characters, naming the parameter.
    static func checkQuery(_ request: Request) throws {
        for (key, value) in request.uri.queryParameters {
            try APIError.checkText(String(key), field: String(key))
            try APIError.checkText(String(value), field: String(key))
        }
    }

    func required(_ value: String?, field: String = "name") throws -> String {
        guard let value else { throw APIError.invalid(field, "is missing from the path") }
        return value
    }

    /// A path parameter that must be an integer.
    static func integer(_ text: String?, field: String) throws -> Int {
        guard let text, let value = Int(text) else {
            throw APIError.invalid(field, "must be an integer, got \(APIError.quote(text ?? ""))")
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
        throw APIError.invalid(field, "must be a time like 2026-03-03T14:00:00Z, got \(APIError.quote(text))")
    }

    /// A path segment with its percent-encoding undone.
    static func decodedSegment(_ segment: String, field: String) throws -> String {
        guard let decoded = segment.removingPercentEncoding else {
            throw APIError.invalid(field, "is not valid percent-encoding")
        }
        return decoded
    }

    /// The host a status report is about: a host's own token says which; the admin names it in the
    /// path (and `?kind=` when a leaf and a hypervisor share the name). `?kind=` is checked alike for
    /// both tokens; a host naming a kind other than its own is refused (403).
    func reportingHost(_ name: String, caller: Caller, _ request: Request) async throws -> HostKey {
        let kind = try Self.kind(request)
        if case .host(let key) = caller {
            guard kind == nil || kind == key.kind else {
                throw APIError(status: 403, code: "forbidden", message: "\(key) may report only its own status", field: "kind")
            }
            return key
        }
        return try await namedHost(name, request)
    }

    /// The `?kind=hypervisor|leaf` query parameter, nil when absent, 400 when anything else.
    static func kind(_ request: Request) throws -> HostKey.Kind? {
        guard let text = request.uri.queryParameters["kind"] else { return nil }
        guard let kind = HostKey.Kind(rawValue: String(text)) else {
            throw APIError.invalid("kind", "must be one of hypervisor, leaf, got \(APIError.quote(text))")
        }
        return kind
    }

    /// The host `{name}` names: `?kind=hypervisor|leaf` if given, else the one host of that name
    /// (404 if none, 409 if a leaf and a hypervisor share it).
    func namedHost(_ name: String, _ request: Request) async throws -> HostKey {
        if let kind = try Self.kind(request) {
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
}
