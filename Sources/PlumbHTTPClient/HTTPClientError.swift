/// A request that got no HTTP response: refused connection, timeout, TLS failure, cancellation.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The libcurl result code (`CURLcode`), e.g. 7 for "couldn't connect", 28 for a timeout.
    public var code: Int
    /// libcurl's explanation, with its detail message when it gave one.
    public var message: String
    /// The request's method.
    public var method: String
    /// The request's URL.
    public var url: String

    public init(code: Int, message: String, method: String, url: String) {
        self.code = code
        self.message = message
        self.method = method
        self.url = url
    }

    /// libcurl's CURLE_OPERATION_TIMEDOUT: the connect or total timeout ran out.
    public var isTimeout: Bool { code == 28 }
    /// libcurl's CURLE_COULDNT_CONNECT: nothing accepted the connection.
    public var isConnectionRefused: Bool { code == 7 }
    /// The request was stopped by ``HTTPClient/cancel()``.
    public var isCancelled: Bool { code == 42 }

    public var description: String { "\(method) \(url): \(message) (curl error \(code))" }
}
