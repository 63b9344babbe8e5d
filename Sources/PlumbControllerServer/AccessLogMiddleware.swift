import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Logs every request (request id, method, path, route, status, duration), records its latency and
/// adds an `X-Request-Id` header to the response.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ControllerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = context.endpointPath ?? "NotFound"
        let status = response.status.code
        metrics.recordRequest(method: request.method.rawValue, route: route == "NotFound" ? "unmatched" : route,
                              status: status, seconds: seconds)
        response.headers[.requestID] = context.id
        context.logger.log(level: status >= 500 ? .error : .info, "request", metadata: [
            "request_id": "\(context.id)", "method": "\(request.method)", "path": "\(request.uri.path)", "route": "\(route)",
            "status": "\(status)", "duration_ms": "\(String(format: "%.2f", seconds * 1000))",
        ])
        return response
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: the id under which the controller logged the request.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
