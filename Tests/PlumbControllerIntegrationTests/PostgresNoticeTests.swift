import Foundation
import Logging
import PlumbPostgres
import PlumbTestSupport
import XCTest

/// What libpq would print on standard error (notices, warnings, the server's reason for closing a
/// connection) reaches the connection's logger at its level instead, and standard error stays empty.
final class PostgresNoticeTests: XCTestCase {
    /// Standard error of this process, sent to a file while a test runs.
    private final class CapturedStandardError {
        private let saved: Int32
        private let path = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-stderr-\(UUID().uuidString)").path

        init() throws {
            let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard file >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            fflush(stderr)
            saved = dup(STDERR_FILENO)
            dup2(file, STDERR_FILENO)
            close(file)
        }

        /// Restores standard error and answers what was written to it meanwhile.
        func end() -> String {
            fflush(stderr)
            dup2(saved, STDERR_FILENO)
            close(saved)
            defer { unlink(path) }
            return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }
    }

    private func eventually(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            guard Date() < deadline else { return XCTFail("never saw \(what)") }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    func testNoticesAndWarningsReachTheLoggerAtTheirLevel() throws {
        let url = try TestPostgres.shared.makeDatabase()
        let records = LogRecords()
        let captured = try CapturedStandardError()
        do {
            let connection = try PostgresConnection(url: url, logger: Logger(label: "test.notices") { _ in records })
            try connection.execute("DO $$ BEGIN RAISE NOTICE 'plumb says notice'; RAISE WARNING 'plumb says warning'; END $$")
        } catch {
            XCTFail("\(error)")
        }
        let errors = captured.end()

        XCTAssertEqual(errors, "", "libpq wrote to standard error")
        XCTAssertEqual(records.first(containing: "plumb says notice")?.level, .notice, "\(records.all)")
        let warning = records.first(containing: "plumb says warning")
        XCTAssertEqual(warning?.level, .warning, "\(records.all)")
        XCTAssertEqual(warning?.metadata["postgres_severity"], "WARNING")
    }

    func testTheServersReasonForClosingAnIdleConnectionIsLoggedNotPrinted() async throws {
        let url = try TestPostgres.shared.makeDatabase()
        let records = LogRecords()
        let connections = Counter()
        let captured = try CapturedStandardError()
        let listener = PostgresListener(url: url, channels: ["plumb_notice_test"], logger: Logger(label: "test.listener") { _ in records }) {
            if case .connected = $0 { connections.increment() }
        }
        listener.start()
        do {
            try await eventually("the listener connect") { connections.value == 1 }
            let admin = try PostgresConnection(url: url, logger: Logger(label: "test.admin") { _ in records })
            let terminated = try admin.query("""
                SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'
                """)
            XCTAssertEqual(terminated.rows.count, 1, "the listener's connection")
            try await eventually("the server's reason in the log") { records.first(containing: "terminating connection") != nil }
            try await eventually("the listener reconnect") { connections.value == 2 }
        } catch {
            XCTFail("\(error)")
        }
        listener.stop()
        let errors = captured.end()

        XCTAssertEqual(errors, "", "libpq wrote to standard error")
        let reason = records.first(containing: "terminating connection due to administrator command")
        XCTAssertEqual(reason?.level, .warning, "\(records.all)")
        XCTAssertEqual(reason?.metadata["postgres_severity"], "FATAL")
        XCTAssertEqual(reason?.metadata["sqlstate"], "57P01")
    }
}

/// A counter the listener's thread raises and the test reads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
