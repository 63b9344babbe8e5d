import Hummingbird
import Logging
import NIOCore
import OpenAPIRuntime
import PlumbController
import PlumbModel

/// Turns everything a handler throws into the API's JSON error envelope.
///
/// ``APIError``s keep their status; what the generated server throws is unwrapped to its cause (a body the
/// generated types cannot decode is a 400 naming the field); the framework's own errors (no route, body too
/// large) get an envelope of their status; a database that cannot be reached is 503; anything else is a bug
/// and answers 500 with the request id, logged.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Turns "no such route" into 405 when the path exists with another method.
    let routes: [Route]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return response(for: error, request, context)
        }
    }

    private func response(for error: any Error, _ request: Request, _ context: Context) -> Response {
        switch error {
        case let error as ServerError where error.httpStatus.code < 500 && !(error.underlyingError is DecodingError):
            // The runtime's own refusals (a content type it cannot read or write, a malformed Accept): their status.
            return .error(APIError(status: error.httpStatus.code, code: "http_\(error.httpStatus.code)",
                                   message: error.httpStatus.reasonPhrase))
        case let error as ServerError:
            // What the generated server's decoding, its middlewares and the handlers threw.
            return response(for: error.underlyingError, request, context)
        case let error as APIError:
            return .error(error)
        case let error as DecodingError:
            return .error(APIError(generatedDecoding: error))
        case is NIOTooManyBytesError:
            return .error(APIError(status: 413, code: "body_too_large", message: "the request body is larger than the controller accepts",
                                   field: "body"))
        case let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound":
            return unrouted(request)
        case StoreError.unavailable(let reason):
            context.logger.warning("database unavailable", metadata: ["error": "\(reason)"])
            return .error(APIError(status: 503, code: "database_unavailable", message: "the database cannot be reached; try again"))
        case let error as any HTTPResponseError where error.status.code < 500:
            return .error(APIError(status: error.status.code, code: "http_\(error.status.code)", message: error.status.reasonPhrase))
        default:
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))",
                                                               "method": "\(request.method)", "path": "\(request.uri.path)"])
            return .error(APIError(status: 500, code: "internal",
                                   message: "unexpected error; the controller's log has it under request id \(context.id)"))
        }
    }

    /// 404 for a path the API does not have; 405 with `Allow` (every method of the path, HEAD with
    /// GET) for a method it does not answer there.
    private func unrouted(_ request: Request) -> Response {
        let segments = request.uri.path.split(separator: "/")
        let methods = Route.allowedMethods(routes.filter { $0.matches(segments: segments) })
        if methods.isEmpty {
            return .error(APIError(status: 404, code: "no_route", message: "no route \(request.method) \(APIError.quote(request.uri.path))"))
        }
        var response = Response.error(APIError(status: 405, code: "method_not_allowed",
                                               message: "this path answers \(methods.joined(separator: ", ")), not \(request.method)"))
        response.headers[.allow] = methods.joined(separator: ", ")
        return response
    }
}
