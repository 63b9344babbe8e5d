import Foundation

/// One HTTP response: any status, 1xx–5xx, is a response; only transport failures throw.
public struct HTTPResponse: Sendable, Equatable {
    /// The status code of the final response.
    public var status: Int
    /// Header fields of the final response in the order received (names as the server wrote them).
    public var headers: [HTTPHeader]
    /// The body, as received.
    public var body: Data

    public init(status: Int, headers: [HTTPHeader], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// True for 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// One response header field.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
