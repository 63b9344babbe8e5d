/// An error from PostgreSQL or from talking to it, with the server's SQLSTATE when it sent one.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The five-character SQLSTATE (`40001`, `23505`, …); nil for client-side failures.
    public var sqlState: String?
    /// The server's primary message, or libpq's.
    public var message: String
    public var detail: String?
    /// The constraint a violation names, if any.
    public var constraint: String?
    /// True when the connection itself failed (server gone, restart, network).
    public var isConnectionFailure: Bool

    public init(sqlState: String? = nil, message: String, detail: String? = nil, constraint: String? = nil,
                isConnectionFailure: Bool = false) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
        self.isConnectionFailure = isConnectionFailure
    }

    /// Serialization failure (40001) or deadlock (40P01): the transaction may simply be run again.
    public var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// Unique violation (23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// The server is shutting down or not accepting connections yet (class 57P, 08).
    public var isServerUnavailable: Bool {
        if isConnectionFailure { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P")
    }

    public var description: String {
        var text = sqlState.map { "[\($0)] " } ?? ""
        text += message
        if let detail { text += " (\(detail))" }
        return text
    }
}
