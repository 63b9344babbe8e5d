import PlumbController

/// Who sent a request, as its bearer token says.
public enum Caller: Sendable, Equatable, CustomStringConvertible {
    /// The admin token: everything.
    case admin
    /// The Cogs token: materializations and reads.
    case cogs
    /// One host's own token (stored hashed by the controller).
    case host(HostKey)
    /// No token needed (public route).
    case anonymous

    /// The caller of the operation this task serves (set by ``OperationAuthorization``).
    @TaskLocal public static var current: Caller = .anonymous

    /// Who the request's bearer token says it comes from (nil: no token, or one nobody holds), before any
    /// authorization: hummingbird-auth's identity, which ``PresentedCallerMiddleware`` hands on to the generated
    /// server's ``OperationAuthorization``.
    @TaskLocal public static var presented: Caller?

    /// The actor recorded in the audit history for changes made by this caller.
    public var actor: String {
        switch self {
        case .admin: return "admin"
        case .cogs: return "cogs"
        case .host(let key): return key.description
        case .anonymous: return "anonymous"
        }
    }

    public var description: String { actor }
}
