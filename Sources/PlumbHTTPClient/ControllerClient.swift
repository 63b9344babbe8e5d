import Foundation
import Logging
import PlumbModel

/// The typed client of the controller's v1 API, shared by the agent and command-line tools.
///
/// Every call blocks (see ``HTTPClient``). A call throws ``HTTPClientError`` when the controller
/// could not be reached, ``APIError`` (with the HTTP status) when it answered 4xx/5xx, and
/// ``ControllerResponseError`` when a 2xx answer could not be decoded.
public final class ControllerClient: @unchecked Sendable {
    /// The controller's base URL, e.g. `http://127.0.0.1:8080` (no trailing slash).
    public let baseURL: String
    /// The transport; its configuration carries the bearer token and timeouts.
    public let http: HTTPClient
    private let logger: Logger

    /// Creates a client for the controller at `baseURL` over `http`.
    public init(baseURL: String, http: HTTPClient, logger: Logger = Logger(label: "plumb.controller-client")) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.http = http
        self.logger = logger
    }

    /// Creates a client with a new ``HTTPClient`` using `configuration`.
    public convenience init(baseURL: String, configuration: HTTPClientConfiguration = .init(),
                            logger: Logger = Logger(label: "plumb.controller-client")) {
        self.init(baseURL: baseURL, http: HTTPClient(configuration: configuration), logger: logger)
    }

    /// Stops the request in flight and every later one (see ``HTTPClient/cancel()``).
    public func cancel() {
        http.cancel()
    }

    // MARK: Facility

    /// `PUT /v1/facility`: declares the whole facility; returns it as stored.
    public func putFacility(_ facility: Facility) throws -> Facility {
        try call("PUT", "/v1/facility", body: facility)
    }

    /// `PATCH /v1/facility`: changes some declared hypervisors; returns the facility as stored.
    public func patchFacility(_ patch: FacilityPatch) throws -> Facility {
        try call("PATCH", "/v1/facility", body: patch)
    }

    /// `GET /v1/facility`.
    public func facility() throws -> Facility {
        try call("GET", "/v1/facility")
    }

    // MARK: Materializations

    /// `PUT /v1/materializations/{id}`: allocates everything for an experiment (idempotent).
    public func materialize(id: String, spec: MaterializationSpec) throws -> Materialization {
        try call("PUT", "/v1/materializations/\(Self.pathSegment(id))", body: spec)
    }

    /// `GET /v1/materializations/{id}`: allocations and readiness.
    public func materialization(id: String) throws -> Materialization {
        try call("GET", "/v1/materializations/\(Self.pathSegment(id))")
    }

    /// `GET /v1/materializations`.
    public func materializations() throws -> MaterializationList {
        try call("GET", "/v1/materializations")
    }

    /// `DELETE /v1/materializations/{id}`: releases everything of an experiment (idempotent).
    public func dematerialize(id: String) throws {
        _ = try send("DELETE", "/v1/materializations/\(Self.pathSegment(id))")
    }

    // MARK: Hosts

    /// `GET /v1/hosts/{name}/desired?after=G&wait=S`: the host's whole desired state.
    ///
    /// - Parameters:
    ///   - after: the generation the caller has applied; `nil` asks for the current document at once.
    ///   - wait: how long the controller may hold the request when nothing newer than `after` exists;
    ///     the request's own timeout is this plus the configuration's `totalTimeout`.
    /// - Returns: `.changed(document)`, or `.notModified` when the wait ran out (304).
    public func desired(host: String, after: Int64?, wait: Duration? = nil) throws -> DesiredStateResponse<HostDesiredState> {
        try pollDesired(path: "/v1/hosts/\(Self.pathSegment(host))/desired", after: after, wait: wait)
    }

    /// `GET /v1/leaves/{name}/desired?after=G&wait=S`: a leaf switch's desired state (see ``desired(host:after:wait:)``).
    public func leafDesired(leaf: String, after: Int64?, wait: Duration? = nil) throws -> DesiredStateResponse<LeafDesiredState> {
        try pollDesired(path: "/v1/leaves/\(Self.pathSegment(leaf))/desired", after: after, wait: wait)
    }

    /// `PUT /v1/hosts/{name}/status`: reports the applied generation, item errors and inventory.
    public func putStatus(host: String, _ report: HostStatusReport) throws {
        _ = try send("PUT", "/v1/hosts/\(Self.pathSegment(host))/status", body: PlumbJSON.encode(report))
    }

    /// `GET /v1/hosts`: every host and what the controller knows of it.
    public func hosts() throws -> HostList {
        try call("GET", "/v1/hosts")
    }

    /// `POST /v1/hosts/{name}/token`: a new bearer token for the host (the controller keeps only its hash).
    public func issueHostToken(host: String) throws -> HostToken {
        try call("POST", "/v1/hosts/\(Self.pathSegment(host))/token")
    }

    /// `POST /v1/hosts/{name}/force-release`: releases the identifiers the host has not yet reported gone.
    public func forceRelease(host: String) throws {
        _ = try send("POST", "/v1/hosts/\(Self.pathSegment(host))/force-release")
    }

    // MARK: Audit

    /// `GET /v1/audit/vni/{n}?at=TIME`: who held VNI `vni` at `at`, or over its whole history when `at` is nil.
    public func auditVNI(_ vni: Int, at: Date? = nil) throws -> VNIAudit {
        var path = "/v1/audit/vni/\(vni)"
        if let at {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            path += "?at=\(formatter.string(from: at))"
        }
        return try call("GET", path)
    }

    // MARK: Transport

    private func pollDesired<Document: Decodable>(path: String, after: Int64?, wait: Duration?) throws
        -> DesiredStateResponse<Document> {
        var query: [String] = []
        if let after { query.append("after=\(after)") }
        var timeout: Duration?
        if let wait {
            let seconds = max(0, (wait.roundedUpMilliseconds + 999) / 1000)
            query.append("wait=\(seconds)")
            timeout = .seconds(seconds) + http.configuration.totalTimeout
        }
        let target = query.isEmpty ? path : "\(path)?\(query.joined(separator: "&"))"
        let response = try send("GET", target, timeout: timeout, accepting: [304])
        if response.status == 304 { return .notModified }
        return .changed(try decode(Document.self, response, method: "GET", path: target))
    }

    private func call<Response: Decodable>(_ method: String, _ path: String) throws -> Response {
        let response = try send(method, path)
        return try decode(Response.self, response, method: method, path: path)
    }

    private func call<Request: Encodable, Response: Decodable>(_ method: String, _ path: String, body: Request) throws -> Response {
        let response = try send(method, path, body: PlumbJSON.encode(body))
        return try decode(Response.self, response, method: method, path: path)
    }

    /// Sends a request; returns 2xx (and the statuses in `accepting`), throws ``APIError`` for the rest.
    private func send(_ method: String, _ path: String, body: Data? = nil, timeout: Duration? = nil,
                      accepting: Set<Int> = []) throws -> HTTPResponse {
        let response = try http.send(method: method, url: baseURL + path, headers: ["Accept": "application/json"], body: body,
                                     timeout: timeout)
        logger.trace("controller answered", metadata: ["method": "\(method)", "path": "\(path)", "status": "\(response.status)"])
        if response.isSuccess || accepting.contains(response.status) { return response }
        throw Self.apiError(from: response)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, method: String, path: String) throws -> T {
        do {
            return try PlumbJSON.decode(type, from: response.body)
        } catch let error as APIError {
            throw ControllerResponseError(method: method, path: path, status: response.status, message: error.description)
        }
    }

    /// The ``APIError`` of a 4xx/5xx answer: its `{"error": ...}` body, or the status and body text when it has none.
    static func apiError(from response: HTTPResponse) -> APIError {
        if var error = try? PlumbJSON.decode(APIError.Envelope.self, from: response.body).error {
            error.status = response.status
            return error
        }
        let text = String(decoding: response.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return APIError(status: response.status, code: "http_\(response.status)",
                        message: text.isEmpty ? "the controller answered HTTP \(response.status)" : text)
    }

    /// Percent-encodes one path segment (a host name or a materialization id).
    static func pathSegment(_ value: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

/// The answer to a long poll for desired state.
public enum DesiredStateResponse<Document> {
    /// A document newer than the generation asked about (or the current one when none was given).
    case changed(Document)
    /// 304: nothing newer arrived before the wait ran out.
    case notModified
}

extension DesiredStateResponse: Equatable where Document: Equatable {}
extension DesiredStateResponse: Sendable where Document: Sendable {}

/// A 2xx answer from the controller that is not the document the call expects.
public struct ControllerResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var method: String
    public var path: String
    public var status: Int
    public var message: String

    public init(method: String, path: String, status: Int, message: String) {
        self.method = method
        self.path = path
        self.status = status
        self.message = message
    }

    public var description: String { "\(method) \(path) answered \(status) with a body that could not be decoded: \(message)" }
}
