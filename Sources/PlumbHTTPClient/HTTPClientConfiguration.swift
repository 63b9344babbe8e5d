/// Settings shared by every request an ``HTTPClient`` sends.
public struct HTTPClientConfiguration: Sendable, Equatable {
    /// How long to wait for the TCP (and TLS) connection to be established.
    public var connectTimeout: Duration
    /// How long a whole request may take unless the call gives its own timeout.
    public var totalTimeout: Duration
    /// A PEM file of CA certificates to verify an HTTPS server with; `nil` uses the system store.
    public var caFile: String?
    /// Sent as `Authorization: Bearer <token>` on every request when set.
    public var bearerToken: String?
    /// The `User-Agent` header.
    public var userAgent: String

    /// Creates a configuration; the defaults suit a controller on the local network.
    public init(connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(30), caFile: String? = nil,
                bearerToken: String? = nil, userAgent: String = "plumb") {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.caFile = caFile
        self.bearerToken = bearerToken
        self.userAgent = userAgent
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so that a positive duration never becomes 0 (which libcurl reads as "no limit").
    var roundedUpMilliseconds: Int {
        let (seconds, attoseconds) = components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let remainder = attoseconds % 1_000_000_000_000_000
        return Int(milliseconds) + (remainder > 0 ? 1 : 0)
    }
}
