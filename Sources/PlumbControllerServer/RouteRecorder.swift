import HTTPTypes
import OpenAPIRuntime

/// A transport that only writes down what the generated server registers: every ``Route`` of the document.
final class RouteRecorder: ServerTransport {
    /// The routes registered so far, in order.
    private(set) var routes: [Route] = []

    init() {}

    func register(_ handler: @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
                  method: HTTPRequest.Method, path: String) throws {
        routes.append(Route(method: method.rawValue, path: path))
    }
}
