import CLibPQ
import CPostgresShim
import Foundation
import Logging

/// libpq's notice receiver for one connection: every notice goes to the connection's logger at its
/// severity's level instead of libpq's default, a raw line on standard error.
///
/// Notices are what the server sends besides a query's answer (`RAISE NOTICE`, `WARNING`s) and what
/// libpq itself warns about. An `ERROR` or `FATAL` arrives here only when no query is waiting for it:
/// that is the server's reason for closing an idle connection (`terminating connection due to
/// administrator command` when PostgreSQL restarts). It is logged as a warning, not an error: the
/// pool and the listener reconnect by themselves, and a caller whose work the loss breaks gets an
/// error of its own.
final class PostgresNotices {
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Makes this the receiver of `handle`'s notices. The caller keeps `self` alive until `PQfinish`.
    func install(on handle: OpaquePointer) {
        _ = PQsetNoticeReceiver(handle, { context, result in
            guard let context, let result else { return }
            Unmanaged<PostgresNotices>.fromOpaque(context).takeUnretainedValue().receive(result)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    private func receive(_ result: OpaquePointer) {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let severity = field(plumb_pg_diag_severity()) ?? "NOTICE"
        let message = field(plumb_pg_diag_message_primary())
            ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        var metadata: Logger.Metadata = ["postgres_severity": "\(severity)"]
        if let sqlState = field(plumb_pg_diag_sqlstate()) { metadata["sqlstate"] = "\(sqlState)" }
        if let detail = field(plumb_pg_diag_message_detail()) { metadata["detail"] = "\(detail)" }
        logger.log(level: Self.level(severity: severity), "PostgreSQL: \(message)", metadata: metadata)
    }

    /// The log level of a notice of `severity` (the untranslated `DEBUG`, `LOG`, `INFO`, `NOTICE`,
    /// `WARNING`, `ERROR`, `FATAL` or `PANIC`).
    static func level(severity: String) -> Logger.Level {
        switch severity {
        case "DEBUG": return .debug
        case "LOG", "INFO": return .info
        case "NOTICE": return .notice
        default: return .warning
        }
    }
}
