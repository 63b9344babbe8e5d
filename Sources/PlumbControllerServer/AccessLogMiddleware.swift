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
        let status = response.status.code
        response.headers[.requestID] = context.id
        context.logger.log(level: status >= 500 ? .error : .info, "request", metadata: [
            "request_id": "\(context.id)", "method": "\(request.method)", "path": "\(request.uri.path)",
            "route": "\(context.endpointPath ?? "unmatched")", "status": "\(status)",
            "duration_ms": "\(Self.milliseconds(elapsed))",
        ])
        return response
    }

    /// A duration in milliseconds with two decimals, `12.34`: written from integers, as it is for every request
    /// (Foundation's `String(format:)` was a visible part of answering thousands of long polls at once).
    static func milliseconds(_ duration: Duration) -> String {
        let hundredths = duration.components.seconds * 100_000 + (duration.components.attoseconds + 5_000_000_000_000) / 10_000_000_000_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: the id under which the controller logged the request.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
