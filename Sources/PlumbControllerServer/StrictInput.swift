import Foundation
import HTTPTypes
import OpenAPIRuntime
import PlumbController
import PlumbModel

/// What every operation's input must be before the generated code decodes it, whoever calls: path parameters
/// follow the ``NameRule`` of the PUT that creates them (so `victim%00anything` is a 400, never a cut-off
/// `victim`), no query parameter holds a control character, typed parameters hold their type
/// (``ParameterRule``), and a body is at most the configured size and
/// plain JSON without `null` or control characters (``PlumbJSON/checkStrict(_:)``). Unknown members, wrong
/// types and missing members are then refused by the generated decoders (`additionalProperties: false`).
struct StrictInput: ServerMiddleware {
    let maximumBodySize: Int

    /// The rule of each path parameter that names something (`vni` is an integer, decoded as one).
    static let pathRules: [String: NameRule] = ["name": .identifier, "vm": .identifier, "id": .materializationID]

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        for (field, segment) in metadata.pathParameters.sorted(by: { $0.key < $1.key }) {
            let value = try Self.decodedSegment(segment, field: field)
            try APIError.checkText(value, field: field)
            try Self.pathRules[field]?.check(value, field: field)
            try ParameterRule.byName[field]?.check(value, field: field)
        }
        try Self.checkQuery(request.path ?? "")
        // The generated server checks Accept only when it writes the answer, after the handler: a change must be
        // refused before it is made.
        if request.method != .get, request.method != .head, let accept = request.headerFields[.accept],
           !Self.admitsJSON(accept) {
            throw APIError(status: 406, code: "http_406",
                           message: "the Accept header must admit application/json; nothing was changed", field: "accept")
        }
        guard let body else { return try await next(request, nil, metadata) }
        let data = try await collect(body)
        // Every PUT of the document takes a body: an empty one is malformed JSON, as any other that is not JSON.
        guard !data.isEmpty || request.method == .put else { return try await next(request, nil, metadata) }
        // Nearly every body is clean, which one pass over its bytes can tell; the parse and walk look closer.
        if !PlumbJSON.isCertainlyClean(data) {
            try PlumbJSON.checkStrict(data)
        }
        return try await next(request, HTTPBody(data), metadata)
    }

    /// The body's bytes: 413 above the configured limit, by its declared length or once it has sent more.
    private func collect(_ body: HTTPBody) async throws -> Data {
        if case .known(let length) = body.length, length > maximumBodySize {
            throw Self.tooLarge("the request body has \(length) bytes; the controller accepts at most \(maximumBodySize)")
        }
        var data = Data()
        for try await chunk in body {
            data.append(contentsOf: chunk)
            guard data.count <= maximumBodySize else {
                throw Self.tooLarge("the request body is larger than the \(maximumBodySize) bytes the controller accepts")
            }
        }
        return data
    }

    private static func tooLarge(_ message: String) -> APIError {
        APIError(status: 413, code: "body_too_large", message: message, field: "body")
    }

    /// Refuses a query whose parameter names or values hold control characters, naming the parameter.
    static func checkQuery(_ path: String) throws {
        guard let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try decodedQueryComponent(parts[0], field: "query")
            try APIError.checkText(key, field: key)
            let value = parts.count == 2 ? try decodedQueryComponent(parts[1], field: key) : ""
            try APIError.checkText(value, field: key)
            try ParameterRule.byName[key]?.check(value, field: key)
        }
    }

    /// Whether an Accept header value admits `application/json` (`application/json`, `application/*` or `*/*`,
    /// parameters aside, with a non-zero quality).
    static func admitsJSON(_ accept: String) -> Bool {
        accept.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let range = parts.first, ["application/json", "application/*", "*/*"].contains(range) else { return false }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
    }

    /// A query component with `+` read as a space and its percent-encoding undone; one with neither (the
    /// usual `after=12&wait=30`) as it is, without Foundation's passes over it.
    private static func decodedQueryComponent(_ component: Substring, field: String) throws -> String {
        guard component.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(component) }
        return try decodedSegment(component.replacingOccurrences(of: "+", with: " "), field: field)
    }

    /// A path segment or query component with its percent-encoding undone.
    static func decodedSegment<S: StringProtocol>(_ segment: S, field: String) throws -> String {
        guard let decoded = segment.removingPercentEncoding else {
            throw APIError.invalid(field, "is not valid percent-encoding")
        }
        return decoded
    }
}
