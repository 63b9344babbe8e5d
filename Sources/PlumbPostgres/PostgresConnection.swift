import CLibPQ
import CPostgresShim
import Foundation
import Logging

/// One blocking libpq connection. Use it only from the thread that runs the pool's closure.
///
/// Every ``query(_:_:)`` and ``execute(_:)`` is exactly one round trip to the server.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    private let onRoundTrip: () -> Void
    /// Where libpq's notices go; libpq holds an unretained pointer to it for as long as `handle` lives.
    private let notices: PostgresNotices

    /// Connects with a libpq connection string or URL and sets the session to UTC/ISO dates.
    ///
    /// What the server or libpq says outside a query's answer (`RAISE NOTICE`, warnings, the reason
    /// the server gives before it closes the connection) goes to `logger`, never to standard error.
    public init(url: String, logger: Logger, onRoundTrip: @escaping () -> Void = {}) throws {
        self.onRoundTrip = onRoundTrip
        notices = PostgresNotices(logger: logger)
        handle = PQconnectdb(url)
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let message = handle.map { String(cString: PQerrorMessage($0)).trimmingCharacters(in: .whitespacesAndNewlines) }
                ?? "out of memory"
            if let handle { PQfinish(handle) }
            self.handle = nil
            throw PostgresError(message: "cannot connect to PostgreSQL: \(message)", isConnectionFailure: true)
        }
        notices.install(on: handle)
        try execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'")
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// The libpq handle, for the listener's socket polling.
    var rawHandle: OpaquePointer? { handle }

    /// False once the server connection is broken; the pool then discards it.
    public var isHealthy: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Runs one parameterised statement (`$1`, `$2`, … in text format): one round trip.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresBindable?] = []) throws -> PostgresResult {
        let handle = try liveHandle()
        let texts = parameters.map { $0?.postgresText }
        let duplicates = texts.map { $0.flatMap { strdup($0) } }
        defer { duplicates.forEach { free($0) } }
        // libpq takes parameters as C strings: one holding a NUL would reach the server cut short (the copy ends
        // there), so a name could silently become another. Refuse it instead.
        if let position = texts.indices.first(where: { duplicates[$0].map { strlen($0) } != texts[$0].map { $0.utf8.count } }) {
            throw PostgresError(message: "parameter $\(position + 1) holds a NUL byte, which a text parameter cannot carry")
        }
        let values = duplicates.map { UnsafePointer<CChar>($0) }
        onRoundTrip()
        let result = values.withUnsafeBufferPointer { buffer in
            PQexecParams(handle, sql, Int32(values.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        return try consume(result)
    }

    /// Runs one or more statements without parameters (simple protocol): one round trip.
    public func execute(_ sql: String) throws {
        let handle = try liveHandle()
        onRoundTrip()
        _ = try consume(PQexec(handle, sql))
    }

    private func liveHandle() throws -> OpaquePointer {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(message: "the connection to PostgreSQL is closed", isConnectionFailure: true)
        }
        return handle
    }

    private func consume(_ result: OpaquePointer?) throws -> PostgresResult {
        guard let result else {
            throw connectionError()
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return copy(result)
        default:
            throw error(from: result)
        }
    }

    private func connectionError() -> PostgresError {
        let message = handle.map { String(cString: PQerrorMessage($0)).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "no connection"
        return PostgresError(message: message, isConnectionFailure: !isHealthy)
    }

    private func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(plumb_pg_diag_sqlstate())
        let primary = field(plumb_pg_diag_message_primary())
            ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(sqlState: sqlState, message: primary, detail: field(plumb_pg_diag_message_detail()),
                             constraint: field(plumb_pg_diag_constraint_name()),
                             isConnectionFailure: sqlState == nil && !isHealthy)
    }

    private func copy(_ result: OpaquePointer) -> PostgresResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(String(cString: PQfname(result, Int32(column))))
        }
        var index: [String: Int] = [:]
        for (position, name) in columns.enumerated() where index[name] == nil {
            index[name] = position
        }
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(PostgresRow(columnIndex: index, values: values))
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresResult(columns: columns, rows: rows, affectedRows: affected)
    }
}
