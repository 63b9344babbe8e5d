import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Logs each request's outcome (request id, method, path, route, status, duration) and adds an
/// `X-Request-Id` header to the response. Hummingbird's `LogRequestsMiddleware` logs requests as they
/// arrive and its `MetricsMiddleware` records their latency; neither says how a request ended.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let status = response.status.code
        response.headers[.requestID] = context.id
        context.logger.log(level: status >= 500 ? .error : .info, "request", metadata: [
            "request_id": "\(context.id)", "method": "\(request.method)", "path": "\(request.uri.path)",
            "route": "\(context.endpointPath ?? "unmatched")", "status": "\(status)",
            "duration_ms": "\(String(format: "%.2f", milliseconds))",
        ])
        return response
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: the id under which the controller logged the request.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
