import Hummingbird
import HummingbirdAuth

/// The request context of the controller's router: Hummingbird's core context and the ``Caller`` that
/// ``BearerTokenMiddleware`` found for the request's bearer token (nil: no token, or one nobody holds).
public struct ControllerRequestContext: AuthRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Caller?

    public init(source: Source) {
        coreContext = .init(source: source)
        identity = nil
    }
}
