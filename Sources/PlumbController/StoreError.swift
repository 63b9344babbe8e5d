/// A failure of the store that is not a refusal of the request (refusals are ``APIError``s): what a
/// caller answers without knowing which database the store runs on.
public enum StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The database cannot be reached (down, restarting, refusing connections) and did not come
    /// back within the pool's reconnect deadline: the same request may succeed later.
    case unavailable(reason: String)

    public var description: String {
        switch self {
        case .unavailable(let reason): return "the database is unavailable: \(reason)"
        }
    }
}
