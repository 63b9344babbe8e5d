import CLibPQ
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Listens on PostgreSQL channels over its own connection, on its own thread, and
/// reconnects by itself when the server goes away.
///
/// Events are delivered on the listener's thread; keep handlers short.
public final class PostgresListener: @unchecked Sendable {
    /// What the listener saw.
    public enum Event: Sendable {
        /// A `NOTIFY` on one of the channels.
        case notification(channel: String, payload: String)
        /// The connection was (re-)established: notifications may have been missed before
        /// this point, so anything waiting should look again.
        case connected
    }

    private let url: String
    private let channels: [String]
    private let logger: Logger
    private let handler: @Sendable (Event) -> Void
    private let stopped = NIOLockedValueBox(false)
    private var thread: Thread?

    /// Creates a listener; nothing happens until ``start()``.
    public init(url: String, channels: [String], logger: Logger, handler: @escaping @Sendable (Event) -> Void) {
        self.url = url
        self.channels = channels
        self.logger = logger
        self.handler = handler
    }

    /// Starts listening on a dedicated thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "plumb-pg-listener"
        self.thread = thread
        thread.start()
    }

    /// Stops listening within about a second.
    public func stop() {
        stopped.withLockedValue { $0 = true }
    }

    private func run() {
        var pause: TimeInterval = 0.1
        while !stopped.withLockedValue({ $0 }) {
            do {
                try listenUntilFailure()
                pause = 0.1
            } catch {
                if stopped.withLockedValue({ $0 }) { return }
                logger.warning("LISTEN connection lost, reconnecting", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 2)
            }
        }
    }

    private func listenUntilFailure() throws {
        let connection = try PostgresConnection(url: url, logger: logger)
        for channel in channels {
            try connection.execute("LISTEN \"\(channel.replacingOccurrences(of: "\"", with: "\"\""))\"")
        }
        handler(.connected)
        guard let handle = connection.rawHandle else { return }
        let socket = PQsocket(handle)
        while !stopped.withLockedValue({ $0 }) {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 1000)
            if ready < 0 && errno != EINTR {
                throw PostgresError(message: "poll failed: errno \(errno)", isConnectionFailure: true)
            }
            if ready > 0 {
                guard PQconsumeInput(handle) == 1 else {
                    throw PostgresError(message: String(cString: PQerrorMessage(handle)), isConnectionFailure: true)
                }
                while let notice = PQnotifies(handle) {
                    let channel = String(cString: notice.pointee.relname)
                    let payload = String(cString: notice.pointee.extra)
                    PQfreemem(notice)
                    handler(.notification(channel: channel, payload: payload))
                }
            }
            if !connection.isHealthy {
                throw PostgresError(message: "connection closed", isConnectionFailure: true)
            }
        }
    }
}
