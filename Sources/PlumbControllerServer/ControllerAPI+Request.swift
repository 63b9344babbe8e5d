import Foundation
import Hummingbird
import PlumbController
import PlumbModel

extension ControllerAPI {
    /// The request body decoded as `T`: 413 above the configured limit, 400 naming the field when it does not decode.
    func body<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maximumBodySize {
            throw APIError(status: 413, code: "body_too_large",
                           message: "the request body has \(length) bytes; the controller accepts at most \(configuration.maximumBodySize)",
                           field: "body")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: configuration.maximumBodySize)
        return try PlumbJSON.decode(type, from: Data(buffer.readableBytesView))
    }

    func materializationID(_ context: some RequestContext) throws -> String {
        try Self.decodedSegment(try required(context.parameters.get("id"), field: "id"), field: "id")
    }

    func required(_ value: String?, field: String = "name") throws -> String {
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
    func reportingHost(_ name: String, caller: Caller, _ request: Request) async throws -> HostKey {
        if case .host(let key) = caller { return key }
        return try await namedHost(name, request)
    }

    /// The host `{name}` names: `?kind=hypervisor|leaf` if given, else the one host of that name
    /// (404 if none, 409 if a leaf and a hypervisor share it).
    func namedHost(_ name: String, _ request: Request) async throws -> HostKey {
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
}
