import Hummingbird
import HummingbirdAuth

/// hummingbird-auth's authenticator step for the controller: the `Authorization: Bearer TOKEN` of a request
/// becomes the context's identity (admin, Cogs or a host). Whether that identity may call the route is decided
/// by ``Authenticator/authorize(_:operation:identity:pathName:)`` once the operation is known.
///
/// The token is read by ``Authenticator/bearerToken(_:)`` rather than hummingbird-auth's `HTTPFields.bearer`,
/// which accepts only the exact spelling `Bearer `: RFC 9110 makes the scheme case-insensitive.
struct BearerTokenMiddleware<Context: AuthRequestContext<Caller>>: AuthenticatorMiddleware {
    typealias Identity = Caller
    let authenticator: Authenticator

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        guard let token = Authenticator.bearerToken(request.headers[.authorization]) else { return nil }
        return try await authenticator.identify(token: token)
    }
}
