import Foundation

/// The rows and counts of one statement's result, copied out of libpq.
public struct PostgresResult: Sendable {
    /// Column names in order.
    public var columns: [String]
    public var rows: [PostgresRow]
    /// Rows inserted, updated or deleted (`PQcmdTuples`), 0 when not applicable.
    public var affectedRows: Int

    public init(columns: [String], rows: [PostgresRow], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }
}

/// One row in text format. Accessors throw a ``PostgresError`` naming the column when a value
/// is missing or not of the expected type.
public struct PostgresRow: Sendable {
    let columnIndex: [String: Int]
    /// The values in text format, nil for NULL.
    public let values: [String?]

    init(columnIndex: [String: Int], values: [String?]) {
        self.columnIndex = columnIndex
        self.values = values
    }

    public subscript(_ column: Int) -> String? { values[column] }

    public subscript(_ column: String) -> String? {
        guard let index = columnIndex[column] else { return nil }
        return values[index]
    }

    private func text(_ column: String) throws -> String {
        guard let index = columnIndex[column] else {
            throw PostgresError(message: "result has no column '\(column)'")
        }
        guard let value = values[index] else {
            throw PostgresError(message: "column '\(column)' is NULL")
        }
        return value
    }

    private func converted<T>(_ column: String, _ convert: (String) -> T?) throws -> T {
        let value = try text(column)
        guard let result = convert(value) else {
            throw PostgresError(message: "column '\(column)' holds '\(value)', not a \(T.self)")
        }
        return result
    }

    public func string(_ column: String) throws -> String { try text(column) }
    public func int(_ column: String) throws -> Int { try converted(column) { Int($0) } }
    public func int64(_ column: String) throws -> Int64 { try converted(column) { Int64($0) } }
    public func double(_ column: String) throws -> Double { try converted(column) { Double($0) } }
    public func bool(_ column: String) throws -> Bool {
        try converted(column) { $0 == "t" ? true : $0 == "f" ? false : nil }
    }
    public func date(_ column: String) throws -> Date { try converted(column) { PostgresTimestamp.parse($0) } }

    public func optionalString(_ column: String) -> String? { self[column] }
    public func optionalInt(_ column: String) throws -> Int? { self[column] == nil ? nil : try int(column) }
    public func optionalInt64(_ column: String) throws -> Int64? { self[column] == nil ? nil : try int64(column) }
    public func optionalDate(_ column: String) throws -> Date? { self[column] == nil ? nil : try date(column) }

    /// Decodes a `json`/`jsonb` column.
    public func decode<T: Decodable>(_ type: T.Type, _ column: String, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        let value = try text(column)
        do {
            return try decoder.decode(type, from: Data(value.utf8))
        } catch {
            throw PostgresError(message: "column '\(column)' does not decode as \(T.self): \(error)")
        }
    }
}

/// Parses the ISO-style `timestamptz` text PostgreSQL sends with `DateStyle=ISO` and `TimeZone=UTC`:
/// `2026-11-28 10:18:14.123456+00`.
enum PostgresTimestamp {
    static func parse(_ text: String) -> Date? {
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        let scalars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= scalars.count else { return nil }
            var value = 0
            for byte in scalars[range] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = second
        var index = 19
        var fraction = 0.0
        if index < scalars.count, scalars[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < scalars.count, scalars[index] >= 48, scalars[index] <= 57 {
                fraction += Double(scalars[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds = 0
        if index < scalars.count, scalars[index] == UInt8(ascii: "+") || scalars[index] == UInt8(ascii: "-") {
            let sign = scalars[index] == UInt8(ascii: "-") ? -1 : 1
            guard let hours = number(index + 1..<index + 3) else { return nil }
            var minutes = 0
            if index + 5 < scalars.count + 1, index + 3 < scalars.count, scalars[index + 3] == UInt8(ascii: ":") {
                minutes = number(index + 4..<index + 6) ?? 0
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let base = calendar.date(from: components) else { return nil }
        return base.addingTimeInterval(fraction - Double(offsetSeconds))
    }
}
