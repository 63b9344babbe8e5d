import Foundation

/// A value that can be sent as a query parameter in PostgreSQL's text format.
public protocol PostgresBindable {
    /// The text form of the value, or nil for SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresBindable {
    public var postgresText: String? { self }
}

extension Int: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresBindable {
    public var postgresText: String? { self ? "true" : "false" }
}

extension Double: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Date: PostgresBindable {
    /// ISO 8601 with fractional seconds, in UTC.
    public var postgresText: String? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: self)
    }
}

extension Data: PostgresBindable {
    /// `bytea` in hex form.
    public var postgresText: String? { "\\x" + map { String(format: "%02x", $0) }.joined() }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresText: String? { self?.postgresText }
}

extension Array: PostgresBindable where Element: PostgresBindable {
    /// A one-dimensional array literal, every element quoted and escaped.
    public var postgresText: String? {
        let items = map { element -> String in
            guard let text = element.postgresText else { return "NULL" }
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return "{" + items.joined(separator: ",") + "}"
    }
}

/// A value sent as a `json`/`jsonb` parameter, encoded with the given encoder.
public struct PostgresJSON: PostgresBindable {
    public let postgresText: String?

    /// Encodes `value` now; throws if it cannot be encoded.
    public init<T: Encodable>(_ value: T, encoder: JSONEncoder = JSONEncoder()) throws {
        postgresText = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// JSON already encoded (UTF-8 bytes), bound as they are.
    public init(encoded: Data) {
        postgresText = String(decoding: encoded, as: UTF8.self)
    }
}
