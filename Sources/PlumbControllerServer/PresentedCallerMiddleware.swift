import Hummingbird
import HummingbirdAuth

/// Hands the identity hummingbird-auth put in the request context on to the generated server's middlewares and
/// handlers, which see no Hummingbird context, as ``Caller/presented`` for the rest of the request.
struct PresentedCallerMiddleware<Context: AuthRequestContext<Caller>>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await Caller.$presented.withValue(context.identity) {
            try await next(request, context)
        }
    }
}
