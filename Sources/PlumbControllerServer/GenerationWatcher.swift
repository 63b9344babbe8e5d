import Logging
import PlumbController
import ServiceLifecycle

/// Feeds the store's generation notices (one `LISTEN plumb_generation` connection per controller)
/// to ``GenerationWaiters`` and ``DesiredDocuments``.
///
/// Every controller replica on a database runs one, so a change committed through any replica
/// wakes the long polls held by all of them. On graceful shutdown it ends every long poll (they
/// answer 304) before the HTTP server stops, so shutting down never waits for a poll's timeout.
public struct GenerationWatcher: Service {
    private let store: ControllerStore
    private let waiters: GenerationWaiters
    private let documents: DesiredDocuments
    private let logger: Logger

    public init(store: ControllerStore, waiters: GenerationWaiters, documents: DesiredDocuments, logger: Logger) {
        self.store = store
        self.waiters = waiters
        self.documents = documents
        self.logger = logger
    }

    public func run() async throws {
        let waiters = self.waiters
        let documents = self.documents
        let logger = self.logger
        let events = store.generationEvents()
        let delivery = Task {
            for await event in events {
                switch event {
                case .listening:
                    logger.debug("listening for generation notices")
                    await documents.invalidateAll()
                    await waiters.wakeAll()
                case .rose(let notice):
                    // The documents first: a woken poll asks for the announced generation.
                    await documents.announce(notice)
                    await waiters.notify(notice)
                }
            }
        }
        try? await gracefulShutdown()
        delivery.cancel()
        await waiters.shutDown()
    }
}
