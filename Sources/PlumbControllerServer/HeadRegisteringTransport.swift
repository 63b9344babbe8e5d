import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// The Hummingbird router as the generated server's transport, answering HEAD wherever the document has a
/// GET: the GET's handler runs and ``HeadMiddleware`` drops its body.
struct HeadRegisteringTransport<Context: RequestContext>: ServerTransport {
    let router: Router<Context>

    func register(_ handler: @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
                  method: HTTPRequest.Method, path: String) throws {
        try router.register(handler, method: method, path: path)
        if method == .get {
            try router.register(handler, method: .head, path: path)
        }
    }
}
