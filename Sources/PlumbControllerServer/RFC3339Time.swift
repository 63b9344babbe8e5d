import Foundation
import OpenAPIRuntime

/// The API's times: RFC 3339 (`2026-03-03T14:00:00Z`), written without fractional seconds and read with or
/// without them; a `+` of an offset that a query turned into a space is read as `+`.
struct RFC3339Time: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        ISO8601DateFormatter().string(from: date)
    }

    func decode(_ text: String) throws -> Date {
        guard let date = Self.date(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not an RFC 3339 time"))
        }
        return date
    }

    static func date(_ text: String) -> Date? {
        let normalized = text.replacingOccurrences(of: " ", with: "+")
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: normalized) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: normalized)
    }
}
