import Logging
import PlumbPostgres
import ServiceLifecycle

/// The one `LISTEN plumb_generation` connection of a controller, feeding ``GenerationWaiters``.
///
/// Every controller replica on a database runs one, so a change committed through any replica
/// wakes the long polls held by all of them. On graceful shutdown it ends every long poll (they
/// answer 304) before the HTTP server stops, so shutting down never waits for a poll's timeout.
public struct GenerationWatcher: Service {
    private let databaseURL: String
    private let waiters: GenerationWaiters
    private let logger: Logger

    public init(databaseURL: String, waiters: GenerationWaiters, logger: Logger) {
        self.databaseURL = databaseURL
        self.waiters = waiters
        self.logger = logger
    }

    public func run() async throws {
        let waiters = self.waiters
        let logger = self.logger
        let listener = PostgresListener(url: databaseURL, channels: [GenerationNotice.channel], logger: logger) { event in
            switch event {
            case .connected:
                logger.debug("listening for generation notices")
                Task { await waiters.wakeAll() }
            case .notification(_, let payload):
                guard let notice = GenerationNotice(payload: payload) else {
                    logger.warning("unexpected generation notice", metadata: ["payload": "\(payload)"])
                    return
                }
                Task { await waiters.notify(notice) }
            }
        }
        listener.start()
        defer { listener.stop() }
        try? await gracefulShutdown()
        await waiters.shutDown()
    }
}
