/// A netlink message or attribute that does not have the shape the kernel promises.
public struct NetlinkParseError: Error, CustomStringConvertible, Equatable {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "malformed netlink data: \(message)" }
}
