import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// Where and how many connections to keep.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection URL or `key=value` string.
    public var url: String
    /// Connections (and threads running libpq calls) at most.
    public var size: Int
    /// How long a caller waits for PostgreSQL to come back (restart, failover) before failing.
    public var reconnectDeadline: TimeInterval

    public init(url: String, size: Int = 4, reconnectDeadline: TimeInterval = 15) {
        self.url = url
        self.size = max(1, size)
        self.reconnectDeadline = reconnectDeadline
    }
}

/// PostgreSQL's transaction isolation levels (the schema's writers need READ COMMITTED).
public enum PostgresIsolation: String, Sendable {
    case serializable = "SERIALIZABLE"
    case repeatableRead = "REPEATABLE READ"
    case readCommitted = "READ COMMITTED"
}

/// A pool of libpq connections whose blocking calls run on a dedicated `NIOThreadPool`,
/// never on the Swift concurrency pool.
///
/// Closures passed to the pool run on one of its threads holding one connection. When
/// PostgreSQL goes away (restart, crash) the broken connection is dropped and the closure
/// runs again on a fresh one once the server is back, until ``PostgresConfiguration/reconnectDeadline``:
/// closures must therefore be safe to run more than once (transactions are).
public final class PostgresPool: @unchecked Sendable {
    public let configuration: PostgresConfiguration
    private let logger: Logger
    private let threadPool: NIOThreadPool
    private let idle = NIOLockedValueBox<[PostgresConnection]>([])
    private let roundTripCount = NIOLockedValueBox<Int>(0)
    private let maximumTransactionAttempts = 20

    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        threadPool = NIOThreadPool(numberOfThreads: configuration.size)
        threadPool.start()
    }

    /// Round trips made to the server by every connection of this pool so far.
    public var roundTrips: Int { roundTripCount.withLockedValue { $0 } }

    /// Closes every connection and stops the threads.
    public func shutdown() async {
        idle.withLockedValue { $0.removeAll() }
        try? await threadPool.shutdownGracefully()
    }

    /// Runs `body` with a connection on the pool's threads.
    public func withConnection<T>(_ body: @escaping (PostgresConnection) throws -> T) async throws -> T {
        try await retryingWhileUnavailable { try await self.run(body) }
    }

    /// Runs `body` inside `BEGIN ISOLATION LEVEL … / COMMIT`, running it again on serialization
    /// failures and deadlocks (and whenever `retryIf` says so), with a short randomised pause.
    /// Any error rolls the transaction back.
    ///
    /// The isolation level has no default: the schema's writers (`plumb.begin_change`) refuse any
    /// level but READ COMMITTED, so each caller says which one its statements need.
    public func transaction<T>(isolation: PostgresIsolation,
                               retryIf: ((PostgresError) -> Bool)? = nil,
                               _ body: @escaping (PostgresConnection) throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await withConnection { connection in
                    try connection.execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
                    do {
                        let value = try body(connection)
                        try connection.execute("COMMIT")
                        return value
                    } catch {
                        if connection.isHealthy { try? connection.execute("ROLLBACK") }
                        throw error
                    }
                }
            } catch let error as PostgresError where attempt < maximumTransactionAttempts
                && (error.isRetryable || retryIf?(error) == true) {
                logger.debug("retrying transaction", metadata: ["attempt": "\(attempt)", "sqlstate": "\(error.sqlState ?? "")"])
                attempt += 1
                let pause = UInt64.random(in: 1_000_000...UInt64(min(attempt, 10)) * 5_000_000)
                try await Task.sleep(nanoseconds: pause)
            }
        }
    }

    private func retryingWhileUnavailable<T>(_ operation: () async throws -> T) async throws -> T {
        let deadline = Date().addingTimeInterval(configuration.reconnectDeadline)
        var pause: UInt64 = 50_000_000
        while true {
            do {
                return try await operation()
            } catch let error as PostgresError where error.isServerUnavailable && Date() < deadline {
                logger.warning("PostgreSQL unavailable, retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(nanoseconds: pause)
                pause = min(pause * 2, 1_000_000_000)
            }
        }
    }

    private func run<T>(_ body: @escaping (PostgresConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            threadPool.submit { state in
                guard case .active = state else {
                    continuation.resume(throwing: PostgresError(message: "the PostgreSQL pool is shut down"))
                    return
                }
                do {
                    let connection = try self.checkOut()
                    do {
                        let value = try body(connection)
                        self.checkIn(connection)
                        continuation.resume(returning: value)
                    } catch {
                        self.checkIn(connection)
                        continuation.resume(throwing: error)
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func checkOut() throws -> PostgresConnection {
        if let connection = idle.withLockedValue({ $0.popLast() }) {
            return connection
        }
        return try PostgresConnection(url: configuration.url, logger: logger) { [roundTripCount] in
            roundTripCount.withLockedValue { $0 += 1 }
        }
    }

    private func checkIn(_ connection: PostgresConnection) {
        guard connection.isHealthy else {
            logger.info("dropping a broken PostgreSQL connection")
            return
        }
        idle.withLockedValue { $0.append(connection) }
    }
}
