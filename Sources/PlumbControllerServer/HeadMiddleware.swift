import Hummingbird

/// Answers HEAD as RFC 9110 says: the status and headers GET would have (errors included), with
/// the length of the body that GET would send and no body.
struct HeadMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard request.method == .head else { return response }
        // A body that declares GET's length and writes nothing: Content-Length stays that of GET.
        response.body = ResponseBody(contentLength: response.body.contentLength) { writer in
            try await writer.finish(nil)
        }
        return response
    }
}
